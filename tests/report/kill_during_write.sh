#!/bin/sh
# kill_during_write.sh PROEFTUIN SRCDIR: SIGKILL a run at moments spread
# over its whole duration and check that the report folder is always either
# the old report or the complete new one, consistent with its SHA256SUMS,
# and that leftovers of killed runs are cleaned up by the next run.  The
# outcome never depends on timing: every kill moment must leave a valid
# state.  Prints TAP.
set -u
exe=$(realpath "$1") src=$(realpath "$2")
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
. "$src/tests/report/lib.sh"
profile=$src/profiles/crowd-safety.ini
make_text_bundle "$work/a"
make_text_bundle "$work/b"
# A large output makes the write phase long enough to be hit.
cat >"$work/b/analysis.lua" <<'LUA'
output.text("big", string.rep("0123456789abcdef", 60000))
output.text("notes", "second output")
LUA
out=$work/out
rounds=${KILL_ROUNDS:-40}

digest_of() { # the bundle digest a report folder records
	sed -n 's/.*"bundle":{"digest":"\([0-9a-f]*\)".*/\1/p' "$1/report.json"
}
consistent() { # complete and matching its SHA256SUMS, nothing extra
	[ -f "$1/SHA256SUMS" ] && [ -f "$1/run.log" ] || return 1
	(cd "$1" && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1 || return 1
	listed=$(awk '{print $2}' "$1/SHA256SUMS" | sort)
	present=$(cd "$1" && find . -type f ! -name SHA256SUMS ! -name run.log | sed 's|^\./||' | sort)
	[ "$listed" = "$present" ]
}

"$exe" run "$work/a" --profile "$profile" --out "$out" >/dev/null 2>&1
da=$(digest_of "$out")
start=$(date +%s%N)
"$exe" run "$work/b" --profile "$profile" --out "$out" --force >/dev/null 2>&1
dur=$(( ($(date +%s%N) - start) / 1000 ))	# microseconds
db=$(digest_of "$out")
echo "1..$((rounds + 2))"
echo "# one run takes about $dur us; kills spread over 0..$((dur * 3 / 2)) us"

i=1 old=0 new=0
while [ "$i" -le "$rounds" ]; do
	if [ $((i % 2)) = 0 ]; then b=$work/a; else b=$work/b; fi
	before=$(digest_of "$out")
	delay=$(awk -v d="$dur" -v i="$i" -v n="$rounds" \
		'BEGIN { printf "%.6f", d * 1.5 * i / n / 1e6 }')
	"$exe" run "$b" --profile "$profile" --out "$out" --force \
		>/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	now=$(digest_of "$out" 2>/dev/null)
	if consistent "$out" && { [ "$now" = "$da" ] || [ "$now" = "$db" ]; }; then
		if [ "$now" = "$before" ]; then old=$((old + 1)); else new=$((new + 1)); fi
		echo "ok $i - killed after ${delay}s: a complete report"
	else
		echo "not ok $i - killed after ${delay}s: inconsistent report folder"
		ls -la "$out" | sed 's/^/# /'
	fi
	i=$((i + 1))
done
echo "# $old rounds left the old report, $new the new one"

"$exe" run "$work/a" --profile "$profile" --out "$out" --force >/dev/null 2>&1
if consistent "$out" && [ "$(digest_of "$out")" = "$da" ]; then
	echo "ok $i - a later run completes"
else
	echo "not ok $i - a later run completes"
fi
i=$((i + 1))
left=$(ls -A "$work" | grep -c '^\.proeftuin-out-')
if [ "$left" = 0 ]; then
	echo "ok $i - no temporary folder of a killed run is left"
else
	echo "not ok $i - $left temporary folders left"
fi
