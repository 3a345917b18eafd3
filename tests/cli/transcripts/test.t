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

## --case: the case of that name only, or else the cases whose name contains it
$ kigen test --verbose --case 'one day younger is a minor' $DATA/lang/cards.test.yaml
1~ one day younger is a minor
1= out.split('\n')[out.count('\n') - 1] == '1 passed, 0 failed'
## --case: the case of that name only, or else the cases whose name contains it (2)
$ kigen test --verbose --case 'a 29 February' $DATA/lang/cards.test.yaml
1~ the mar1 reading of a 29 February birth
1= out.split('\n')[out.count('\n') - 1] == '1 passed, 0 failed'
## --case: the case of that name only, or else the cases whose name contains it (3)
# a name no case has: an error, with the closest name (was: every case ran)
$ kigen test --case 'absent residence endd' $DATA/lang/cards.test.yaml
? 2
2~ --case 'absent residence endd': no case has that name or contains it (did you mean 'absent residence end'?)

## a malformed case counts as failed (was: '0 passed, 0 failed' beside an error)
+ printf 'kigen-test: 1\nrules: %s\ncases:\n  - {name: fine, source: SPEC D1, facts: {birth_date: 2004-04-03, issue: 2022-04-01}, expect: {expiry: 2026-04-03}}\n  - {name: bad output, source: SPEC D1, facts: {birth_date: 2004-04-03, issue: 2022-04-01}, expect: {expiri: 2026-04-03}}\n  - {name: bad key, source: SPEC D1, fact: {}, expect: {}}\n' "$(realpath "$RULES")" > $T/malformed.test.yaml
$ kigen test $T/malformed.test.yaml
? 2
1~ FAIL $T/malformed.test.yaml:5  case 2: bad output
1~ malformed: the case cannot run as written
2~ did you mean 'expiry'
2~ unknown key 'fact' (did you mean 'facts'?)
1= out.split('\n')[out.count('\n') - 1] == '1 passed, 2 failed (2 malformed, 0 not run)'

## rules that do not load: every case counts as not run, loudly
+ printf 'kigen-test: 1\nrules: %s\ncases:\n  - {name: a, source: S, facts: {}, expect: {}}\n  - {name: b, source: S, facts: {}, expect: {}}\n' "$(realpath "$DATA/lang/cards_bad.yaml")" > $T/norules.test.yaml
$ kigen test $T/norules.test.yaml
? 2
1~ FAIL $T/norules.test.yaml: the rules (
1~ do not load: 2 cases not run
1= out.split('\n')[out.count('\n') - 1] == '0 passed, 2 failed (0 malformed, 2 not run)'

## today: per case, over the file's (the file says 2026-01-01)
# SPEC D4: valid through the expiry day 2026-04-03, expired the day after
+ printf 'kigen-test: 1\nrules: %s\ntoday: 2026-01-01\ncases:\n  - {name: file day, source: SPEC D4, facts: {birth_date: 2004-04-03, issue: 2022-04-01}, expect: {card_status: valid}}\n  - {name: expiry day, source: SPEC D4, today: 2026-04-03, facts: {birth_date: 2004-04-03, issue: 2022-04-01}, expect: {card_status: valid}}\n  - {name: day after, source: SPEC D4, today: 2026-04-04, facts: {birth_date: 2004-04-03, issue: 2022-04-01}, expect: {card_status: expired}}\n  - {name: bad day, source: SPEC D4, today: 2026-02-30, facts: {}, expect: {}}\n' "$(realpath "$RULES")" > $T/today.test.yaml
$ kigen test $T/today.test.yaml
? 2
2~ today: 
1= out.split('\n')[out.count('\n') - 1] == '3 passed, 1 failed (1 malformed, 0 not run)'

## a --case that chooses nothing is a usage error, not a broken file (was: "the test files or rules have errors")
$ kigen test --case zz $DATA/lang/cards.test.yaml
? 2
2~ --case 'zz': no case has that name or contains it
2! the test files or rules have errors
