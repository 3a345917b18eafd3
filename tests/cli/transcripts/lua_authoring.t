# Writing policy scripts (issue 17): errors that point at the fix, print
# under --debug-lua, the script's own traceback, the record's number and id
# in rec, and kigen test's policy tests (expect_notes, modules:, --coverage).
# Files: tests/data/authoring/.

## print without --debug-lua says what to use instead (was: only "attempt to call a nil value (global 'print')")
+ printf 'id,d,who\nA1,2024-01-06,debug\n' > $T/debug.csv
$ kigen eval --passthrough id --rules $DATA/authoring/policy.yaml --input $T/debug.csv
? 1
2~ policy.lua:27: in hook 'letters': attempt to call a nil value (global 'print') (print is not available in policy scripts: add a note with rec.note(text), which kigen explain shows, or run kigen with --debug-lua to print to stderr)

## --debug-lua: print goes to stderr with where and which record; rec.record and rec.id are set (was: rec.record nil under the CLI)
$ kigen eval --debug-lua --passthrough id --rules $DATA/authoring/policy.yaml --input $T/debug.csv
2> kigen lua: $DATA/authoring/policy.lua:27 (hook 'letters', record 1, id A1): who  debug  1  A1
1~ A1,2024-01-08,reiwa,こんにちは debug,2024-01-08 #1,

## a function's error names the function once (was: "... (in function next_open)", and a limit's message twice)
+ printf 'id,d,who\nB2,2024-12-31,x\n' > $T/fn.csv
$ kigen eval --passthrough id --rules $DATA/authoring/policy.yaml --input $T/fn.csv
? 1
1~ B2,,reiwa,,,record 1: next: $DATA/authoring/policy.lua:5: in function 'next_open': no office on 2024-12-31
1! (record 1
1= err.count("in function 'next_open'") == 1 and err.count('B2') == 1

## a hook's error names the hook, and the record and its id once (was: the hook was not named)
+ printf 'id,d,who\nA1,2024-01-02,x\nC3,2024-01-02,boom\n' > $T/hook.csv
$ kigen eval --passthrough id --rules $DATA/authoring/policy.yaml --input $T/hook.csv
? 1
2> kigen eval: record 2 (line 3, id C3): $DATA/authoring/policy.lua:5: in hook 'letters': no office on 2024-12-31
2> kigen eval: 1 of 2 records failed
1~ C3,2024-01-02,reiwa,,,record 2: $DATA/authoring/policy.lua:5: in hook 'letters': no office on 2024-12-31

## --debug-lua: the traceback, the script's own frames only, innermost first
$ kigen eval --debug-lua --passthrough id --rules $DATA/authoring/policy.yaml --input $T/hook.csv
? 1
2~ kigen eval:     $DATA/authoring/policy.lua:5: in local function 'check'
2~ kigen eval:     $DATA/authoring/policy.lua:30: in hook 'letters'
2! [C]
2! in function 'error'

## --debug-lua: a function's traceback goes through the local functions it called
$ kigen eval --debug-lua --passthrough id --rules $DATA/authoring/policy.yaml --input $T/fn.csv
? 1
1= err.index("policy.lua:5: in local function 'check'") < err.index("policy.lua:12: in local function 'next_open'") < err.index("policy.lua:18: in function 'next_open'")

## explain --debug-lua shows the traceback too
$ kigen explain --debug-lua --rules $DATA/authoring/policy.yaml --set d=2024-01-02 --set who=boom stamp
? 1
2~ in hook 'letters': no office on 2024-12-31
2~     $DATA/authoring/policy.lua:30: in hook 'letters'

## did you mean: a module beside the script (was: only "not found")
+ cp $DATA/authoring/days.lua $T/days.lua
+ printf 'local d = require "dayz"\n' > $T/req.lua
+ printf 'kigen: 1\nname: req\nlua: [req.lua]\nfacts:\n  d: {type: date}\nrules:\n  x: {source: t, value: d}\noutputs: [x]\n' > $T/req.yaml
$ kigen check $T/req.yaml
? 1
2~ $T/req.lua:1:1: error[E0408]: module 'dayz' not found
2~ (did you mean 'days'?)

## did you mean: a library function, a global, a string method; what is left out says why (was: "attempt to call a nil value (field 'add_day')" only)
+ printf 'kigen.register_hook{ name = "h", reads = {"d"}, outputs = { y = "date", s = "string" }, fn = function(rec)\n  if rec.facts.d == "2024-01-01" then rec.set("y", kigen.add_day(rec.facts.d, 1)) end\n  if rec.facts.d == "2024-01-02" then rec.set("s", strng.upper("x")) end\n  if rec.facts.d == "2024-01-03" then rec.set("s", ("x"):uper()) end\n  if rec.facts.d == "2024-01-04" then rec.set("s", tostring(math.random(3))) end\nend }\n' > $T/dym.lua
+ printf 'kigen: 1\nname: dym\nlua: [dym.lua]\nfacts:\n  d: {type: date}\nrules:\n  x: {source: t, value: d}\noutputs: [x, y, s]\n' > $T/dym.yaml
+ printf 'd\n2024-01-01\n2024-01-02\n2024-01-03\n2024-01-04\n' > $T/dym.csv
$ kigen eval --rules $T/dym.yaml --input $T/dym.csv
? 1
2~ record 1 (line 2): $T/dym.lua:2: in hook 'h': kigen.add_day does not exist (did you mean kigen.add_days?)
2~ record 2 (line 3): $T/dym.lua:3: in hook 'h': attempt to index a nil value (global 'strng') (did you mean string?)
2~ record 3 (line 4): $T/dym.lua:4: in hook 'h': string.uper does not exist (did you mean string.upper?)
2~ record 4 (line 5): $T/dym.lua:5: in hook 'h': math.random is left out: a policy's outputs must be the same in every run

## a field of a table of the script's own gets no guess (Lua's message does not say which table; was: "did you mean kigen.weekday?")
+ printf 'local days = {}\nkigen.register_hook{ name = "h", reads = {"d"}, outputs = { y = "date" }, fn = function(rec)\n  rec.set("y", days.weekdays(rec.facts.d))\nend }\n' > $T/own.lua
+ sed 's/dym.lua/own.lua/; s/, s\]/]/' $T/dym.yaml > $T/own.yaml
$ kigen eval --rules $T/own.yaml --set d=2024-01-01
? 1
2~ attempt to call a nil value (field 'weekdays')
2! did you mean

## did you mean: a field of rec
+ printf 'kigen.register_hook{ name = "h", outputs = { y = "date" }, fn = function(rec) rec.set("y", rec.fact.d) end }\n' > $T/recf.lua
+ sed 's/dym.lua/recf.lua/; s/, s\]/]/' $T/dym.yaml > $T/recf.yaml
$ kigen eval --rules $T/recf.yaml --set d=2024-01-01
? 1
2~ rec has no field 'fact' (did you mean 'facts'?)

## every registration error of a script at once, each at its line
+ printf 'kigen.register_function{ name = "f1", args = {"date: dat"}, returns = "date", fn = function(d) return d end }\nkigen.register_function{ name = "f2", args = {"date"}, retuns = "date", fn = function(d) return d end }\nkigen.register_hook{ name = "h", outputs = { x = "strin" }, fn = function(rec) end }\n' > $T/regs.lua
+ sed 's/dym.lua/regs.lua/; s/, y, s\]/]/' $T/dym.yaml > $T/regs.yaml
$ kigen check $T/regs.yaml
? 1
2~ $T/regs.lua:1:1: error[E0404]: function 'f1', argument 1: unknown type 'dat'
2~ $T/regs.lua:2:1: error[E0403]: kigen.register_function: unknown field 'retuns'
2~ $T/regs.lua:3:1: error[E0404]: hook 'h', output 'x': unknown type 'strin'
2~ regs.yaml: 3 errors

## policy tests: hook outputs and notes asserted, a stand-in module, coverage
$ cd $DATA/authoring && kigen test --coverage policy.test.yaml stub.test.yaml
1> coverage: 1 of 2 rule cases, 28 of 31 lines of policy scripts
1>   policy.yaml: 1 of 2 cases; not reached:
1>     line 17: era_part, case 1 of 2 (when: d < date(2019, 5, 1))
1>   days.lua: 3 of 3 lines
1>   days_stub.lua: 3 of 3 lines
1>   policy.lua: 22 of 25 lines; not reached: 5 27 30
1> 3 passed, 0 failed

## coverage: a script reached by two paths (relative, absolute) is one file (was: counted twice)
$ cd $DATA && kigen test --coverage authoring/policy.test.yaml $DATA/authoring/stub.test.yaml
1~   authoring/policy.lua: 22 of 25 lines; not reached: 5 27 30
1! $DATA

## coverage: scripts of the same name in long directories are two files (was: the wrong hook's script named, coverage failed)
+ mkdir -p $T/policy_scripts_for_the_northern_district_office_2024/version_2 $T/policy_scripts_for_the_southern_district_office_2024/version_2
+ printf 'kigen.register_hook{ name = "north", outputs = { n = "string" }, fn = function(rec)\n  rec.set("n", "north")\nend }\n' > $T/policy_scripts_for_the_northern_district_office_2024/version_2/p.lua
+ printf 'kigen.register_hook{ name = "south", outputs = { s = "string" }, fn = function(rec)\n  if rec.facts.who == "x" then\n    error("south failed")\n  end\n  rec.set("s", "south")\nend }\n' > $T/policy_scripts_for_the_southern_district_office_2024/version_2/p.lua
+ printf 'kigen: 1\nname: lp\nlua: [policy_scripts_for_the_northern_district_office_2024/version_2/p.lua, policy_scripts_for_the_southern_district_office_2024/version_2/p.lua]\nfacts:\n  who: {type: string, optional: true}\noutputs: [n, s]\n' > $T/lp.yaml
+ printf 'kigen-test: 1\nrules: lp.yaml\ncases:\n  - name: both\n    source: t\n    facts: {who: y}\n    expect: {n: north, s: south}\n' > $T/lp.test.yaml
$ cd $T && kigen test --coverage lp.test.yaml && kigen explain --rules lp.yaml --set who=y s && kigen eval --rules lp.yaml --set who=x
? 1
1~   policy_scripts_for_the_northern_district_office_2024/version_2/p.lua: 3 of 3 lines
1~   policy_scripts_for_the_southern_district_office_2024/version_2/p.lua: 4 of 5 lines; not reached: 3
1~ 1 passed, 0 failed
1~ source: policy script policy_scripts_for_the_southern_district_office_2024/version_2/p.lua, hook south
2~ (2).../version_2/p.lua:3: in hook 'south': south failed

## modules: a stand-in no script requires is an error (was: the real module ran, and the test passed)
+ printf 'kigen-test: 1\nrules: policy.yaml\nmodules: {dayz: days_stub.lua}\ncases:\n  - name: x\n    source: t\n    facts: {d: 2024-01-03, who: x}\n    expect: {next: 2024-01-03}\n' > $T/unused.test.yaml
+ cp $DATA/authoring/policy.yaml $DATA/authoring/policy.lua $DATA/authoring/days.lua $DATA/authoring/days_stub.lua $T/
$ kigen test $T/unused.test.yaml
? 2
2~ error[E0408]: a stand-in is given for module 'dayz', but no policy script requires it (did you mean 'days'?)
1~ 0 passed, 1 failed (0 malformed, 1 not run)

## modules: a stand-in's name must be a module name
+ printf 'kigen-test: 1\nrules: policy.yaml\nmodules: {"../days": days_stub.lua}\ncases: []\n' > $T/badname.test.yaml
$ kigen test $T/badname.test.yaml
? 2
2~ '../days' is not a module name

## a note that was not expected fails the case, showing what came
+ sed 's/expect_notes: \[\]/expect_notes: [a note that never comes]/; s/^rules: policy.yaml/rules: policy.yaml/' $DATA/authoring/policy.test.yaml > $T/notes.test.yaml
+ cp $DATA/authoring/policy.yaml $DATA/authoring/policy.lua $DATA/authoring/days.lua $T/
$ kigen test $T/notes.test.yaml
? 1
1~ FAIL $T/notes.test.yaml:4  case 1: a weekday stays
1~ notes: not as many as expected (expected 1, got 0)
1~ expected: ...a note that never comes...
1~ 1 passed, 1 failed

## an unexpected hook error fails the case with the script's frames
+ printf 'kigen-test: 1\nrules: policy.yaml\ncases:\n  - name: boom\n    source: t\n    facts: {d: 2024-01-02, who: boom}\n    expect: {next: 2024-01-02}\n' > $T/boom.test.yaml
$ kigen test $T/boom.test.yaml
? 1
1~ the record failed: $T/policy.lua:5: in hook 'letters': no office on 2024-12-31
1~     $T/policy.lua:5: in local function 'check'
1~     $T/policy.lua:30: in hook 'letters'

## ... and expect_error takes it, with the rule outputs still checked
+ printf 'kigen-test: 1\nrules: policy.yaml\ncases:\n  - name: boom\n    source: t\n    facts: {d: 2024-01-02, who: boom}\n    expect: {next: 2024-01-02}\n    expect_error: "in hook '"'"'letters'"'"': no office"\n' > $T/boom2.test.yaml
$ kigen test $T/boom2.test.yaml
1~ 1 passed, 0 failed

## modules: a stand-in that cannot be read is an error of the test file
+ printf 'kigen-test: 1\nrules: policy.yaml\nmodules: {days: nowhere.lua}\ncases: []\n' > $T/nostub.test.yaml
$ kigen test $T/nostub.test.yaml
? 2
2~ $T/nostub.test.yaml:3:17: error: modules: 'days': cannot read $T/nowhere.lua

## a note whose text differs says so (was: "expected 1, got 1")
+ sed 's/expect_notes: \[no name given\]/expect_notes: [another text]/' $DATA/authoring/policy.test.yaml > $T/notes2.test.yaml
$ kigen test $T/notes2.test.yaml
? 1
1~ notes: a note differs (expected 1, got 1)
1~ got:      no name given

## expect_error must say something, and an expected note must be a text (was: "" matched any error, null the text "null")
+ printf 'kigen-test: 1\nrules: policy.yaml\ncases:\n  - name: e\n    source: t\n    facts: {d: 2024-01-02, who: boom}\n    expect_error: ""\n  - name: n\n    source: t\n    facts: {d: 2024-01-02}\n    expect_notes: [null]\n' > $T/empty.test.yaml
$ kigen test $T/empty.test.yaml
? 2
2~ expect_error needs a part of the message
2~ each expected note is a text (not empty, not null)
1~ 0 passed, 2 failed (2 malformed, 0 not run)

## expect_notes must be a list
+ printf 'kigen-test: 1\nrules: policy.yaml\ncases:\n  - name: n\n    source: t\n    facts: {d: 2024-01-02}\n    expect_notes: no name given\n' > $T/badnotes.test.yaml
$ kigen test $T/badnotes.test.yaml
? 2
2~ expect_notes is a list of texts

## a script that fails to load is the one error: no follow-on "unknown function" or "unknown output" (was: three errors and a wrong did-you-mean)
+ printf 'print("top level", 1)\nkigen.register_function{ name = "ff", args = {"date"}, returns = "date", fn = function(d) return d end }\nkigen.register_hook{ name = "h", outputs = { o = "string" }, fn = function(rec) rec.set("o", "x") end }\n' > $T/top.lua
+ printf 'kigen: 1\nname: top\nlua: [top.lua]\nfacts:\n  w: {type: date}\nrules:\n  x: {source: t, value: ff(w)}\noutputs: [x, o]\n' > $T/top.yaml
$ kigen check $T/top.yaml
? 1
2~ $T/top.lua:1:1: error[E0402]: attempt to call a nil value (global 'print') (print is not available in policy scripts
2~ top.yaml: 1 error
2! unknown function
2! unknown output

## check --debug-lua: a top-level print writes to stderr, and the file checks
$ kigen check --debug-lua $T/top.yaml
2~ kigen lua: $T/top.lua:1 (the script's top level): top level  1
2~ top.yaml: ok (1 facts, 2 outputs)

## every bad type of a hook's outputs at once, and the word an author meant for a field (was: the first type only; no hint for 'result')
+ printf 'kigen.register_function{ name = "f", args = {"date"}, result = "date", fn = function(d) return d end }\nkigen.register_hook{ name = "h", outputs = { q = "dat", r = {type = "strin"}, s = "string" }, fn = function(rec) end }\n' > $T/r3.lua
+ printf 'kigen: 1\nname: r3\nlua: [r3.lua]\nfacts:\n  d: {type: date}\nrules:\n  x: {source: t, value: d}\noutputs: [x]\n' > $T/r3.yaml
$ kigen check $T/r3.yaml
? 1
2~ unknown field 'result' (expected: name, args, returns, fn, doc)
2~ hint: did you mean 'returns'?
2~ hook 'h', output 'q': unknown type 'dat'
2~ hook 'h', output 'r': unknown type 'strin'
2~ r3.yaml: 3 errors

## require: a file's name instead of the module's, and a module one directory down (was: no hint)
+ mkdir -p $T/req2/sub && printf 'return {}\n' > $T/req2/sub/util.lua && printf 'return {}\n' > $T/req2/days.lua
+ printf 'local a = require "days.lua"\n' > $T/req2/a.lua && printf 'local u = require "util"\n' > $T/req2/b.lua
+ printf 'kigen: 1\nname: a\nlua: [a.lua]\nfacts:\n  d: {type: date}\nrules:\n  x: {source: t, value: d}\noutputs: [x]\n' > $T/req2/a.yaml && sed 's/a.lua/b.lua/; s/name: a/name: b/' $T/req2/a.yaml > $T/req2/b.yaml
$ kigen check $T/req2/a.yaml; kigen check $T/req2/b.yaml
? 1
2~ module 'days.lua' not found
2~ (did you mean 'days'?)
2~ module 'util' not found
2~ (did you mean 'sub.util'?)

## a syntax error's caret is under the token Lua names (was: the line's first column)
+ printf 'local t = {1, 2 3}\n' > $T/syn.lua
+ printf 'kigen: 1\nname: s\nlua: [syn.lua]\nfacts:\n  d: {type: date}\nrules:\n  x: {source: t, value: d}\noutputs: [x]\n' > $T/syn.yaml
$ kigen check $T/syn.yaml
? 1
2~ $T/syn.lua:1:17: error[E0401]: '}' expected near '3'
