-- A second, different policy: 東西市 (Tozai city, fictional), whose mail
-- room posts reminder letters only on Tuesdays and Thursdays, and writes
-- to each resident in Japanese or English. examples/mailing/tozai.yaml
-- names this script; docs/lua.md walks through how it was written.
--
--   * next_mail_day(d): a function rule expressions call: the first
--     Tuesday or Thursday on or after d that is not a national holiday
--     (holidays_jp.lua) and not in the year-end closure (12/29 - 1/3);
--   * the hook tozai_letters sets, for each resident with a user
--     certificate:
--       letter_lang  "ja" or "en": English for a resident whose
--                    nationality (ISO 3166 alpha-2) is given and is not JP;
--       letter       the reminder's sentence in that language;
--     and a note when the letter is in English.

local holidays = require "holidays_jp"

local MAIL_WEEKDAYS = { [2] = "火", [4] = "木" }   -- ISO weekdays: Tuesday, Thursday
local weekday_en = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" }

local function is_mail_day(d)
  local _, m, day = kigen.ymd(d)
  if (m == 12 and day >= 29) or (m == 1 and day <= 3) then
    return false
  end
  return MAIL_WEEKDAYS[kigen.weekday(d)] ~= nil and holidays.name(d) == nil
end

-- A week has two mail days; a holiday week and the year end together can
-- take out a few: within 21 days there is always one unless the holiday
-- data is wrong, which is an error rather than a date no one posts on.
local function next_mail_day(d)
  local first = d
  for _ = 1, 21 do
    if is_mail_day(d) then return d end
    d = kigen.add_days(d, 1)
  end
  error("no Tuesday or Thursday mail day in the 21 days from " .. first)
end

kigen.register_function{
  name = "next_mail_day",
  args = {"date: date"},
  returns = "date",
  doc = "the first Tuesday or Thursday on or after the date that is not a holiday or in 12/29-1/3",
  fn = next_mail_day,
}

kigen.register_hook{
  name = "tozai_letters",
  reads = {"nationality", "auth_cert_expiry", "reminder_mailed"},
  outputs = {
    letter_lang = {type = {"ja", "en"}, doc = "the letter's language"},
    letter = {type = "string", doc = "the reminder's sentence, in letter_lang"},
  },
  fn = function(rec)
    local expiry = rec.outputs.auth_cert_expiry
    if not expiry then return end        -- no certificate: no letter
    local mailed = rec.rules.reminder_mailed
    local nat = rec.facts.nationality
    if nat and nat ~= "JP" then
      rec.set("letter_lang", "en")
      local y, m, d = kigen.ymd(expiry)
      rec.set("letter", string.format(
        "Your My Number card's user certificate expires on %d-%02d-%02d. " ..
        "This letter was posted on %s (%s). Please renew it at the city office.",
        y, m, d, mailed, weekday_en[kigen.weekday(mailed)]))
      rec.note("letter in English: nationality " .. nat)
    else
      rec.set("letter_lang", "ja")
      rec.set("letter", string.format(
        "利用者証明用電子証明書の有効期限は%sです。このお知らせは%s（%s）に発送しました。" ..
        "市役所の窓口で更新してください。",
        kigen.era(expiry), kigen.era(mailed), MAIL_WEEKDAYS[kigen.weekday(mailed)]))
    end
  end,
}
