-- coroutines
local gen = coroutine.wrap(function(a)
	local b = coroutine.yield(a + 1)
	local c = coroutine.yield(b * 2)
	return "done", c
end)
emit(gen(1), gen(10), gen("last"))
local co = coroutine.create(function(x) coroutine.yield(x) error("inside", 0) end)
emit(coroutine.resume(co, "first"))
emit(coroutine.status(co), coroutine.resume(co))
emit(coroutine.status(co), coroutine.resume(co))
emit(coroutine.isyieldable(), select(2, coroutine.running()))
local function producer()
	return coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i * i) end end)
end
local sum = 0
for v in producer() do sum = sum + v end
emit(sum)
local dead = coroutine.create(function() coroutine.yield() end)
coroutine.resume(dead)
emit(coroutine.close(dead), coroutine.status(dead))
local inner = coroutine.wrap(function()
	local nested = coroutine.wrap(function() coroutine.yield("n1") coroutine.yield("n2") end)
	coroutine.yield(nested() .. nested())
end)
emit(inner())
local ok, err = pcall(coroutine.wrap(function() error({ code = 7 }) end))
emit(ok, type(err), err.code)
emit(coroutine.resume(coroutine.running()))
