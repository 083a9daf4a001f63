#!/bin/sh
# tests/regressions/regressions.sh - attacks on the finished tool that found bugs:
# each check is the reproducer of one fixed bug.  TAP output.
# Usage: regressions.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"
export PROEFTUIN_PROFILE_DIR="$SRC/profiles"
DEFAULT="$SRC/profiles/default.ini"

# has_bytes FILE PRINTF-FORMAT: does FILE hold these bytes?
has_bytes() {
	grep -q "$(printf "$2")" "$1"
}

# A starter bundle for the default profile, made the way a new user would.
starter() {
	"$PT" init "$1" >/dev/null 2>&1
}

# Console: C1 controls (U+009B is CSI in an 8-bit-aware terminal) and bidi
# overrides from a bundle must not reach the terminal, on stderr (intake
# problems) nor on stdout (check's lines).
starter "$T/c1"
sed -i "s/^columns = group, value/columns = group, value, $(printf '\302\23331m') x$(printf '\342\200\256')y/" "$T/c1/experiment.ini"
expect 2 "check with a C1 and a bidi column name is refused" -- "$PT" check "$T/c1" --profile "$DEFAULT"
has_bytes "$T/out" '\302\233' && r=1 || r=0
ok $r "no U+009B (CSI) on stdout"
has_bytes "$T/out" '\342\200\256' && r=1 || r=0
ok $r "no U+202E (right-to-left override) on stdout"
grep -q 'x.*y: experiment.ini:[0-9]*: column' "$T/out"
ok $? "the rest of the name is still shown"

# Output names that differ only in case are one file on the case-insensitive
# file systems advisors copy report folders to (macOS, Windows, zip tools):
# the second must never be released.  The Lua box refuses it at once (a
# Lua error); the runner withholds it as a DUPLICATE_OUTPUT should a record
# ever get past the box.  Either way the run fails.
starter "$T/case"
printf 'output.text("notes", "first")\noutput.text("NOTES", "second")\n' >"$T/case/analysis.lua"
expect 2 "two outputs differing only in case: FAIL" -- "$PT" run "$T/case" --profile "$DEFAULT" --out "$T/o-case"
grep -qE "DUPLICATE_OUTPUT|differs from 'notes' only in case" "$T/o-case/report.json"
ok $? "the second is refused as a case duplicate"
[ "$(ls "$T/o-case/outputs" | tr 'A-Z' 'a-z' | sort | uniq -d)" = "" ]
ok $? "no two released files differ only in case"

# verify must not call a report folder identical when someone added a file
# that looks released (outputs/leak.csv) but that the run never made.
starter "$T/v"
expect 0 "starter bundle runs" -- "$PT" run "$T/v" --profile "$DEFAULT" --out "$T/o-v"
expect 0 "verify of the untouched folder: identical" -- "$PT" verify "$T/o-v" --bundle "$T/v" --profile "$DEFAULT"
echo 'secret,1' >"$T/o-v/outputs/leak.csv"
expect 2 "verify with an added outputs/leak.csv differs" -- "$PT" verify "$T/o-v" --bundle "$T/v" --profile "$DEFAULT"
grep -q '^differs: outputs/leak.csv' "$T/out"
ok $? "verify names the added file"
rm "$T/o-v/outputs/leak.csv"
echo '# Verdict: PASS' >"$T/o-v/README.md"
expect 2 "verify with an added top-level file differs" -- "$PT" verify "$T/o-v" --bundle "$T/v" --profile "$DEFAULT"
rm "$T/o-v/README.md"
echo 'other log' >"$T/o-v/run.log"
expect 0 "run.log may differ (it is not covered)" -- "$PT" verify "$T/o-v" --bundle "$T/v" --profile "$DEFAULT"

# Messages are lowercase (PRODUCT.md), also where the C library's error
# text ends them.
expect 66 "lint of a missing profile: input missing" -- "$PT" profile lint "$T/nonexistent.ini"
grep -q "^proeftuin: $T/nonexistent.ini: no such file or directory; hint: " "$T/err"
ok $? "the system's error text is lowercase"
expect 73 "init into an existing folder" -- "$PT" init "$T/v"
grep -q '^proeftuin: [a-z$/]' "$T/err"
ok $? "init's refusal has the error format"

# pack never writes into the folder it packs: the archive would become part
# of the bundle on the next pack or run.
starter "$T/pk"
(cd "$T/pk" && "$PT" pack . >"$T/out" 2>"$T/err")
ok $? "pack . inside a bundle folder works"
[ "$(ls -A "$T/pk" | tr '\n' ' ')" = "analysis.lua data experiment.ini " ]
ok $? "pack . leaves the bundle folder unchanged"
[ -f "$T/pk.tar.gz" ]
ok $? "pack . writes NAME.tar.gz next to the folder"
expect 64 "pack -o into the packed folder is refused" -- "$PT" pack "$T/pk" -o "$T/pk/data/self.tar.gz"
[ ! -e "$T/pk/data/self.tar.gz" ]
ok $? "nothing written into the folder"
grep -q '^proeftuin: .*hint: ' "$T/err"
ok $? "the refusal has a hint"

# --force replaces an earlier report, not any folder: a slip such as
# --out ~ --force must not delete a user's files.
mkdir -p "$T/home/docs"
echo thesis >"$T/home/docs/thesis.txt"
expect 73 "--force on a folder that is no report is refused" -- "$PT" run "$T/v" --profile "$DEFAULT" --out "$T/home" --force
[ "$(cat "$T/home/docs/thesis.txt")" = thesis ]
ok $? "the folder's files are untouched"
grep -q 'hint: ' "$T/err"
ok $? "the refusal has a hint"
expect 0 "--force still replaces an earlier report" -- "$PT" run "$T/v" --profile "$DEFAULT" --out "$T/o-v" --force

# An empty argument (an unset shell variable: --out "$OUT") is a usage
# error with the option's name, not a confusing message about paths.
expect 64 "run --out '' is a usage error" -- "$PT" run "$T/v" --profile "$DEFAULT" --out ''
grep -q "^proeftuin: option '--out' needs a value" "$T/err"
ok $? "the message names --out"
expect 64 "pack -o '' is a usage error" -- "$PT" pack "$T/v" -o ''
expect 64 "an empty bundle argument is a usage error" -- "$PT" check '' --profile "$DEFAULT"
expect 64 "init '' is a usage error" -- "$PT" init ''

# A script's error message is shown on stderr; its own line breaks must
# not start lines that read like the runner's (a forged "verdict: PASS").
starter "$T/fe"
printf 'error("oops\\nverdict: PASS\\nreport: x/report.md", 0)\n' >"$T/fe/analysis.lua"
"$PT" run "$T/fe" --profile "$DEFAULT" --out "$T/o-fe" >"$T/out" 2>&1
ok $([ $? -eq 2 ] && echo 0 || echo 1) "a script error is FAIL"
[ "$(grep -c '^verdict:' "$T/out")" = 1 ] && grep -q '^verdict: FAIL' "$T/out"
ok $? "only the runner's verdict line starts a line on the console"
grep -q 'oops' "$T/out"
ok $? "the error message itself is still shown"

echo "1..$n"
[ "$fails" -eq 0 ]
