-- metatables and metamethods
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__len = function(a) return 2 end
V.__call = function(self, k) return self[k] end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
V.__concat = function(a, b) return tostring(a) .. tostring(b) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__idiv = function(a, n) return vec(a.x // n, a.y // n) end
V.__band = function(a, b) return "band" end
V.__shl = function(a, b) return "shl" end
V.__close = nil
function V:norm1() return math.abs(self.x) + math.abs(self.y) end
local a, b = vec(1, 2), vec(3, 4)
local c = a + b
emit(c.x, c.y, a == vec(1, 2), a < b, a <= b, #a, a("y"), tostring(c), a .. b)
emit(tostring(-a), (b // 2).x, a & b, a << 1, c:norm1(), getmetatable(a) == V)
local log = {}
local proxy = setmetatable({}, {
	__index = function(t, k) log[#log + 1] = "get " .. k; return k .. "!" end,
	__newindex = function(t, k, v) log[#log + 1] = "set " .. k; rawset(t, k, v) end,
})
emit(proxy.foo, proxy.bar)
proxy.baz = 1
emit(proxy.baz, table.concat(log, ","))
local ro = setmetatable({}, { __metatable = "locked" })
emit(getmetatable(ro), pcall(setmetatable, ro, {}))
local weak = setmetatable({}, { __mode = "k" })
weak[{}] = 1
collectgarbage()
emit(next(weak) == nil)
local gcran = false
do setmetatable({}, { __gc = function() gcran = true end }) end
collectgarbage()
collectgarbage()
emit(gcran)
local inherit = setmetatable({}, { __index = { greet = function() return "hi" end } })
emit(inherit.greet(), rawget(inherit, "greet"))
emit(setmetatable({}, { __name = "MyType" }) ~= nil, print ~= nil)
