# The compiled engine seen from the command line (issue 13): `kigen check
# --program` prints the program a selection and a record shape compile to,
# and `kigen eval --outputs` computes only what the chosen columns need.
# Rule file: tests/data/lang/cards.yaml (facts birth_date, issue, app =
# issue by default, status = japanese by default, residence_end optional;
# outputs expiry, adult, card_status).

## the program for one output and a record that gives birth_date and issue
# Both given facts are loaded from the record; app is a copy of issue (its
# default), so the param age_line is read on issue; status and
# residence_end are not read by expiry, and card_status is not selected.
$ kigen check --program --outputs expiry --set birth_date=2000-01-01 --set issue=2020-01-01 $RULES
1~ specialised to the facts given: birth_date issue
1= [l.split()[1:3] for l in out.split('\n') if ' LOADIN ' in l] == [['LOADIN', 'birth_date'], ['LOADIN', 'issue']]
1~ age_line@issue
1~ nth_birthday(birth_date, 10, issue, 'feb28')
1~ nth_birthday(birth_date, 5, issue, 'feb28')
1= 'card_status' not in out and 'residence_end' not in out and 'today' not in out
1= [l.split()[1] for l in out.split('\n') if l[:1].isdigit()][-1] == 'HALT'

## a param override is folded in: a constant line of 16, read on no date
$ kigen check --program --outputs adult --set birth_date=2000-01-01 --set issue=2020-01-01 --param age_line=16 $RULES
1= 'age_line@' not in out
1~ , 16

## no facts given: that is a shape too, and a required fact's error is a
## constant of the program, checked after the run
$ kigen check --program --outputs expiry $RULES
1~ specialised to the facts given: (none)
1~ birth_date                           = error 'fact birth_date is required but not given'
1~ facts checked after the run (missing or failed): birth_date issue

## every output by default: the whole rule set's program
$ kigen check --program --set birth_date=2000-01-01 --set issue=2020-01-01 $RULES
1~ card_status
1~ today()

## an unknown output: did you mean
$ kigen check --program --outputs expiri $RULES
? 2
2~ --outputs: no output, rule or fact named 'expiri' (did you mean 'expiry'?)

## --outputs without --program
$ kigen check --outputs expiry $RULES
? 2
2~ --outputs, --set and --param go with --program

## --set needs NAME=VALUE
$ kigen check --program --set birth_date $RULES
? 2
2~ 'birth_date' is not NAME=VALUE

## --set parses the value as the fact's type
$ kigen check --program --set birth_date=1999-02-29 $RULES
? 2
2~ birth_date: 1999-02-29 does not exist

## eval --outputs: a value nobody chose is not computed, so a fact only it
## needs cannot fail the record (SQLite computes only the columns asked for)
+ printf 'id,status\n1,mid_long\n2,japanese\n' > $T/status.csv
$ kigen eval --rules $RULES --input $T/status.csv --outputs foreign
1= out.split('\n')[0] == 'id,foreign,error'
1= out.split('\n')[1] == '1,true,'
1= out.split('\n')[2] == '2,false,'
1= out.count('\n') == 3

## ... while the default outputs need birth_date and issue: each record fails
$ kigen eval --rules $RULES --input $T/status.csv
? 1
1= out.split('\n')[1].endswith(',record 1: fact birth_date is required but not given')
2~ 2 of 2 records failed

## --outputs takes a fact's alias too (the national pack's 基準日 is `on`)
$ kigen eval --rules $PACK --set birth_date=1990-01-01 --set card_issue_date=2020-01-01 --outputs 基準日,card_expiry --today 2026-01-01
1= out.split('\n')[0] == '基準日,card_expiry,error'
1= out.split('\n')[1] == '2026-01-01,2030-01-01,'
