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
