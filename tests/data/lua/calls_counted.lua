-- A policy function with state, to count its calls (test_lua_policy.c,
-- test_no_call_after_an_error_argument): tick() returns how many times it
-- has been called in this context; add3 adds its arguments.
local n = 0
kigen.register_function{ name = "tick", args = {"integer"}, returns = "integer",
  fn = function(k) n = n + 1; return n end }
kigen.register_function{ name = "add3", args = {"integer", "integer", "integer"}, returns = "integer",
  fn = function(a, b, c) return a + b + c end }
