-- Japanese national holidays (国民の祝日) and the days off they bring, as
-- data and three rules, for the years 1949-2099.
--
--   国民の祝日に関する法律 (昭和23年法律第178号), as amended:
--     第2条  the holidays (below, with the years each rule was in force);
--     第3条1項  a holiday is a day off;
--     第3条2項  振替休日: 1973-04-12 to 2006: when a holiday falls on a Sunday,
--               the next day (if it is not a holiday itself); from 2007: the
--               nearest following day that is not a holiday;
--     第3条3項  国民の休日: from 1985-12-27, a day between two holidays that is
--               not a holiday itself (until 2006 not if it was a Sunday or a
--               振替休日).
--   One-off holidays by special acts (1959, 1989, 1990, 1993, 2019), and the
--   moved Olympic holidays of 2020 and 2021 (東京オリンピック・パラリンピック
--   特別措置法).
--
-- 春分の日 and 秋分の日 are fixed each February by the Cabinet Office for the
-- next year (官報, from the National Astronomical Observatory's almanac).
-- Here they come from the usual approximation of the equinox day, valid
-- for 1900-2099; it agrees with every published date from 1949 on. Years
-- after the last published one (2026 as of this file) are predictions.
--
-- Dates are ISO strings 'YYYY-MM-DD' (kigen's convention in policy scripts).

local M = {}

M.first_year = 1949
M.last_year = 2099

local MON, SUN = 1, 7

local function iso(y, m, d) return string.format("%04d-%02d-%02d", y, m, d) end

-- The nth (1-based) given weekday of a month.
local function nth_weekday(y, m, n, wd)
  local first = kigen.weekday(iso(y, m, 1))
  return 1 + (wd - first) % 7 + (n - 1) * 7
end

local function trunc(x) return x < 0 and math.ceil(x) or math.floor(x) end

-- The equinox day of March (spring) or September (autumn), 1900-2099.
local function equinox(y, spring)
  local c
  if y <= 1979 then
    c = spring and 20.8357 or 23.2588
    return math.floor(c + 0.242194 * (y - 1980) - trunc((y - 1983) / 4))
  end
  c = spring and 20.8431 or 23.2488
  return math.floor(c + 0.242194 * (y - 1980) - trunc((y - 1980) / 4))
end
M.equinox_day = equinox

-- 第2条: {name, from_year, to_year, month, day-or-function(y)}
local rules = {
  {"元日", 1949, 9999, 1, 1},
  {"成人の日", 1949, 1999, 1, 15},
  {"成人の日", 2000, 9999, 1, function(y) return nth_weekday(y, 1, 2, MON) end},
  {"建国記念の日", 1967, 9999, 2, 11},
  {"天皇誕生日", 2020, 9999, 2, 23},
  {"春分の日", 1949, 9999, 3, function(y) return equinox(y, true) end},
  {"天皇誕生日", 1949, 1988, 4, 29},
  {"みどりの日", 1989, 2006, 4, 29},
  {"昭和の日", 2007, 9999, 4, 29},
  {"憲法記念日", 1949, 9999, 5, 3},
  {"みどりの日", 2007, 9999, 5, 4},
  {"こどもの日", 1949, 9999, 5, 5},
  {"海の日", 1996, 2002, 7, 20},
  {"海の日", 2003, 2019, 7, function(y) return nth_weekday(y, 7, 3, MON) end},
  {"海の日", 2022, 9999, 7, function(y) return nth_weekday(y, 7, 3, MON) end},
  {"山の日", 2016, 2019, 8, 11},
  {"山の日", 2022, 9999, 8, 11},
  {"敬老の日", 1966, 2002, 9, 15},
  {"敬老の日", 2003, 9999, 9, function(y) return nth_weekday(y, 9, 3, MON) end},
  {"秋分の日", 1949, 9999, 9, function(y) return equinox(y, false) end},
  {"体育の日", 1966, 1999, 10, 10},
  {"体育の日", 2000, 2019, 10, function(y) return nth_weekday(y, 10, 2, MON) end},
  {"スポーツの日", 2022, 9999, 10, function(y) return nth_weekday(y, 10, 2, MON) end},
  {"文化の日", 1949, 9999, 11, 3},
  {"勤労感謝の日", 1949, 9999, 11, 23},
  {"天皇誕生日", 1989, 2018, 12, 23},
}

-- Holidays by special acts, and the Olympic years' moved holidays.
local one_off = {
  ["1959-04-10"] = "皇太子明仁親王の結婚の儀",
  ["1989-02-24"] = "昭和天皇の大喪の礼",
  ["1990-11-12"] = "即位礼正殿の儀",
  ["1993-06-09"] = "皇太子徳仁親王の結婚の儀",
  ["2019-05-01"] = "天皇の即位の日",
  ["2019-10-22"] = "即位礼正殿の儀",
  ["2020-07-23"] = "海の日",
  ["2020-07-24"] = "スポーツの日",
  ["2020-08-10"] = "山の日",
  ["2021-07-22"] = "海の日",
  ["2021-07-23"] = "スポーツの日",
  ["2021-08-08"] = "山の日",
}

local function compute(y)
  local h = {}     -- date -> name, the holidays of 第2条 and the special acts
  for _, r in ipairs(rules) do
    if y >= r[2] and y <= r[3] then
      local d = type(r[5]) == "function" and r[5](y) or r[5]
      h[iso(y, r[4], d)] = r[1]
    end
  end
  local prefix = string.format("%04d-", y)
  for d, name in pairs(one_off) do
    if d:sub(1, 5) == prefix then h[d] = name end
  end
  -- Sort the holidays: the next two rules look at neighbours in order.
  local days = {}
  for d in pairs(h) do days[#days + 1] = d end
  table.sort(days)
  local off = {}   -- every day off: holidays, then the two kinds of 休日
  for d, name in pairs(h) do off[d] = name end
  -- 第3条2項 振替休日
  for _, d in ipairs(days) do
    if kigen.weekday(d) == SUN and d >= "1973-04-12" then
      local n = kigen.add_days(d, 1)
      if y >= 2007 then
        while h[n] do n = kigen.add_days(n, 1) end
        off[n] = off[n] or "振替休日"
      elseif not h[n] then
        off[n] = "振替休日"
      end
    end
  end
  -- 第3条3項 国民の休日
  for i = 1, #days - 1 do
    local a, b = days[i], days[i + 1]
    if kigen.days_between(a, b) == 2 then
      local mid = kigen.add_days(a, 1)
      if mid >= "1985-12-27" and not h[mid] and not off[mid]
         and (y >= 2007 or kigen.weekday(mid) ~= SUN) then
        off[mid] = "国民の休日"
      end
    end
  end
  -- A 振替休日 of 31 December (never so far) would belong to the next year.
  return off
end

local cache = {}

-- Every day off in year y: a table date -> name.
function M.year(y)
  if math.type(y) ~= "integer" or y < M.first_year or y > M.last_year then
    error(string.format("holidays_jp: no data for year %s (this table covers %d-%d)",
                        tostring(y), M.first_year, M.last_year), 2)
  end
  local t = cache[y]
  if not t then
    t = compute(y)
    cache[y] = t
  end
  return t
end

-- The name of the holiday (or 振替休日, 国民の休日) on a date, or nil.
function M.name(date)
  local y = kigen.ymd(date)
  return M.year(y)[date]
end

function M.is_holiday(date) return M.name(date) ~= nil end

-- The days off of year y in date order, as {date, name} pairs.
function M.list(y)
  local t, out = M.year(y), {}
  for d, name in pairs(t) do out[#out + 1] = {d, name} end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

return M
