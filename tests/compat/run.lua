-- run.lua - the compatibility driver: the same file runs on stock lua5.4
-- (run as `lua5.4 run.lua CASE_DIR`) and as the entry script of a
-- proeftuin bundle.  It gives the case a global `emit`, runs it through
-- require, and writes what it emitted: with io.write on stock Lua, as the
-- text output "result" in the sandbox.  On stock Lua the names the
-- sandbox leaves out are removed first, so a case that needs them fails
-- in both places alike.
local write, prefix
if io ~= nil then
	write = io.write
	prefix = arg[1] .. "/"
	package.path = arg[1] .. "/?.lua;" .. arg[1] .. "/?/init.lua"
	io, debug, dofile, loadfile = nil, nil, nil, nil
	os = { clock = os.clock, date = os.date, time = os.time,
		difftime = os.difftime }
	package = nil
end

local out = {}

-- Values as text, the same in both places: paths lose the case's folder
-- (stock Lua names files by their full path), bytes outside printable
-- ASCII are written as \ddd (the text output must be UTF-8, a case's
-- strings need not be), and objects are not printed by address.
local function show(v)
	if type(v) == "string" then
		if prefix ~= nil then
			local magic = prefix:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
			v = v:gsub(magic, "")
		end
		return (v:gsub("[^\t\32-\126]", function(c)
			return string.format("\\%03d", c:byte())
		end))
	end
	if type(v) == "number" or type(v) == "boolean" or v == nil then
		return tostring(v)
	end
	return type(v)
end

function emit(...)
	local n = select("#", ...)
	local parts = {}
	for i = 1, n do
		parts[i] = show((select(i, ...)))
	end
	out[#out + 1] = table.concat(parts, "\t")
end

local ok, err = pcall(require, CASE or "case")
if not ok then
	emit("case failed: " .. show(err))
end
local text = table.concat(out, "\n") .. "\n"
if write ~= nil then
	write(text)
else
	output.text("result", text)
end
