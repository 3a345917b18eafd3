local days = require "days"

local function check(d)
  if d == "2024-12-31" then
    error("no office on " .. d)
  end
  return d
end

local function next_open(d)
  while days.closed(d) do d = kigen.add_days(d, 1) end
  local ok = check(d)
  return ok
end

kigen.register_function{
  name = "next_open", args = {"date: date"}, returns = "date",
  fn = function(d) local r = next_open(d) return r end,
}

kigen.register_hook{
  name = "letters",
  reads = {"who", "next"},
  outputs = { greeting = "string", stamp = "string" },
  fn = function(rec)
    if rec.facts.who == "debug" then
      print("who", rec.facts.who, rec.record, rec.id)
    end
    if rec.facts.who == "boom" then
      check("2024-12-31")
    end
    if rec.facts.who then
      rec.set("greeting", "こんにちは " .. rec.facts.who)
    else
      rec.note("no name given")
    end
    rec.set("stamp", string.format("%s #%s", rec.outputs.next or "-", tostring(rec.record)))
  end,
}
