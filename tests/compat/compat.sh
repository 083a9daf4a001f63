#!/bin/sh
# tests/compat/compat.sh - ordinary Lua runs unchanged: every case in
# cases/ runs on stock lua5.4 (with the names the sandbox leaves out
# removed, see run.lua) and as a bundle through `proeftuin run`, and the
# two must emit the same text.  TAP output, one line per case.
# Usage: compat.sh PROEFTUIN SRCDIR
set -u

PT=$1
SRC=$2
HERE=$SRC/tests/compat
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0

if ! command -v lua5.4 >/dev/null 2>&1; then
	echo "Bail out! lua5.4 is missing (scripts/setup installs it)"
	exit 1
fi

for case in "$HERE"/cases/*.lua; do
	name=$(basename "$case" .lua)
	n=$((n + 1))
	d=$T/$name
	mkdir -p "$d/bundle/data"
	cp "$HERE/run.lua" "$d/bundle/run.lua"
	cp "$case" "$d/bundle/case.lua"
	# modules a case requires: cases/NAME.d/ is copied into the bundle
	if [ -d "$HERE/cases/$name.d" ]; then
		cp -R "$HERE/cases/$name.d/." "$d/bundle/"
	fi
	cp "$SRC/scripts/examples/default/data/sample.csv" "$d/bundle/data/"
	cat >"$d/bundle/experiment.ini" <<'INI'
[experiment]
name        = lua-compat
version     = 1.0.0
team        = proeftuin tests
contact     = tests@example.org
purpose     = exploration
description = Ordinary Lua, compared with stock lua5.4.
entry       = run.lua

[dataset.sample]
file    = data/sample.csv
columns = group, value
INI
	(cd "$d/bundle" && lua5.4 run.lua "$d/bundle") >"$d/stock.txt" 2>&1
	"$PT" run "$d/bundle" --profile "$SRC/profiles/default.ini" \
		--out "$d/out" >"$d/run.txt" 2>&1
	if [ ! -f "$d/out/review/result.txt" ]; then
		echo "not ok $n - $name: no result from the sandbox"
		sed 's/^/# /' "$d/run.txt"
		fails=$((fails + 1))
	elif cmp -s "$d/stock.txt" "$d/out/review/result.txt"; then
		echo "ok $n - $name: the same as stock lua5.4"
	else
		echo "not ok $n - $name: differs from stock lua5.4"
		diff "$d/stock.txt" "$d/out/review/result.txt" | sed 's/^/# /'
		fails=$((fails + 1))
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
