-- require reads only Lua text files beside the script
local ffi = require "ffi"
