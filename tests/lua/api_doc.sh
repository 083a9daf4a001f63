#!/bin/sh
# tests/lua/api_doc.sh - every Lua function the sandbox defines is in
# proeftuin-lua(7): the globals and the os, data and output libraries as a
# script finds them in its environment (run in the real sandbox), and the
# dataset and aggregate methods from the data API's method tables (their
# metatables are not the script's to read).  The libraries the sandbox
# keeps whole (string, table, math, utf8, coroutine) must be named.
# TAP output.  Usage: api_doc.sh PROEFTUIN SRCDIR
set -u

. "$2/tests/lib/tap.sh"
tap_start "$@"
PAGE="$SRC/doc/proeftuin-lua.7.scd"

cp -r "$SRC/scripts/examples/crowd-safety" "$T/b"
sed -i 's/^columns.*/columns = zone, visitors/' "$T/b/experiment.ini"
cat >"$T/b/analysis.lua" <<'LUA'
local names = {}
local function walk(prefix, t)
	for k, v in pairs(t) do
		if type(v) == "function" then names[#names + 1] = prefix .. k end
	end
end
walk("", _ENV)
for _, lib in ipairs({ "os", "data", "output" }) do
	walk(lib .. ".", _ENV[lib])
end
table.sort(names)
output.text("functions", table.concat(names, "\n") .. "\n")
LUA
expect 1 "a script lists the functions of its environment" -- \
	"$PT" run "$T/b" --profile "$SRC/profiles/crowd-safety.ini" --out "$T/o"
[ "$(wc -l <"$T/o/review/functions.txt")" -ge 20 ]
ok $? "it finds the globals and libraries"

# methods FILE TABLE PREFIX: the names of a luaL_Reg table of
# sandbox/lua/FILE.
methods() {
	awk -v t="$2" '$0 ~ "luaL_Reg " t "\\[\\]" { on = 1; next }
		on && /^};/ { exit }
		on { while (match($0, /"[a-z_]+"/)) {
			print substr($0, RSTART + 1, RLENGTH - 2)
			$0 = substr($0, RSTART + RLENGTH) } }' \
	    "$SRC/sandbox/lua/$1" | sed "s/^/$3/"
}
methods data.c dataset_methods "ds:" >>"$T/o/review/functions.txt"
methods aggregate.c agg_methods "agg:" >>"$T/o/review/functions.txt"
grep -q '^ds:count$' "$T/o/review/functions.txt" &&
	grep -q '^agg:rows$' "$T/o/review/functions.txt"
ok $? "the dataset and aggregate methods are found"

while IFS= read -r f; do
	case $f in
	data.* | output.*) pattern="*$f(" ;;
	ds:*) pattern="_ds_*:${f#ds:}" ;;
	agg:*) pattern="_agg_*:${f#agg:}" ;;
	os.*) pattern="*${f#os.}*" ;;
	*) pattern="*$f*" ;;
	esac
	grep -qF -- "$pattern" "$PAGE"
	ok $? "proeftuin-lua(7) documents $f"
done <"$T/o/review/functions.txt"
for lib in string table math utf8 coroutine; do
	grep -qF "*$lib*" "$PAGE"
	ok $? "proeftuin-lua(7) names the $lib library"
done

finish
