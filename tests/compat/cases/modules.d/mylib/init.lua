-- a module found as mylib/init.lua
local name, path = ...
local M = { name = name, path = path, loads = 0 }
function M.greet(who) return "hello, " .. who end
return M
