#!/bin/sh
# tests/repro/repro.sh - byte-identical reports whatever differs between
# runs (clock, time zone, locale, umask, HOME, cwd, out path, environment,
# file order, Lua's hash seed), and `proeftuin verify` on intact and
# tampered reports.  TAP output.  Usage: repro.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"

PROFILE="$SRC/profiles/crowd-safety.ini"
FILES="report.json report.md SHA256SUMS"

# A bundle whose script walks a hash table with pairs(), draws random
# numbers and reads the clock: all of it must come out the same every run.
mkdir -p "$T/b/data"
cp "$SRC/scripts/examples/crowd-safety/data/counts.csv" "$T/b/data/"
cp "$SRC/scripts/examples/crowd-safety/experiment.ini" "$T/b/"
cat >"$T/b/analysis.lua" <<'LUA'
local t = {}
for _, k in ipairs({ "alpha", "beta", "gamma", "delta", "epsilon", "zeta",
	"eta", "theta", "iota", "kappa", "lambda", "mu" }) do
	t[k] = #k
end
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
local r = {}
for i = 1, 5 do r[i] = math.random(1, 1000000) end
output.text("notes", table.concat(keys, ",") .. "\n" .. table.concat(r, ",")
	.. "\n" .. tostring(os.time()) .. "\n" .. os.date("!%Y-%m-%d"))
LUA

run() { # run OUTDIR [env assignments...]
	out=$1
	shift
	env "$@" "$PT" run "$T/b" --profile "$PROFILE" --out "$out" \
		>/dev/null 2>"$T/stderr"
}

export SOURCE_DATE_EPOCH=1767225600
run "$T/ref"
[ -f "$T/ref/report.json" ]
ok $? "reference run wrote a report"

same_as_ref() { # DIR DESCRIPTION
	r=0
	for f in $FILES review/notes.txt; do
		if ! cmp -s "$T/ref/$f" "$1/$f"; then
			echo "# $2: $f differs" >&2
			r=1
		fi
	done
	ok $r "$2: byte-identical"
}

i=0
variation() { # DESCRIPTION env...
	i=$((i + 1))
	desc=$1
	shift
	run "$T/v$i" "$@"
	same_as_ref "$T/v$i" "$desc"
}

variation "time zone far east" TZ=Pacific/Kiritimati
variation "time zone far west" TZ=Etc/GMT+12
variation "C locale" LC_ALL=C LANG=C
variation "Dutch locale" LC_ALL=nl_NL.UTF-8 LANG=nl_NL.UTF-8
if locale -a 2>/dev/null | grep -qi '^et_EE'; then
	variation "Estonian locale (unusual sort order)" LC_ALL=et_EE.UTF-8
else
	echo "# et_EE locale not installed; the C and nl_NL variations stand in"
fi
variation "other HOME and USER" HOME=/nonexistent/second-build USER=nobody
variation "environment noise" PROEFTUIN_NOISE=1 LUA_PATH='/tmp/?.lua' \
	LUA_INIT='os.exit(3)' PATH="$PATH:/i_capture_the_path"
variation "one more run (ASLR, string-hash seed)"

# Other cwd, relative paths, other umask, another copy of the bundle made
# in reverse file order.
mkdir -p "$T/elsewhere/deeper"
(cd "$T/elsewhere/deeper" && umask 0002 &&
	"$PT" run ../../b --profile "$PROFILE" --out out >/dev/null 2>&1)
same_as_ref "$T/elsewhere/deeper/out" "other cwd, relative paths, umask 0002"
mkdir -p "$T/copy/data"
for f in analysis.lua experiment.ini; do cp "$T/b/$f" "$T/copy/$f"; done
cp "$T/b/data/counts.csv" "$T/copy/data/"
"$PT" run "$T/copy" --profile "$PROFILE" --out "$T/vcopy" >/dev/null 2>&1
same_as_ref "$T/vcopy" "copy of the bundle elsewhere"

# The same content as archives of every supported format, entries written
# in another order: the same report.
"$PT" pack "$T/b" -o "$T/b.tar.gz" >/dev/null 2>&1
ok $? "pack the bundle as tar.gz"
(cd "$T/b" && find . -type f | sort -r | tar -cf "$T/b.tar" --no-recursion -T -)
ok $? "tar the bundle in reverse order"
python3 - "$T/b" "$T/b.zip" <<'PY'
import os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
names = []
for d, _, files in os.walk(root):
    for f in files:
        names.append(os.path.relpath(os.path.join(d, f), root))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(names, key=lambda x: x[::-1]):
        z.write(os.path.join(root, n), n)
PY
ok $? "zip the bundle in a shuffled order"
for a in b.tar.gz b.tar b.zip; do
	"$PT" run "$T/$a" --profile "$PROFILE" --out "$T/fmt-$a" >/dev/null 2>&1
	same_as_ref "$T/fmt-$a" "bundle as $a"
done
if command -v zstd >/dev/null 2>&1; then
	zstd -q -19 "$T/b.tar" -o "$T/b.tar.zst"
	"$PT" run "$T/b.tar.zst" --profile "$PROFILE" --out "$T/fmt-zst" >/dev/null 2>&1
	same_as_ref "$T/fmt-zst" "bundle as b.tar.zst"
else
	echo "# zstd not installed; tar.zst variation skipped"
fi

# A shipped pilot with real aggregates: the same under other conditions.
PILOT="$SRC/scripts/examples/crowd-safety"
PPROF="$SRC/profiles/crowd-safety.ini"
"$PT" run "$PILOT" --profile "$PPROF" --out "$T/p1" >/dev/null 2>&1
(cd "$T" && umask 0002 && TZ=America/St_Johns LC_ALL=C HOME=/ \
	"$PT" run "$PILOT" --profile "$PPROF" --out p2 >/dev/null 2>&1)
r=0
for f in report.json report.md SHA256SUMS; do
	cmp -s "$T/p1/$f" "$T/p2/$f" || r=1
done
for f in $(cd "$T/p1" && ls outputs); do
	cmp -s "$T/p1/outputs/$f" "$T/p2/outputs/$f" || r=1
done
ok $r "crowd-safety pilot: byte-identical reports and outputs"

# Without SOURCE_DATE_EPOCH the report has no date but is just as stable.
unset SOURCE_DATE_EPOCH
run "$T/nd1"
run "$T/nd2" TZ=Asia/Tokyo
r=0
for f in $FILES; do cmp -s "$T/nd1/$f" "$T/nd2/$f" || r=1; done
ok $r "no SOURCE_DATE_EPOCH: still byte-identical"
grep -q '"date"' "$T/nd1/report.json" && r=1 || r=0
ok $r "no SOURCE_DATE_EPOCH: no date in the report"

# verify: intact, tampered, other versions.
"$PT" verify "$T/ref" --bundle "$T/b" --profile "$PROFILE" >"$T/out" 2>&1
ok $? "verify on an intact report exits 0"
grep -qx identical "$T/out"
ok $? "verify prints identical"

cp -r "$T/ref" "$T/tamper1"
sed -i 's/"verdict":"[A-Z]*"/"verdict":"PASS"/' "$T/tamper1/report.json"
"$PT" verify "$T/tamper1" --bundle "$T/b" --profile "$PROFILE" >"$T/out" 2>&1
[ $? -eq 2 ]
ok $? "verify on a forged verdict exits 2"
grep -qx 'differs: report.json' "$T/out"
ok $? "verify names report.json"
grep -qx 'first difference at JSON path: verdict' "$T/out"
ok $? "verify names the JSON path"

cp -r "$T/ref" "$T/tamper2"
echo "extra" >>"$T/tamper2/review/notes.txt"
"$PT" verify "$T/tamper2" --bundle "$T/b" --profile "$PROFILE" >"$T/out" 2>&1
[ $? -eq 2 ]
ok $? "verify on a tampered output exits 2"
grep -qx 'differs: review/notes.txt' "$T/out"
ok $? "verify names the tampered output"

cp -r "$T/ref" "$T/tamper3"
sed -i 's/"lua":"[^"]*"/"lua":"9.9.9"/' "$T/tamper3/report.json"
"$PT" verify "$T/tamper3" --bundle "$T/b" --profile "$PROFILE" >"$T/out" 2>&1
[ $? -eq 65 ]
ok $? "verify refuses a report made with other versions (exit 65)"
grep -q 'lua 9.9.9' "$T/out"
ok $? "verify says which version differs"

cp -r "$T/b" "$T/b2"
echo "-- changed" >>"$T/b2/analysis.lua"
"$PT" verify "$T/ref" --bundle "$T/b2" --profile "$PROFILE" >"$T/out" 2>&1
[ $? -eq 2 ]
ok $? "verify with a changed bundle exits 2"

"$PT" verify "$T/absent" --bundle "$T/b" --profile "$PROFILE" >/dev/null 2>&1
[ $? -eq 66 ]
ok $? "verify on a missing folder exits 66"

echo "1..$n"
[ "$fails" -eq 0 ]
