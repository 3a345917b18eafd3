---@meta kigen
-- Definitions of what kigen gives policy scripts, for lua-language-server
-- (LuaLS: VS Code's "Lua" extension, Neovim's lua_ls): completion, hover
-- docs and type checks for the `kigen` library, `rec` and the tables
-- register_function and register_hook take. Nothing here runs: kigen
-- provides these at run time (docs/lua.md; tests/lua/check_meta.py keeps
-- this file in step with src/lua/lib.c and src/lua/call.c).
--
-- Use it by adding this directory to LuaLS's library, e.g. a .luarc.json
-- beside your scripts (lua/.luarc.json in kigen's tree is one):
--   { "runtime.version": "Lua 5.4",
--     "workspace.library": ["/usr/share/kigen/lua/types"] }

---A date as policy scripts see it: an ISO string, exactly 'YYYY-MM-DD'.
---Dates compare correctly with <, ==, and serve as table keys.
---@alias kigen.date string

---A declared type: "date", "integer", "boolean", "string", or a list of
---names for an enum ({"a", "b"}).
---@alias kigen.type "date"|"integer"|"boolean"|"string"|string[]

---How a month or year step treats a day the target month lacks:
---"clamp" (01-31 + 1 month = the month's last day, 民法143条) or "roll"
---(the first day of the next month).
---@alias kigen.eom "clamp"|"roll"

---An argument of a registered function: "type", "name: type", "type?"
---(optional), or a table.
---@alias kigen.arg string|{name: string, type: kigen.type, optional: boolean?}

---@class kigen.function_spec
---@field name string letters, digits and _; not a built-in's name
---@field args kigen.arg[]? up to 8 arguments; optional ones last
---@field returns kigen.type the result type
---@field fn function the Lua function; nil returns an absent value
---@field doc string? at most 4,096 bytes

---@class kigen.hook_output
---@field type kigen.type
---@field doc string?

---@class kigen.hook_spec
---@field name string
---@field reads string[]? the facts and rules the hook reads (checked at load)
---@field outputs table<string, kigen.type|kigen.hook_output> the outputs it sets
---@field fn fun(rec: kigen.rec) runs after each record that evaluated without error
---@field doc string? at most 4,096 bytes

---The record a hook sees. Valid only while that hook runs: copy the values
---you need into locals.
---@class kigen.rec
---@field facts table<string, string|integer|boolean|nil> every fact (after defaults); an unknown name is an error
---@field outputs table<string, string|integer|boolean|nil> every output, and the outputs earlier hooks set
---@field rules table<string, string|integer|boolean|nil> every rule, output or not
---@field today kigen.date the evaluation's today
---@field record integer? the record's number, when the host set one (kigen eval does)
---@field id string? the record's id, when the host set one (kigen eval: the first input column kept)
---@field hook string the running hook's name
local rec = {}

---Set an output this hook declared; nil makes it absent. The value is
---type-checked at once. `rec:set(...)` works too.
---@param name string
---@param value string|integer|boolean|nil
function rec.set(name, value) end

---Add a note for this record: kigen explain shows it, kigen test checks it
---(expect_notes). At most 64 notes per record, each at most 4,096 bytes.
---@param text string
function rec.note(text) end

---The kigen library inside policy scripts (a read-only table).
---@class kigenlib
kigen = {}

---The library version.
---@type string
kigen.version = ""

---The ISO date y-m-d; an error if it does not exist.
---@param y integer
---@param m integer
---@param d integer
---@return kigen.date
function kigen.date(y, m, d) end

---ISO or era text (令和6年2月12日, R6.2.12, H31.4.30) to an ISO date, or
---nil and the reason.
---@param text string
---@return kigen.date|nil date
---@return string? reason
function kigen.parse_date(text) end

---The year, month and day of a date.
---@param date kigen.date
---@return integer y
---@return integer m
---@return integer d
function kigen.ymd(date) end

---@param date kigen.date
---@param n integer
---@return kigen.date
function kigen.add_days(date, n) end

---@param date kigen.date
---@param n integer
---@param policy kigen.eom required: "clamp" or "roll"
---@return kigen.date
function kigen.add_months(date, n, policy) end

---@param date kigen.date
---@param n integer
---@param policy kigen.eom required: "clamp" or "roll" (02-29 + 1 year)
---@return kigen.date
function kigen.add_years(date, n, policy) end

---`to − from` in days.
---@param from kigen.date
---@param to kigen.date
---@return integer
function kigen.days_between(from, to) end

---The ISO weekday: 1 = Monday … 7 = Sunday.
---@param date kigen.date
---@return integer
function kigen.weekday(date) end

---@param date kigen.date
---@return kigen.date
function kigen.start_of_month(date) end

---@param date kigen.date
---@return kigen.date
function kigen.end_of_month(date) end

---The date in Japanese era form, from 1873-01-01: "kanji" (令和6年2月12日,
---the default) or "short" (R6.2.12).
---@param date kigen.date
---@param style? "kanji"|"short"
---@return string
function kigen.era(date, style) end

---@param y integer
---@return boolean
function kigen.is_leap_year(y) end

---@param y integer
---@param m integer
---@return integer
function kigen.days_in_month(y, m) end

---The context's today (--today, kigen_set_today), Japan's date otherwise.
---@return kigen.date
function kigen.today() end

---Register a function rule expressions can call, type-checked at load like
---a built-in. Only at a script's top level, while the scripts load.
---@param spec kigen.function_spec
function kigen.register_function(spec) end

---Register a hook that runs after each record that evaluated without
---error. Only at a script's top level, while the scripts load.
---@param spec kigen.hook_spec
function kigen.register_hook(spec) end
