-- More functions than a rule set may register (see reg_bomb.lua).
for i = 1, 1100 do
  kigen.register_function{ name = "g" .. i, args = {}, returns = "integer", fn = function() return i end }   -- @many_fns
end
