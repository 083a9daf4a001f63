#!/bin/sh
# exceptions.sh PROEFTUIN SRCDIR: an exception asked in the manifest is
# shown beside its output and never turns a fail into a pass.  Prints TAP.
set -u
exe=$1 src=$2
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
. "$src/tests/report/lib.sh"
make_text_bundle "$work/b"
cat >>"$work/b/experiment.ini" <<'INI'

[exception.ghost]
reason  = For an output that is never produced.

[exception.big]
reason  = The notes describe why this table is long.
INI
# The second output breaks the row cap (5000 by default): it fails and is
# withheld, whatever its exception says.
cat >"$work/b/analysis.lua" <<'LUA'
output.text("notes", "first")
local rows = {}
for i = 1, 5001 do rows[i] = { k = i } end
output.table("big", rows)
LUA
SOURCE_DATE_EPOCH=1700000000 "$exe" run "$work/b" --profile \
	"$src/profiles/crowd-safety.ini" --out "$work/out" >/dev/null 2>&1
rc=$?
n=0
t() {
	d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fi
}
echo "1..6"
t "an output over the row cap fails the run despite the exception (exit $rc)" [ "$rc" = 2 ]
t "report.json: the failed output is withheld, the exception beside it" \
	python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
o=r["outputs"]
assert r["verdict"] == "FAIL"
# the run failed: nothing is released, not even the review output
assert o[0]["status"] == "review" and o[0]["file"] == "" and o[0]["released"] == "withheld", o[0]
assert o[1]["status"] == "fail" and o[1]["file"] == "", o[1]
assert o[1]["exception"].startswith("The notes describe"), o[1]
w=[f for f in r["findings"] if f["code"] == "OUTPUT_WITHHELD"]
assert w and "does not release it" in w[0]["message"], w
' "$work/out/report.json"
t "a failed run writes no output file" \
	sh -c "[ ! -e '$work/out/outputs' ] && [ ! -e '$work/out/review' ]"
t "report.html shows the exception beside the output" \
	grep -q 'class="exception"><strong>Exception asked by the team:</strong> The notes describe' "$work/out/report.html"
t "report.md shows the exception beside the output" \
	grep -q '^| exception asked (does not change the status) | The notes describe' "$work/out/report.md"
t "an exception for an output never produced is reported" \
	grep -q '"code":"EXCEPTION_UNUSED"[^}]*"subject":"ghost"' "$work/out/report.json"
