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

# __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]: switch this shell to PROFILE
# (AWS_PROFILE), or with -c to its credentials; with no argument, clear what ssoenv set. ssoenv
# logs in first when the session needs it; -y skips the question a guarded profile asks. Its script is evaluated only when it succeeds: on failure the shell stays as
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
        while [[ ${1-} == (-c|--credentials|-y|--yes) ]]; do
            if [[ $1 == (-c|--credentials) ]]; then
                __ssoenv_args+=(--credentials)
            else
                __ssoenv_args+=(--yes)
            fi
            \builtin shift
        done
        if (( $# > 1 )) || [[ ${1-} == -* ]]; then
            \builtin print -ru2 -- 'usage: __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]'
            \builtin return 2
        fi
        if (( $# == 1 )); then
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
# check is a few comparisons against the shell's own clock (zsh/datetime): no process. A failed
# refresh keeps the old values, says so once, and is retried quietly at most once a minute.
__ssoenv_fresh_arm() {
    \builtin typeset -g __ssoenv_fresh_on= __ssoenv_fresh_seen= __ssoenv_fresh_told=
    \builtin typeset -gi __ssoenv_fresh_at=0 __ssoenv_fresh_retry=0
    # Word by word: a profile name with spaces is one word, `--profile=NAME`.
    if (( ${argv[(Ie)--credentials]} )); then
        __ssoenv_fresh_on=1
    fi
}

# Sets REPLY to the epoch seconds of a UTC instant as ssoenv writes it (2030-01-01T00:00:00Z), by
# shell arithmetic (Howard Hinnant's days_from_civil); 0 when the text is not such an instant.
__ssoenv_epoch() {
    \builtin emulate -L zsh
    REPLY=0
    [[ $1 =~ '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})([.][0-9]+)?Z$' ]] ||
        \builtin return 0
    \builtin local -i y=10#${match[1]} m=10#${match[2]} d=10#${match[3]}
    (( y -= m <= 2, m = m > 2 ? m - 3 : m + 9 ))
    (( REPLY = (146097 * (y / 400) + y % 400 * 365 + y % 400 / 4 - y % 400 / 100 + (153 * m + 2) / 5 + d - 719469) * 86400 + 10#${match[4]} * 3600 + 10#${match[5]} * 60 + 10#${match[6]} ))
}

__ssoenv_fresh() {
    \builtin local before=${SSOENV_REFRESH_BEFORE:-300} script
    [[ ${before} != *[^0-9]* ]] || before=300
    # The common case stays in this one test: on, same expiration, and not yet within the window.
    [[ -n ${__ssoenv_fresh_on-} && -n ${SSOENV_PROFILE-} ]] &&
        { [[ ${AWS_CREDENTIAL_EXPIRATION-} != "${__ssoenv_fresh_seen}" ]] ||
            (( EPOCHSECONDS + 10#${before} >= __ssoenv_fresh_at )) } || \builtin return 0
    \builtin emulate -L zsh
    # As in __SSOENV_CMD__: the evaluated script holds keys, which xtrace would echo.
    \builtin setopt no_xtrace
    if [[ ${AWS_CREDENTIAL_EXPIRATION-} != "${__ssoenv_fresh_seen}" ]]; then
        __ssoenv_fresh_arm --credentials
        __ssoenv_fresh_seen=${AWS_CREDENTIAL_EXPIRATION-}
        __ssoenv_epoch "${__ssoenv_fresh_seen}"
        __ssoenv_fresh_at=${REPLY}
    fi
    (( __ssoenv_fresh_at > 0 && EPOCHSECONDS + 10#${before} >= __ssoenv_fresh_at &&
        EPOCHSECONDS >= __ssoenv_fresh_retry )) || \builtin return 0
    __ssoenv_fresh_retry=$(( EPOCHSECONDS + 60 ))
    if script="$(\builtin command __SSOENV_EXE__ env --shell zsh --credentials --no-login \
        "--profile=${SSOENV_PROFILE}" 2>/dev/null)"; then
        \builtin eval "${script}"
    elif [[ -z ${__ssoenv_fresh_told} ]]; then
        __ssoenv_fresh_told=1
        \builtin print -ru2 -- "ssoenv: could not refresh the credentials of ${SSOENV_PROFILE} (they expire at ${__ssoenv_fresh_seen}); run: __SSOENV_CMD__ -c ${SSOENV_PROFILE}"
    fi
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
    # Only options before the word: the profile is the one word that is not one.
    (( ${#${(@)words[2,CURRENT-1]:#(-c|--credentials|-y|--yes)}} == 0 )) || \builtin return 1
    __ssoenv_describe 3 ssoenv env -- "${words[CURRENT]}"
}

# compdef exists once compinit has run; without it there is no completion system to join.
if (( ${+functions[compdef]} )); then
    \compdef __ssoenv_complete ssoenv
    \compdef __ssoenv_complete_cmd __SSOENV_CMD__
fi

# The prompt segment kept in SSOENV_SEGMENT (exported, for RPROMPT or starship's env_var module),
# recomputed by `ssoenv prompt --for-hook zsh` only when one of its inputs changed: the variables
# below, a file it was read from (compared by -ot against a stamp that ssoenv rewrites before
# reading, or appearing or disappearing), or the clock (zsh/datetime) reaching the second its
# text changes. Otherwise no process. SSOENV_PROMPT_FORMAT and SSOENV_PROMPT_GUARD_FORMAT, when
# set, are its --format and --guard-format. (HOME, XDG_CACHE_HOME and SSOENV_CACHE_DIR are left
# out of the comparison: a shell does not move its home.) Until the first update this only asks;
# each update then rewrites this function around the check it compiled.
__ssoenv_segment() {
    __ssoenv_segment_update
}

# Asks ssoenv, then compiles the whole check into one test in __ssoenv_segment, with what it
# compares against written in (a loop, a second function or variables read back would cost more
# than the comparisons themselves): the variables joined, against the values they had; the clock
# still before the second the text changes; each file that was there still older than the
# stamp, each file that was missing still missing. The variables are read plainly, which
# nounset (`set -u`) would refuse for an unset one: then with `${VAR-}`.
__ssoenv_segment_update() {
    \builtin emulate -L zsh
    \builtin local __ssoenv_script __ssoenv_test __ssoenv_i
    \builtin local -a __ssoenv_format
    __ssoenv_test=${(q)${:-"${SSOENV_PROFILE-}|${AWS_PROFILE-}|${AWS_DEFAULT_PROFILE-}|${AWS_REGION-}|${AWS_DEFAULT_REGION-}|${AWS_ACCOUNT_ID-}|${AWS_CREDENTIAL_EXPIRATION-}|${AWS_CONFIG_FILE-}|${AWS_SHARED_CREDENTIALS_FILE-}|${SSOENV_PROMPT_FORMAT-}|${SSOENV_PROMPT_GUARD_FORMAT-}"}}
    __ssoenv_test="( \$- != *u* && \"\$SSOENV_PROFILE|\$AWS_PROFILE|\$AWS_DEFAULT_PROFILE|\$AWS_REGION|\$AWS_DEFAULT_REGION|\$AWS_ACCOUNT_ID|\$AWS_CREDENTIAL_EXPIRATION|\$AWS_CONFIG_FILE|\$AWS_SHARED_CREDENTIALS_FILE|\$SSOENV_PROMPT_FORMAT|\$SSOENV_PROMPT_GUARD_FORMAT\" == ${__ssoenv_test} || \"\${SSOENV_PROFILE-}|\${AWS_PROFILE-}|\${AWS_DEFAULT_PROFILE-}|\${AWS_REGION-}|\${AWS_DEFAULT_REGION-}|\${AWS_ACCOUNT_ID-}|\${AWS_CREDENTIAL_EXPIRATION-}|\${AWS_CONFIG_FILE-}|\${AWS_SHARED_CREDENTIALS_FILE-}|\${SSOENV_PROMPT_FORMAT-}|\${SSOENV_PROMPT_GUARD_FORMAT-}\" == ${__ssoenv_test} )"
    if [[ -n ${SSOENV_PROMPT_FORMAT-} ]]; then
        __ssoenv_format=("--format=${SSOENV_PROMPT_FORMAT}")
    fi
    if [[ -n ${SSOENV_PROMPT_GUARD_FORMAT-} ]]; then
        __ssoenv_format+=("--guard-format=${SSOENV_PROMPT_GUARD_FORMAT}")
    fi
    if __ssoenv_script="$(\builtin command __SSOENV_EXE__ prompt --for-hook zsh \
        "${__ssoenv_format[@]}" 2>/dev/null)"; then
        \builtin eval "${__ssoenv_script}"
    else
        \builtin unset -v SSOENV_SEGMENT
        \builtin typeset -ga __ssoenv_seg_until=(0) __ssoenv_seg_files=() __ssoenv_seg_mtimes=()
        \builtin typeset -ga __ssoenv_seg_stamp=('')
    fi
    if [[ ${__ssoenv_seg_until[1]} != 0 ]]; then
        __ssoenv_test+=" && EPOCHSECONDS -lt ${__ssoenv_seg_until[1]}"
    fi
    for (( __ssoenv_i = 1; __ssoenv_i <= ${#__ssoenv_seg_files}; __ssoenv_i++ )); do
        if [[ ${__ssoenv_seg_mtimes[__ssoenv_i]-0} == 0 ]]; then
            __ssoenv_test+=" && ! -e ${(q)__ssoenv_seg_files[__ssoenv_i]}"
        else
            __ssoenv_test+=" && ${(q)__ssoenv_seg_files[__ssoenv_i]} -ot ${(q)__ssoenv_seg_stamp[1]}"
        fi
    done
    \builtin eval "__ssoenv_segment() {
        [[ ${__ssoenv_test} ]] || __ssoenv_segment_update
    }"
}

# The freshness check goes first: new keys change the segment's inputs.
\builtin zmodload -F zsh/datetime p:EPOCHSECONDS
\builtin typeset -ga precmd_functions
() {
    \builtin local __ssoenv_hook
    for __ssoenv_hook in __ssoenv_segment __ssoenv_fresh; do
        if (( ! ${precmd_functions[(Ie)${__ssoenv_hook}]} )); then
            precmd_functions=("${__ssoenv_hook}" "${precmd_functions[@]}")
        fi
    done
}
