-- utf8
local s = "caf\u{e9} \u{1F600} na\u{ef}ve"
emit(#s, utf8.len(s), utf8.char(72, 228, 8364, 128512))
local cps = {}
for p, c in utf8.codes(s) do cps[#cps + 1] = p .. ":" .. c end
emit(table.concat(cps, " "))
emit(utf8.codepoint(s, 1, 4), utf8.offset(s, 5), utf8.offset(s, -1))
emit(utf8.len("\xff"), utf8.len(s, 5), utf8.charpattern)
local n = 0
for ch in s:gmatch(utf8.charpattern) do n = n + 1 end
emit(n, require("utf8") == utf8)
emit(pcall(utf8.codepoint, "\xff"))
emit(utf8.char(0x7FFFFFFF):len(), utf8.len("\u{7FFFFFFF}", 1, -1, true))
