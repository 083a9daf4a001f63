-- require: modules of the bundle, init.lua, the arguments a module gets,
-- loading once, the libraries by name
local m, where = require("mylib")
emit(m.greet("world"), m.name, m.path, where)
local again, where2 = require("mylib")
emit(again == m, where2)
emit(require("util.strings"), helper_loaded, helper_args)
require("util.strings")
emit(helper_loaded)
emit(require("string") == string, require("table") == table, require("math") == math)
emit(require("coroutine") == coroutine, require("utf8") == utf8, require("_G") == _G)
local ok, err = pcall(require, "no.such.module")
emit(ok, type(err))
