-- util.strings: a module in a folder; it returns nothing
local name, path = ...
helper_loaded = (helper_loaded or 0) + 1
helper_args = name .. " " .. path
