# ssoenv hook for bash: defines __SSOENV_CMD__ and tab completion for it and for ssoenv.
# Load it from ~/.bashrc with: eval "$(ssoenv init bash)"
#
# Every builtin is written \builtin (the backslash skips aliases, builtin skips functions), and
# ssoenv is run with \builtin command, so the user's aliases and functions cannot change what the
# hook does.

# The name may already be someone else's alias or function (oh-my-bash's aws plugin defines asp):
# ssoenv takes it and says so once; its own function from an earlier load is replaced silently.
# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
if \builtin alias __SSOENV_CMD__ >/dev/null 2>&1 ||
    { \builtin declare -F __SSOENV_CMD__ >/dev/null && [[ $(\builtin declare -f __SSOENV_CMD__) != *__ssoenv_* ]]; }; then
    \builtin printf '%s\n' "ssoenv: __SSOENV_CMD__ was already defined (an alias or function) and is now ssoenv's; to keep the other, load ssoenv under another name: eval \"\$(ssoenv init bash --cmd NAME)\"" >&2
    \builtin unalias __SSOENV_CMD__ 2>/dev/null || \builtin true
fi
# shellcheck disable=SC2034 # read by `ssoenv doctor`
\builtin export _SSOENV_HOOK="bash $$ __SSOENV_CMD__ 1 "__SSOENV_EXE__

# __SSOENV_CMD__ [-c|--credentials] [PROFILE]: switch this shell to PROFILE (AWS_PROFILE), or with
# -c to its credentials; with no argument, clear what ssoenv set. ssoenv logs in first when the
# session needs it. Its script is evaluated only when it succeeds: on failure the shell stays as
# it was, ssoenv's message is on stderr, and its status is returned.
__SSOENV_CMD__() {
    # Under set -x, bash would echo the evaluated script, keys included, to the terminal: run
    # again with tracing off, then turn it back on.
    if [[ $- == *x* ]]; then
        { \builtin set +x; } 2>/dev/null
        \builtin local __ssoenv_status=0
        __SSOENV_CMD__ "$@" || __ssoenv_status=$?
        \builtin set -x
        \builtin return "${__ssoenv_status}"
    fi
    \builtin local -a __ssoenv_args
    \builtin local __ssoenv_script
    __ssoenv_args=(env --shell bash)
    if [[ $# -eq 0 ]]; then
        __ssoenv_args+=(--unset)
    else
        __ssoenv_args+=(--login)
        if [[ $1 == -c || $1 == --credentials ]]; then
            __ssoenv_args+=(--credentials)
            \builtin shift
        fi
        if [[ $# -gt 1 || ${1-} == -* ]]; then
            \builtin printf '%s\n' 'usage: __SSOENV_CMD__ [-c|--credentials] [PROFILE]' >&2
            \builtin return 2
        fi
        if [[ $# -eq 1 ]]; then
            __ssoenv_args+=("--profile=$1")
        fi
    fi
    __ssoenv_script="$(\builtin command __SSOENV_EXE__ "${__ssoenv_args[@]}")" || \builtin return
    \builtin eval "${__ssoenv_script}"
}

# Fills COMPREPLY from ssoenv's own completion engine (clap_complete's COMPLETE protocol).
# $1: the index of the word to complete; the rest: the command line's words up to it.
__ssoenv_reply() {
    \builtin local IFS=$'\n' __ssoenv_index="$1"
    \builtin shift
    COMPREPLY=()
    \builtin read -r -d '' -a COMPREPLY < <(
        COMPLETE=bash _CLAP_IFS=$'\n' _CLAP_COMPLETE_INDEX="${__ssoenv_index}" \
            \builtin command __SSOENV_EXE__ -- "$@" 2>/dev/null
    ) || \builtin true
    # A directory or an option waiting for its value is not finished: no space after it.
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[/=] ]]; then
        \builtin compopt -o nospace 2>/dev/null || \builtin true
    fi
}

__ssoenv_complete() {
    __ssoenv_reply "${COMP_CWORD}" "${COMP_WORDS[@]:0:COMP_CWORD}" "${2-}"
}

# Profile names, as `ssoenv env -- WORD` completes them.
__ssoenv_complete_cmd() {
    COMPREPLY=()
    if [[ ${2-} == -* ]]; then
        \builtin return 0
    fi
    if [[ ${COMP_CWORD} -eq 1 ]] ||
        [[ ${COMP_CWORD} -eq 2 && (${COMP_WORDS[1]} == -c || ${COMP_WORDS[1]} == --credentials) ]]; then
        __ssoenv_reply 3 ssoenv env -- "${2-}"
    fi
}

\builtin complete -F __ssoenv_complete ssoenv
\builtin complete -F __ssoenv_complete_cmd __SSOENV_CMD__
