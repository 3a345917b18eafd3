# kigen timeline from the command line: writes checked, messages. (The
# picture itself is tested by tests/timeline/test_timeline.py.)

## a full disk: exit 2 and a message naming the output (was: "cannot write 'the output'")
$ kigen timeline --rules $PACK --set birth_date=2010-05-05 --set card_issue_date=2020-01-01 --today 2026-01-01 > /dev/full
? 2
2> kigen timeline: cannot write the output: No space left on device

## the same to a file that cannot be opened names the file
$ kigen timeline --rules $PACK --set birth_date=2010-05-05 --set card_issue_date=2020-01-01 --today 2026-01-01 -o $T/no/such/dir/x.svg
? 2
2~ cannot write '$T/no/such/dir/x.svg'
