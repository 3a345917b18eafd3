-- A registration table whose metamethods change it while kigen reads it
-- (issue 9, finding 3: the output names were pointers into this table's
-- keys, freed by the collector once a metamethod emptied it). Registration
-- reads script tables raw, so no metamethod runs and nothing is freed.
local outputs = {}
local churn = setmetatable({}, {
  __index = function(t, k)
    -- empty the outputs table and make garbage, so that a collection runs
    for name in pairs(outputs) do outputs[name] = nil end
    local junk = {}
    for i = 1, 20000 do junk[i] = {i} end
    return "string"
  end,
})
for i = 1, 40 do
  outputs[string.rep("long_output_name_", 3) .. i] = churn   -- @churn
end
kigen.register_hook{
  name = "mutating",
  outputs = outputs,
  fn = function(rec) end,
}
