# kigen describe: a pack's facts, params (with every version) and outputs, as
# text, as JSON, and as an empty CSV header (--template); packs found by name.
# Expectations are the pack's own declarations (rules/jp/mynumber.yaml), and
# for card_age_line SPEC R2 (20 for receipts to 2022-03-31, 18 from 2022-04-01).

## JSON: every fact, param and output of the pack, in the file's order
$ kigen describe --rules $PACK --format json
1= [f['name'] for f in json.loads(out)['facts']][:3] == ['birth_date', 'residence_status', 'residence_end']
1= len(json.loads(out)['outputs']) == 21 and json.loads(out)['outputs'][0]['name'] == 'card_expiry'
1= [f for f in json.loads(out)['facts'] if f['name'] == 'birth_date'][0]['required'] is True
1= [f for f in json.loads(out)['facts'] if f['name'] == 'birth_date'][0]['aliases'] == ['生年月日']
1= [f for f in json.loads(out)['facts'] if f['name'] == 'cert_issue_date'][0]['default'] == 'card_issue_date'
# SPEC R2: the age line's two versions, with the day each took effect
1= [p for p in json.loads(out)['params'] if p['name'] == 'card_age_line'][0]['values'] == [{'from': '2015-10-05', 'value': '20'}, {'from': '2022-04-01', 'value': '18'}]
# U3's readings are the enum param's choices
1= [p for p in json.loads(out)['params'] if p['name'] == 'age_method'][0]['choices'] == ['age_act', 'birthday']
1= 'valid' in [o for o in json.loads(out)['outputs'] if o['name'] == 'card_status'][0]['messages']

## text: sections with counts; the versions on the param's line
$ kigen describe --rules $PACK
1~ facts (31): a record's columns
1~ params (
1~ outputs (21):
1~   card_age_line                  integer
1~       versions: 20 from 2015-10-05, 18 from 2022-04-01
1~       readings: age_act, birthday
1= all(width(l) <= 80 for l in lines if not l.startswith('file:'))

## --template: one CSV header line naming every fact, which kigen eval takes
$ kigen describe --rules $PACK --template
1= len(lines) == 1 and lines[0].split(',')[:2] == ['birth_date', 'residence_status'] and len(lines[0].split(',')) == 31
## --template: one CSV header line naming every fact, which kigen eval takes (2)
+ $KIGEN describe --rules $PACK --template > $T/blank.csv && printf '2000-01-01,,,,,2020-01-01%s\n' "$(printf ',%.0s' $(seq 25))" >> $T/blank.csv
$ kigen eval --rules $PACK --input $T/blank.csv --outputs card_expiry --today 2026-01-01
# SPEC R1: 20 on 2020-01-01 (line 20) → the 10th birthday after issue
1> card_expiry,error
1> 2030-01-01,

## a pack by name: KIGEN_PATH, then the installed packs
$ KIGEN_PATH=$SRC/rules kigen describe --rules jp/mynumber --template
1~ birth_date,residence_status
## a pack by name: KIGEN_PATH, then the installed packs (2)
$ KIGEN_PATH=$T kigen describe --rules jp/nosuchpack
? 2
2~ jp/nosuchpack: no such file, and no rule pack of that name in $T

## usage errors
$ kigen describe
? 2
2~ --rules RULES is required
## usage errors (2)
$ kigen describe --rules $PACK --format yaml
? 2
2~ --format must be text or json
## usage errors (3)
$ kigen describe --rules $PACK --template --format json
? 2
2~ --template prints CSV

## a list of places looked in that is too long to print says it was cut (was: cut mid-name)
$ KIGEN_PATH=$(printf '/nowhere%.0s' $(seq 400)) kigen describe --rules jp/nosuchpack
? 2
2~ ... (KIGEN_PATH adds directories
