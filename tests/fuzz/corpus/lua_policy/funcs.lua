-- Functions of every declared type, and a hook (test_lua_policy.c).
kigen.register_function{ name = "next_weekday", args = {"d: date"}, returns = "date",
  doc = "the date, or the Monday after a weekend",
  fn = function(d)
    while kigen.weekday(d) >= 6 do d = kigen.add_days(d, 1) end
    return d
  end }
kigen.register_function{ name = "double", args = {"integer"}, returns = "integer",
  fn = function(n) return n * 2 end }
kigen.register_function{ name = "is_even", args = {"integer"}, returns = "boolean",
  fn = function(n) return n % 2 == 0 end }
kigen.register_function{ name = "greet", args = {"string"}, returns = "string",
  fn = function(s) return "hello, " .. s end }
kigen.register_function{ name = "grade", args = {"integer"}, returns = {"low", "high"},
  fn = function(n) return n < 5 and "low" or "high" end }
kigen.register_function{ name = "shift",
  args = { {name = "date", type = "date"}, {name = "days", type = "integer", optional = true} },
  returns = "date",
  fn = function(d, days) return kigen.add_days(d, days or 1) end }
kigen.register_function{ name = "wrong_date", args = {"date"}, returns = "date",
  fn = function(d)
    return 20240101                                   -- @wrong_return
  end }
kigen.register_function{ name = "raises", args = {"integer"}, returns = "integer",
  fn = function(n)
    error("raised on purpose with " .. n)             -- @raise
  end }
kigen.register_function{ name = "spins", args = {"integer"}, returns = "integer",
  fn = function(n)
    while true do n = n + 1 end                       -- @slow_fn
  end }

kigen.register_hook{
  name = "labels",
  reads = {"d", "mode"},
  outputs = { label = "string", stamp = "date", flag = {type = "boolean", doc = "d is a weekend day"} },
  fn = function(rec)
    local mode = rec.facts.mode
    if mode == "late_fail" then
      rec.set("label", "partial")
      error("failed after setting label")             -- @late_fail
    elseif mode == "bad_set" then
      rec.set("stamp", "2024/01/01")                  -- @bad_set
    elseif mode == "undeclared" then
      rec.set("next_wd", "2024-01-01")                -- @undeclared
    end
    rec.set("label", rec.outputs.hello .. " on " .. kigen.era(rec.facts.d, "short"))
    rec.set("stamp", rec.outputs.next_wd)
    rec.set("flag", kigen.weekday(rec.facts.d) >= 6)
    if mode == "set_nil" then rec.set("label", nil) end
    rec.note("twice is " .. rec.outputs.twice .. ", today is " .. rec.today)
  end,
}

-- A second hook runs after the first and sees its outputs.
kigen.register_hook{
  name = "second",
  fn = function(rec)
    if rec.outputs.label then rec.note("second hook saw: " .. rec.outputs.label) end
  end,
}
