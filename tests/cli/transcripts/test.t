# kigen test: test files of cases with their expected outputs; the counts,
# --verbose, a failing case with its explanation, --param, a broken test
# file (was: tests/cli/test_cli.sh, section "test"). Files: tests/data/lang/.
#
# `out.split('\n')[out.count('\n') - 1]` is the last line of stdout (the
# line numbered by `wc -l`).

## a passing test file: the counts on the last line
$ kigen test $DATA/lang/cards.test.yaml
1= out.split('\n')[out.count('\n') - 1] == '6 passed, 0 failed'

## --verbose: every case, with its place
$ kigen test --verbose $DATA/lang/cards.test.yaml
1~ ok   $DATA/lang/cards.test.yaml:
1~ the mar1 reading of a 29 February birth

## a failing case: its place, source, the difference and the explanation
$ kigen test $DATA/lang/cards_failing.test.yaml
? 1
1~ FAIL $DATA/lang/cards_failing.test.yaml:9  case 2: wrong on purpose
1~ source: nowhere: this expectation is deliberately wrong
1~ expiry: expected 2031-04-03, got 2026-04-03
1~ explain expiry:
1~ case 2 of 2 taken: otherwise
1= out.split('\n')[out.count('\n') - 1] == '1 passed, 1 failed'

## both files: the counts add up
$ kigen test $DATA/lang/cards.test.yaml $DATA/lang/cards_failing.test.yaml
? 1
1= out.split('\n')[out.count('\n') - 1] == '7 passed, 1 failed'

## --param for every case
# the mar1 case then passes either way, the others do not depend on feb29
$ kigen test --param feb29=mar1 $DATA/lang/cards.test.yaml
? 1
1~ 5 passed, 1 failed
1~ absent residence end

## a broken test file
# (a test file's rules path is read from the test file's directory: give it
# whole, also when the transcript is run with a relative source directory)
+ printf 'kigen-test: 1\nrules: %s\ncases:\n  - name: no source\n    facts: {}\n    expect: {}\n' "$(realpath "$RULES")" > $T/broken.test.yaml
$ kigen test $T/broken.test.yaml
? 2
2~ needs a 'name' and a 'source'

## no test file
$ kigen test
? 2
