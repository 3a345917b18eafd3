# kigen eval with JSON Lines records in and out, and the table output (was:
# tests/cli/test_cli.sh, sections "eval jsonl" and "eval table"). The rule
# and record files are in tests/data/lang/; the expected values are worked
# out by hand (ages per SPEC D3, birthdays per SPEC D1), see
# tests/data/lang/cards.yaml.
#
# `[json.loads(l) for l in out.splitlines()]` are the output records of
# JSON Lines (every line must be JSON); `out.split('\n')[N]` is line N+1 of
# stdout as written and `out.count('\n')` the number of lines (`wc -l`).

## people.jsonl: JSON Lines in and out
$ kigen eval --rules $RULES --input $DATA/lang/people.jsonl --format jsonl --today 2026-01-01 --outputs expiry,adult,residence_end,valid_until
? 1
1= out.count('\n') == 5
# null means not given: app defaults to issue
1= [json.loads(l) for l in out.splitlines()][0] == {'id': 1, 'expiry': '2031-04-02', 'adult': True, 'residence_end': None, 'valid_until': '2031-04-02'}
1= [json.loads(l) for l in out.splitlines()][1]['expiry'] == '2026-04-03' and [json.loads(l) for l in out.splitlines()][1]['adult'] is False
1= [json.loads(l) for l in out.splitlines()][2]['record'] == 3 and [json.loads(l) for l in out.splitlines()][2]['error'] == 'fact issue is required but not given'
1= 'expiry' not in [json.loads(l) for l in out.splitlines()][2]
1= [json.loads(l) for l in out.splitlines()][3]['record'] == 4 and 'not valid JSON' in [json.loads(l) for l in out.splitlines()][3]['error']
1= [json.loads(l) for l in out.splitlines()][4]['residence_end'] == '2025-03-31' and [json.loads(l) for l in out.splitlines()][4]['valid_until'] == '2025-03-31'
2~ record 3 (line 3, id 3)
2~ record 4 (line 4)
2~ 2 of 5 records failed

## the file name chooses JSON Lines; the output format is chosen apart
+ cp $DATA/lang/people.jsonl $T/people.ndjson
$ kigen eval --rules $RULES --input $T/people.ndjson --today 2026-01-01
? 1
1= out.split('\n')[0] == 'id,expiry,adult,card_status,error'
1= out.split('\n')[1] == '1,2031-04-02,true,valid,'
1~ record 4: line 4, column

## --input-format for standard input
$ kigen eval --rules $RULES --input - --input-format jsonl --format jsonl --today 2026-01-01
< $DATA/lang/people.jsonl
? 1
1= out.count('\n') == 5

## CSV in, JSON Lines out
$ kigen eval --rules $RULES --input $DATA/lang/people.csv --format jsonl --today 2026-01-01
? 1
1= [json.loads(l) for l in out.splitlines()][0] == {'id': '1', 'name': '山田 太郎', 'expiry': '2031-04-02', 'adult': True, 'card_status': 'valid'}
1= [json.loads(l) for l in out.splitlines()][2]['record'] == 3 and 'not a leap year' in [json.loads(l) for l in out.splitlines()][2]['error']

## JSON values that are not facts: numbers, booleans, strings only
+ printf '{"birth_date": "2004-04-02", "issue": ["2022-04-01"]}\n{"birth_date": 20040402, "issue": "2022-04-01"}\n' > $T/types.jsonl
$ kigen eval --rules $RULES --input $T/types.jsonl --format jsonl --today 2026-01-01
? 1
1= [json.loads(l) for l in out.splitlines()][0]['record'] == 1 and 'list' in [json.loads(l) for l in out.splitlines()][0]['error']
1= [json.loads(l) for l in out.splitlines()][1]['record'] == 2 and 'birth_date' in [json.loads(l) for l in out.splitlines()][1]['error']

## a key named like an output
+ printf '{"adult": "x", "birth_date": "2004-04-02", "issue": "2022-04-01"}\n' > $T/clash.jsonl
$ kigen eval --rules $RULES --input $T/clash.jsonl --format jsonl
? 2
2~ has the name of an output

## --format table: columns aligned by display width
$ kigen eval --rules $RULES --input $DATA/lang/people.csv --format table --today 2026-01-01
? 1
1= out.count('\n') == 5
1= out.split('\n')[0].split() == ['id', 'name', 'expiry', 'adult', 'card_status', 'error']
# every column starts at the same display column in every row
1= columns(out.split('\n')[1], ['1', '山田 太郎', '2031-04-02', 'true', 'valid']) == columns(out.split('\n')[0], ['id', 'name', 'expiry', 'adult', 'card_status'])
1= columns(out.split('\n')[2], ['2', 'Sato, Hanako', '2026-04-03', 'false', 'valid']) == columns(out.split('\n')[0], ['id', 'name', 'expiry', 'adult', 'card_status'])
1= 'record 3: birth_date: 2023-02-29 does not exist' in out.split('\n')[3]
