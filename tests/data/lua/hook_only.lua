-- One hook that copies one output (the per-record cost of running a hook).
kigen.register_hook{ name = "tag", outputs = { tag = "date" },
  fn = function(rec) rec.set("tag", rec.outputs.base) end }
