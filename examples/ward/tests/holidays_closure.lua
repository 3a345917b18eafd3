-- A stand-in for holidays_jp.lua in tests (nerima_closures.test.yaml names
-- it under `modules:`): the same API (name(d): the day's holiday or nil),
-- but days an author chooses, so that the policy can be tested against
-- days off the real data does not have yet — a holiday the Cabinet adds
-- for a year, or a long closure of the office.
local M = {}

local extra = {
  ["2026-05-07"] = "臨時休日（試験用）",
}

function M.name(d)
  if extra[d] then return extra[d] end
  if d >= "2026-08-01" and d <= "2026-09-30" then return "長期閉庁（試験用）" end
  return nil
end

function M.is_holiday(d) return M.name(d) ~= nil end

return M
