-- Closed days for policy.lua: weekends only.
local M = {}
function M.closed(d) return kigen.weekday(d) >= 6 end
return M
