# kigen explain: why an output has its value -- the rule, its source, the
# case taken, the params looked up and the facts -- as text and as JSON;
# errors (was: tests/cli/test_cli.sh, section "explain"). The rule file is
# tests/data/lang/cards.yaml; the expected values are worked out by hand
# (ages per SPEC D3, birthdays per SPEC D1).

## an adult's expiry: the rule, its source, the case taken, the param and the facts
$ kigen explain --rules $RULES --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01 expiry
1~ expiry = 2031-04-02  [rule]
1~ the card's expiry
1~ source: S2 R1
1~ S2: 施行規則 <https://example.invalid/s2>
1~ case 1 of 2 taken: when adult
1~ adults get ten years
1~ param age_line = 18  (in effect from 2022-04-01; looked up at 2022-04-01)
1~ app = 2022-04-01  [fact, default]
1~ birth_date = 2004-04-02  [fact, given]

## every output, with a param overridden and an earlier application day
$ kigen explain --rules $RULES --set birth_date=2004-04-03 --set issue=2022-04-01 --set app=2022-03-31 --today 2026-01-01 --param feb29=mar1
1~ expiry = 2026-04-03  [rule]
1~ case 2 of 2 taken: otherwise (no earlier case held)
1~ param age_line = 20  (in effect from 2016-01-01; looked up at 2022-03-31)
1~ param feb29 = mar1  (overridden for this run)
1~ card_status = valid

## --format json: one output
$ kigen explain --rules $RULES --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01 --format json expiry
1= json.loads(out)['name'] == 'expiry' and json.loads(out)['value'] == '2031-04-02'
1= json.loads(out)['source'] == 'S2 R1' and json.loads(out)['sources'][0]['id'] == 'S2'
1= json.loads(out)['case']['index'] == 1 and json.loads(out)['case']['of'] == 2 and json.loads(out)['case']['when'] == 'adult'
1= [p for p in [i for i in json.loads(out)['inputs'] if i['name'] == 'adult'][0]['params'] if p['name'] == 'age_line'][0] == {'name': 'age_line', 'looked_up_at': '2022-04-01', 'value': 18, 'effective_from': '2022-04-01', 'source': 'S2', 'sources': [{'id': 'S2', 'title': '施行規則', 'url': 'https://example.invalid/s2'}]}

## --format json: every output
$ kigen explain --rules $RULES --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01 --format json
1= [o['name'] for o in json.loads(out)['outputs']] == ['expiry', 'adult', 'card_status']
1= json.loads(out)['notes'] == []

## a record with an error is still explained, with exit 1
$ kigen explain --rules $RULES --set issue=2022-04-01 expiry
? 1
2~ fact birth_date is required but not given
1~ birth_date = ERROR: fact birth_date is required but not given

## a name that is neither a rule nor a fact
$ kigen explain --rules $RULES --set birth_date=2004-04-02 --set issue=2022-04-01 nope
? 2
2~ no rule or fact named 'nope'

## a --set value that is not a date
$ kigen explain --rules $RULES --set birth_date=1999-99-99
? 2
2~ birth_date

## usage: no --rules
$ kigen explain --set birth_date=2004-04-02
? 2
2~ --rules FILE is required

## usage: an unknown format
$ kigen explain --rules $RULES --format yaml
? 2

## usage: an unknown option
$ kigen explain --rules $RULES --frobnicate
? 2

## two --set for one fact (a name and its alias): refused (was: the last one explained)
$ kigen explain --rules $PACK --today 2025-01-01 --set 生年月日=2010-01-01 --set birth_date=1990-01-01 --set card_issue_date=2020-01-01 card_expiry
? 2
2~ --set 生年月日 and --set birth_date both give the fact birth_date
1! card_expiry =

## --brief: a page per value (SPEC R1, R2: line 20 for a receipt before 2022-04-01 → 5th birthday)
$ kigen explain --rules $PACK --set birth_date=2004-04-02 --set application_date=2022-03-15 --set card_issue_date=2022-04-01 --brief card_expiry
1~ card_expiry = 2026-04-02
1~   case taken: 15/15, otherwise
1~   facts given:
1~     birth_date = 2004-04-02
1~     card_age_line_used = 20
1~     card_age_line = 20  (in effect from 2015-10-05; looked up at 2022-03-15)
1~     S4: 民法
1= len(lines) < 60
# each param version once, each source once
1= len([l for l in lines if l.strip().startswith('card_age_line = ')]) == 1 and len([l for l in lines if l.strip().startswith('S4:')]) == 1

## --lang ja: the message and --brief's labels in Japanese (SPEC D4: expired after 2026-04-02)
$ kigen explain --rules $PACK --set birth_date=2004-04-02 --set application_date=2022-03-15 --set card_issue_date=2022-04-01 --today 2026-11-30 --brief --lang ja card_status
1~ card_status = expired
1~   メッセージ: マイナンバーカードの有効期限が切れています
1~   パラメータ:
1~   出典:
## --lang ja: the message and --brief's labels in Japanese (SPEC D4: expired after 2026-04-02) (2)
$ kigen explain --rules $PACK --set birth_date=2004-04-02 --set card_issue_date=2022-04-01 --lang fr card_status
? 2
2~ --lang must be ja or en

## --input FILE --record N: the record eval would read as N
+ printf 'id,birth_date,card_issue_date,application_date\nA-1,1980-07-07,2018-07-08,\nB-2,2004-04-02,2022-04-01,2022-03-15\nC-3,2004-02-30,2022-04-01,\n' > $T/three.csv
$ kigen explain --rules $PACK --input $T/three.csv --record 2 --brief card_expiry
1~ card_expiry = 2026-04-02
1~     application_date = 2022-03-15
## --input FILE --record N: the record eval would read as N (2)
# the first record (Nerima 例1: SPEC R1, age 37 → the 10th birthday)
$ kigen explain --rules $PACK --input $T/three.csv --record 1 --brief card_expiry
1~ card_expiry = 2028-07-07
## --input FILE --record N: the record eval would read as N (3)
# a record whose date does not exist: said with its number and id, exit 1
$ kigen explain --rules $PACK --input $T/three.csv --record 3 card_expiry
? 1
2~ record 3 (id C-3)
2~ 2004-02-30
## --input FILE --record N: the record eval would read as N (4)
$ kigen explain --rules $PACK --input $T/three.csv --record 4 card_expiry
? 2
2~ --record 4: $T/three.csv has 3 records
## --input FILE --record N: the record eval would read as N (5)
$ kigen explain --rules $PACK --input $T/three.csv card_expiry
? 2
2~ --input needs --record N
## --input FILE --record N: the record eval would read as N (6)
$ kigen explain --rules $PACK --record 1 card_expiry
? 2
2~ --record needs --input FILE
## --input FILE --record N: the record eval would read as N (7)
# a misspelt column is an error here as in eval (did you mean)
+ printf 'birth_dat,card_issue_date\n1980-07-07,2018-07-08\n' > $T/typo.csv
$ kigen explain --rules $PACK --input $T/typo.csv --record 1 card_expiry
? 2
2~ birth_dat
2~ birth_date

## a JSON Lines record that fails names its file, number and id, as CSV's do (was: the bare error)
$ kigen explain --rules $RULES --input $DATA/lang/people.jsonl --record 3 expiry
? 1
2~ kigen explain: $DATA/lang/people.jsonl: record 3 (id 3): fact issue is required but not given

## a --record past the range of a number is refused as written (was: echoed as 9223372036854775807)
$ kigen explain --rules $RULES --input $DATA/lang/people.jsonl --record 99999999999999999999 expiry
? 2
2~ --record must be a record number (1 or more), not '99999999999999999999'
