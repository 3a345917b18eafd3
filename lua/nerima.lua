-- A ward's local policy on top of the national rule pack: 練馬区 (Nerima
-- ward, Tokyo), as a worked example. examples/ward/nerima.yaml names this
-- script; docs/lua.md describes the API it uses.
--
--   * business_day_on_or_after(d): a function rule expressions can call. The
--     ward office is closed on Saturdays, Sundays, national holidays (with
--     振替休日 and 国民の休日, from holidays_jp.lua) and over the year end,
--     12/29 - 1/3 (練馬区の休日を定める条例 style closure).
--   * the hook ward_reminders sets, for each resident:
--       reminder_1  the first reminder: 90 days before the user (auth)
--                   certificate's expiry, moved to the next business day;
--       reminder_2  the second: 30 days before, likewise;
--       office      the office that handles the resident, by district;
--       message_ja  the letter's sentence in Japanese;
--     and notes (shown by `kigen explain`) whenever a date was moved.
--
-- The office table is illustrative (a few 町名 per office), not the ward's
-- official jurisdiction list.

local holidays = require "holidays_jp"

local REMINDER_1_DAYS = 90
local REMINDER_2_DAYS = 30
local MAIN_OFFICE = "練馬区役所 本庁舎 戸籍住民課"

local weekday_ja = {"月", "火", "水", "木", "金", "土", "日"}

-- Why a day is not a business day, or nil when it is one.
local function closed_because(d)
  local _, m, day = kigen.ymd(d)
  if (m == 12 and day >= 29) or (m == 1 and day <= 3) then
    return "年末年始の閉庁日"
  end
  local name = holidays.name(d)
  if name then return name end
  local wd = kigen.weekday(d)
  if wd == 6 then return "土曜日" end
  if wd == 7 then return "日曜日" end
  return nil
end

-- The first day on or after d that the office is open, and the closed
-- days passed over on the way ("2023-10-09（スポーツの日）", ...). The
-- longest closure is the year end (6 days) next to a weekend: a month with
-- no open day means the holiday data is wrong, and is an error rather than
-- a letter dated on a closed day.
local function next_open(d)
  local first, passed = d, {}
  for _ = 1, 31 do
    local reason = closed_because(d)
    if not reason then return d, passed end
    passed[#passed + 1] = string.format("%s（%s）", d, reason)
    d = kigen.add_days(d, 1)
  end
  error("the office is closed on each of the 31 days from " .. first .. " (check the holiday data)")
end

local function business_day_on_or_after(d)
  return (next_open(d))
end

kigen.register_function{
  name = "business_day_on_or_after",
  args = {"date: date"},
  returns = "date",
  doc = "the date itself when the ward office is open that day, else the next day it is open",
  fn = business_day_on_or_after,
}

kigen.register_function{
  name = "is_business_day",
  args = {"date: date"},
  returns = "boolean",
  doc = "the ward office is open on this day",
  fn = function(d) return closed_because(d) == nil end,
}

kigen.register_function{
  name = "holiday_name",
  args = {"date: date"},
  returns = "string",
  doc = "the national holiday (or 振替休日, 国民の休日) on this day; none on other days",
  fn = holidays.name,
}

-- 町名 -> 区民事務所 (illustrative).
local offices = {
  ["練馬区民事務所"] = {"練馬", "豊玉北", "豊玉中", "豊玉南", "豊玉上", "中村", "中村北",
                        "中村南", "桜台", "栄町", "羽沢", "小竹町", "旭丘", "向山", "貫井",
                        "春日町", "北町", "平和台", "早宮", "氷川台", "錦"},
  ["光が丘区民事務所"] = {"光が丘", "田柄", "旭町", "土支田", "高松", "谷原"},
  ["石神井区民事務所"] = {"石神井町", "石神井台", "下石神井", "南田中", "高野台", "富士見台",
                          "三原台"},
  ["大泉区民事務所"] = {"大泉町", "大泉学園町", "東大泉", "西大泉", "西大泉町", "南大泉"},
  ["関区民事務所"] = {"関町北", "関町南", "関町東", "立野町", "上石神井", "上石神井南町"},
}
local office_of = {}
for office, districts in pairs(offices) do
  for _, d in ipairs(districts) do office_of[d] = office end
end

local function with_weekday(d)
  return string.format("%s（%s）", kigen.era(d), weekday_ja[kigen.weekday(d)])
end

-- The reminder `days` before `expiry`, moved to a business day, with a
-- note naming every closed day it moved over.
local function reminder(rec, label, expiry, days)
  local got, passed = next_open(kigen.add_days(expiry, -days))
  if #passed > 0 then
    rec.note(string.format("%s: %s は閉庁日のため、次の開庁日 %s に移しました",
                           label, table.concat(passed, "、"), got))
  end
  return got
end

kigen.register_hook{
  name = "ward_reminders",
  reads = {"district", "auth_cert_expiry"},
  outputs = {
    reminder_1 = {type = "date", doc = "first reminder: 90 days before the user certificate's expiry, on a business day"},
    reminder_2 = {type = "date", doc = "second reminder: 30 days before it, on a business day"},
    office = {type = "string", doc = "the ward office that handles the resident (by district)"},
    message_ja = {type = "string", doc = "the reminder letter's sentence"},
  },
  fn = function(rec)
    local district = rec.facts.district
    local office = district and office_of[district]
    if not office then
      office = MAIN_OFFICE
      rec.note(district and ("district '" .. district .. "' is not in the office table: " .. MAIN_OFFICE)
               or ("no district given: " .. MAIN_OFFICE))
    end
    rec.set("office", office)

    local expiry = rec.outputs.auth_cert_expiry
    if not expiry then
      rec.set("message_ja", "利用者証明用電子証明書が発行されていないため、更新のお知らせはありません。")
      return
    end
    local r1 = reminder(rec, "reminder_1", expiry, REMINDER_1_DAYS)
    local r2 = reminder(rec, "reminder_2", expiry, REMINDER_2_DAYS)
    rec.set("reminder_1", r1)
    rec.set("reminder_2", r2)
    rec.set("message_ja", string.format(
      "利用者証明用電子証明書の有効期限は%sです。更新のお知らせを%sと%sにお送りします。" ..
      "お手続きは%sで承ります（マイナンバーカードと暗証番号をお持ちください）。",
      kigen.era(expiry), with_weekday(r1), with_weekday(r2), office))
  end,
}
