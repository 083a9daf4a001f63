-- strings and patterns
local s = "The quick brown fox"
emit(s:len(), s:upper(), s:lower(), s:sub(5, 9), s:sub(-3), s:rep(2, "|"))
emit(s:find("quick"), s:find("o", 1, true), s:find("(%a+) (%a+)$"))
emit(s:match("(%a+) fox"), ("key=value"):match("(%w+)=(%w+)"))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
emit(#words, words[4])
emit((s:gsub("o", "0")), select(2, s:gsub("o", "0")))
emit((("hello world"):gsub("(%w+)", "<%1>")))
emit((("abc"):gsub("%w", { a = "1", b = true })))
emit((("x = 1, y = 2"):gsub("(%w+) = (%w+)", "%2 = %1")))
emit((("hello"):gsub("", "-")))
emit(("%bxy"):len(), ("(foo(bar))baz"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"))
emit(string.byte("ABC", 1, -1), string.char(72, 105), ("abc"):reverse())
emit(string.format("%5d|%-5d|%05.1f|%x|%X|%o|%e|%g", 42, 42, 3.14159, 255, 255, 8, 12345.678, 0.0001))
emit(string.format("%q", 'a "quoted"\n\0 string'), string.format("%q", 1 / 3), string.format("%q", math.mininteger))
emit(string.format("%s %10.3s|%-6s|", "x", "abcdef", "ab"), string.format("%c%c", 76, 117), string.format("%a", 1.0))
emit(string.format("%i %u", 7, 7) == "7 7" or "no %i", tostring(1e15), tostring(2^63), tostring(-0.0))
local packed = string.pack("<i4 z s1", 100, "zero", "len")
emit(#packed, string.unpack("<i4 z s1", packed))
emit(string.packsize("i4 i8 d"), ("x"):rep(0), ("ab"):rep(3))
emit(("  trim me  "):match("^%s*(.-)%s*$") .. "|", ("a,b,,c"):find(",,", 1, true))
-- a method added to the string table works on every string, as in Lua
function string.trim(x) return (x:gsub("^%s+", ""):gsub("%s+$", "")) end
emit(("  both  "):trim() .. "|", getmetatable("").__index == string)
local ok, err = pcall(string.rep)
emit(ok, err)
