-- Registrations copy names and docs to host memory, outside the Lua
-- memory cap (issue 9 review: one 5 MiB doc shared by the outputs of many
-- hooks was copied once per output, without bound).
local big = string.rep("d", 5 * 1024 * 1024)
kigen.register_function{ name = "f1", args = {}, returns = "integer", doc = big, fn = function() return 1 end }   -- @big_fn_doc
-- many outputs, each with a doc under the limit: the total is bounded
local doc = string.rep("e", 4000)
for h = 1, 10 do
  local outputs = {}
  for i = 1, 200 do outputs["o" .. h .. "_" .. i] = {type = "string", doc = doc} end
  kigen.register_hook{ name = "h" .. h, outputs = outputs, fn = function(rec) end }   -- @many_outputs
end
