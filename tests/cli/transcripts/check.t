# kigen check: a rule file's diagnostics, with their place, code, hint, the
# line and a caret; JSON; warnings and --strict; usage errors (was:
# tests/cli/test_cli.sh, section "check"). Files: tests/data/lang/.

## a good rule file
$ kigen check $RULES
2~ cards.yaml: ok (5 facts, 3 outputs)

## a bad rule file: every error with its place, code and hint
$ kigen check $DATA/lang/cards_bad.yaml
? 1
2~ $DATA/lang/cards_bad.yaml:6:26: error[E0201]: unknown name 'birth_dat'
2~ = hint: did you mean 'birth_date'?
2~ $DATA/lang/cards_bad.yaml:7:18: error[E0102]: unknown key 'valeu' in rule 'q'
2~ $DATA/lang/cards_bad.yaml:7:3: error[E0103]: rule 'q' has no 'value' or 'cases'
2~ cards_bad.yaml: 3 errors
# the offending line and a caret under column 26 (a line of exactly that)
2~     6 |   r: {source: S, value: "birth_dat + 1 day"}
1= '      | ' + ' ' * 25 + '^' in err.split('\n')

## Japanese text: the caret is placed by display width
# Columns count characters; the caret is placed by display width (a
# Japanese character takes two columns of the terminal). The last check:
# under each of the two E0201 lines, the caret line's "^" stands at the
# display width of the source line's text before the column.
$ kigen check $DATA/lang/cards_ja_bad.yaml
? 1
2~ cards_ja_bad.yaml:6:32: error[E0201]: unknown name 'birth_dat'
2~ cards_ja_bad.yaml:7:35: error[E0201]: unknown name 'birth_dat'
1= [c.strip() == '^' and len(c) - 1 == width(s[:int(m.group(2)) - 1]) for L in [err.split('\n')] for i, m in enumerate(re.match(r'.*:(\d+):(\d+): error\[E0201\]', l) for l in L) if m for s, c in [(L[i + 1].split(' | ', 1)[1], L[i + 2].split(' | ', 1)[1])]] == [True, True]

## good and bad together: exit 1, both reported
$ kigen check $RULES $DATA/lang/cards_bad.yaml
? 1
2~ cards.yaml: ok
2~ error[E0201]

## --format json: a list of the diagnostics of every file
$ kigen check --format json $DATA/lang/cards_bad.yaml $DATA/lang/cards_warn.yaml
? 1
1= isinstance(json.loads(out), list)
1= ('E0201', 6, 26, 'error') in [(x['code'], x['line'], x['column'], x['severity']) for x in json.loads(out)]
1= ('E0102', 7, 18, 'error') in [(x['code'], x['line'], x['column'], x['severity']) for x in json.loads(out)]
1= ('W0001', 6, 3, 'warning') in [(x['code'], x['line'], x['column'], x['severity']) for x in json.loads(out)]
1= [x for x in json.loads(out) if x['code'] == 'E0201'][0]['file'].endswith('cards_bad.yaml')
1= [x for x in json.loads(out) if x['code'] == 'E0201'][0]['message'] == "unknown name 'birth_dat'"
1= [x for x in json.loads(out) if x['code'] == 'E0201'][0]['hint'] == "did you mean 'birth_date'?"
1= 'expected' in [x for x in json.loads(out) if x['code'] == 'E0201'][0]
1= [x for x in json.loads(out) if x['code'] == 'W0001'][0]['file'].endswith('cards_warn.yaml')

## --format json of a good file: an empty list
$ kigen check --format json $RULES
1= json.loads(out) == []

## warnings: fine, unless --strict
$ kigen check $DATA/lang/cards_warn.yaml
2~ cards_warn.yaml:6:3: warning[W0001]: rule 'r' has no 'source'
2~ 1 warning

## --strict: a warning is an error
$ kigen check --strict $DATA/lang/cards_warn.yaml
? 1
2~ cards_warn.yaml:6:3: error[W0001]

## --strict --format json: the warning with severity error
$ kigen check --strict --format json $DATA/lang/cards_warn.yaml
? 1
1= [(x['code'], x['severity']) for x in json.loads(out)] == [('W0001', 'error')]

## a file that does not exist
$ kigen check $T/no_such.yaml
? 1
2~ E0300

## no file
$ kigen check
? 2

## an unknown option
$ kigen check --bogus $RULES
? 2
2~ unknown option '--bogus'

## an unknown format
$ kigen check --format xml $RULES
? 2

## the quoting trap: YAML takes its own quotes off (then: 'x' is the name x)
# (a fact named 'lat' is close to 'late': the quoting hint still comes first)
+ printf "kigen: 1\nname: q\nfacts:\n  d: {type: date}\n  lat: {type: string, optional: true}\nrules:\n  r:\n    source: S\n    type: string\n    cases:\n      - when: d > 2020-01-01 and lat == 'x'\n        then: 'late'\n      - otherwise: \"'early'\"\noutputs: [r]\n" > $T/quotes.yaml
$ kigen check $T/quotes.yaml
? 1
2~ quotes.yaml:12:16: error[E0201]: unknown name 'late'
2~ hint: YAML took the quotes off 'late', so kigen read the name late; for the text, put kigen's quotes inside YAML's: "'late'"
2! quotes.yaml:13

## a named argument unquoted: YAML's error, with the fix
+ printf "kigen: 1\nname: q\nfacts:\n  b: {type: date}\n  d: {type: date}\nrules:\n  r:\n    source: S\n    value: nth_birthday(b, 10, after: d)\noutputs: [r]\n" > $T/named.yaml
$ kigen check $T/named.yaml
? 1
2~ named.yaml:9:37: error[E0100]: YAML syntax error: mapping values are not allowed
2~ hint: a ': ' inside a value starts a key in YAML: an expression with a named argument must be quoted as a whole
## a named argument unquoted: YAML's error, with the fix (2)
# ... and in a flow mapping, where YAML splits it at the commas
+ printf "kigen: 1\nname: q\nfacts:\n  b: {type: date}\nrules:\n  r: {source: S, value: add_months(b, 3, eom: clamp)}\noutputs: [r]\n" > $T/split.yaml
$ kigen check $T/split.yaml
? 1
2~ unknown key '3' in rule 'r'
2~ hint: YAML split the expression of 'value' at a ',' or ': ': quote the whole expression
2! did you mean

## did you mean: other languages' words, message outcomes and rules
+ printf "kigen: 1\nname: q\nfacts:\n  a: {type: bool}\n  n: {type: int}\nrules:\n  s:\n    source: S\n    type: enum\n    choices: [early, late]\n    cases:\n      - when: a\n        then: late\n      - else: early\noutputs: [s]\nmessages:\n  s:\n    lat: {ja: x, en: x}\n  ss:\n    late: {ja: x, en: x}\n" > $T/dym.yaml
$ kigen check $T/dym.yaml
? 1
2~ unknown type 'bool'
2~ hint: did you mean 'boolean'?
2~ hint: did you mean 'integer'?
2~ unknown key 'else' in a case of rule 's'
2~ hint: did you mean 'otherwise'?
2~ rule 's' never has the value 'lat'
2~ hint: did you mean 'late'?
2~ messages for unknown rule 'ss'
2~ hint: did you mean 's'?

## words in YAML's quotes: the same trap, said at the parse error (was: no hint)
+ printf "kigen: 1\nname: q\nfacts:\n  x: {type: string}\nrules:\n  r:\n    source: S\n    type: string\n    cases:\n      - when: x == 'a'\n        then: \"'b'\"\n      - otherwise: 'c d'\noutputs: [r]\n" > $T/words.yaml
$ kigen check $T/words.yaml
? 1
2~ words.yaml:12:23: error[E0200]: unexpected 'd' after a complete expression
2~ hint: YAML took the quotes off, so kigen read words, not a text; for the text, put kigen's quotes inside YAML's: "'c d'"
