-- tables: constructors, length, table library, sorting with a comparator
local t = { 10, 20, 30, [5] = 50, x = "x", ["y z"] = 1 }
emit(#{ 1, 2, 3 }, t[1], t[5], t.x, t["y z"], rawlen({ 1, 2 }))
table.insert(t, 2, 15)
emit(table.concat({ 1, 2, 3 }, ", "), t[2], t[3], table.remove(t, 1), t[1])
local moved = table.move({ 1, 2, 3, 4 }, 2, 4, 1, {})
emit(table.concat(moved, " "))
local p = table.pack(1, nil, 3)
emit(p.n, p[1], p[2], p[3], select("#", table.unpack({ 1, 2, 3 })))
local words = { "pear", "Apple", "fig", "banana", "kiwi" }
table.sort(words)
emit(table.concat(words, " "))
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
emit(table.concat(words, " "))
local keys = {}
for k in pairs({ a = 1, b = 2, c = 3, d = 4 }) do keys[#keys + 1] = k end
table.sort(keys)
emit(table.concat(keys))
local seen = 0
for i, v in ipairs({ 1, 2, nil, 4 }) do seen = seen + v end
emit(seen, next({}), type(next({ 1 })))
local nested = { a = { b = { c = "deep" } } }
emit(nested.a.b.c, #"", select(-1, 1, 2, 3), select(2, "a", "b", "c"))
-- the library tables are ordinary tables that code may extend
table.unpack = table.unpack or unpack
function table.sum(s) local n = 0 for _, v in ipairs(s) do n = n + v end return n end
emit(type(table), table.sum({ 1, 2, 3 }), rawequal(table, require("table")))
