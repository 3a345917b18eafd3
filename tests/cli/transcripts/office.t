# Data as a ward office has it (issue 10): Excel's CSV files, Shift_JIS,
# Japanese dates, headers and values, and the mistakes that used to give a
# wrong answer with exit 0. The office files are in tests/data/records/
# (see its README.md); the expected dates are worked out in that README
# from SPEC D1/D3 (cards.yaml) and, for the national pack, SPEC R1/R5.

## a misspelled column is an error, not a pass-through (was: a 10-year card, exit 0)
# SPEC R1/R5: born 1990-01-01, card 2024-01-10, a mid-long resident whose stay
# ends 2026-03-31: the card ends with the stay, not at the 10th birthday (2034).
+ printf 'id,birth_date,card_issue_date,residense_status,residence_end\n1,1990-01-01,2024-01-10,mid_long,2026-03-31\n' > $T/typo.csv
$ kigen eval --rules $PACK --input $T/typo.csv --outputs card_expiry --today 2026-01-01
? 2
2~ column 'residense_status' is not a fact: did you mean 'residence_status'?
1! 2034-01-01

## ... spelled right, the stay bounds the card
+ printf 'id,birth_date,card_issue_date,residence_status,residence_end\n1,1990-01-01,2024-01-10,mid_long,2026-03-31\n' > $T/right.csv
$ kigen eval --rules $PACK --input $T/right.csv --outputs card_expiry --today 2026-01-01
1> id,card_expiry,error
1> 1,2026-03-31,

## case, full-width letters and spaces for underscores count as close too
+ printf 'ID,Birth Date,ｉｓｓｕｅ\n1,2004-04-02,2022-04-01\n' > $T/close.csv
$ kigen eval --rules $RULES --input $T/close.csv
? 2
2~ column 'Birth Date' is not a fact: did you mean 'birth_date'?
2~ column 'ｉｓｓｕｅ' is not a fact: did you mean 'issue'?

## --passthrough says a column is not a fact; --strict-columns allows only facts and those
+ printf 'id,birth_date,issue,issu\n1,2004-04-02,2022-04-01,x\n' > $T/pass.csv
$ kigen eval --rules $RULES --input $T/pass.csv --passthrough id,issu --strict-columns --today 2026-01-01
1> id,issu,expiry,adult,card_status,error
1> 1,x,2031-04-02,true,valid,

## --strict-columns refuses a column nobody named
$ kigen eval --rules $RULES --input $T/pass.csv --passthrough issu --strict-columns
? 2
2~ column 'id' is not a fact of cards (with --strict-columns, list the columns to copy through with --passthrough)

## a misspelled JSON key fails its record
+ printf '{"id": 1, "birth_date": "2004-04-02", "isue": "2022-04-01"}\n{"id": 2, "birth_date": "2004-04-02", "issue": "2022-04-01"}\n' > $T/typo.jsonl
$ kigen eval --rules $RULES --input $T/typo.jsonl --today 2026-01-01
? 1
1~ 1,,,,"record 1: column 'isue' is not a fact: did you mean 'issue'?
1~ 2,2031-04-02,true,valid,

## an output chosen with --outputs that is an error fails the record (was: an empty cell, exit 0)
# SPEC R18: smartphone certificates exist from 2023-05-11.
$ kigen eval --rules $PACK --set birth_date=1990-01-01 --set card_issue_date=2024-01-10 --set smartphone_cert_issue_date=2023-01-01 --today 2026-01-01 --outputs card_expiry,smartphone_auth_expiry
? 1
1> card_expiry,smartphone_auth_expiry,error
1> 2034-01-01,,record 1: smartphone_auth_expiry: R18 - smartphone certificates on android are issued from 2023-05-11; smartphone_cert_issue_date is 2023-01-01

## a failing policy hook keeps the rule outputs, with the hook's error (was: all blank)
+ printf 'kigen: 1\nname: h\nlua: [h.lua]\nfacts:\n  d: {type: date}\nrules:\n  next: {source: t, value: "d + 1 days"}\noutputs: [next, tag]\n' > $T/h.yaml
+ printf 'kigen.register_hook{ name = "tag", outputs = { tag = "string" },\n  fn = function(rec) if rec.facts.d == "2024-01-02" then error("no office that day") end rec.set("tag", "ok") end }\n' > $T/h.lua
+ printf 'd\n2024-01-01\n2024-01-02\n' > $T/h.csv
$ kigen eval --rules $T/h.yaml --input $T/h.csv
? 1
1= rows[0] == ['next', 'tag', 'error'] and rows[1] == ['2024-01-02', 'ok', '']
1= rows[2][:2] == ['2024-01-03', ''] and rows[2][2].startswith('record 2: ') and "h.lua:2: in hook 'tag': no office that day" in rows[2][2]

## records piped to stdin are read without --input (was: one empty record)
$ cat $DATA/lang/people.csv | kigen eval --rules $RULES --today 2026-01-01
? 1
1= len(rows) == 5
1~ 1,山田 太郎,2031-04-02,true,valid,

## --set with records waiting on stdin says what to do
+ cp $DATA/lang/people.csv $T/p.csv
$ kigen eval --rules $RULES --set issue=2022-04-01 < $T/p.csv
? 2
2~ stdin is a pipe or a file, but --input is not given: add --input -

## ... and so does a pipe whose writer has not written yet: the answer never depends on timing (was: the single --set record, or the usage error, by chance)
$ (sleep 1; cat $DATA/lang/people.csv) | kigen eval --rules $RULES --set issue=2022-04-01 --set birth_date=2004-04-02
? 2
2~ stdin is a pipe or a file, but --input is not given
1= out == ''

## ... while </dev/null evaluates the --set record alone
$ kigen eval --rules $RULES --set issue=2022-04-01 --set birth_date=2004-04-02 --today 2026-01-01 < /dev/null
? 0
1~ 2031-04-02,true,valid,

## no records and no --set: a clear usage error
$ kigen eval --rules $RULES
? 2
2~ no records: give --input FILE

## Excel's CSV UTF-8: byte order mark, CRLF, trailing rows of empty cells
$ kigen eval --rules $RULES --input $DATA/records/excel_utf8_bom.csv --today 2026-01-01
1> id,name,expiry,adult,card_status,error
1> 1,山田 太郎,2031-04-02,true,valid,
1> 2,佐藤 花子,2026-04-03,false,valid,

## a row of empty cells in the middle is an error record, not dropped
+ printf 'id,birth_date,issue\n1,2004-04-02,2022-04-01\n,,\n2,2004-04-03,2022-04-01\n,,\n' > $T/mid.csv
$ kigen eval --rules $RULES --input $T/mid.csv --today 2026-01-01
? 1
1> id,expiry,adult,card_status,error
1> 1,2031-04-02,true,valid,
1> ,,,,record 2: line 3: the row has no values
1> 2,2026-04-03,false,valid,

## Shift_JIS without --encoding: stopped at once with the fix
$ kigen eval --rules $RULES --input $DATA/records/excel_cp932.csv
? 2
2~ line 2: the text is not UTF-8 (byte 0x8e); it looks like Shift_JIS (CP932), as Japanese Excel saves CSV: read it with --encoding cp932
1! 山田

## ... and read with --encoding cp932 (iconv)
$ kigen eval --rules $RULES --input $DATA/records/excel_cp932.csv --encoding cp932 --today 2026-01-01
1> id,name,expiry,adult,card_status,error
1> 1,山田 太郎,2031-04-02,true,valid,
1> 2,佐藤 花子,2026-04-03,false,valid,

## Excel's Unicode text: UTF-16 found by its byte order mark, tab-separated (output too)
$ kigen eval --rules $RULES --input $DATA/records/excel_utf16.txt --delimiter tab --today 2026-01-01
1> id	name	expiry	adult	card_status	error
1> 1	山田 太郎	2031-04-02	true	valid	
1> 2	佐藤 花子	2026-04-03	false	valid	

## a file separated by semicolons: the message says so
$ kigen eval --rules $RULES --input $DATA/records/semicolon.csv
? 2
2~ CSV header: the only column, 'id;name;birth_date;issue', contains ';': is the file separated by semicolons? Use --delimiter ';'

## ... and --delimiter reads it
$ kigen eval --rules $RULES --input $DATA/records/semicolon.csv --delimiter ';' --today 2026-01-01
1> id;name;expiry;adult;card_status;error
1> 1;山田 太郎;2031-04-02;true;valid;
1> 2;佐藤 花子;2026-04-03;false;valid;

## --excel writes a byte order mark and CRLF, so Japanese Excel opens it without mojibake
$ kigen eval --rules $RULES --input $DATA/records/excel_utf8_bom.csv --today 2026-01-01 --excel | od -An -c | head -1
1~ 357 273 277   i   d   ,   n   a   m   e

## ... line ends are CRLF
$ kigen eval --rules $RULES --input $DATA/records/excel_utf8_bom.csv --today 2026-01-01 --excel
1= out.count('\r\n') == 3 and out.startswith('\ufeffid,')

## dates, booleans and numbers as offices write them
# SPEC D1/D3: born 2004-04-02, issued 2022-04-01 in every form: the 10th birthday.
+ printf 'id,birth_date,issue\n1,2004/04/02,2022/4/1\n2,2004年4月2日,令和 4年4月1日\n3,H16.4.2,Ｒ4.4.1\n4,平成16年4月2日,R4/4/1\n5,２００４／４／２,2022-4-1\n' > $T/dates.csv
$ kigen eval --rules $RULES --input $T/dates.csv --today 2026-01-01 --outputs expiry
1> id,expiry,error
1> 1,2031-04-02,
1> 2,2031-04-02,
1> 3,2031-04-02,
1> 4,2031-04-02,
1> 5,2031-04-02,

## an impossible date in an office form is the same clear error
+ printf 'id,birth_date,issue\n1,2023/2/29,2022/4/1\n2,平成31年5月1日,2022/4/1\n' > $T/baddates.csv
$ kigen eval --rules $RULES --input $T/baddates.csv --outputs expiry
? 1
1~ record 1: birth_date: 2023/2/29 does not exist: 2023 is not a leap year
1~ record 2: birth_date: 平成31年5月1日 does not exist: 平成 ended on 2019-04-30; that day is 令和元年5月1日

## Japanese headers and values: the national pack's aliases
# SPEC R5: a student (留学 is a status with a period of stay) born 1990-01-01,
# card 2024-01-10, stay to 2026-03-31: the card ends with the stay.
+ printf '番号,生年月日,カード発行日,在留資格,在留期間満了日\n1,1990-01-01,2024-01-10,留学,2026-03-31\n2,1990-01-01,2024-01-10,永住者,\n3,1990-01-01,2024-01-10,日本人,\n' > $T/ja.csv
$ kigen eval --rules $PACK --input $T/ja.csv --outputs card_expiry --today 2026-01-01
1> 番号,card_expiry,error
1> 1,2026-03-31,
1> 2,2034-01-01,
1> 3,2034-01-01,

## an unknown value says which values there are, with did-you-mean
+ printf 'id,birth_date,card_issue_date,residence_status\n1,1990-01-01,2024-01-10,mid-long\n' > $T/enum.csv
$ kigen eval --rules $PACK --input $T/enum.csv --outputs card_expiry
? 1
1~ (did you mean 'mid_long'?)

## era dates in the output
$ kigen eval --rules $RULES --input $DATA/records/excel_utf8_bom.csv --today 2026-01-01 --date-style era
1> id,name,expiry,adult,card_status,error
1> 1,山田 太郎,令和13年4月2日,true,valid,
1> 2,佐藤 花子,令和8年4月3日,false,valid,

## messages in Japanese
$ kigen eval --rules $RULES --input $DATA/lang/people.csv --today 2026-01-01 --lang ja
? 1
1~ 3,bad,,,,レコード 3: birth_date: 2023-02-29 という日はありません（2023年はうるう年ではありません）
2~ kigen eval: レコード 3（4行目、id 3）: birth_date: 2023-02-29 という日はありません（2023年はうるう年ではありません）
2~ kigen eval: 4 件中 1 件のレコードでエラーがありました

## a missing required fact, in Japanese
$ kigen eval --rules $RULES --set birth_date=2004-04-02 --lang ja
? 1
1~ レコード 1: issue が与えられていません（必須の項目です）

## services that are none are JSON null, not ""
# SPEC R20: on 2026-11-01 a user certificate issued 2016-01-10 (born
# 1990-01-01) expired on 2021-01-01, long before: nothing works.
$ kigen eval --rules $PACK --set birth_date=1990-01-01 --set card_issue_date=2016-01-10 --today 2026-11-01 --outputs services --format jsonl
1> {"services":null}

## an input column named error: kigen's own column is kigen_error
+ printf 'id,error,birth_date,issue\n1,none,2004-04-02,2022-04-01\n' > $T/errcol.csv
$ kigen eval --rules $RULES --input $T/errcol.csv --today 2026-01-01
1> id,error,expiry,adult,card_status,kigen_error
1> 1,none,2031-04-02,true,valid,

## --excel: a cell Excel would run as a formula is shown as text (was: =HYPERLINK(...) from a record ran in Excel)
+ printf 'id,name,birth_date,issue\n1,"=HYPERLINK(""http://x"")",2004-04-02,2022-04-01\n2,-5.5,2004-04-02,2022-04-01\n3,@SUM(A1),2004-04-02,2022-04-01\n4,-2+3+cmd|calc!A0,2004-04-02,2022-04-01\n' > $T/formula.csv
$ kigen eval --rules $RULES --input $T/formula.csv --today 2026-01-01 --passthrough id,name --excel
? 0
1= rows[1][1] == "'=HYPERLINK(\"http://x\")" and rows[2][1] == '-5.5' and rows[3][1] == "'@SUM(A1)"
# (was: a '-' followed by a digit was taken for a number, so OWASP's payload passed)
1= rows[4][1] == "'-2+3+cmd|calc!A0"

## ... and without --excel the CSV carries the text unchanged
$ kigen eval --rules $RULES --input $T/formula.csv --today 2026-01-01 --passthrough id,name
? 0
1= rows[1][1] == '=HYPERLINK("http://x")'

## a header that is close to a fact's Japanese alias is an error, not a pass-through column (was: 在留資格 with a no-break space was copied through and the resident got a 10-year card)
+ printf 'id,birth_date,card_issue_date,在留資格\xc2\xa0,residence_end\n1,1995-08-10,2024-04-05,mid_long,2027-03-31\n' > $T/nbsp.csv
$ kigen eval --rules $PACK --input $T/nbsp.csv --today 2025-01-01 --outputs card_expiry
? 2
2~ column '在留資格\u00a0' is not a fact: did you mean '在留資格'?

## ... and so is a typo in it
+ printf 'id,birth_date,card_issue_date,在留賃格,residence_end\n1,1995-08-10,2024-04-05,mid_long,2027-03-31\n' > $T/typo.csv
$ kigen eval --rules $PACK --input $T/typo.csv --today 2025-01-01 --outputs card_expiry
? 2
2~ did you mean '在留資格'?

## ... while the alias itself is read as the fact
+ printf 'id,birth_date,card_issue_date,在留資格,residence_end\n1,1995-08-10,2024-04-05,mid_long,2027-03-31\n' > $T/alias.csv
$ kigen eval --rules $PACK --input $T/alias.csv --today 2025-01-01 --outputs card_expiry
? 0
1> id,card_expiry,error
1> 1,2027-03-31,

## a Latin-1 byte is not taken for Shift_JIS (was: the whole file stopped with the advice to read it as cp932)
+ printf 'id,birth_date,issue\n1,2004-04-02,2022-04-01\n2,caf\xe9,2022-04-01\n' > $T/latin1.csv
$ kigen eval --rules $RULES --input $T/latin1.csv --today 2026-01-01
? 1
1= len(rows) == 3
2~ record 2 (line 3, id 2): line 3: the text is not UTF-8 (byte 0xe9); save the file as UTF-8
2! Shift_JIS
