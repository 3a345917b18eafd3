-- spin(n): n loop iterations (about 3 instructions each), returns n.
kigen.register_function{
  name = "spin",
  args = {"integer"},
  returns = "integer",
  fn = function(n)
    local k = 0
    for _ = 1, n do k = k + 1 end          -- @spin
    return k
  end,
}
