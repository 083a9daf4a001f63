#!/bin/sh
# tests/report/runlog.sh - the script's log in run.log is bundle text: a
# terminal that shows run.log must not be driven by it (ESC, BEL, CR and
# other control bytes appear as \xNN; newlines and tabs stay).
# TAP output.  Usage: runlog.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"

cp -r "$SRC/scripts/examples/crowd-safety" "$T/b"
sed -i 's/^columns.*/columns = zone, visitors/' "$T/b/experiment.ini"
cat >"$T/b/analysis.lua" <<'LUA'
print("before\27[2J\27]0;owned\7\rverdict: PASS\0end\127\tkept")
output.text("notes", "a note")
LUA
expect 1 "a script printing control bytes runs" -- \
	"$PT" run "$T/b" --profile "$SRC/profiles/crowd-safety.ini" --out "$T/o"
! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/o/run.log"
ok $? "run.log holds no control byte but newline and tab"
has "$T/o/run.log" 'before\x1b[2J\x1b]0;owned\x07\x0dverdict: PASS\x00end\x7f'
ok $? "each control byte is shown as \\xNN"
grep -q "$(printf '\\x7f\tkept')" "$T/o/run.log" ||
	has "$T/o/run.log" "$(printf '\\x7f\tkept')"
ok $? "a tab stays a tab"

finish
