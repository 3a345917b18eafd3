# kigen eval --where EXPR: the expression is checked against the rule set
# like a rule (a mistake is said at its line and column, with the
# expression and a caret, exit 2, nothing evaluated), and only the records
# for which it holds are written. Which records are kept, on thousands of
# records and against values computed by hand: tests/cli/test_eval_where.py.
# Rules: the national pack ($PACK, rules/jp/mynumber.yaml).
#
# Columns count characters from 1; the caret line is the expression's line
# indented by two spaces, so the caret under column C follows 2 + C - 1
# spaces.
#
# s.csv: three card holders, card_expiry worked out by hand (SPEC R1, R2,
# D1: 10 birthdays for a holder at or over the age line of 20 on an
# application before 2022-04-01, else 5; the Nth birthday strictly after
# the issue date):
#   1  permanent          born 1980-05-10, issued 2017-06-01 at 37: 10th birthday 2027-05-10
#   2  japanese           born 1990-01-15, issued 2019-03-01 at 29: 10th birthday 2029-01-15
#   3  special_permanent  born 2010-07-07, issued 2020-08-01 at 10: 5th birthday 2025-07-07

## a value misspelt: did you mean, at its column (16)
+ printf 'id,birth_date,residence_status,application_date,card_issue_date\n1,1980-05-10,permanent,2017-05-01,2017-06-01\n2,1990-01-15,japanese,2019-02-01,2019-03-01\n3,2010-07-07,special_permanent,2020-07-01,2020-08-01\n' > $T/s.csv
$ kigen eval --rules $PACK --input $T/s.csv --where 'card_status == renewabel'
? 2
# card_status's choices in the pack: valid, renewable, validity_change_due, expired, not_issued
2> kigen eval: --where:1:16: error[E0209]: 'renewabel' is neither a defined name nor one of the allowed values here; expected one of valid|renewable|validity_change_due|expired|not_issued
2>   card_status == renewabel
2>                  ^ did you mean 'renewable'?
1= out == ''

## a value misspelt further on: its column (43) and the other output's choices
$ kigen eval --rules $PACK --input $T/s.csv --where 'next_step == no_action and auth_status == expird'
? 2
# auth_status's choices: valid, renewable, expired, card_expired, record_removed, revoked_on_request, not_issued
2> kigen eval: --where:1:43: error[E0209]: 'expird' is neither a defined name nor one of the allowed values here; expected one of valid|renewable|expired|card_expired|record_removed|revoked_on_request|not_issued
2>   next_step == no_action and auth_status == expird
2>                                             ^ did you mean 'expired'?

## after wide characters, the caret stands at the display width of the text before the column
# The column (33) counts characters; the caret is placed by display width, 35
# here (check.t: the same for rule files). (was: at 29, the column taken for bytes)
$ kigen eval --rules $PACK --input $T/s.csv --where "'日本人' == 'x' and card_status == expird"
? 2
2~ kigen eval: --where:1:33: error[E0209]: 'expird' is neither a defined name
1= err.split('\n')[1] == "  '日本人' == 'x' and card_status == expird"
1= err.split('\n')[2] == '  ' + ' ' * width("'日本人' == 'x' and card_status == ") + "^ did you mean 'expired'?"

## a value misspelt on the second line of the expression
$ kigen eval --rules $PACK --input $T/s.csv --where $'card_status == valid and\n  auth_status == expird'
? 2
2~ kigen eval: --where:2:18: error[E0209]: 'expird' is neither a defined name
1= err.split('\n')[1:3] == ['    auth_status == expird', '  ' + ' ' * 17 + "^ did you mean 'expired'?"]

## a fact misspelt: did you mean the fact
$ kigen eval --rules $PACK --input $T/s.csv --where 'birth_dat < 1950-01-01'
? 2
2> kigen eval: --where:1:1: error[E0201]: unknown name 'birth_dat'; expected a fact, param or rule name
2>   birth_dat < 1950-01-01
2>   ^ did you mean 'birth_date'?

## a name that is no fact, param or rule of the pack, after an operator
$ kigen eval --rules $PACK --input $T/s.csv --where 'card_status == valid or zzz_unknown > 3'
? 2
2~ kigen eval: --where:1:25: error[E0201]: unknown name 'zzz_unknown'; expected a fact, param or rule name
1= '  ' + ' ' * 24 + '^' in [l[:27] for l in err.split('\n')]
1= out == ''

## an expression that is not a condition (a date) is a type error, said in the expression's words
# (was: "rule 'kigen_eval_where' is declared boolean", a rule the user never wrote)
$ kigen eval --rules $PACK --input $T/s.csv --where 'card_expiry'
? 2
2~ kigen eval: --where:1:1: error[E0203]:
2~ expected boolean
1= 'date' in err.split('\n')[0]
1= err.split('\n')[1:3] == ['  card_expiry', '  ^']
1= out == ''
2! kigen_eval_where
2! declared

## ... and an enum output is not a condition either
$ kigen eval --rules $PACK --input $T/s.csv --where 'card_status'
? 2
2~ kigen eval: --where:1:1: error[E0203]:
2~ expected boolean

## ... nor a date computed from a fact (said at the expression's operator, column 12)
$ kigen eval --rules $PACK --input $T/s.csv --where 'birth_date + 1 day'
? 2
2~ kigen eval: --where:1:12: error[E0203]:
2~ expected boolean
1= 'date' in err.split('\n')[0]

## a comparison of a date with a number is a type error at the operator
$ kigen eval --rules $PACK --input $T/s.csv --where 'birth_date + 1 > 3'
? 2
2~ kigen eval: --where:1:12: error[E0203]: '+' cannot combine date and integer
1= '  ' + ' ' * 11 + '^' in err.split('\n')

## an expression that stops short: expected a value at the end (column 27)
$ kigen eval --rules $PACK --input $T/s.csv --where 'card_status == expired and'
? 2
2~ kigen eval: --where:1:27: error[E0200]: expected a value, found the end of the expression
1= err.split('\n')[1:3] == ['  card_status == expired and', '  ' + ' ' * 26 + '^']

## text after a complete expression (column 22)
$ kigen eval --rules $PACK --input $T/s.csv --where 'card_status == valid # c'
? 2
2~ kigen eval: --where:1:22: error[E0200]: unexpected '#' after a complete expression
1= '  ' + ' ' * 21 + '^' in err.split('\n')

## an empty expression
$ kigen eval --rules $PACK --input $T/s.csv --where ''
? 2
2~ kigen eval: --where: the expression is empty
1= out == ''

## --where without its value
$ kigen eval --rules $PACK --input $T/s.csv --where
? 2
2~ kigen eval: --where needs a value

## white space before the expression: a tab (was: a YAML syntax error)
# On 2026-11-30 (renewal windows open 3 months before the expiry): 1 and 2 valid, 3 expired.
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_status --where $'\tcard_status == valid'
1> id,card_status,error
1> 1,valid,
1> 2,valid,
1= err == ''

## an expression over two lines, the first indented more than the second (was: a YAML syntax error)
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_status --where $'  card_status == valid\nand residence_status != japanese'
1> id,card_status,error
1> 1,valid,
1= err == ''

## --where on a fact, with --outputs that do not name it: the kept records, the condition is no column
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --where 'residence_status != japanese' --outputs card_expiry
1> id,card_expiry,error
1> 1,2027-05-10,
1> 3,2025-07-07,
1= err == ''

## --where on an output that --outputs does not name (card_expiry < 2028-01-01: records 1 and 3)
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --where 'card_expiry < 2028-01-01' --outputs auth_cert_expiry
1= rows[0] == ['id', 'auth_cert_expiry', 'error']
1= [r[0] for r in rows[1:]] == ['1', '3']

## --where with --format jsonl
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --where 'residence_status != japanese' --outputs card_expiry --format jsonl
1> {"id":"1","card_expiry":"2027-05-10"}
1> {"id":"3","card_expiry":"2025-07-07"}

## --where with --format table
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --where 'residence_status == japanese' --outputs card_expiry --format table
1> id  card_expiry  error
1> 2   2029-01-15   

## the summary counts the records read, the failed and the kept (3 read, 2 kept)
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --where 'residence_status != japanese' --outputs card_expiry --summary
1= len(rows) == 3
1= re.fullmatch(r'kigen eval: 3 records, 0 failed, 2 kept, \d+\.\d\d s, \d+ records/s\n', err) is not None

## a condition that no record meets: the header alone, exit 0, 0 kept
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --where 'residence_status == mid_long' --outputs card_expiry --summary
1> id,card_expiry,error
1= re.fullmatch(r'kigen eval: 3 records, 0 failed, 0 kept, \d+\.\d\d s, \d+ records/s\n', err) is not None

## a record whose condition is an error is kept with the error (record 2: application after issue, R2)
+ printf 'id,birth_date,application_date,card_issue_date\n1,1980-05-10,2017-05-01,2017-06-01\n2,1990-01-15,2019-03-02,2019-03-01\n' > $T/r2.csv
$ kigen eval --rules $PACK --input $T/r2.csv --today 2026-11-30 --where 'card_expiry > 2020-01-01' --outputs card_expiry --summary
? 1
1> id,card_expiry,error
1> 1,2027-05-10,
1> 2,,record 2: card_expiry: R2 - application_date 2019-03-02 is after card_issue_date 2019-03-01; J-LIS issues a card after receiving its application
2~ kigen eval: record 2 (line 3, id 2): card_expiry: R2 - application_date 2019-03-02 is after card_issue_date 2019-03-01
1= re.search(r'^kigen eval: 2 records, 1 failed, 2 kept, \d+\.\d\d s, \d+ records/s$', err, re.M) is not None

## the condition decides whenever it has a value, even when another output of the record failed
# docs/cli.md: "a record it leaves out is neither written nor reported, even when
# another of its values failed". Records 2 and 3 fail card_expiry (R2: application
# after issue); 2 is japanese (left out, not reported), 3 permanent (kept, with its
# error); 1 is permanent (kept); 4 cannot be read (kept, with its error). (was: 2 kept as well)
+ printf 'id,birth_date,residence_status,application_date,card_issue_date\n1,1980-05-10,permanent,2017-05-01,2017-06-01\n2,1990-01-15,japanese,2019-03-02,2019-03-01\n3,1990-01-15,permanent,2019-03-02,2019-03-01\n4,bad,japanese,2019-03-02,2019-03-01\n' > $T/decide.csv
$ kigen eval --rules $PACK --input $T/decide.csv --today 2026-11-30 --outputs card_expiry --where 'residence_status == permanent' --summary
? 1
1= rows[0] == ['id', 'card_expiry', 'error']
1= [r[0] for r in rows[1:]] == ['1', '3', '4']
1= rows[1] == ['1', '2027-05-10', '']
1= rows[2][1:] == ['', 'record 3: card_expiry: R2 - application_date 2019-03-02 is after card_issue_date 2019-03-01; J-LIS issues a card after receiving its application']
1= rows[3][2].startswith("record 4: birth_date: 'bad'")
1= [l.split(' (')[0] for l in err.split('\n') if 'kigen eval: record' in l] == ['kigen eval: record 3', 'kigen eval: record 4']
2~ kigen eval: 2 of 4 records failed
1= re.search(r'^kigen eval: 4 records, 2 failed, 3 kept, \d+\.\d\d s, \d+ records/s$', err, re.M) is not None

## ... and when the failed records are left out, nothing failed: exit 0
# (records 1-3 of decide.csv; 2 and 3 fail, and neither is permanent and born before 1985)
+ head -4 $T/decide.csv > $T/decide3.csv
$ kigen eval --rules $PACK --input $T/decide3.csv --today 2026-11-30 --outputs card_expiry --where 'residence_status == permanent and birth_date < 1985-01-01' --summary
1> id,card_expiry,error
1> 1,2027-05-10,
1= re.fullmatch(r'kigen eval: 3 records, 0 failed, 1 kept, \d+\.\d\d s, \d+ records/s\n', err) is not None

## a record whose condition has no value is left out (no sign certificate: sign_cert_expiry is absent)
# record 1 asked for none (sign_cert_requested false); record 2, 37 on issue, has one (SPEC R10, R11:
# the 5th birthday after issue, 2022-05-10, within the card's)
+ printf 'id,birth_date,application_date,card_issue_date,sign_cert_requested\n1,1980-05-10,2017-05-01,2017-06-01,false\n2,1980-05-10,2017-05-01,2017-06-01,true\n' > $T/sign.csv
$ kigen eval --rules $PACK --input $T/sign.csv --today 2026-11-30 --where 'sign_cert_expiry > 2020-01-01' --outputs sign_cert_expiry
1> id,sign_cert_expiry,error
1> 2,2022-05-10,

## the same with a single record of --set: kept, or left out
$ kigen eval --rules $PACK --set birth_date=1980-05-10 --set card_issue_date=2017-06-01 --set application_date=2017-05-01 --today 2026-11-30 --where 'card_expiry == 2027-05-10' --outputs card_expiry
1> card_expiry,error
1> 2027-05-10,

## ... left out: the header alone
$ kigen eval --rules $PACK --set birth_date=1980-05-10 --set card_issue_date=2017-06-01 --set application_date=2017-05-01 --today 2026-11-30 --where 'card_expiry != 2027-05-10' --outputs card_expiry
1> card_expiry,error

## a condition that is an error on a record says --where, not kigen's rule name (was: "record 2:
## kigen_eval_where: age: ..."); SPEC D3: no age before the birth
+ printf 'id,birth_date,card_issue_date\n1,1990-05-05,2020-06-01\n2,2021-05-05,2020-06-01\n' > $T/w.csv
$ kigen eval --rules $PACK --today 2026-11-30 --input $T/w.csv --outputs birth_date --where 'age(birth_date, card_issue_date, age_act, feb28) >= 18'
? 1
1> id,birth_date,error
1> 1,1990-05-05,
1> 2,2021-05-05,record 2: --where: age: 2020-06-01 is before the birth date 2021-05-05
2! kigen_eval_where

## a condition naming itself: a cycle, said in the user's words (was: kigen_eval_where -> kigen_eval_where)
$ kigen eval --rules $PACK --input $T/w.csv --where 'kigen_eval_where'
? 2
2~ dependency cycle: --where -> --where
