# bash completion for iomtctl (installed to /usr/share/bash-completion/completions/iomtctl)
_iomtctl() {
    local cur prev words cword
    _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
    local commands="status devices scan pair forget bind unbind profiles readings alerts rules trend decode replay doctor quarantine metrics store spirometry help"
    if [ "$cword" -eq 1 ]; then COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur")); return; fi
    case "$prev" in
        --profile)
            COMPREPLY=($(compgen -W "$(iomtctl profiles list --json 2>/dev/null | grep -o '"id":"[^"]*"' | cut -d'"' -f4)" -- "$cur")); return ;;
        --profiles-dir|--state-dir|--rules-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --equations) COMPREPLY=($(compgen -W "gli-global gli-2012" -- "$cur")); return ;;
        --ethnicity) COMPREPLY=($(compgen -W "caucasian african-american north-east-asian south-east-asian other" -- "$cur")); return ;;
        --sex) COMPREPLY=($(compgen -W "male female" -- "$cur")); return ;;
        --db|--socket|--rules|--readings|--config|--capture) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    local sub=""
    case "${words[1]}" in
        profiles) sub="list show validate install udev-rules" ;;
        quarantine) sub="list requeue" ;;
        readings) sub="tail export" ;;
        alerts) sub="list ack silence" ;;
        rules) sub="test validate" ;;
        spirometry) sub="reference" ;;
        help) sub="$commands" ;;
    esac
    if [ "$cword" -eq 2 ] && [ -n "$sub" ]; then COMPREPLY=($(compgen -W "$sub" -- "$cur")); return; fi
    if [ "${words[1]}" = spirometry ]; then
        COMPREPLY=($(compgen -W "--equations --ethnicity --sex --age --height --fev1 --fvc --ratio --fev6 --fef2575 --json --help" -- "$cur")); return
    fi
    COMPREPLY=($(compgen -W "--json --help --profile --profiles-dir --state-dir --db --socket --hex --fhir --patient --since" -- "$cur"))
}
complete -F _iomtctl iomtctl
