-- A stand-in for holidays_jp.lua (tozai.test.yaml's `modules:`): every day
-- of 2026-02-01 – 2026-03-31 is a day off, to test what the policy does
-- when no mail day comes.
local M = {}
function M.name(d)
  if d >= "2026-02-01" and d <= "2026-03-31" then return "試験用の休日" end
  return nil
end
return M
