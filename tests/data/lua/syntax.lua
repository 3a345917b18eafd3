-- a syntax error on line 4
local x = 1
kigen.register_function{ name = "f", args = {"date"}, returns = "date",
  fn = function(d) return d end end }
