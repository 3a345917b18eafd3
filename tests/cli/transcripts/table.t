# kigen eval --format table over more rows than set its widths. docs/cli.md:
# the table streams, "its widths come from the first 1000 rows", so a later,
# wider cell may stand out of line; but it never runs into the next cell.
# The rows, their order and their values on many threads:
# tests/cli/test_eval_order.py. Rules: the national pack; card_expiry worked
# out by hand (SPEC R1, R2, D1): born 1980-05-10, applied 2017-05-01, issued
# 2017-06-01 at 37: the 10th birthday after issue, 2027-05-10; valid on 2026-11-30.

## a wider cell after the first 1000 rows stands apart from the next (was: "12345678902027-05-10")
+ python3 -c "import sys; sys.stdout.write('id,birth_date,application_date,card_issue_date\n' + ''.join('%d,1980-05-10,2017-05-01,2017-06-01\n' % i for i in range(1, 1001)) + '1234567890,1980-05-10,2017-05-01,2017-06-01\n1001,1980-05-10,2017-05-01,2017-06-01\n')" > $T/wide.csv
$ kigen eval --rules $PACK --input $T/wide.csv --today 2026-11-30 --outputs card_expiry,card_status --format table --threads 3
1= len(lines) == 1003
1= lines[0].split() == ['id', 'card_expiry', 'card_status', 'error']
1= [l.split() for l in lines[1:1001]] == [[str(i), '2027-05-10', 'valid'] for i in range(1, 1001)]
1= lines[1001].split() == ['1234567890', '2027-05-10', 'valid']
1= lines[1002].split() == ['1001', '2027-05-10', 'valid']
# the first 1000 rows: aligned under the header
1= all(columns(l, l.split()) == columns(lines[0], ['id', 'card_expiry', 'card_status']) for l in lines[1:1001])
# after them, a row of the widths still lines up
1= columns(lines[1002], ['1001', '2027-05-10', 'valid']) == columns(lines[0], ['id', 'card_expiry', 'card_status'])

## the same in a wider column than the id: an enum value longer than any of the first 1000 rows'
# card_status validity_change_due: a mid_long resident whose card ends with the period of stay
# (R5: residence_end 2027-01-31 before the 10th birthday) is in the renewal window on
# 2026-11-30 (from the day after 2026-10-31, D5) and bound by residence (R6): validity_change_due
+ python3 -c "import sys; sys.stdout.write('id,birth_date,residence_status,residence_end,application_date,card_issue_date\n' + ''.join('%d,1980-05-10,permanent,,2017-05-01,2017-06-01\n' % i for i in range(1, 1001)) + '1001,1980-05-10,mid_long,2027-01-31,2022-05-01,2022-06-01\n')" > $T/status.csv
$ kigen eval --rules $PACK --input $T/status.csv --today 2026-11-30 --outputs card_status,card_expiry --format table
1= len(lines) == 1002
1= lines[1001].split() == ['1001', 'validity_change_due', '2027-01-31']
