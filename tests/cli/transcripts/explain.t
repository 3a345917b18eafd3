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
