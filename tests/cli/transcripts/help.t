# kigen's usage: the command list, every command's --help and -h, and the
# usage errors of the command line itself (was: tests/cli/test_cli.sh,
# section "help").

## --help: the usage and every command
$ kigen --help
1~ usage: kigen <command> [options]
# each command on a line of its own, indented (the spaces are part of the check)
1= '  eval ' in out
1= '  explain ' in out
1= '  check ' in out
1= '  test ' in out
1= '  date ' in out

## no command: the usage on stderr, exit 2
$ kigen
? 2
2~ usage: kigen <command>

## an unknown command
$ kigen frobnicate
? 2
2~ unknown command 'frobnicate'

## version
$ kigen version
1= 'kigen ' in out

## eval --help, with its options
$ kigen eval --help
1~ usage: kigen eval
1~ --rules FILE
1~ --messages ja|en

## eval -h
$ kigen eval -h
1~ usage: kigen eval

## explain --help
$ kigen explain --help
1~ usage: kigen explain

## explain -h
$ kigen explain -h
1~ usage: kigen explain

## check --help, with --strict
$ kigen check --help
1~ usage: kigen check
1~ --strict

## check -h
$ kigen check -h
1~ usage: kigen check

## test --help
$ kigen test --help
1~ usage: kigen test

## test -h
$ kigen test -h
1~ usage: kigen test

## date --help
$ kigen date --help
1~ usage: kigen date

## date -h
$ kigen date -h
1~ usage: kigen date
