-- The script counterpart of the built-in add_days.
kigen.register_function{ name = "plus_days", args = {"date", "integer"}, returns = "date",
  fn = function(d, n) return kigen.add_days(d, n) end }
