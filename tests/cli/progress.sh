#!/bin/sh
# tests/cli/progress.sh - the progress line of a long run: shown on a
# terminal (driven through a pseudo-terminal with script(1)), absent when
# stderr is not one and with --quiet, and never in the report, which is
# byte-identical either way.  TAP output.  Usage: progress.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"

if ! command -v script >/dev/null 2>&1; then
	echo "1..0 # SKIP script(1) from util-linux is missing: no pseudo-terminal"
	exit 77
fi
cp -r "$SRC/scripts/examples/crowd-safety" "$T/b"
# Enough rows and passes for a run of a few seconds.
awk 'BEGIN { print "sensor_id,mac_hash,zone,window_start,visitors"
	for (i = 0; i < 1000000; i++)
		printf "S%02d,%08x,Z%d,%02d:%02d,%d\n", i % 50, i, i % 8,
		    int(i / 4) % 24, (i % 4) * 15, i % 97 }' \
	>"$T/b/data/counts.csv"
cat >"$T/b/analysis.lua" <<'LUA'
local ds = data.open("counts")
for i = 1, 16 do
	output.table("t" .. i, ds:count({ by = { "zone" },
		where = { window_start = string.format("%02d:%02d", i % 24,
			(i % 4) * 15) } }))
end
LUA
P="$SRC/profiles/crowd-safety.ini"
script -qfec "'$PT' run '$T/b' --profile '$P' --out '$T/tty'" /dev/null \
	>"$T/tty.out" 2>&1
ok $? "the run passes on a terminal"
grep -q "proeftuin: running: reading counts, [0-9]*% of [0-9]* MiB" \
	"$T/tty.out"
ok $? "a terminal shows the progress line (dataset and how far)"
tr '\r' '\n' <"$T/tty.out" | grep -q "^verdict: PASS"
ok $? "the line is cleared before the verdict"
"$PT" run "$T/b" --profile "$P" --out "$T/plain" >"$T/plain.out" \
	2>"$T/plain.err"
ok $? "the run passes without a terminal"
! grep -q "running:" "$T/plain.err" "$T/plain.out"
ok $? "no progress line when stderr is not a terminal"
script -qfec "'$PT' run '$T/b' --profile '$P' --out '$T/quiet' --quiet" \
	/dev/null >"$T/quiet.out" 2>&1
! grep -q "running:" "$T/quiet.out"
ok $? "--quiet keeps the terminal free of progress"
cmp -s "$T/tty/SHA256SUMS" "$T/plain/SHA256SUMS" &&
	! grep -rq "running:" "$T/tty"
ok $? "the report is the same on a terminal and off it"

finish
