#!/bin/sh
# protect.sh - what the disclosure boundary costs.  Not a test: prints
# medians and ratios.  Not run by `meson test`.
#
#   tests/bench/protect.sh [BUILD_DIR]
#
# 1. The grouped-sum benchmark (a count and a sum of youth_care by
#    neighbourhood and gender over ROWS generated person rows, as in
#    data.sh) through build/tests/lua/lua_bench, against the same program
#    built from BASE, the commit before protected answers: the answers now
#    go through the primary rules, rounding and the auditor before Lua
#    sees them.  Runs are interleaved (tests/bench/interleave.py), RUNS
#    rounds after one warm-up; the target is a ratio of at most 1.10.
# 2. The auditor's own cost: build/tests/lua/audit_bench, 10, 100 and 1000
#    random queries on a coarse and a fine synthetic file (medians of
#    AUDIT_RUNS runs).
#
# Environment: ROWS (default 5000000), RUNS (default 7), AUDIT_RUNS
# (default 3), BASE (default a756383), WORK (scratch, default
# /tmp/pt-bench-protect; the baseline is built there from `git archive`).
set -eu

BUILD=${1:-build}
ROWS=${ROWS:-5000000}
RUNS=${RUNS:-7}
AUDIT_RUNS=${AUDIT_RUNS:-3}
BASE=${BASE:-a756383}
WORK=${WORK:-/tmp/pt-bench-protect}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BENCH=$(cd "$BUILD" && pwd)/tests/lua/lua_bench
AUDIT=$(cd "$BUILD" && pwd)/tests/lua/audit_bench
COLS=person_id,birth_year,gender,neighbourhood,household_size,income_decile,youth_care

for b in "$BENCH" "$AUDIT"; do
	[ -x "$b" ] || { echo "protect.sh: build $b first (ninja -C $BUILD)" >&2; exit 1; }
done
mkdir -p "$WORK"

buildtype=$(meson introspect --buildoptions "$BUILD" 2>/dev/null |
	python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' 2>/dev/null) ||
	buildtype=unknown

# The baseline: the same benchmark program at BASE, built once with the
# same build type.
BASESRC=$WORK/base-$BASE-$buildtype
BASEBENCH=$BASESRC/build/tests/lua/lua_bench
if [ ! -x "$BASEBENCH" ]; then
	echo "building the baseline $BASE in $BASESRC"
	rm -rf "$BASESRC"
	mkdir -p "$BASESRC"
	git -C "$SRC" archive "$BASE" | tar -x -C "$BASESRC"
	meson setup "$BASESRC/build" "$BASESRC" --buildtype="$buildtype" > "$WORK/base-setup.log" 2>&1 ||
		{ cat "$WORK/base-setup.log" >&2; exit 1; }
	ninja -C "$BASESRC/build" tests/lua/lua_bench > "$WORK/base-build.log" 2>&1 ||
		{ cat "$WORK/base-build.log" >&2; exit 1; }
fi
echo "build $BUILD and baseline $BASE: $buildtype"
CSV=$(sh "$(dirname "$0")/people.sh" "$ROWS" "$WORK")
echo "data: $(wc -c < "$CSV") bytes, $ROWS rows"

# Both must run the script to its end before a time means anything.
for b in "$BENCH" "$BASEBENCH"; do
	"$b" "$WORK/grouped.lua" "$CSV" people aggregate $COLS > "$WORK/check.out" 2>&1 ||
		{ echo "protect.sh: $b failed:" >&2; cat "$WORK/check.out" >&2; exit 1; }
	grep -q '^end=OK' "$WORK/check.out" ||
		{ echo "protect.sh: $b did not end OK:" >&2; cat "$WORK/check.out" >&2; exit 1; }
done

echo
echo "grouped count+sum over $ROWS rows, $RUNS interleaved rounds (median q1 q3, ms):"
python3 "$HERE/interleave.py" "$RUNS" 1 \
	"protected=$BENCH $WORK/grouped.lua $CSV people aggregate $COLS" \
	"baseline=$BASEBENCH $WORK/grouped.lua $CSV people aggregate $COLS" > "$WORK/times"
sed 's/^/  /' "$WORK/times"
mawk '$1 == "protected" { a = $2 } $1 == "baseline" { b = $2 }
	END { printf "  ratio protected/baseline: %.3f (target <= 1.10)\n", a / b }' "$WORK/times"

echo
echo "the auditor's own cost (audit_bench, medians of $AUDIT_RUNS runs):"
"$AUDIT" 100000 "$AUDIT_RUNS" | sed 's/^/  /'
