-- slowcmp(n): n comparisons of two distinct 4 MiB strings (few
-- instructions, each a lot of work: the clock stops it, not the count).
local a = ("x"):rep(4 * 1024 * 1024)
local b = ("x"):rep(4 * 1024 * 1024 - 1) .. "y"
kigen.register_function{
  name = "slowcmp",
  args = {"integer"},
  returns = "integer",
  fn = function(n)
    local k = 0
    for _ = 1, n do if a == b then k = k + 1 end end   -- @slowcmp
    return k
  end,
}
