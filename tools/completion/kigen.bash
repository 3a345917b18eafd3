# bash completion for kigen(1)                              -*- shell-script -*-
#
# Installed as share/bash-completion/completions/kigen (cmake/completion.cmake),
# where the bash-completion package loads it on demand; or source it from
# ~/.bashrc. It needs nothing but bash itself (compgen, complete, COMPREPLY):
# none of bash-completion's helpers.
#
# The option lists below are those that 'kigen CMD --help' prints;
# tests/man/check_man.py fails when they disagree in either direction, and
# tests/man/check_completion.sh tries completions as a shell would.

_kigen_commands='eval diff explain check test describe timeline date card serve version'

# _kigen_options CMD: CMD's options, one per line; a trailing '=' marks an
# option that takes a value (the '=' is not typed). Status 1 for a word that
# is not a command.
_kigen_options()
{
    local o
    case $1 in
    eval)
        o='--rules= --input= --input-format= --encoding= --delimiter= --passthrough=
           --strict-columns --format= --output-bom --excel --set= --param= --today=
           --outputs= --messages= --date-style= --lang= --where= --threads= --summary
           --quiet --progress --debug-lua' ;;
    diff)
        o='--rules= --input= --param= --base= --outputs= --format= --today= --set=
           --encoding= --delimiter= --input-format= --passthrough= --strict-columns' ;;
    explain)
        o='--rules= --set= --input= --record= --encoding= --param= --today= --brief --lang= --format=
           --debug-lua' ;;
    check)
        o='--strict --format= --explain= --program --outputs= --set= --param= --debug-lua' ;;
    test)
        o='--param= --case= --verbose --coverage --debug-lua' ;;
    describe)
        o='--rules= --format= --template' ;;
    timeline)
        o='--rules= --set= --input= --record= --encoding= --param= --today= --layout= --format=
           --lang= --dates= --date-style= -o=' ;;
    date)
        o='--eom= --feb29= --method=' ;;
    serve)
        o='--rules= --listen= --threads= --token-file= --max-body= --max-records= --max-connections=
           --timeout= --port-file= --quiet' ;;
    card)
        o='--reader= --timeout= --json --verbose --sign --ca --save= --rules= --today= --set=
           --birth-date --basic-facts --pin-env= --pin-fd= --sign-pin-env= --sign-pin-fd=
           --text-pin-env= --text-pin-fd= --auth-pin-env= --auth-pin-fd= --force' ;;
    version)
        o='' ;;
    *)
        return 1 ;;
    esac
    # The global option of 'kigen --help', for the commands that read rule files.
    case $1 in
    date | version) ;;
    *) o+=' --include-root=' ;;
    esac
    printf '%s\n' $o --help
}

# _kigen_values CMD OPTION: the values OPTION takes, when they are a fixed set.
_kigen_values()
{
    case $2 in
    --format)
        case $1 in
        eval) echo 'csv jsonl table' ;;
        diff) echo 'text csv jsonl' ;;
        timeline) echo 'text svg' ;;
        *) echo 'text json' ;;
        esac ;;
    --lang | --messages) echo 'ja en' ;;
    --date-style | --dates) echo 'iso era' ;;
    --input-format) echo 'csv jsonl' ;;
    --encoding) echo 'utf-8 cp932 shift_jis sjis euc-jp utf-16le utf-16be' ;;
    --delimiter) echo ", ';' tab" ;;
    --eom) echo 'clamp roll' ;;
    --feb29) echo 'feb28 mar1' ;;
    --method) echo 'age_act birthday' ;;
    --threads)
        local n i out=''
        n=$(getconf _NPROCESSORS_ONLN 2>/dev/null) || n=4
        [[ $n =~ ^[0-9]+$ ]] || n=4
        for ((i = 1; i <= n && i <= 256; i++)); do out+="$i "; done
        echo "$out" ;;
    *) return 1 ;;
    esac
}

# _kigen_add WORD...: add the words that start with $cur to COMPREPLY.
_kigen_add()
{
    local w
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

# _kigen_files [yaml]: file names (only *.yaml/*.yml with 'yaml'), and
# directories to go on into.
_kigen_files()
{
    local f
    compopt -o filenames 2>/dev/null
    while IFS= read -r f; do
        if [[ -d $f ]]; then
            COMPREPLY+=("$f")
        elif [[ ${1-} != yaml || $f == *.yaml || $f == *.yml ]]; then
            COMPREPLY+=("$f")
        fi
    done < <(compgen -f -- "$cur")
}

_kigen_dirs()
{
    local f
    compopt -o filenames 2>/dev/null
    while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -d -- "$cur")
}

# Rule packs by name: NAME for each DIR/NAME.yaml (and DIR/*/NAME.yaml) of a
# directory in $KIGEN_PATH; not the files beside a pack (NAME.test.yaml).
_kigen_packs()
{
    local dir f name
    local -a dirs
    IFS=: read -ra dirs <<<"${KIGEN_PATH:-}"
    for dir in "${dirs[@]}"; do
        [[ -n $dir && -d $dir ]] || continue
        while IFS= read -r f; do
            name=${f#"$dir"/}
            name=${name%.yaml}
            [[ ${name##*/} == *.* ]] && continue # NAME.test.yaml, NAME.timeline.yaml
            [[ $name == "$cur"* ]] && COMPREPLY+=("$name")
        done < <(compgen -G "$dir/*.yaml"; compgen -G "$dir/*/*.yaml")
    done
}

# _kigen_names KIND: the names of the facts or params of the rule file given
# with --rules on the line, from 'kigen describe' (nothing when it fails or
# kigen has no describe).
_kigen_names()
{
    local rules='' i line section=''
    for ((i = 2; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == --rules ]] && rules=${COMP_WORDS[i + 1]}
    done
    [[ -n $rules ]] || return 0
    rules=${rules/#\~/$HOME}
    while IFS= read -r line; do
        case $line in
        '  "'*'": ['*)
            section=${line#'  "'}
            section=${section%%'"'*} ;;
        '      "name": "'*)
            [[ $section == "$1" ]] || continue
            line=${line#'      "name": "'}
            echo "${line%%'"'*}" ;;
        esac
    done < <("${COMP_WORDS[0]}" describe --rules "$rules" --format json 2>/dev/null)
}

_kigen()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd=${COMP_WORDS[1]} word
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    if ((COMP_CWORD == 1)); then
        _kigen_add $_kigen_commands --help --version
        return 0
    fi
    local opts
    opts=$(_kigen_options "$cmd") || return 0

    # The value of the option before the cursor.
    if [[ $prev == -* && $'\n'$opts$'\n' == *$'\n'"$prev="$'\n'* ]]; then
        case $prev in
        --rules)
            _kigen_files yaml
            _kigen_packs ;;
        --layout) _kigen_files yaml ;;
        --input)
            _kigen_add -
            _kigen_files ;;
        -o | --token-file | --port-file) _kigen_files ;;
        --save | --include-root) _kigen_dirs ;;
        --set | --param | --base)
            local kind=facts name
            [[ $prev == --set ]] || kind=params
            # NAME=VALUE: the name, then '=' (bash splits the word at '=')
            if [[ $cur != *=* ]]; then
                for name in $(_kigen_names $kind); do _kigen_add "$name="; done
                ((${#COMPREPLY[@]})) && compopt -o nospace 2>/dev/null
            fi ;;
        *)
            _kigen_add $(_kigen_values "$cmd" "$prev") ;;
        esac
        return 0
    fi

    if [[ $cur == -* ]]; then
        for word in $opts; do _kigen_add "${word%=}"; done
        return 0
    fi

    # Positional arguments.
    case $cmd in
    date)
        if ((COMP_CWORD == 2)); then
            _kigen_add add birthday age between
        elif [[ ${COMP_WORDS[2]} == add ]] && ((COMP_CWORD == 5)); then
            _kigen_add days months years
        fi ;;
    card)
        ((COMP_CWORD == 2)) && _kigen_add list certs facts ;;
    check | test)
        _kigen_files yaml ;;
    explain)
        _kigen_add $(_kigen_names outputs) ;;
    esac
    return 0
}

complete -F _kigen kigen
