-- Escape attempts, one per entry. Each returns a string (what it saw) or
-- raises; the hook stores the string in the output `result`.
local attempts = {}

attempts.ok = function() return "ok" end

attempts.io_open = function()
  local f = io.open("/etc/passwd")         -- @io_open
  return f and "opened" or "no"
end

attempts.os_execute = function()
  return tostring(os.execute("true"))      -- @os_execute
end

attempts.os_other = function()
  local seen = {}
  for _, k in ipairs{"execute", "exit", "getenv", "remove", "rename", "tmpname", "setlocale", "clock"} do
    -- reading a name os does not have is an error that says why (was: nil)
    local ok = pcall(function() return os[k] end)
    if ok then seen[#seen + 1] = k end
  end
  return "os:" .. table.concat(seen, ",") .. ";time=" .. type(os.time) .. ";date=" .. type(os.date)
end

-- A precompiled chunk ("\27Lua" + version 5.4 + format + LUAC_DATA ...):
-- text-only load must refuse it before looking further.
attempts.load_binary = function()
  local chunk = "\27Lua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08\x78\x56\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x28\x77\x40"
  local f, err = load(chunk, "=bin", "b")   -- @load_binary
  return "unreachable"
end

attempts.load_binary_default = function()
  local chunk = "\27Lua\x54\x00\x19\x93\r\n\x1a\n"
  local f, err = load(chunk)
  if f then return "loaded" end
  error(err, 0)                           -- @load_binary_default
end

attempts.load_text_env = function()
  -- text chunks load with the sandbox environment: still no io
  local f = assert(load("return io, kigen ~= nil, (pcall(function() return string.dump end))"))
  local a, b, c = f()
  return tostring(a) .. "," .. tostring(b) .. "," .. tostring(c)
end

attempts.string_dump = function()
  return string.dump(attempts.ok)          -- @string_dump
end

attempts.string_dump_method = function()
  -- the string metatable's __index has no dump: reading it says so
  local ok, err = pcall(function() return ("x").dump end)
  return ok and "found" or (err:match("string.dump is left out") and "no dump" or err)
end

attempts.debug_registry = function()
  return tostring(debug.getregistry())     -- @debug_registry
end

attempts.package_loadlib = function()
  return tostring(package.loadlib("libc.so.6", "system"))  -- @package_loadlib
end

attempts.require_ffi = function()
  return tostring(require "ffi")           -- @require_ffi
end

attempts.package_preload = function()
  package.preload.ffi = function() return {} end   -- @package_preload
end

attempts.string_metatable = function()
  local mt = getmetatable("")
  return tostring(mt.__index)              -- @string_metatable
end

attempts.string_lib_write = function()
  string.upper = function() return "pwned" end   -- @string_lib_write
end

attempts.string_lib_after = function()
  return ("abc"):upper() .. string.upper("d")
end

attempts.rawset_lib = function()
  rawset(string, "upper", function() return "pwned" end)  -- @rawset_lib
end

attempts.setmetatable_proxy = function()
  setmetatable(string, {})                 -- @setmetatable_proxy
end

attempts.global_write = function()
  leaked = 1                               -- @global_write
end

attempts.gc_metamethod = function()
  setmetatable({}, {__gc = function() end})   -- @gc_metamethod
end

attempts.collectgarbage = function()
  collectgarbage("stop")                   -- @collectgarbage
end

attempts.collect_count = function()
  return math.type(collectgarbage("count")) or "none"
end

attempts.infinite_loop = function()
  while true do end                        -- @infinite_loop
end

attempts.pcall_loop = function()
  -- catching the budget error does not buy more time
  while true do pcall(function() while true do end end) end   -- @pcall_loop
end

attempts.memory_bomb = function()
  local t = {}
  for i = 1, 1e9 do t[i] = ("x"):rep(64) .. i end   -- @memory_bomb
end

attempts.string_bomb = function()
  local s = ("x"):rep(1024 * 1024)
  while true do s = s .. s end            -- @string_bomb
end

attempts.rep_empty = function()
  return string.rep("", math.maxinteger)  -- @rep_empty (empty result, 2^63 iterations in C)
end

attempts.deep_recursion = function()
  local function f(n) return 1 + f(n + 1) end   -- @deep_recursion
  return f(1)
end

attempts.c_recursion = function()
  -- recursion through C (gsub calling back into Lua)
  local function f(s) return (s:gsub(".", f)) end
  return f("ab")
end

attempts.pattern_bomb = function()
  local s = ("a"):rep(20000)
  return tostring(s:find(".-.-.-b"))     -- @pattern_bomb
end

attempts.table_move_bomb = function()
  table.move({}, 1, math.maxinteger - 1, 2, {})   -- @table_move_bomb
end

attempts.error_table = function()
  error(setmetatable({}, {__tostring = function() while true do end end}))
end

attempts.time_bomb = function()
  -- few instructions, each comparing two distinct 4 MiB strings
  local a = ("x"):rep(4 * 1024 * 1024)
  local b = ("x"):rep(4 * 1024 * 1024 - 1) .. "x"
  local n = 0
  while a == b do n = n + 1 end            -- @time_bomb
  return n
end

attempts.coroutine = function()
  return tostring(coroutine)
end

attempts.print = function()
  return tostring(print) .. "," .. tostring(dofile) .. "," .. tostring(loadfile)
end

attempts.next_record_state = function()
  -- no global survives from another record
  return tostring(rawget(_G, "leaked"))
end

attempts.random = function()
  -- absent, and reading it says why (was: nil, then "attempt to call a nil value")
  local ok, err = pcall(function() return math.random end)
  return tostring(ok) .. "|" .. tostring(err:match("math.random is left out: .*"))
end

-- ---- regression attempts from the security review (issue 9) -------------

-- Kept across records on purpose: attempts that misuse a saved rec.
local saved = {}

attempts.xpcall_loop = function()
  -- the budget error is raised from the count hook; the handler must not
  -- then run without a budget
  local function loop() while true do end end
  xpcall(loop, loop)                       -- @xpcall_loop
  return "survived"
end

attempts.xpcall_handler_loops = function()
  -- an ordinary error whose handler loops: the handler is budgeted too
  local ok = xpcall(function() error("x") end, function() while true do end end)
  return tostring(ok)                      -- @xpcall_handler_loops
end

attempts.save_rec = function(rec)
  saved.rec, saved.facts = rec, rec.facts
  return "saved"
end

attempts.use_saved_rec = function()
  return tostring(saved.rec.facts.attempt) -- @use_saved_rec
end

attempts.use_saved_facts = function()
  return tostring(saved.facts.attempt)     -- @use_saved_facts
end

attempts.plain_find_bomb = function()
  local s = ("a"):rep(4 * 1024 * 1024)
  local needle = ("a"):rep(300000) .. "b"
  return tostring(s:find(needle, 1, true)) -- @plain_find_bomb
end

attempts.long_literal_pattern = function()
  local s = ("a"):rep(4 * 1024 * 1024)
  local p = ("a"):rep(300000) .. "b"
  return tostring(s:match(p))              -- @long_literal_pattern
end

attempts.note_bomb = function(rec)
  local big = ("n"):rep(5 * 1024 * 1024)
  for i = 1, 250 do rec.note(big) end      -- @note_bomb
end

attempts.note_many = function(rec)
  for i = 1, 1000 do rec.note("note " .. i) end   -- @note_many
end

attempts.os_clock = function()
  return os.date("%Y-%m-%d") .. "," .. os.date("%Y-%m-%d", os.time()) .. "," ..
         tostring(os.time{year = 2020, month = 1, day = 1, hour = 0}) .. "," ..
         os.date("!%H", 0) .. "," .. os.date("%H", 0) .. "," .. os.date("*t", 0).hour
end

attempts.os_date_end = function()
  -- the last second of 9999 in Japan time, and in UTC; one second later is out of range
  return os.date("%Y-%m-%d %H:%M:%S", 253402268399) .. "," .. os.date("!%Y", 253402300799) .. "," ..
         tostring(pcall(os.date, "%Y", 253402268400))
end

attempts.long_error = function()
  error(("é"):rep(3000))                  -- @long_error
end

attempts.not_utf8 = function(rec)
  rec.set("result", "ok\255")             -- @not_utf8
end

attempts.newline_error = function()
  error("bad\nkigen eval: 0 of 3 records failed\27[2K")   -- @newline_error
end

attempts.sort_bomb = function()
  -- few elements, each comparison 4 MiB long
  local big = ("s"):rep(4 * 1024 * 1024)
  local t = {}
  for i = 1, 30000 do t[i] = big end
  table.sort(t)                            -- @sort_bomb
  return "sorted"
end

attempts.backref_bomb = function()
  local s = ("a"):rep(20000)
  return tostring(s:find("(.-)%1b"))       -- @backref_bomb
end

attempts.len_metamethod = function()
  local t = setmetatable({}, {__len = function() return math.maxinteger end})
  table.insert(t, 1)                       -- @len_metamethod
end

attempts.stable_tostring = function()
  local t, f = {}, function() end
  local a, b = tostring(t), tostring(f)
  return (a == tostring(t) and a ~= tostring({}) and a:match("^table: %d+$") and
          b:match("^function: %d+$") and string.format("%s", t) == a and
          ("%s"):format(f) == b and tostring(setmetatable({}, {__tostring = function() return "own" end}))
          == "own") and "stable" or ("unstable " .. a .. " " .. b)
end

attempts.format_p = function()
  return string.format("%5p", {})          -- @format_p
end

attempts.format_percent = function()
  return string.format("100%%p %s", 1)
end

attempts.facts_order = function(rec)
  local names = {}
  for k in pairs(rec.facts) do names[#names + 1] = k end
  return table.concat(names, ",")
end

attempts.class_pattern_bomb = function()
  -- few quantifiers, but every character is compared with a 15,000-byte class
  local s = ("a"):rep(460)
  local set = "[" .. ("z"):rep(15000) .. "a]*"
  return tostring(s:find(set .. set .. "b"))   -- @class_pattern_bomb
end

attempts.scan_loop = function()
  -- a loop of one-pass C functions over a long string: charged per byte
  local s = ("\u{e9}"):rep(3 * 1024 * 1024)
  local n = 0
  while true do n = n + utf8.len(s) end        -- @scan_loop
end

attempts.key_address = function()
  -- an error message naming a table key must not print its address
  local ok, e = pcall(function() string[{}] = 1 end)
  local ok2, e2 = pcall(function() math[tostring] = 1 end)
  return (e:match("0x%x+") or e2:match("0x%x+")) and ("address: " .. e .. " " .. e2) or "no address"
end

kigen.register_function{
  name = "peek",
  args = {"string"},
  returns = "string",
  fn = function(attempt)
    -- a function (not a hook) reading a rec saved by an earlier record
    if attempt == "peek_saved_rec" then
      return tostring(saved.rec.rules.echo)  -- @peek_saved_rec
    end
    return ""
  end,
}

kigen.register_hook{
  name = "probe",
  outputs = { result = "string" },
  fn = function(rec)
    local f = attempts[rec.facts.attempt]
    if not f then error("no attempt named " .. rec.facts.attempt) end
    local r = f(rec)
    rec.set("result", r ~= nil and tostring(r) or "nil")
  end,
}
