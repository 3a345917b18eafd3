kigen.register_function{ name = "f1", args = {"int"}, returns = "date", fn = function() end }
kigen.register_function{ name = "f2", args = {"date"}, retruns = "date", fn = function() end }
kigen.register_function{ name = "add", args = {"date"}, returns = "date", fn = function() end }
kigen.register_function{ name = "f3", args = {"date"}, returns = "date", fn = function() end }
kigen.register_function{ name = "f3", args = {"date"}, returns = "date", fn = function() end }
kigen.register_hook{ name = "h1", outputs = { taken = "date" }, fn = function() end }
kigen.register_hook{ name = "h2", reads = {"dd"}, fn = function() end }
kigen.register_function{ name = "f4", args = {"date"}, returns = {"a", "a"}, fn = function() end }
kigen.register_function{ name = "f5", args = {}, returns = "date", fn = 42 }
