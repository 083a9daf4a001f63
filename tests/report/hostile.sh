#!/bin/sh
# hostile.sh PROEFTUIN SRCDIR: bundle text built to break the report (HTML,
# Markdown pipes and headings, CSV formulas, ANSI escapes, bidi overrides,
# a 1 MB output name, forged verdict lines) goes through every format.
# Prints TAP.
set -u
exe=$1 src=$2
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
. "$src/tests/report/lib.sh"
make_text_bundle "$work/b"
esc=$(printf '\033')
# Manifest values are single INI lines without control characters (the
# manifest parser refuses those); make them as nasty as INI allows.
sed -i "s#^description = .*#description = <script>alert(1)</script> <img src=http://evil.example/x.png> | **Verdict: PASS** | $(printf '\342\200\256')reversed =HYPERLINK(\"http://evil\") //cdn.example#" "$work/b/experiment.ini"
sed -i "s#^team .*#team = Team | <b>bold</b> \`code\` [link](https://evil.example) \#\# FAKE#" "$work/b/experiment.ini"
cat >"$work/b/analysis.lua" <<'LUA'
local esc = string.char(27)
output.text("notes", "<script>alert('x')</script>\n=cmd|' /C calc'!A0\n" ..
	esc .. "[31mred" .. esc .. "[0m\n", {
	description = "| x | y |\n## 6. Verdict: PASS\n**Verdict: PASS** " ..
		"<a href=\"http://evil.example\">x</a> \226\128\174evil " ..
		esc .. "]8;;http://evil" .. esc .. "\\",
})
output.text(string.rep("N", 1024 * 1024 - 100), "big name")
output.text("a|b<script>", "bad name")
print(esc .. "[2J cleared? " .. esc .. "]0;title\7")
error("<script>boom</script> " .. esc .. "[31m red \226\128\174 **Verdict: PASS**")
LUA
out=$work/out
SOURCE_DATE_EPOCH=1700000000 "$exe" run "$work/b" --profile \
	"$src/profiles/crowd-safety.ini" --out "$out" >"$work/stdout" \
	2>"$work/stderr"
rc=$?
n=0
t() { # t DESCRIPTION COMMAND...: one TAP line per check
	d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fi
}
no() { ! grep -q "$@"; }
echo "1..18"
t "verdict FAIL, exit 2 (script error, bad output names)" [ "$rc" = 2 ]
t "report.json is valid JSON with only integers, strings, booleans" \
	python3 -c '
import json,sys
def walk(v):
	if isinstance(v, float): sys.exit("float")
	if isinstance(v, dict): [walk(x) for x in v.values()]
	if isinstance(v, list): [walk(x) for x in v]
r=json.load(open(sys.argv[1], encoding="utf-8"))
walk(r)
assert r["verdict"] == "FAIL", r["verdict"]
' "$out/report.json"
t "xmllint --html accepts report.html without a message" \
	sh -c "xmllint --html --noout '$out/report.html' 2>'$work/xml' && [ ! -s '$work/xml' ]"
t "no <script in report.html" no -qi "<script" "$out/report.html"
t "no http:, https: or // in report.html" no -qiE "https?:|//" "$out/report.html"
t "no tag that loads or embeds anything, no url( or @import" \
	no -qiE "<(img|iframe|frame|link|object|embed|base|form|input|svg|math|video|audio|source)|url\(|@import" \
	"$out/report.html"
t "every href in report.html is a local anchor" \
	sh -c "! grep -o 'href=\"[^\"]*\"' '$out/report.html' | grep -qv 'href=\"#'"
t "no ESC byte in any report file or console output" \
	sh -c "! grep -rl \"$esc\" '$out'/report.* '$work/stdout' '$work/stderr'"
t "no bidi override in any report file" \
	sh -c "! grep -rl \"$(printf '\342\200\256')\" '$out'/report.* '$work/stderr'"
t "exactly one line of report.md starts a verdict" \
	[ "$(grep -c '^[^|]*Verdict' "$out/report.md")" = 1 ]
t "the only verdict line in report.md is the runner's" \
	grep -qx '\*\*Verdict: FAIL\*\*' "$out/report.md"
t "no forged heading in report.md" \
	sh -c "[ \$(grep -c '^#' '$out/report.md') = \$(grep -c '^#' '$src/tests/report/golden/text-notes/report.md') ] || [ \$(grep -c '^## ' '$out/report.md') = 9 ]"
t "every Markdown table row has the right number of cells" python3 -c '
import sys,re
prev=None
for line in open(sys.argv[1], encoding="utf-8"):
	line=line.rstrip("\n")
	if not line.startswith("|"):
		prev=None; continue
	cells=len(re.findall(r"(?<!\\)\|", line))
	if prev is None: prev=cells
	elif cells!=prev: sys.exit("row with %d separators, header %d: %s" % (cells, prev, line[:80]))
' "$out/report.md"
t "one verdict box in report.html, with FAIL" \
	sh -c "[ \$(grep -c 'class=\"word\"' '$out/report.html') = 1 ] && grep -q 'class=\"word\">Verdict: FAIL<' '$out/report.html'"
t "the 1 MB name is capped in every report file" \
	sh -c "[ \$(wc -c <'$out/report.json') -lt 200000 ] && [ \$(wc -c <'$out/report.md') -lt 200000 ] && [ \$(wc -c <'$out/report.html') -lt 200000 ]"
t "the run failed: no output is released, not even notes.txt" \
	sh -c "[ ! -e '$out/outputs' ] && [ ! -e '$out/review' ]"
t "SHA256SUMS covers every report file" \
	sh -c "cd '$out' && sha256sum -c --quiet SHA256SUMS && [ \$(wc -l <SHA256SUMS) = 3 ]"
t "the hostile text is shown, escaped, not dropped" \
	sh -c "grep -q '&lt;script&gt;alert(1)&lt;&#47;script&gt;' '$out/report.html' && grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' '$out/report.md'"
