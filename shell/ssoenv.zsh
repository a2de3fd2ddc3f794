# ssoenv hook for zsh: defines __SSOENV_CMD__ and tab completion for it and for ssoenv.
# Load it from ~/.zshrc, after compinit, with: eval "$(ssoenv init zsh)"
#
# Every builtin is written \builtin (the backslash skips aliases, builtin skips functions), and
# ssoenv is run with \builtin command, so the user's aliases and functions cannot change what the
# hook does; compdef and _describe are functions, so a backslash keeps aliases off them. The
# switching function runs with zsh's default options; the completion functions keep the ones the
# completion system sets (it relies on extended_glob, which emulate would turn off).

# The name may already be someone else's alias or function (oh-my-zsh's aws plugin defines asp):
# ssoenv takes it and says so once; its own function from an earlier load is replaced silently.
# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
if (( ${+aliases[__SSOENV_CMD__]} )) ||
    { (( ${+functions[__SSOENV_CMD__]} )) && [[ ${functions[__SSOENV_CMD__]} != *__ssoenv_* ]] }; then
    \builtin print -ru2 -- 'ssoenv: __SSOENV_CMD__ was already defined (an alias or function, e.g. oh-my-zsh'\''s aws plugin) and is now ssoenv'\''s; to keep the other, load ssoenv under another name: eval "$(ssoenv init zsh --cmd NAME)"'
    \builtin unalias __SSOENV_CMD__ 2>/dev/null || \builtin true
fi
\builtin export _SSOENV_HOOK="zsh $$ __SSOENV_CMD__ ${+functions[compdef]} "__SSOENV_EXE__

# __SSOENV_CMD__ [-c|--credentials] [PROFILE]: switch this shell to PROFILE (AWS_PROFILE), or with
# -c to its credentials; with no argument, clear what ssoenv set. ssoenv logs in first when the
# session needs it. Its script is evaluated only when it succeeds: on failure the shell stays as
# it was, ssoenv's message is on stderr, and its status is returned.
function __SSOENV_CMD__ {
    \builtin emulate -L zsh
    # Under xtrace, zsh would echo the evaluated script, keys included, to the terminal; the
    # option comes back on return.
    \builtin setopt no_xtrace
    \builtin local -a __ssoenv_args
    \builtin local __ssoenv_script
    __ssoenv_args=(env --shell zsh)
    if (( $# == 0 )); then
        __ssoenv_args+=(--unset)
    else
        __ssoenv_args+=(--login)
        if [[ $1 == (-c|--credentials) ]]; then
            __ssoenv_args+=(--credentials)
            \builtin shift
        fi
        if (( $# > 1 )) || [[ ${1-} == -* ]]; then
            \builtin print -ru2 -- 'usage: __SSOENV_CMD__ [-c|--credentials] [PROFILE]'
            \builtin return 2
        fi
        if (( $# == 1 )); then
            __ssoenv_args+=("--profile=$1")
        fi
    fi
    __ssoenv_script="$(\builtin command __SSOENV_EXE__ "${__ssoenv_args[@]}")" || \builtin return
    \builtin eval "${__ssoenv_script}"
}

# Offers what ssoenv's own completion engine (clap_complete's COMPLETE protocol) answers, with
# each description beside its value. $1: the index of the word to complete; the rest: the words.
__ssoenv_describe() {
    \builtin local __ssoenv_index="$1"
    \builtin local -a __ssoenv_candidates
    \builtin shift
    __ssoenv_candidates=("${(@f)$(
        COMPLETE=zsh _CLAP_IFS=$'\n' _CLAP_COMPLETE_INDEX="${__ssoenv_index}" \
            \builtin command __SSOENV_EXE__ -- "$@" 2>/dev/null
    )}")
    __ssoenv_candidates=("${(@)__ssoenv_candidates:#}")
    (( ${#__ssoenv_candidates} )) && \_describe -V values __ssoenv_candidates
}

__ssoenv_complete() {
    __ssoenv_describe $(( CURRENT - 1 )) "${(@)words[1,CURRENT]}"
}

# Profile names with their account and role, as `ssoenv env -- WORD` completes them.
__ssoenv_complete_cmd() {
    [[ ${PREFIX} == -* ]] && \builtin return 1
    if (( CURRENT == 2 )) || { (( CURRENT == 3 )) && [[ ${words[2]} == (-c|--credentials) ]] }; then
        __ssoenv_describe 3 ssoenv env -- "${words[CURRENT]}"
    fi
}

# compdef exists once compinit has run; without it there is no completion system to join.
if (( ${+functions[compdef]} )); then
    \compdef __ssoenv_complete ssoenv
    \compdef __ssoenv_complete_cmd __SSOENV_CMD__
fi
