# kigen eval --threads N (1..256), --summary, --quiet, --progress: the
# options as given on the command line. The output in input order on many
# threads, with errors: tests/cli/test_eval_order.py; the summary and the
# bar on a terminal: test_eval_terminal.py; Ctrl-C: test_eval_sigint.py.
# s.csv: card_expiry worked out by hand in where.t (SPEC R1, R2, D1).

## --threads 0 is refused
+ printf 'id,birth_date,residence_status,application_date,card_issue_date\n1,1980-05-10,permanent,2017-05-01,2017-06-01\n2,1990-01-15,japanese,2019-02-01,2019-03-01\n3,2010-07-07,special_permanent,2020-07-01,2020-08-01\n' > $T/s.csv
$ kigen eval --rules $PACK --input $T/s.csv --threads 0
? 2
2~ kigen eval: --threads must be a whole number from 1 to 256, not '0'
1= out == ''

## --threads 257 is refused
$ kigen eval --rules $PACK --input $T/s.csv --threads 257
? 2
2~ kigen eval: --threads must be a whole number from 1 to 256, not '257'

## --threads -1 is refused
$ kigen eval --rules $PACK --input $T/s.csv --threads -1
? 2
2~ --threads must be a whole number from 1 to 256

## --threads with text, or a number and text, is refused
$ kigen eval --rules $PACK --input $T/s.csv --threads 2x
? 2
2~ kigen eval: --threads must be a whole number from 1 to 256, not '2x'

## --threads with an empty value is refused
$ kigen eval --rules $PACK --input $T/s.csv --threads ''
? 2
2~ --threads must be a whole number from 1 to 256

## --threads without its value
$ kigen eval --rules $PACK --input $T/s.csv --threads
? 2
2~ kigen eval: --threads needs a value

## --threads 1: the records, in order
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_expiry --threads 1
1> id,card_expiry,error
1> 1,2027-05-10,
1> 2,2029-01-15,
1> 3,2025-07-07,
1= err == ''

## --threads 256, more threads than records: the same
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_expiry --threads 256
1> id,card_expiry,error
1> 1,2027-05-10,
1> 2,2029-01-15,
1> 3,2025-07-07,

## --threads with one record of --set
$ kigen eval --rules $PACK --set birth_date=1980-05-10 --set card_issue_date=2017-06-01 --set application_date=2017-05-01 --today 2026-11-30 --outputs card_expiry --threads 8
1> card_expiry,error
1> 2027-05-10,

## a header and no records, on 4 threads: the header, nothing else, exit 0
+ printf 'id,birth_date,card_issue_date\n' > $T/empty.csv
$ kigen eval --rules $PACK --input $T/empty.csv --outputs card_expiry --threads 4 --summary
1> id,card_expiry,error
1= re.fullmatch(r'kigen eval: 0 records, 0 failed, \d+\.\d\d s, \d+ records/s\n', err) is not None

## --summary to a pipe (not a terminal): one line, 3 records
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_expiry --summary
1= out.count('\n') == 4
1= re.fullmatch(r'kigen eval: 3 records, 0 failed, \d+\.\d\d s, \d+ records/s\n', err) is not None

## --quiet: no summary
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_expiry --quiet
1= out.count('\n') == 4
1= err == ''

## stderr not a terminal and no option: no summary and no bar
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_expiry
1= err == ''

## --progress with stderr not a terminal: the bar is drawn (\r ... \033[K) and erased (\r\033[K)
$ kigen eval --rules $PACK --input $T/s.csv --today 2026-11-30 --outputs card_expiry --progress
1= out.count('\n') == 4
1= re.fullmatch(r'(\r[^\r\n]*3 records[^\r\n]*\x1b\[K)+\r\x1b\[K', err) is not None

