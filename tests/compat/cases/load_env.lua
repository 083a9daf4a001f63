-- load: text chunks, an environment of the caller, reader functions
local config = {}
local chunk = assert(load("width = 80\nheight = width // 2\nname = 'x' .. width", "config", "t", config))
chunk()
emit(config.width, config.height, config.name, width)
local f = load("return ...")
emit(f(1, 2, 3))
local parts, i = { "return ", "1 + ", "2" }, 0
local g = load(function() i = i + 1 return parts[i] end)
emit(g())
local bad, msg = load("return +")
emit(bad, msg)
emit(load("syntax error here", "=mychunk"))
local env = { print = nil, tostring = tostring }
local h = load("return tostring ~= nil, print == nil, string", "env", "t", env)
emit(h())
emit(pcall(load("x = 1", "noenv", "t", nil)))
emit(load("return 1", "b", "b"))
local up = 5
local withup = load("local a = ... return a * 2")
emit(withup(up))
emit(type(load), type(_G), _G.load == load, _ENV == _G)
