#!/bin/sh
# tests/cli/messages.sh - what a team reads on stderr when a run or check is
# refused: the exact text of each message, with the bundle path, the line,
# and the hint that names the fix ("did you mean", the permitted values).
# TAP output.  Usage: messages.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"

PROFILE="$SRC/profiles/crowd-safety.ini"

# bundle NAME SED [LUA]: the crowd-safety pilot with its manifest edited.
bundle() {
	rm -rf "$T/$1"
	cp -r "$SRC/scripts/examples/crowd-safety" "$T/$1"
	sed -i "$2" "$T/$1/experiment.ini"
	if [ $# -ge 3 ]; then
		printf '%s\n' "$3" >"$T/$1/analysis.lua"
	fi
}

# says DESC TEXT: the first line of stderr is exactly TEXT.
says() {
	[ "$(head -n 1 "$T/err")" = "$2" ]
	ok $? "$1"
	[ "$(head -n 1 "$T/err")" = "$2" ] ||
		echo "# got: $(head -n 1 "$T/err")" >&2
}

cols() {
	echo "s/^columns.*/columns = $1/"
}

bundle key 's/^purpose /purpsoe /'
expect 2 "a misspelt manifest key fails the run" -- \
	"$PT" run "$T/key" --profile "$PROFILE" --out "$T/o"
says "a misspelt key: file, line and did you mean" \
	"proeftuin: $T/key/experiment.ini:6: unknown key 'purpsoe' in [experiment]; did you mean 'purpose'?"
bundle purpose 's/^purpose .*/purpose = crowd-monitorin/'
expect 2 "a misspelt purpose fails the run" -- \
	"$PT" run "$T/purpose" --profile "$PROFILE" --out "$T/o" --force
says "a refused purpose lists the permitted ones" \
	"proeftuin: $T/purpose/experiment.ini:6: purpose 'crowd-monitorin' is not among the profile's purposes; did you mean 'crowd-monitoring'? profile 'crowd-safety' permits 'crowd-monitoring' and 'event-planning'"
bundle ident "$(cols 'zone, visitors, mac_hash')"
expect 2 "an identifier in the manifest fails the run" -- \
	"$PT" run "$T/ident" --profile "$PROFILE" --out "$T/o" --force
says "an identifier is named as one, with the fix" \
	"proeftuin: $T/ident/experiment.ini:13: column 'mac_hash' of 'counts' is an identifier and is never readable; hint: remove it from columns in [dataset.counts]"
bundle slip "$(cols 'zone, visitrs')"
expect 2 "a misspelt column fails the run" -- \
	"$PT" run "$T/slip" --profile "$PROFILE" --out "$T/o" --force
says "a misspelt column: did you mean" \
	"proeftuin: $T/slip/experiment.ini:13: column 'visitrs' of 'counts' is not granted by the profile; did you mean 'visitors'?"
bundle ungranted "$(cols 'zone, speed')"
expect 2 "an ungranted column fails the run" -- \
	"$PT" run "$T/ungranted" --profile "$PROFILE" --out "$T/o" --force
says "an ungranted column lists what is granted" \
	"proeftuin: $T/ungranted/experiment.ini:13: column 'speed' of 'counts' is not granted by the profile, which grants 'zone', 'window_start' and 'visitors'; hint: ask the custodian for it, or remove it from columns in [dataset.counts]"

# The same refusals, told by the runner when the script reads a column.
reads() {
	echo "local ds = data.open('counts')
output.table('t', ds:count({ by = { '$1' } }))"
}
bundle undeclared "$(cols 'zone, visitors')" "$(reads window_start)"
expect 2 "reading a granted but undeclared column stops the run" -- \
	"$PT" run "$T/undeclared" --profile "$PROFILE" --out "$T/o" --force
says "granted but not declared: add it to the manifest" \
	"proeftuin: script stopped: Lua error: dataset 'counts': column 'window_start' is granted by the profile but not declared in experiment.ini; hint: add it to columns in [dataset.counts]"
bundle readident "$(cols 'zone, visitors')" "$(reads mac_hash)"
expect 2 "reading an identifier stops the run" -- \
	"$PT" run "$T/readident" --profile "$PROFILE" --out "$T/o" --force
says "an identifier read: never readable" \
	"proeftuin: script stopped: Lua error: dataset 'counts': column 'mac_hash' is an identifier and is never readable; the script may read 'zone' and 'visitors'"
bundle readslip "$(cols 'zone, visitors')" "$(reads zon)"
expect 2 "reading a misspelt column stops the run" -- \
	"$PT" run "$T/readslip" --profile "$PROFILE" --out "$T/o" --force
says "a misspelt read: did you mean" \
	"proeftuin: script stopped: Lua error: dataset 'counts': there is no column 'zon' to read; did you mean 'zone'?"
bundle readother "$(cols 'zone, visitors')" "$(reads speed)"
expect 2 "reading an ungranted column stops the run" -- \
	"$PT" run "$T/readother" --profile "$PROFILE" --out "$T/o" --force
says "an ungranted read lists what is granted" \
	"proeftuin: script stopped: Lua error: dataset 'counts': column 'speed' is not granted by the profile, which grants 'zone', 'window_start' and 'visitors'; hint: ask the custodian for it"
grep -q "is granted by the profile but not declared" "$T/o/report.md"
[ $? -ne 0 ] && grep -q "which grants" "$T/o/report.md"
ok $? "the report says the same as the terminal"

# check catches what run would: syntax errors in every Lua file, and an
# exception that no script names.
bundle syntax "$(cols 'zone, visitors')
\$a\\
\\
[exception.evening_peek]\\
reason = the peak of the evening" 'local x =
function f(
output.text("evening_peak", "x")'
printf 'return {\n' >"$T/syntax/helpers.lua"
expect 2 "check refuses a bundle whose scripts do not compile" -- \
	"$PT" check "$T/syntax" --profile "$PROFILE"
has "$T/out" "FAIL  scripts_compile            analysis.lua:2: '(' expected near 'f'" &&
	has "$T/out" "FAIL  scripts_compile            helpers.lua:2: unexpected symbol near <eof>"
ok $? "check names every file and line that does not compile"
has "$T/err" "proeftuin: $T/syntax/analysis.lua:2: '(' expected near 'f'"
ok $? "check: the syntax error on stderr as BUNDLE/FILE:LINE: message"
has "$T/out" "attn  exception_names_output     evening_peek: experiment.ini:16: [exception.evening_peek] names no output any script writes; did you mean 'evening_peak'?"
ok $? "check: a misspelt exception is an attention item with did you mean"
bundle unused 's/^columns.*/columns = zone, visitors/
$a\
\
[exception.evening_peek]\
reason = the peak of the evening' 'output.text("evening_peak", "the method")'
expect 1 "a run with a misspelt exception is REVIEW" -- \
	"$PT" run "$T/unused" --profile "$PROFILE" --out "$T/o" --force
has "$T/err" "proeftuin: $T/unused/experiment.ini:16: [exception.evening_peek] names no output of this run; did you mean 'evening_peak'?"
ok $? "run: the misspelt exception on stderr, with did you mean"
bundle none "$(cols 'zone, visitors')" 'local x = 1'
expect 1 "a run without outputs is REVIEW, not PASS" -- \
	"$PT" run "$T/none" --profile "$PROFILE" --out "$T/o" --force
says "no outputs: said on stderr, with the fix" \
	"proeftuin: $T/none: the script made no outputs, so nothing can leave; hint: call output.table or output.text (see proeftuin-lua(7))"

expect 2 "check of a misspelt manifest key" -- \
	"$PT" check "$T/key" --profile "$PROFILE"
says "check: a misspelt key with the bundle path" \
	"proeftuin: $T/key/experiment.ini:6: unknown key 'purpsoe' in [experiment]; did you mean 'purpose'?"
expect 2 "check of an identifier column" -- \
	"$PT" check "$T/ident" --profile "$PROFILE"
says "check: the refusal on stderr too" \
	"proeftuin: $T/ident/experiment.ini:13: column 'mac_hash' of 'counts' is an identifier and is never readable; hint: remove it from columns in [dataset.counts]"

# A wrong profile path.
expect 66 "a missing profile is refused" -- \
	"$PT" check "$T/none" --profile "$SRC/profiles/crowd-safety"
says "a profile path without .ini: did you mean" \
	"proeftuin: $SRC/profiles/crowd-safety: no such file or directory; did you mean $SRC/profiles/crowd-safety.ini?"

# Every command's --help: usage, what it does, and an example.
for c in run check verify profile pack init review release key; do
	"$PT" "$c" --help >"$T/out" 2>&1
	grep -q "^usage: proeftuin $c" "$T/out" && grep -qi "example" "$T/out" &&
		[ "$(wc -l <"$T/out")" -ge 5 ]
	ok $? "$c --help has its usage, options and an example"
done

# profile show in plain, grammatical sentences, also at the edges.
sed -e 's/^wall_seconds = 30/wall_seconds = 1/' \
	-e 's/^cpu_seconds  = 10/cpu_seconds  = 1/' \
	-e 's/^min_cell    = 10/min_cell    = 1/' \
	-e 's/^round_to    = 5/round_to    = 1/' \
	-e 's/^dominance_k = 85/dominance_k = 100/' \
	-e 's/^p_percent   = 10/p_percent   = 0/' \
	-e 's/^max_rows    = 1000/max_rows    = 1/' \
	"$SRC/profiles/default.ini" >"$T/edge.ini"
expect 0 "profile show explains a profile at its edges" -- \
	"$PT" profile show "$T/edge.ini"
tr '\n' ' ' <"$T/out" | tr -s ' ' >"$T/flat"
for sentence in "at most 1 second of wall-clock time and 1 second of CPU time" \
	"500,000,000 Lua instructions" \
	"A cell may come from a single contributor (no minimum cell size)." \
	"Released counts and sums are not rounded." \
	"The dominance rule is switched off (k is 100%)." \
	"The p% rule is switched off." \
	"A table may have at most 1 row." \
	"leaves only when 2 advisors"; do
	has "$T/flat" "$sentence"
	ok $? "profile show: '$sentence'"
done
! grep -q "1 seconds\|1 contributors\|multiple of 1\.\|at most 100%\|1 rows" "$T/flat"
ok $? "profile show: no '1 seconds', 'multiple of 1' or 'at most 100%'"
expect 0 "profile show names the purposes with 'or'" -- \
	"$PT" profile show "$SRC/profiles/crowd-safety.ini"
tr '\n' ' ' <"$T/out" | tr -s ' ' >"$T/flat"
has "$T/flat" "must name one of the purposes 'crowd-monitoring' or 'event-planning'."
ok $? "profile show: one of the purposes 'a' or 'b'"

# A profile's misspelt key.
printf '[profile]\nname = x\nversoin = 1\n' >"$T/bad.ini"
expect 78 "a misspelt profile key is refused" -- \
	"$PT" profile lint "$T/bad.ini"
says "a misspelt profile key: did you mean" \
	"proeftuin: $T/bad.ini:3: unknown key 'versoin' in [profile]; did you mean 'version'?"

finish
