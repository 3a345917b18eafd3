# kigen date: a day in every form with its weekday, date arithmetic
# (add, birthday, age, between) and their errors (was: tests/cli/test_cli.sh,
# section "date"). Ages per SPEC D3, birthdays per SPEC D1.
#
# `out.split('\n')[N]` is line N+1 of stdout as written.

## an era date
$ kigen date 令和元年5月1日
1= out.split('\n')[0] == '2019-05-01  令和元年5月1日 (R1.5.1)  Wednesday  水曜日'

## several days, in several forms
$ kigen date 2022-04-01 H31.4.30 S64.1.7
1= out.split('\n')[0] == '2022-04-01  令和4年4月1日 (R4.4.1)  Friday  金曜日'
1= out.split('\n')[1] == '2019-04-30  平成31年4月30日 (H31.4.30)  Tuesday  火曜日'
1= out.split('\n')[2] == '1989-01-07  昭和64年1月7日 (S64.1.7)  Saturday  土曜日'

## a day before the eras were reckoned this way
$ kigen date 1800-01-01
1~ before 1873

## a day after its era ended
$ kigen date 平成32年1月1日
? 1
2~ 平成 ended on 2019-04-30

## a day that does not exist
$ kigen date 2023-02-29
? 1
2~ not a leap year

## add: months back, clamped to the end of the month
$ kigen date add 2023-05-31 -3 months --eom clamp
1= out.split('\n')[0] == '2023-02-28  令和5年2月28日 (R5.2.28)  Tuesday  火曜日'

## add: a month, rolled over the end of the month
$ kigen date add 2023-01-31 1 months --eom roll
1~ 2023-03-01

## add: a year from 29 February, clamped
$ kigen date add 2024-02-29 1 years --eom clamp
1~ 2025-02-28

## add: days
$ kigen date add 2022-03-31 1 days
1~ 2022-04-01

## add: months over the end of a month need --eom
$ kigen date add 2023-01-31 1 months
? 2
2~ --eom clamp|roll

## add: an unknown unit
$ kigen date add 2023-01-31 1 fortnights
? 2

## add: past the last day there is
$ kigen date add 9999-12-31 1 days
? 1

## birthday: the next 29 February birthday
$ kigen date birthday 2004-02-29 2023-02-28 1
1~ 2024-02-29

## birthday: the mar1 reading in a common year
$ kigen date birthday 2004-02-29 2023-02-28 1 --feb29 mar1
1~ 2023-03-01

## birthday: the 5th after a day
$ kigen date birthday 1980-07-07 2018-07-08 5
1~ 2023-07-07

## birthday: the 0th is refused
$ kigen date birthday 2004-02-29 2023-02-28 0
? 2

## age: the day before the birthday (the default method)
$ kigen date age 2004-04-02 2022-04-01
1= out.split('\n')[0] == '18'

## age: --method birthday
$ kigen date age 2004-04-02 2022-04-01 --method birthday
1= out.split('\n')[0] == '17'

## age: before birth
$ kigen date age 2004-04-02 2000-01-01
? 1

## between: days
$ kigen date between 2022-03-31 2022-04-01
1= out.split('\n')[0] == '1'

## between: backwards, across a leap year
$ kigen date between 2025-01-01 2024-01-01
1= out.split('\n')[0] == '-366'

## no date
$ kigen date
? 2
