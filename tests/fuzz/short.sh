#!/bin/sh
# tests/fuzz/short.sh - a short, CI-sized libFuzzer run of one harness, as
# a TAP test.  The corpus is made now in a temporary folder (seeded from
# SEED_DIRS) so nothing is written into the source tree; a crash fails.
# Usage: short.sh FUZZER SECONDS [SEED_DIR...]
set -u

fuzzer=$1
secs=$2
shift 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/corpus" "$T/seeds"
for d in "$@"; do
	[ -d "$d" ] && find "$d" -maxdepth 2 -type f -size -64k \
		-exec cp {} "$T/seeds/" \; 2>/dev/null
done
echo "1..1"
if "$fuzzer" -max_total_time="$secs" -seed=1 -rss_limit_mb=1024 \
	-artifact_prefix="$T/" "$T/corpus" "$T/seeds" >"$T/log" 2>&1; then
	echo "ok 1 - $(basename "$fuzzer"): no crash in ${secs}s ($(grep -o 'cov: [0-9]*' "$T/log" | tail -1))"
else
	tail -40 "$T/log" | sed 's/^/# /'
	echo "not ok 1 - $(basename "$fuzzer") found a crash"
	exit 1
fi
