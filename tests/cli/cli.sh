#!/bin/sh
# tests/cli/cli.sh - the proeftuin command as a user meets it: help,
# version, usage errors, exit codes, error format, the stdout write check,
# and a real run of a bundle into an atomically written, reproducible report.
# TAP output.  Usage: cli.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"

# A small bundle that only writes free text, so it runs without datasets.
mkbundle() {
	mkdir -p "$1/data"
	cp "$SRC/scripts/examples/crowd-safety/data/counts.csv" "$1/data/"
	cp "$SRC/scripts/examples/crowd-safety/experiment.ini" "$1/"
	printf '%s\n' "$2" >"$1/analysis.lua"
}
PROFILE="$SRC/profiles/crowd-safety.ini"

expect 0 "--help exits 0" -- "$PT" --help
grep -q '^usage: proeftuin' "$T/out"
ok $? "--help prints usage on stdout"
[ ! -s "$T/err" ]
ok $? "--help prints nothing on stderr"

# Every command --help lists must exist and answer its own --help.
cmds=$(sed -n 's/^  proeftuin \([a-z]*\).*/\1/p' "$T/out" | sort -u)
[ -n "$cmds" ]
ok $? "--help lists commands"
for c in $cmds; do
	"$PT" "$c" --help >/dev/null 2>&1
	ok $? "listed command '$c' works (its --help exits 0)"
	grep -q "^\*proeftuin $c\*" "$SRC/doc/proeftuin.1.scd"
	ok $? "command '$c' is documented in proeftuin(1)"
done

expect 0 "--version exits 0" -- "$PT" --version
grep -Eq '^proeftuin [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
ok $? "--version prints 'proeftuin X.Y.Z'"

expect 64 "no arguments is a usage error" -- "$PT"
expect 64 "unknown command is a usage error" -- "$PT" frobnicate
grep -q "^proeftuin: unknown command 'frobnicate'" "$T/err"
ok $? "unknown command message has the error format"
expect 64 "unknown option is a usage error" -- "$PT" run x --profile y --bogus
expect 64 "run without --profile is a usage error" -- "$PT" run x
expect 64 "run with two bundles is a usage error" -- "$PT" run a b --profile p

# git's stdout check: a lost write must not exit 0.
if [ -w /dev/full ]; then
	"$PT" --help >/dev/full 2>"$T/err"
	[ $? -eq 74 ]
	ok $? "write failure on stdout exits 74"
	grep -q '^proeftuin: write failure on standard output' "$T/err"
	ok $? "write failure is reported"
else
	ok 0 "# SKIP /dev/full not available"
fi

mkbundle "$T/text" 'output.text("notes", "free text for the advisor", { description = "Notes" })'
expect 66 "missing profile exits 66" -- "$PT" run "$T/text" --profile "$T/nope.ini" --out "$T/o0"
grep -q "^proeftuin: $T/nope.ini: " "$T/err"
ok $? "missing profile message names the file"
printf '[profile]\nname = x\nversoin = 1\n' >"$T/bad.ini"
expect 78 "bad profile exits 78" -- "$PT" run "$T/text" --profile "$T/bad.ini" --out "$T/o0"
grep -q "^proeftuin: $T/bad.ini:3: unknown key 'versoin' in \[profile\]; did you mean 'version'?$" "$T/err"
ok $? "bad profile message is FILE:LINE: message"
ln -s "$PROFILE" "$T/link.ini"
expect 78 "a symlinked profile is refused with 78" -- "$PT" profile lint "$T/link.ini"
grep -q "is a symbolic link, which is not followed; hint: pass the file it points to" "$T/err"
ok $? "the refusal says why and what to do"
expect 66 "missing bundle exits 66" -- "$PT" run "$T/absent" --profile "$PROFILE" --out "$T/o0"
[ ! -e "$T/o0" ]
ok $? "no report for a missing bundle"

expect 1 "text-only bundle: REVIEW exits 1" -- "$PT" run "$T/text" --profile "$PROFILE" --out "$T/o1"
grep -q '^verdict: REVIEW$' "$T/out"
ok $? "verdict printed on stdout"
grep -q "^report: $T/o1/report.md$" "$T/out"
ok $? "report path printed on stdout"
for f in report.json report.md SHA256SUMS run.log review/notes.txt; do
	[ -f "$T/o1/$f" ]
	ok $? "report folder has $f"
done
(cd "$T/o1" && sha256sum --quiet -c SHA256SUMS)
ok $? "SHA256SUMS verifies"
grep -q '"verdict":"REVIEW"' "$T/o1/report.json"
ok $? "report.json carries the verdict"
grep -q '"schema":"proeftuin-report/1"' "$T/o1/report.json"
ok $? "report.json carries the schema"
grep -q '^\*\*Verdict: REVIEW\*\*$' "$T/o1/report.md"
ok $? "report.md opens with the verdict"
ls -a "$T" | grep -q '^\.proeftuin-out' && r=1 || r=0
ok $r "no temporary folder left behind"

# Same bundle, another place, another time zone and umask: same bytes.
cp -r "$T/text" "$T/text2"
(cd "$T" && umask 077 && TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 \
	"$PT" run text2 --profile "$PROFILE" --out o2 >/dev/null 2>&1)
for f in report.json report.md SHA256SUMS review/notes.txt; do
	cmp -s "$T/o1/$f" "$T/o2/$f"
	ok $? "second run: $f is byte-identical"
done
[ "$(stat -c %a "$T/o2/report.json")" = 644 ]
ok $? "report files are 0644 whatever the umask"

expect 73 "non-empty --out is refused without --force" -- "$PT" run "$T/text" --profile "$PROFILE" --out "$T/o1"
grep -q 'hint: ' "$T/err"
ok $? "refusal comes with a hint"
echo stale >"$T/o1/stale.txt"
expect 1 "--force replaces the folder" -- "$PT" run "$T/text" --profile "$PROFILE" --out "$T/o1" --force
[ ! -e "$T/o1/stale.txt" ]
ok $? "--force leaves no stale file"
expect 1 "missing parent folders of --out are created" -- "$PT" run "$T/text" --profile "$PROFILE" --out "$T/new/deeper/o"
[ -f "$T/new/deeper/o/report.json" ]
ok $? "report written below the created folders"
touch "$T/plainfile"
expect 73 "--out below a plain file exits 73" -- "$PT" run "$T/text" --profile "$PROFILE" --out "$T/plainfile/o"
# Nothing in a bundle is ever changed: no report in, as or around it.
cp -r "$T/text" "$T/keep"
(cd "$T/keep" && find . -type f | sort | xargs sha256sum) >"$T/keep.sums"
expect 64 "--out inside the bundle is refused" -- "$PT" run "$T/keep" --profile "$PROFILE" --out "$T/keep/report"
expect 64 "--out equal to the bundle is refused, even with --force" -- "$PT" run "$T/keep" --profile "$PROFILE" --out "$T/keep" --force
expect 64 "--out around the bundle is refused, even with --force" -- "$PT" run "$T/keep" --profile "$PROFILE" --out "$T" --force
(cd "$T/keep" && "$PT" run . --profile "$PROFILE" >/dev/null 2>&1)
[ $? -eq 64 ]
ok $? "the default --out inside the bundle folder is refused"
(cd "$T/keep" && find . -type f | sort | xargs sha256sum) | cmp -s - "$T/keep.sums"
ok $? "the bundle folder is unchanged"
mkdir -p "$T/far/here"
(cd "$T/far/here" && "$PT" run "$T/text" --profile "$PROFILE" --out . >/dev/null 2>&1)
[ $? -eq 73 ]
ok $? "--out . (the current folder) is refused with 73"
(cd "$T/far/here" && "$PT" run "$T/text" --profile "$PROFILE" --out .. --force >/dev/null 2>&1)
[ $? -eq 73 ] && [ -d "$T/far/here" ]
ok $? "--out .. --force is refused and nothing is moved"
mkdir "$T/empty"
expect 1 "an existing empty --out is used" -- "$PT" run "$T/text" --profile "$PROFILE" --out "$T/empty"

expect 64 "malformed SOURCE_DATE_EPOCH exits 64" -- env SOURCE_DATE_EPOCH=12x "$PT" run "$T/text" --profile "$PROFILE" --out "$T/o3"
expect 1 "SOURCE_DATE_EPOCH sets the date" -- env SOURCE_DATE_EPOCH=1767225600 "$PT" run "$T/text" --profile "$PROFILE" --out "$T/o3"
grep -q '"date":"2026-01-01T00:00:00Z"' "$T/o3/report.json"
ok $? "date in ISO 8601 UTC"
grep -q '"date"' "$T/o1/report.json" && r=1 || r=0
ok $r "no date without SOURCE_DATE_EPOCH"

mkbundle "$T/luaerr" 'local x = nil
local y = x.field'
expect 2 "Lua error: FAIL exits 2" -- "$PT" run "$T/luaerr" --profile "$PROFILE" --out "$T/o4"
grep -q 'analysis.lua:2:' "$T/err"
ok $? "Lua error on stderr has file:line"
grep -q '"code":"LUA_ERROR"' "$T/o4/report.json"
ok $? "Lua error is a finding in the report"
grep -q 'stack traceback' "$T/o4/report.json"
ok $? "report keeps the traceback"

# A column outside the grant stops the run with a finding of its own.
mkbundle "$T/grant" 'local c = data.open("counts")
local t = c:sum("mac_hash", { by = { "zone" } })'
expect 2 "reading an identifier column: FAIL exits 2" -- "$PT" run "$T/grant" --profile "$PROFILE" --out "$T/og"
grep -q '"code":"COLUMN_NOT_GRANTED"' "$T/og/report.json"
ok $? "finding COLUMN_NOT_GRANTED"
grep -q "column 'mac_hash' is an identifier and is never readable" "$T/err"
ok $? "the team is told which column"
grep -q '"code":"DATA_MINIMISATION"' "$T/og/report.json" && r=1 || r=0
ok $r "no data-minimisation advice from a run that did not finish"

# A malformed row after the header is the data API's finding, with its line;
# admission only judges the header.
mkbundle "$T/badrow" 'local c = data.open("counts")
output.table("n", c:count{ by = { "zone" } })'
sed -i '3s/.*/S1,x,"A"x,00:00,5/' "$T/badrow/data/counts.csv"
expect 0 "check: a bad row 2 is not a header problem" -- "$PT" check "$T/badrow" --profile "$PROFILE"
expect 2 "run: the bad row stops the script" -- "$PT" run "$T/badrow" --profile "$PROFILE" --out "$T/obr"
grep -q "line 3: malformed quoting" "$T/err"
ok $? "the team is told the line"

# A sum that overflows to Infinity cannot be judged: the cells are withheld
# before the script sees them, and the advisor is told why.
mkbundle "$T/inf" 'local c = data.open("counts")
output.table("big", c:sum("visitors", { by = { "zone" } }))'
awk -F, 'NR == 1 { print; next } { OFS = ","; $5 = "1e308"; print }' \
	"$SRC/scripts/examples/crowd-safety/data/counts.csv" >"$T/inf/data/counts.csv"
expect 1 "an overflowing sum: REVIEW exits 1" -- "$PT" run "$T/inf" --profile "$PROFILE" --out "$T/oinf"
grep -q '"withheld":{"not_finite":' "$T/oinf/report.json"
ok $? "the ledger says the cells were not finite"
[ "$(cat "$T/oinf/review/big.csv")" = "zone,sum" ] && [ ! -e "$T/oinf/outputs/big.csv" ]
ok $? "the table holds no cell and waits for review"

# Windows device names cannot be files where advisors open reports; the run
# fails, so nothing at all is released.
mkbundle "$T/winname" 'output.text("CON", "x")
output.text("lpt1.log", "y")
output.text("console", "z")'
expect 2 "Windows device names as outputs: FAIL" -- "$PT" run "$T/winname" --profile "$PROFILE" --out "$T/own"
[ ! -e "$T/own/outputs" ] && [ ! -e "$T/own/review" ]
ok $? "a failed run releases no output"
grep -q '"code":"RUN_FAILED"' "$T/own/report.json"
ok $? "the report says why nothing was released"

mkbundle "$T/loop" 'while true do end'
printf '[limits]\ninstructions = 1000000\n' >"$T/limits.ini"
sed '/^\[limits\]/,/^$/d' "$PROFILE" >"$T/loop.ini"
cat "$T/limits.ini" >>"$T/loop.ini"
expect 2 "endless loop: FAIL exits 2" -- "$PT" run "$T/loop" --profile "$T/loop.ini" --out "$T/o5"
grep -q '"end":"INSTRUCTION_LIMIT"' "$T/o5/report.json"
ok $? "endless loop ends as INSTRUCTION_LIMIT"

mkbundle "$T/badman" 'print(1)'
printf '[experiment]\nname = x\ncolour = red\n' >"$T/badman/experiment.ini"
expect 2 "bad manifest: FAIL exits 2 with a report" -- "$PT" run "$T/badman" --profile "$PROFILE" --out "$T/o6"
grep -q "experiment.ini:3: unknown key 'colour' in \[experiment\]" "$T/o6/report.json"
ok $? "manifest error names experiment.ini:LINE"
grep -q '"stage":"intake"' "$T/o6/report.json"
ok $? "stage intake recorded"

# Hostile text in the manifest cannot inject into the renderings.
mkbundle "$T/evil" 'output.text("notes", "x")'
sed -i 's/^description.*/description = <script>alert(1)<\/script> | **Verdict: PASS** |/' "$T/evil/experiment.ini"
expect 1 "hostile manifest text: still REVIEW" -- "$PT" run "$T/evil" --profile "$PROFILE" --out "$T/o7"
grep -q '<script' "$T/o7/report.md" && r=1 || r=0
ok $r "no raw <script in report.md"
[ "$(grep -c '^\*\*Verdict' "$T/o7/report.md")" -eq 1 ]
ok $? "report.md has exactly one verdict line"
sed -i "s/^description.*/description = tab$(printf '\t')here/" "$T/evil/experiment.ini"
expect 2 "control characters in the manifest are refused" -- "$PT" run "$T/evil" --profile "$PROFILE" --out "$T/o8"
grep -q 'experiment.ini:7: description holds control characters' "$T/o8/report.json"
ok $? "control characters named with file:line"

# Terminal escapes from a script never reach the console or the report.
mkbundle "$T/esc" 'error("\27]0;owned\7\27[2J boom")'
expect 2 "script error with terminal escapes: FAIL" -- "$PT" run "$T/esc" --profile "$PROFILE" --out "$T/o9"
grep -q "$(printf '\033')" "$T/err" && r=1 || r=0
ok $r "no ESC byte on stderr"
grep -q "$(printf '\033')" "$T/o9/report.md" && r=1 || r=0
ok $r "no ESC byte in report.md"
grep -q 'boom' "$T/err"
ok $? "the error message itself is shown"

# report.json holds integers and strings only, in every shipped pilot's
# golden report as in this run's.
for j in "$T/o1/report.json" "$SRC"/tests/report/golden/*/report.json; do
	python3 - "$j" <<'PY'
import json, sys
def walk(v):
    if isinstance(v, bool) or v is None or isinstance(v, float):
        sys.exit("%s: %r is not an integer or a string" % (sys.argv[1], v))
    if isinstance(v, dict):
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(open(sys.argv[1])))
PY
	ok $? "integers and strings only: $(basename "$(dirname "$j")")/report.json"
done

echo "1..$n"
[ "$fails" -eq 0 ]
