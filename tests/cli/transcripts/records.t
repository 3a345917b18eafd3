# Records in, records out (issue 9, findings 14-18): every input record
# gives exactly one output record, a malformed one is reported and the
# reader resumes where the grammar allows, nothing is cut or dropped, and
# every write is checked. Rules: tests/data/lang/cards.yaml.

## a record over 1 MiB inside a quoted field is one error record (was: 3 records became 6)
+ python3 -c "import sys; sys.stdout.write('id,birth_date,issue\n1,2004-04-02,2022-04-01\n2,\"' + ('x\n9,2004-04-02,2022-04-01\n' * 60000) + '\",2022-04-01\n3,2004-04-03,2022-04-01\n')" > $T/long.csv
$ kigen eval --rules $RULES --input $T/long.csv --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,
1> 2,,,,record 2: line 3: the record is longer than 1 MiB
1> 3,2026-04-03,false,valid,
2~ kigen eval: record 2 (line 3, id 2): line 3: the record is longer than 1 MiB
2~ 1 of 3 records failed

## an unclosed quote costs its own record only (was: 60,001 records gave 29,409 outputs)
+ python3 -c "import sys; sys.stdout.write('id,birth_date,issue\n' + ''.join(('%d,\"2004-04-02,2022-04-01\n' if i == 2 else '%d,2004-04-02,2022-04-01\n') % i for i in range(1, 60002)))" > $T/quote.csv
$ kigen eval --rules $RULES --input $T/quote.csv --today 2026-01-01
? 1
1= len(rows) == 60002
1= sum(1 for r in rows[1:] if r[-1]) == 1
1= rows[2] == ['2', '', '', '', 'record 2: line 3: a quoted field opened here is not closed before the end of the input (reading went on at line 4)']
1= [r[0] for r in rows[1:]] == [str(i) for i in range(1, 60002)]
2~ 1 of 60001 records failed

## two stray quotes that pair up: each costs its own record, the lines between them are read
+ printf 'id,birth_date,issue\n1,"2004-04-02,2022-04-01\n2,2004-04-02,2022-04-01\n3,2004-04-02,"2022-04-01\n4,2004-04-02,2022-04-01\n' > $T/pair.csv
$ kigen eval --rules $RULES --input $T/pair.csv --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> 1,,,,record 1: line 2: a quoted field opened here does not end at a separator (a quote is missing or extra)
1> 2,2031-04-02,true,valid,
1> 3,,,,record 3: line 4: a quoted field opened here is not closed before the end of the input (reading went on at line 5)
1> 4,2031-04-02,true,valid,

## a bad quote after a good multi-line field: resume after the bad quote's line, not inside the good field (was: an invented record 9)
+ printf 'id,birth_date,issue\n1,2004-04-02,2022-04-01\n"2 multi\n9,2004-04-02,2022-04-01\nx",2004-04-02,"2022-04-01\n3,2004-04-03,2022-04-01\n' > $T/resume.csv
$ kigen eval --rules $RULES --input $T/resume.csv --today 2026-01-01
? 1
1= [r[0] for r in rows] == ['id', '1', '2 multi\n9,2004-04-02,2022-04-01\nx', '3']
1= rows[2][-1] == 'record 2: line 5: a quoted field opened here is not closed before the end of the input (reading went on at line 6)'
1= rows[3][1:] == ['2026-04-03', 'false', 'valid', '']
2~ 1 of 3 records failed

## a quote inside a multi-line field that was not doubled: the lines up to the field's plausible end are one error record (was: its inside lines became records, one with a computed result)
+ printf 'id,birth_date,issue\n1,"note line\n2,2004-04-02,2022-04-01\noops "quoted" text",2022-04-01\n3,2004-04-03,2022-04-01\n' > $T/inner.csv
$ kigen eval --rules $RULES --input $T/inner.csv --today 2026-01-01
? 1
1= [r[0] for r in rows] == ['id', '1', '3']
1= rows[1][-1] == 'record 1: line 2: a quoted field opened here runs to line 4, where a quote inside it is not doubled (write "" for a quote inside a quoted field); lines 2-4 are read as this one record'
1= rows[2][1:] == ['2026-04-03', 'false', 'valid', '']

## a file whose lines end with a bare CR (classic Mac OS) recovers at the next CR (was: every record after the error lost)
+ printf 'id,birth_date,issue\r1,2004-04-02,2022-04-01\r2,"2004-04-02,2022-04-01\r3,2004-04-03,2022-04-01\r' > $T/cr.csv
$ kigen eval --rules $RULES --input $T/cr.csv --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,
1> 2,,,,record 2: line 3: a quoted field opened here is not closed before the end of the input (reading went on at line 4)
1> 3,2026-04-03,false,valid,

## a bare CR inside a line of an LF file is an error in that record, not a record end (was: one record became two)
+ printf 'id,birth_date,issue\n1,2004-04-02,2022-04-01\n2,2004-04\r-02,2022-04-01\n3,2004-04-03,2022-04-01\n' > $T/lfcr.csv
$ kigen eval --rules $RULES --input $T/lfcr.csv --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,
1> 2,,,,record 2: line 3: a carriage return (CR) in the middle of a line (this file's lines end with LF)
1> 3,2026-04-03,false,valid,

## CRLF lines (Excel on Windows) with a line break inside a quoted cell
+ printf 'id,birth_date,issue\r\n"1\r\nA",2004-04-02,2022-04-01\r\n2,2004-04-03,2022-04-01\r\n' > $T/crlf.csv
$ kigen eval --rules $RULES --input $T/crlf.csv --today 2026-01-01 --format jsonl
? 0
1> {"id":"1\r\nA","expiry":"2031-04-02","adult":true,"card_status":"valid"}
1> {"id":"2","expiry":"2026-04-03","adult":false,"card_status":"valid"}

## a quoted field may hold commas, quotes and newlines (RFC 4180)
+ printf 'id,birth_date,issue\n"a, ""b""\nc",2004-04-02,2022-04-01\n' > $T/rfc.csv
$ kigen eval --rules $RULES --input $T/rfc.csv --today 2026-01-01 --format jsonl
1> {"id":"a, \"b\"\nc","expiry":"2031-04-02","adult":true,"card_status":"valid"}

## a long string output is never cut, in any format (was: 1023 bytes, mid-character)
+ printf 'kigen: 1\nname: s\nfacts:\n  s: {type: string}\nrules:\n  r: {source: t, value: "s + s"}\noutputs: [r]\n' > $T/s.yaml
+ python3 -c "print('s'); print('あ' * 3000)" > $T/s.csv
$ kigen eval --rules $T/s.yaml --input $T/s.csv
1= rows[1] == ['あ' * 6000, '']

## ... and in JSON Lines
$ kigen eval --rules $T/s.yaml --input $T/s.csv --format jsonl
1= json.loads(lines[0]) == {'r': 'あ' * 6000}

## table output keeps long cells whole too
$ kigen eval --rules $T/s.yaml --input $T/s.csv --format table
1= lines[1].startswith('あ' * 6000)

## a malformed first JSON line keeps the id column for every row (was: the id vanished)
+ printf 'not json\n{"id": 2, "birth_date": "2004-04-02", "issue": "2022-04-01"}\n{"id": 3, "birth_date": "2004-04-03", "issue": "2022-04-01"}\n' > $T/first.jsonl
$ kigen eval --rules $RULES --input $T/first.jsonl --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> ,,,,"record 1: line 1, column 3: not valid JSON: '[' or '{' expected near 'not'"
1> 2,2031-04-02,true,valid,
1> 3,2026-04-03,false,valid,

## a JSON line cut short in the middle of the file: its error speaks of the end of that line
## (was: "near end of file", where the file went on)
+ printf '{"id": 1, "birth_date": "2004-04-02", "issue": "2022-04-01"}\n{"id": 2, "birth_date": "2004-04-03"\n{"id": 3, "birth_date": "2004-04-03", "issue": "2022-04-01"}\n' > $T/cut.jsonl
$ kigen eval --rules $RULES --input $T/cut.jsonl --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,
1> ,,,,"record 2: line 2, column 36: not valid JSON: '}' expected near end of the line"
1> 3,2026-04-03,false,valid,
2! end of file

## JSON Lines to JSON Lines carries every key that is not a fact, also one first seen after the
## first record (was: silently dropped)
+ printf '{"id": 1, "birth_date": "2004-04-02", "issue": "2022-04-01"}\n{"id": 2, "zz": [1, 2], "birth_date": "2004-04-03", "issue": "2022-04-01"}\n' > $T/keys.jsonl
$ kigen eval --rules $RULES --input $T/keys.jsonl --today 2026-01-01 --format jsonl
? 0
1> {"id":1,"expiry":"2031-04-02","adult":true,"card_status":"valid"}
1> {"id":2,"zz":[1,2],"expiry":"2026-04-03","adult":false,"card_status":"valid"}

## --passthrough with JSON Lines keeps a key the first record lacks (was: silently not carried)
+ printf '{"id": 1, "birth_date": "2004-04-02", "issue": "2022-04-01"}\n{"id": 2, "ward": "Nerima", "birth_date": "2004-04-03", "issue": "2022-04-01"}\n' > $T/later.jsonl
$ kigen eval --rules $RULES --input $T/later.jsonl --today 2026-01-01 --passthrough id,ward
? 0
1> id,ward,expiry,adult,card_status,error
1> 1,,2031-04-02,true,valid,
1> 2,Nerima,2026-04-03,false,valid,

## ... and without --passthrough, such a key is named on stderr, never dropped silently
$ kigen eval --rules $RULES --input $T/later.jsonl --today 2026-01-01
? 0
1~ 2,2026-04-03,false,valid,
2~ record 2 (line 2): key 'ward' is not a fact and not a column of this output, so it is not carried

## a long run of unreadable JSON lines before the first good one is bounded, and every record still comes out
+ python3 -c "import sys; sys.stdout.write('x\n' * 1500 + '{\"id\": 9, \"birth_date\": \"2004-04-02\", \"issue\": \"2022-04-01\"}\n')" > $T/bad.jsonl
$ kigen eval --rules $RULES --input $T/bad.jsonl --today 2026-01-01
? 1
1= len(rows) == 1502
1= sum(1 for r in rows[1:] if r[-1]) == 1500
1= rows[0] == ['expiry', 'adult', 'card_status', 'error'] and rows[-1] == ['2031-04-02', 'true', 'valid', '']
2~ none of the first 1000 records could be read
2~ 1500 of 1501 records failed

## writing to a full disk is an error, not exit 0 (was: exit 0)
$ kigen eval --rules $RULES --input $DATA/lang/people.csv --today 2026-01-01 > /dev/full
? 2
2~ kigen eval: cannot write the output: No space left on device

## explain to a full disk is an error too
$ kigen explain --rules $RULES --set birth_date=2004-04-02 --set issue=2022-04-01 expiry > /dev/full
? 2
2~ cannot write the output: No space left on device

## check and date check their writes too
$ kigen date 2024-02-29 > /dev/full
? 2
2~ cannot write the output: No space left on device

## version and help to a full disk are errors too (was: exit 0)
$ kigen version > /dev/full
? 2
2~ cannot write the output: No space left on device

## ... while a closed stdout is fine for a command that writes nothing to it
+ printf 'kigen: 1\nname: t\nfacts: {x: {type: integer, doc: x}}\nrules: {y: {doc: y, source: s, value: x + 1}}\noutputs: [y]\n' > $T/ok.yaml
$ kigen check $T/ok.yaml >&-
? 0
2~ ok.yaml: ok (1 facts, 1 outputs)

## ... but not for one that writes to it
$ kigen check $T/ok.yaml --format json >&-
? 2
2~ cannot write the output: Bad file descriptor

## --include-root: every file a rule set reads must lie inside the directory, links resolved
+ mkdir -p $T/root && printf 'kigen: 1\nname: o\n' > $T/outside.yaml && printf 'kigen: 1\nname: t\ninclude: ../outside.yaml\n' > $T/root/r.yaml
$ kigen check --include-root $T/root $T/root/r.yaml
? 1
2~ /root/r.yaml:3:10: error[E0300]: '
2~ /root/../outside.yaml' is outside the directory rule files may be read from (

## ... the same rule file without it reads the include
$ kigen check $T/root/r.yaml
? 0

## ... and a directory that is not there is a usage error
$ kigen eval --include-root $T/nowhere --rules $T/root/r.yaml --input -
? 2
2~ /nowhere' is not a directory

## a byte order mark before a quoted header (was: a fatal error)
+ printf '\xef\xbb\xbf"id","birth_date","issue"\r\n1,2004-04-02,2022-04-01\r\n' > $T/bomq.csv
$ kigen eval --rules $RULES --input $T/bomq.csv --today 2026-01-01
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,

## a byte order mark before JSON Lines (was: record 1 failed)
+ printf '\xef\xbb\xbf{"id": 1, "birth_date": "2004-04-02", "issue": "2022-04-01"}\n' > $T/bom.jsonl
$ kigen eval --rules $RULES --input $T/bom.jsonl --today 2026-01-01
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,

## control characters from a record are escaped in messages (no forged lines)
+ printf 'id,birth_date,issue\n1,2004-04-02\x1b[2K\x0bkigen eval: 0 of 3 records failed,2022-04-01\n' > $T/ctl.csv
$ kigen eval --rules $RULES --input $T/ctl.csv --today 2026-01-01
? 1
2~ \x1b[2K\x0bkigen eval: 0 of 3 record
1= '\x1b' not in err and '\x0b' not in err
1= len(lines) == 2

## explain escapes what a record supplies and keeps long values whole (was: raw control characters, cut at 511 bytes)
+ printf 'kigen: 1\nname: s\nfacts:\n  who: {type: string, doc: "a name,\\nwith a second line"}\nrules:\n  greeting: {doc: g, source: s, value: "\\"hello \\" + who"}\noutputs: [greeting]\n' > $T/echo.yaml
$ kigen explain --rules $T/echo.yaml --set who="$(printf 'x\033[2J')$(printf 'y%.0s' $(seq 600))"
? 0
1~ greeting = hello x\x1b[2Jyyyyyyyyyy
1= '\x1b' not in out
1= ('y' * 600 + '  [rule]') in out
1~     a name,
1~     with a second line

## ... and in JSON, a value is never dropped
$ kigen explain --rules $T/echo.yaml --set who="$(printf 'x\033')" --format json
? 0
1= json.loads(out)['outputs'][0]['value'] == 'hello x\x1b'

## a string fact that is not UTF-8 is an error for its record, not bytes passed on (was: they reached JSON and were dropped there)
$ kigen explain --rules $T/echo.yaml --set who="$(printf 'x\377')"
? 2
2~ the text is not UTF-8 (byte 0xff after 1 bytes)

## a quoted name cut short in a message is cut between characters (was: half a character, shown as \xe3\x81)
+ python3 -c "print('id,' + 'あ' * 150 + ',birth_date,issue'); print('1,x,2004-04-02,2022-04-01')" > $T/longname.csv
$ kigen eval --rules $RULES --input $T/longname.csv --strict-columns
? 2
2~ is not a fact of
1= '\\x' not in err and ('あ' * 33) in err

## control characters in a --set value are escaped in explain's messages too (was: written raw)
$ kigen explain --rules $RULES --set birth_date="$(printf 'x\033[2J')"
? 2
2~ kigen explain: --set birth_date=x\x1b[2J: birth_date:
1= '\x1b' not in err

## the count of output records equals the count of input records with errors everywhere
+ printf 'id,birth_date,issue\n1,2004-04-02,2022-04-01\n2,x"y,2022-04-01\n3,"a"b,2022-04-01\n4,2004-04-02\n5,2004-04-02,2022-04-01,extra\n6,2004-02-30,2022-04-01\n7,2004-04-02,2022-04-01\n' > $T/mixed.csv
$ kigen eval --rules $RULES --input $T/mixed.csv --today 2026-01-01
? 1
1= [r[0] for r in rows[1:]] == ['1', '2', '3', '4', '5', '6', '7']
1= [bool(r[-1]) for r in rows[1:]] == [False, True, True, True, True, True, False]
1~ record 2: line 3: a quote inside an unquoted field
1~ record 3: line 4: text after a closing quote
1~ record 4: line 5: 2 fields, but the header has 3
1~ record 5: line 6: 4 fields, but the header has 3
1~ record 6: birth_date: 2004-02-30 does not exist

## check --explain: what a code means, in the docs' words
$ kigen check --explain W0004
? 0
1~ W0004 (warning): a dated param read at a date that can fall before its first value

## a CSV with a fact's name and its alias as two columns (住民区分 and 在留資格 both give
## residence_status, as a register's export may): refused (was: the last cell won, and an empty
## one cleared the other, so the mid/long-term resident was computed as Japanese, exit 0)
+ printf 'id,住民区分,在留資格,生年月日,在留期間満了日,card_issue_date\n1,中長期在留者,,1990-03-03,2027-01-31,2024-01-01\n' > $T/reg.csv
$ kigen eval --rules $PACK --input $T/reg.csv --today 2026-11-30 --outputs residence_status,card_expiry
? 2
1= out == ''
2~ columns '住民区分' and '在留資格' both give the fact residence_status; keep one of them

## ... and a JSON record with both keys is an error record (was: the later key won)
+ printf '{"id":1,"birth_date":"1990-05-05","card_issue_date":"2020-06-01","生年月日":"1991-01-01"}\n' > $T/both.jsonl
$ kigen eval --rules $PACK --input $T/both.jsonl --today 2026-11-30 --outputs card_expiry
? 1
1> id,card_expiry,error
1> 1,,record 1: 'birth_date' and '生年月日' both give the fact birth_date; keep one of them

## JSON Lines to JSON Lines: a key first seen after the first record and named like an output is
## an error for its record, and is not written next to kigen's value (was: the object held
## "card_expiry" twice, the input's 2099-01-01 first, exit 0)
+ printf '%s\n' '{"id":1,"birth_date":"1990-05-05","card_issue_date":"2020-06-01"}' '{"id":2,"card_expiry":"2099-01-01","birth_date":"1990-05-05","card_issue_date":"2020-06-01"}' '{"id":3,"error":"DECEASED","birth_date":"1990-05-05","card_issue_date":"2020-06-01"}' > $T/late.jsonl
$ kigen eval --rules $PACK --input $T/late.jsonl --today 2026-11-30 --format jsonl --outputs card_expiry
? 1
1> {"id":1,"card_expiry":"2030-05-05"}
1> {"id":2,"record":2,"error":"key 'card_expiry' has the name of a key kigen writes; rename it"}
1> {"id":3,"record":3,"error":"key 'error' has the name of a key kigen writes; rename it"}
1! 2099

## ... and a "record" key in the first record moves kigen's own to "kigen_record" (was: two
## "record" keys)
+ printf '{"id":1,"record":"A-17","birth_date":"1990-05-05"}\n' > $T/rec.jsonl
$ kigen eval --rules $PACK --input $T/rec.jsonl --today 2026-11-30 --format jsonl --outputs card_expiry
? 1
1> {"id":1,"record":"A-17","kigen_record":1,"error":"fact card_issue_date is required but not given"}

## JSON Lines given as CSV (piped in without --input-format): the error says what it looks like
$ printf '{"id":1,"birth_date":"1990-05-05"}\n' | kigen eval --rules $PACK --input -
? 2
2~ it looks like JSON Lines: give --input-format jsonl
