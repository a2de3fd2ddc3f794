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

# __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]: switch this shell to PROFILE
# (AWS_PROFILE), or with -c to its credentials; with no argument, clear what ssoenv set. ssoenv
# logs in first when the session needs it; -y skips the question a guarded profile asks. Its script is evaluated only when it succeeds: on failure the shell stays as
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
        while [[ ${1-} == -* ]]; do
            case $1 in
            -c | --credentials) __ssoenv_args+=(--credentials) ;;
            -y | --yes) __ssoenv_args+=(--yes) ;;
            *) \builtin break ;;
            esac
            \builtin shift
        done
        if [[ $# -gt 1 || ${1-} == -* ]]; then
            \builtin printf '%s\n' 'usage: __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]' >&2
            \builtin return 2
        fi
        if [[ $# -eq 1 ]]; then
            __ssoenv_args+=("--profile=$1")
        fi
    fi
    __ssoenv_script="$(\builtin command __SSOENV_EXE__ "${__ssoenv_args[@]}")" || \builtin return
    \builtin eval "${__ssoenv_script}"
    __ssoenv_fresh_arm "${__ssoenv_args[@]}"
}

# Credentials that stay fresh: `__SSOENV_CMD__ -c` turns the check on, any other switch turns it
# off. Before each prompt, when fewer than SSOENV_REFRESH_BEFORE seconds (default 300) are left
# until AWS_CREDENTIAL_EXPIRATION, the credentials are exported again through
# `ssoenv env --credentials --no-login` (never a browser from a prompt). While they are fresh the
# check is a few comparisons against the shell's own clock: no process. A failed refresh keeps the
# old values, says so once, and is retried quietly at most once a minute.
__ssoenv_fresh_arm() {
    __ssoenv_fresh_on=
    # Word by word: a profile name with spaces is one word, `--profile=NAME`.
    \builtin local __ssoenv_arg
    for __ssoenv_arg; do
        [[ ${__ssoenv_arg} != --credentials ]] || __ssoenv_fresh_on=1
    done
    __ssoenv_fresh_seen=
    __ssoenv_fresh_at=0
    __ssoenv_fresh_retry=0
    __ssoenv_fresh_told=
}

# Sets REPLY to the epoch seconds of a UTC instant as ssoenv writes it (2030-01-01T00:00:00Z), by
# shell arithmetic (Howard Hinnant's days_from_civil), so no `date` process is needed; 0 when the
# text is not such an instant.
__ssoenv_epoch() {
    REPLY=0
    [[ $1 =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?Z$ ]] ||
        \builtin return 0
    \builtin local -i y=10#${BASH_REMATCH[1]} m=10#${BASH_REMATCH[2]} d=10#${BASH_REMATCH[3]}
    ((y -= m <= 2, m = m > 2 ? m - 3 : m + 9))
    ((REPLY = (146097 * (y / 400) + y % 400 * 365 + y % 400 / 4 - y % 400 / 100 + (153 * m + 2) / 5 + d - 719469) * 86400 + 10#${BASH_REMATCH[4]} * 3600 + 10#${BASH_REMATCH[5]} * 60 + 10#${BASH_REMATCH[6]}))
}

__ssoenv_fresh() {
    \builtin local __ssoenv_status=$? __ssoenv_before=${SSOENV_REFRESH_BEFORE:-300}
    [[ ${__ssoenv_before} != *[!0-9]* ]] || __ssoenv_before=300
    # The common case stays in this one test: on, same expiration, and not yet within the window.
    if [[ -n ${__ssoenv_fresh_on-} && -n ${SSOENV_PROFILE-} ]] &&
        { [[ -z ${EPOCHSECONDS-} || ${AWS_CREDENTIAL_EXPIRATION-} != "${__ssoenv_fresh_seen}" ]] ||
            ((EPOCHSECONDS + 10#${__ssoenv_before} >= __ssoenv_fresh_at)); }; then
        # As in __SSOENV_CMD__: the evaluated script holds keys, which set -x would echo.
        if [[ $- == *x* ]]; then
            { \builtin set +x; } 2>/dev/null
            __ssoenv_fresh_check "${__ssoenv_before}"
            \builtin set -x
        else
            __ssoenv_fresh_check "${__ssoenv_before}"
        fi
    fi
    \builtin return "${__ssoenv_status}"
}

__ssoenv_fresh_check() {
    \builtin local now=${EPOCHSECONDS-} script
    [[ -n ${now} ]] || \builtin printf -v now '%(%s)T' -1
    if [[ ${AWS_CREDENTIAL_EXPIRATION-} != "${__ssoenv_fresh_seen}" ]]; then
        __ssoenv_fresh_arm --credentials
        __ssoenv_fresh_seen=${AWS_CREDENTIAL_EXPIRATION-}
        __ssoenv_epoch "${__ssoenv_fresh_seen}"
        __ssoenv_fresh_at=${REPLY}
    fi
    ((__ssoenv_fresh_at > 0 && now + 10#$1 >= __ssoenv_fresh_at && now >= __ssoenv_fresh_retry)) ||
        \builtin return 0
    __ssoenv_fresh_retry=$((now + 60))
    if script="$(\builtin command __SSOENV_EXE__ env --shell bash --credentials --no-login \
        "--profile=${SSOENV_PROFILE}" 2>/dev/null)"; then
        \builtin eval "${script}"
    elif [[ -z ${__ssoenv_fresh_told} ]]; then
        __ssoenv_fresh_told=1
        \builtin printf 'ssoenv: could not refresh the credentials of %s (they expire at %s); run: __SSOENV_CMD__ -c %s\n' \
            "${SSOENV_PROFILE}" "${__ssoenv_fresh_seen}" "${SSOENV_PROFILE}" >&2
    fi
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
    # Only options before the word: the profile is the one word that is not one.
    \builtin local __ssoenv_word
    for __ssoenv_word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
        case ${__ssoenv_word} in
        -c | --credentials | -y | --yes) ;;
        *) \builtin return 0 ;;
        esac
    done
    __ssoenv_reply 3 ssoenv env -- "${2-}"
}

\builtin complete -F __ssoenv_complete ssoenv
\builtin complete -F __ssoenv_complete_cmd __SSOENV_CMD__

# The prompt segment kept in SSOENV_SEGMENT (exported, for PS1 or starship's env_var module),
# recomputed by `ssoenv prompt --for-hook bash` only when one of its inputs changed: the variables
# below, a file it was read from (compared by -ot against a stamp that ssoenv rewrites before
# reading, or appearing), or the clock reaching the second its text changes. Otherwise no process.
# SSOENV_PROMPT_FORMAT and SSOENV_PROMPT_GUARD_FORMAT, when set, are its --format and
# --guard-format. (HOME, XDG_CACHE_HOME and SSOENV_CACHE_DIR are left out of the comparison: a
# shell does not move its home.) Until the first update this only asks; each update then
# rewrites this function around the check it compiled.
__ssoenv_segment() {
    __ssoenv_seg_status=$?
    __ssoenv_segment_update
    \builtin return "${__ssoenv_seg_status}"
}

# Asks ssoenv, then compiles the whole check into one test in __ssoenv_segment, with what it
# compares against written in (a loop, a second function or variables read back would cost more
# than the comparisons themselves): the variables joined, against the values they had; the clock
# (EPOCHSECONDS) still before the second the text changes; each file that was there still older
# than the stamp, each file that was missing still missing. `$VAR` costs half of `${VAR-}`, so the
# variables are read plainly unless nounset (`set -u`) is on; so is the status, always a number.
__ssoenv_segment_update() {
    \builtin local -a __ssoenv_format
    \builtin local __ssoenv_script __ssoenv_file __ssoenv_test __ssoenv_clock='' __ssoenv_i
    \builtin printf -v __ssoenv_test '%q' "${SSOENV_PROFILE-}|${AWS_PROFILE-}|${AWS_DEFAULT_PROFILE-}|${AWS_REGION-}|${AWS_DEFAULT_REGION-}|${AWS_ACCOUNT_ID-}|${AWS_CREDENTIAL_EXPIRATION-}|${AWS_CONFIG_FILE-}|${AWS_SHARED_CREDENTIALS_FILE-}|${SSOENV_PROMPT_FORMAT-}|${SSOENV_PROMPT_GUARD_FORMAT-}"
    __ssoenv_test="( \$- != *u* && \"\$SSOENV_PROFILE|\$AWS_PROFILE|\$AWS_DEFAULT_PROFILE|\$AWS_REGION|\$AWS_DEFAULT_REGION|\$AWS_ACCOUNT_ID|\$AWS_CREDENTIAL_EXPIRATION|\$AWS_CONFIG_FILE|\$AWS_SHARED_CREDENTIALS_FILE|\$SSOENV_PROMPT_FORMAT|\$SSOENV_PROMPT_GUARD_FORMAT\" == ${__ssoenv_test} || \"\${SSOENV_PROFILE-}|\${AWS_PROFILE-}|\${AWS_DEFAULT_PROFILE-}|\${AWS_REGION-}|\${AWS_DEFAULT_REGION-}|\${AWS_ACCOUNT_ID-}|\${AWS_CREDENTIAL_EXPIRATION-}|\${AWS_CONFIG_FILE-}|\${AWS_SHARED_CREDENTIALS_FILE-}|\${SSOENV_PROMPT_FORMAT-}|\${SSOENV_PROMPT_GUARD_FORMAT-}\" == ${__ssoenv_test} )"
    __ssoenv_format=()
    if [[ -n ${SSOENV_PROMPT_FORMAT-} ]]; then
        __ssoenv_format=("--format=${SSOENV_PROMPT_FORMAT}")
    fi
    if [[ -n ${SSOENV_PROMPT_GUARD_FORMAT-} ]]; then
        __ssoenv_format+=("--guard-format=${SSOENV_PROMPT_GUARD_FORMAT}")
    fi
    if __ssoenv_script="$(\builtin command __SSOENV_EXE__ prompt --for-hook bash \
        "${__ssoenv_format[@]}" 2>/dev/null)"; then
        \builtin eval "${__ssoenv_script}"
    else
        \builtin unset -v SSOENV_SEGMENT
        __ssoenv_seg_until=0 __ssoenv_seg_files=() __ssoenv_seg_mtimes=() __ssoenv_seg_stamp=
    fi
    # bash before 5.0 has no EPOCHSECONDS: the clock is then read by printf, after the test.
    if [[ ${__ssoenv_seg_until} != 0 && -n ${EPOCHSECONDS-} ]]; then
        __ssoenv_test+=" && EPOCHSECONDS -lt ${__ssoenv_seg_until}"
    elif [[ ${__ssoenv_seg_until} != 0 ]]; then
        __ssoenv_clock=" && __ssoenv_seg_before ${__ssoenv_seg_until}"
    fi
    for __ssoenv_i in "${!__ssoenv_seg_files[@]}"; do
        if [[ ${__ssoenv_seg_mtimes[__ssoenv_i]-0} == 0 ]]; then
            \builtin printf -v __ssoenv_file ' && ! -e %q' "${__ssoenv_seg_files[__ssoenv_i]}"
        else
            \builtin printf -v __ssoenv_file ' && %q -ot %q' "${__ssoenv_seg_files[__ssoenv_i]}" \
                "${__ssoenv_seg_stamp}"
        fi
        __ssoenv_test+=${__ssoenv_file}
    done
    \builtin eval "__ssoenv_segment() {
        __ssoenv_seg_status=\$?
        [[ ${__ssoenv_test} ]]${__ssoenv_clock} || __ssoenv_segment_update
        \\builtin return \$__ssoenv_seg_status
    }"
}

# Whether the clock is still before $1, for a bash without EPOCHSECONDS.
__ssoenv_seg_before() {
    \builtin local __ssoenv_now
    \builtin printf -v __ssoenv_now '%(%s)T' -1
    ((__ssoenv_now < $1))
}

# Runs the prompt-time checks first, before the user's own PROMPT_COMMAND, which may be a string
# or (bash 5.1) an array.
# The freshness check goes first: new keys change the segment's inputs.
for __ssoenv_hook in __ssoenv_segment __ssoenv_fresh; do
    if [[ ";${PROMPT_COMMAND[*]-};" != *";${__ssoenv_hook};"* ]]; then
        if [[ -v PROMPT_COMMAND && ${PROMPT_COMMAND@a} == *a* ]]; then
            PROMPT_COMMAND=("${__ssoenv_hook}" "${PROMPT_COMMAND[@]}")
        else
            # A string here: the array test above told it apart.
            # shellcheck disable=SC2128,SC2178
            PROMPT_COMMAND="${__ssoenv_hook}${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
        fi
    fi
done
\builtin unset -v __ssoenv_hook
