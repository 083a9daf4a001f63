-- closures, varargs, recursion, goto, <const> and <close>
local function counter()
	local n = 0
	return function() n = n + 1 return n end
end
local c1, c2 = counter(), counter()
c1() c1()
emit(c1(), c2())
local fns = {}
for i = 1, 3 do fns[i] = function() return i end end
emit(fns[1](), fns[2](), fns[3]())
local function va(...) return select("#", ...), ... end
emit(va(1, nil, 3))
emit(va())
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
emit(fib(20))
local function tail(n, acc) if n == 0 then return acc end return tail(n - 1, acc + 1) end
emit(tail(100000, 0))
local out = {}
for i = 1, 3 do
	for j = 1, 3 do
		if j == 2 then goto continue end
		out[#out + 1] = i .. j
		::continue::
	end
end
emit(table.concat(out, " "))
do
	local i = 1
	::top::
	i = i * 2
	if i < 100 then goto top end
	emit(i)
end
local K <const> = 42
emit(K)
local closed = {}
do
	local a <close> = setmetatable({}, { __close = function(_, e) closed[#closed + 1] = "a:" .. tostring(e) end })
	local b <close> = setmetatable({}, { __close = function(_, e) closed[#closed + 1] = "b:" .. tostring(e) end })
end
emit(table.concat(closed, " "))
local ok, err = pcall(function()
	local x <close> = setmetatable({}, { __close = function(_, e) closed[#closed + 1] = "x:" .. tostring(e) end })
	error("boom", 0)
end)
emit(ok, err, closed[#closed])
local t = setmetatable({}, { __index = function(_, k) return k * 2 end })
emit(t[21], (function(...) local a, b = ... return b end)(1, 2, 3))
emit(select("#", table.unpack({}, 1, 3)), string.format("%d", select(2, pcall(error, 7))))
