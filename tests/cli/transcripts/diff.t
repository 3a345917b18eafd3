# kigen diff (issue 11): what a reading changes over a population. The
# expected dates are worked out from SPEC D1, D2/U1 by hand.

## U1 changes only the 29 February birth: the 10th birthday after 2021-03-01 falls in 2031, a common year
# SPEC D2/U1: feb28 (primary) gives 2031-02-28, mar1 gives 2031-03-01; the
# other resident (born 1980-06-01) has no 29 February.
+ printf 'id,birth_date,card_issue_date\n1,1996-02-29,2021-03-01\n2,1980-06-01,2020-01-10\n' > $T/u1.csv
$ kigen diff --rules $PACK --input $T/u1.csv --param feb29_birthday=mar1 --outputs card_expiry,card_status --format csv --today 2026-01-01
1> record,id,output,before,after
1> 1,1,card_expiry,2031-02-28,2031-03-01
2~ 2 records: 1 changed, 1 unchanged, 0 failed under both readings
2~   card_expiry                  1

## the text form: one line per changed record and a summary
$ kigen diff --rules $PACK --input $T/u1.csv --param feb29_birthday=mar1 --outputs card_expiry --today 2026-01-01
1> record 1 (id 1): card_expiry 2031-02-28 -> 2031-03-01
1> 
1> 2 records: 1 changed, 1 unchanged, 0 failed under both readings
1>   card_expiry                  1

## JSON Lines
$ kigen diff --rules $PACK --input $T/u1.csv --param feb29_birthday=mar1 --outputs card_expiry --format jsonl --today 2026-01-01
1> {"record":1,"id":"1","changes":{"card_expiry":["2031-02-28","2031-03-01"]}}

## --base compares two readings neither of which is the default
$ kigen diff --rules $PACK --input $T/u1.csv --base feb29_birthday=mar1 --param feb29_birthday=mar1 --outputs card_expiry
1~ 2 records: 0 changed, 2 unchanged

## a reading the param does not have is refused
$ kigen diff --rules $PACK --input $T/u1.csv --param early_card_cert_birthdays=7
? 2
2~ param early_card_cert_birthdays: 7 is not one of its choices: 6, 5

## no reading given
$ kigen diff --rules $PACK --input $T/u1.csv
? 2
2~ give the reading to compare with --param NAME=VALUE

## a record that fails under both readings is counted apart, not a change
+ printf 'id,birth_date,card_issue_date\n1,1996-02-29,2021-03-01\n2,,2020-01-10\n' > $T/fail.csv
$ kigen diff --rules $PACK --input $T/fail.csv --param feb29_birthday=mar1 --outputs card_expiry --format csv
1> record,id,output,before,after
1> 1,1,card_expiry,2031-02-28,2031-03-01
2~ 2 records: 1 changed, 0 unchanged, 1 failed under both readings

## a JSON "" is not given, so --set stays, as in kigen eval (was: "" cleared the --set value and
## diff reported a change that eval, on the same record, does not compute: SPEC R4, the card ends
## with the period of stay under both readings)
+ printf '%s\n' '{"id":1,"residence_status":"","birth_date":"2000-01-01","card_issue_date":"2020-01-01"}' > $T/d4.jsonl
$ kigen diff --rules $PACK --today 2025-01-01 --input $T/d4.jsonl --set residence_status=mid_long --set residence_end=2026-01-01 --outputs card_expiry --param card_adult_birthdays=9
1~ 0 changed
1! 2030-01-01

## a name and its alias for one fact: the record fails under both readings, as it fails in kigen
## eval (was: the last column won and diff reported a change, 2030-01-01 -> 2029-01-01)
+ printf 'id,birth_date,生年月日,card_issue_date\n1,2010-01-01,1990-01-01,2020-01-01\n' > $T/d2.csv
$ kigen diff --rules $PACK --today 2025-01-01 --input $T/d2.csv --param card_adult_birthdays=9 --outputs card_expiry
1~ 1 record: 0 changed, 0 unchanged, 1 failed under both readings
1! 2029-01-01

## ... and two --set for one fact, or one --param twice: refused
$ kigen diff --rules $PACK --today 2025-01-01 --input $T/d4.jsonl --set 生年月日=2010-01-01 --set birth_date=1990-01-01 --param card_adult_birthdays=9
? 2
2~ --set 生年月日 and --set birth_date both give the fact birth_date

## ... one --param twice
$ kigen diff --rules $PACK --today 2025-01-01 --input $T/d4.jsonl --param feb29_birthday=mar1 --param feb29_birthday=feb28
? 2
2~ --param feb29_birthday is given twice
