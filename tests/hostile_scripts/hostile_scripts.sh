#!/bin/sh
# tests/hostile_scripts/hostile_scripts.sh - hostile analysis scripts end to end through
# `proeftuin run`: what a script can do must not make two runs of the same
# bundle differ, nor crash the child.  TAP output.
# Usage: hostile_scripts.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"

PROFILE="$SRC/profiles/crowd-safety.ini"

bundle() { # bundle DIR < analysis.lua
	mkdir -p "$1/data"
	cp "$SRC/scripts/examples/crowd-safety/data/counts.csv" "$1/data/"
	cp "$SRC/scripts/examples/crowd-safety/experiment.ini" "$1/"
	cat >"$1/analysis.lua"
}

# tostring/string.format printed heap addresses, and next() walked string
# keys in the order of the run's hash seed.
bundle "$T/addr" <<'LUA'
local t, f = {}, function() end
local k = {}
for i = 1, 60 do k["key" .. i] = i end
local walk = {}
for key in next, k do walk[#walk + 1] = key end
output.text("ids", tostring(t) .. " " .. tostring(f) .. " "
	.. string.format("%s %s", t, data) .. " " .. ("%s"):format(f) .. "\n"
	.. table.concat(walk, ","))
LUA
"$PT" run "$T/addr" --profile "$PROFILE" --out "$T/a1" >/dev/null 2>&1
sleep 1
(cd / && env TZ=Pacific/Chatham LC_ALL=C.UTF-8 HOME=/nonexistent X=y \
	"$PT" run "$T/addr" --profile "$PROFILE" --out "$T/a2" \
	>/dev/null 2>&1)
for f in report.json report.md report.html SHA256SUMS review/ids.txt; do
	cmp -s "$T/a1/$f" "$T/a2/$f"
	ok $? "two runs give the same $f"
done
! grep -q 0x "$T/a1/review/ids.txt"
ok $? "no address in an output"

# %p prints an address in Lua: here the object's number, the same on
# every run.
bundle "$T/pct" <<'LUA'
local t = {}
output.text("p", string.format("%p %p %p", t, {}, t))
LUA
"$PT" run "$T/pct" --profile "$PROFILE" --out "$T/p1" >/dev/null 2>&1
[ "$(cat "$T/p1/review/p.txt")" = "#1 #2 #1" ]
ok $? "string.format %p gives a numbered identity, no address"

# Names that differ only in case are one file on macOS and Windows.
bundle "$T/case" <<'LUA'
output.text("Zone", "a")
output.text("zone", "b")
LUA
"$PT" run "$T/case" --profile "$PROFILE" --out "$T/c1" >/dev/null 2>&1
grep -q "differs from 'Zone' only in case" "$T/c1/report.json"
ok $? "output names differing only in case are refused"

# 33 aggregates forced at once, and aggregates queued by finalizers: the
# child wrote past the Lua stack and crashed.
bundle "$T/batch" <<'LUA'
local c = data.open("counts")
local t = {}
for i = 1, 33 do t[i] = c:count{ where = { visitors = i } } end
local n = 0
for i = 1, 33 do n = n + #t[i] end
local saved = {}
local mt = { __gc = function() saved[#saved + 1] = c:count{} end }
for round = 1, 3 do
	for i = 1, 40 do setmetatable({}, mt) end
	local junk = {}
	for i = 1, 5000 do junk[i] = { i } end
end
print(n, #saved)
LUA
"$PT" run "$T/batch" --profile "$PROFILE" --out "$T/b1" >/dev/null 2>&1
grep -q '^end: OK$' "$T/b1/run.log"
ok $? "many aggregates and finalizer aggregates end OK"

echo "1..$n"
[ "$fails" -eq 0 ]
