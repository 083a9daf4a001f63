#!/bin/sh
# data.sh - benchmark of the Lua data API against mawk, DuckDB and plain
# lua5.4 on a generated person-level CSV.  Not a test: prints median times
# and ratios.  Not run by `meson test`.
#
#   tests/bench/data.sh [BUILD_DIR]
#
# Environment: ROWS (default 5000000), RUNS (default 5), WORK (scratch dir,
# default /tmp/pt-bench-data), DUCKDB_DIR (a folder where
# `npm install @duckdb/node-api` was run; skipped when absent).
#
# The sandboxed runs are timed twice: `proeftuin run` end to end on a
# bundle (intake and hashing of the 150 MB CSV, admission, the jailed Lua
# child, output checks, the report written atomically), and
# build/tests/lua/lua_bench, which calls sbx_run + luabox_main alone.
set -eu

BUILD=${1:-build}
ROWS=${ROWS:-5000000}
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/pt-bench-data}
DUCKDB_DIR=${DUCKDB_DIR:-/tmp/duckbench}
BENCH=$(cd "$BUILD" && pwd)/tests/lua/lua_bench
PT=$(cd "$BUILD" && pwd)/runner/proeftuin
COLS=person_id,birth_year,gender,neighbourhood,household_size,income_decile,youth_care

[ -x "$BENCH" ] || { echo "data.sh: build $BENCH first (ninja -C $BUILD)" >&2; exit 1; }
mkdir -p "$WORK"
CSV=$(sh "$(dirname "$0")/people.sh" "$ROWS" "$WORK")
echo "data: $(wc -c < "$CSV") bytes, $ROWS rows"

cat > "$WORK/rows.lua" <<'EOF'
local ds = data.open("people")
local n, s = 0, 0
for row in ds:rows{ "neighbourhood", "youth_care" } do
	n = n + 1
	if row.youth_care == "1" then s = s + 1 end
end
output.text("rows", n .. " " .. s)
EOF

cat > "$WORK/plain.lua" <<'EOF'
local n, s, first = 0, 0, true
for line in io.lines(arg[1]) do
	if first then
		first = false
	else
		local nb, yc = line:match("^[^,]*,[^,]*,[^,]*,([^,]*),[^,]*,[^,]*,([^,]*)")
		n = n + 1
		if yc == "1" then s = s + 1 end
	end
end
print(n, s)
EOF

cat > "$WORK/duck.js" <<'EOF'
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
	const db = await DuckDBInstance.create(':memory:', { threads: '1' });
	const con = await db.connect();
	const r = await con.runAndReadAll(`SELECT neighbourhood, gender,
		count(*) AS n, sum(youth_care) AS s FROM read_csv('${process.argv[2]}')
		GROUP BY ALL ORDER BY ALL`);
	console.log(r.getRows().length);
})();
EOF

cat > "$WORK/check.lua" <<'EOF'
local ds = data.open("people")
local opts = { by = { "neighbourhood", "gender" } }
local a, b = ds:count(opts), ds:sum("youth_care", opts)
local parts, i = {}, 0
for r in a:rows() do parts[#parts + 1] = r.neighbourhood .. "," .. r.gender .. "," .. r.count end
for r in b:rows() do i = i + 1; parts[i] = parts[i] .. "," .. r.sum end
output.text("all", table.concat(parts, "\n"))
EOF

# The results must agree with mawk's before any time means anything.
ours=$(LUA_BENCH_EXACT=1 LUA_BENCH_FULL=1 "$BENCH" "$WORK/check.lua" "$CSV" people aggregate $COLS | sed 1d | sort | md5sum)
theirs=$(mawk -F, 'NR > 1 { k = $4 FS $3; c[k]++; s[k] += $7 } END { for (k in c) print k "," c[k] "," s[k] }' "$CSV" | sort | md5sum)
if [ "$ours" = "$theirs" ]; then
	echo "grouped results identical to mawk's"
else
	echo "data.sh: grouped results differ from mawk's" >&2
	exit 1
fi

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# median_ms LABEL CMD...: run RUNS times; report on stderr, median on stdout.
median_ms() {
	label=$1
	shift
	times=""
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now_ms)
		"$@" > "$WORK/last.out" 2>&1 || { echo "$label failed:"; cat "$WORK/last.out"; exit 1; }
		t1=$(now_ms)
		times="$times $((t1 - t0))"
		i=$((i + 1))
	done
	med=$(echo $times | tr ' ' '\n' | sort -n | mawk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	printf '%-40s median %6d ms  (runs:%s)\n' "$label" "$med" "$times" >&2
	echo "$med"
}

ratio() { mawk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# A bundle and a profile for `proeftuin run`; the CSV is hard-linked in.
B=$WORK/bundle
mkdir -p "$B/data"
[ -e "$B/data/people.csv" ] || ln "$CSV" "$B/data/people.csv"
cp "$WORK/grouped.lua" "$B/analysis.lua"
cat > "$B/experiment.ini" <<'INI'
[experiment]
name        = bench-youth-care
version     = 1.0.0
team        = proeftuin benchmark
contact     = bench@example.org
purpose     = prevention-research
description = Grouped count and sum over a generated person-level CSV.
entry       = analysis.lua

[dataset.people]
file    = data/people.csv
columns = neighbourhood, gender, youth_care
INI
cat > "$WORK/bench.ini" <<'INI'
[profile]
name            = bench
version         = 1
owner           = proeftuin benchmark
purposes        = prevention-research
legal_basis     = synthetic data
public_interest = public-services

[limits]
wall_seconds = 300
cpu_seconds  = 300

[bundle]
max_bytes      = 1073741824
max_file_bytes = 1073741824
max_ratio      = 100000

[dataset.people]
access           = aggregate
columns          = neighbourhood, gender, youth_care
identifiers      = person_id
personal         = no
special_category = no
INI
run_pt() {
	rm -rf "$WORK/out"
	"$PT" run "$B" --profile "$WORK/bench.ini" --out "$WORK/out" || [ $? -le 2 ]
}
m_run=$(median_ms "proeftuin run grouped count+sum" run_pt)
run_rss=$(sed -n 's/^max_rss_kib: //p' "$WORK/out/run.log" | head -1)

m_lua=$(median_ms "luabox grouped count+sum" "$BENCH" "$WORK/grouped.lua" "$CSV" people aggregate $COLS)
grep -E '^end=' "$WORK/last.out" | sed 's/^/    /' >&2
rss=$(sed -n 's/.*max_rss_kib=\([0-9]*\).*/\1/p' "$WORK/last.out")

m_awk=$(median_ms "mawk grouped count+sum" mawk -F, 'NR > 1 { k = $4 FS $3; c[k]++; s[k] += $7 } END { for (k in c) print k, c[k], s[k] }' "$CSV")

m_duck=""
if [ -d "$DUCKDB_DIR/node_modules/@duckdb/node-api" ]; then
	cp "$WORK/duck.js" "$DUCKDB_DIR/pt-duck.js"
	m_duck=$(median_ms "duckdb (1 thread) grouped count+sum" node "$DUCKDB_DIR/pt-duck.js" "$CSV")
	duck_rss=$( (/usr/bin/time -f '%M' node "$DUCKDB_DIR/pt-duck.js" "$CSV" > /dev/null) 2>&1 | tail -1)
fi

m_rows=$(median_ms "luabox ds:rows two columns" "$BENCH" "$WORK/rows.lua" "$CSV" people rows $COLS)
rows_rss=$(sed -n 's/.*max_rss_kib=\([0-9]*\).*/\1/p' "$WORK/last.out")
m_plain=$(median_ms "lua5.4 io.lines + pattern" lua5.4 "$WORK/plain.lua" "$CSV")

echo
echo "ratios (median; lower is better):"
echo "  grouped count+sum  proeftuin run / mawk   = $(ratio "$m_run" "$m_awk")   (target <= 0.5)"
[ -n "$m_duck" ] && echo "  grouped count+sum  proeftuin run / duckdb = $(ratio "$m_run" "$m_duck")   (target <= 0.5)"
echo "  grouped count+sum  luabox / mawk   = $(ratio "$m_lua" "$m_awk")   (sandboxed run alone)"
if [ -n "$m_duck" ]; then
	echo "  grouped count+sum  luabox / duckdb = $(ratio "$m_lua" "$m_duck")   (target <= 0.5)"
else
	echo "  grouped count+sum  luabox / duckdb = n/a (npm install @duckdb/node-api in $DUCKDB_DIR)"
fi
echo "  rows, two columns  luabox / lua5.4 = $(ratio "$m_rows" "$m_plain")   (target <= 0.7)"
echo "peak RSS of the sandboxed child: proeftuin run $((${run_rss:-0} / 1024)) MiB, grouped $((rss / 1024)) MiB, rows $((rows_rss / 1024)) MiB (target <= 64 MiB)"
[ -n "${duck_rss:-}" ] && echo "peak RSS of duckdb (node): $((duck_rss / 1024)) MiB"
exit 0
