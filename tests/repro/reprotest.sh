#!/bin/sh
# tests/repro/reprotest.sh - Debian's reprotest on a shipped pilot: two runs
# under every variation it supports here (environment, build path, kernel
# personality, ASLR, CPU count, faked time, shuffled directory order with
# disorderfs, home, et_EE locale, PATH, time zone, umask) must give the same
# report folder.  run.log is removed first: it holds per-run timings by
# design.  TAP output.  Usage: reprotest.sh PROEFTUIN SRCDIR
set -u

PT=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "1..1"
mkdir -p "$T/src/scripts"
cp "$PT" "$T/src/proeftuin"
cp -r "$SRC/profiles" "$T/src/"
cp -r "$SRC/scripts/examples" "$T/src/scripts/"
cmd='./proeftuin run scripts/examples/crowd-safety --profile profiles/crowd-safety.ini --out rp-out >/dev/null 2>&1 || [ $? -le 2 ]; rm -f rp-out/run.log'
# user_group needs extra accounts and domain_host needs sudo; neither is a
# property of proeftuin's output.
if reprotest --vary=-user_group,-domain_host --store-dir="$T/store" \
	-s "$T/src" "sh -c '$cmd'" rp-out >"$T/log" 2>&1 &&
	grep -q 'Reproduction successful' "$T/log"; then
	echo "ok 1 - reprotest: crowd-safety report reproduces under all variations"
else
	sed 's/^/# /' "$T/log" | tail -40
	echo "not ok 1 - reprotest: crowd-safety report reproduces under all variations"
	exit 1
fi
