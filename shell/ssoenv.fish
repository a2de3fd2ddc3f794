# ssoenv hook for fish: defines __SSOENV_CMD__ and tab completion for it and for ssoenv.
# Load it from ~/.config/fish/config.fish with: ssoenv init fish | source
#
# Commands are written builtin or command so that the user's functions cannot change what the
# hook does (set, test, string and status are reserved words fish lets nobody redefine).

# The name may already be someone else's function (an alias is one in fish): ssoenv takes it and
# says so once; its own function from an earlier load is replaced silently.
# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
if functions -q __SSOENV_CMD__
    and not string match -q -- 'Switch AWS profile with ssoenv' (functions --details --verbose __SSOENV_CMD__)[5]
    builtin printf '%s\n' 'ssoenv: __SSOENV_CMD__ was already defined (a function or alias) and is now ssoenv'\''s; to keep the other, load ssoenv under another name: ssoenv init fish --cmd NAME | source' >&2
end
set -gx _SSOENV_HOOK "fish $fish_pid __SSOENV_CMD__ 1 "__SSOENV_EXE__

# __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]: switch this shell to PROFILE
# (AWS_PROFILE), or with -c to its credentials; with no argument, clear what ssoenv set. ssoenv
# logs in first when the session needs it; -y skips the question a guarded profile asks. Its script is evaluated only when it succeeds: on failure the shell stays as
# it was, ssoenv's message is on stderr, and its status is returned.
function __SSOENV_CMD__ --description 'Switch AWS profile with ssoenv'
    # With fish_trace set, fish would echo the evaluated script, keys included, to the terminal;
    # an empty local copy turns tracing off until the function returns.
    set -l fish_trace
    set -l args env --shell fish
    if test (builtin count $argv) -eq 0
        set -a args --unset
    else
        set -a args --login
        while set -q argv[1]; and builtin contains -- $argv[1] -c --credentials -y --yes
            if builtin contains -- $argv[1] -c --credentials
                set -a args --credentials
            else
                set -a args --yes
            end
            set -e argv[1]
        end
        if test (builtin count $argv) -gt 1; or string match -q -- '-*' $argv[1]
            builtin printf '%s\n' 'usage: __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]' >&2
            return 2
        end
        if set -q argv[1]
            set -a args --profile=$argv[1]
        end
    end
    set -l script (command __SSOENV_EXE__ $args | string collect)
    set -l code $pipestatus[1]
    if test $code -ne 0
        return $code
    end
    builtin printf '%s' $script | builtin source -
    __ssoenv_fresh_arm $args
end

# Credentials that stay fresh: `__SSOENV_CMD__ -c` turns the check on, any other switch turns it
# off. Before each prompt, when fewer than SSOENV_REFRESH_BEFORE seconds (default 300) are left
# until AWS_CREDENTIAL_EXPIRATION, the credentials are exported again through
# `ssoenv env --credentials --no-login` (never a browser from a prompt). fish has no clock of its
# own, so the check reads __ssoenv_clock (one `date` a prompt, shared with the segment), and only
# in credentials mode. A failed refresh keeps the old values, says so once, and is retried
# quietly at most once a minute.
function __ssoenv_fresh_arm
    set -g __ssoenv_fresh_on
    if builtin contains -- --credentials $argv
        set __ssoenv_fresh_on 1
    end
    set -g __ssoenv_fresh_seen
    set -g __ssoenv_fresh_at 0
    set -g __ssoenv_fresh_retry 0
    set -g __ssoenv_fresh_told
    return 0
end

# The epoch seconds of a UTC instant as ssoenv writes it (2030-01-01T00:00:00Z), by arithmetic
# (Howard Hinnant's days_from_civil); 0 when the text is not such an instant.
function __ssoenv_epoch
    set -l t (string match -r --groups-only -- '^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$' $argv[1])
    or begin
        echo 0
        return 0
    end
    set -l y $t[1]
    set -l m (builtin math $t[2] + 9)
    if test $t[2] -gt 2
        set m (builtin math $t[2] - 3)
    else
        set y (builtin math $y - 1)
    end
    builtin math "(146097 * floor($y / 400) + $y % 400 * 365 + floor($y % 400 / 4) - floor($y % 400 / 100) + floor((153 * $m + 2) / 5) + $t[3] - 719469) * 86400 + $t[4] * 3600 + $t[5] * 60 + $t[6]"
end

function __ssoenv_fresh
    set -q __ssoenv_fresh_on[1]; and test -n "$SSOENV_PROFILE"; or return 0
    # As in __SSOENV_CMD__: the evaluated script holds keys, which fish_trace would echo.
    set -l fish_trace
    if test "$AWS_CREDENTIAL_EXPIRATION" != "$__ssoenv_fresh_seen"
        __ssoenv_fresh_arm --credentials
        set -g __ssoenv_fresh_seen "$AWS_CREDENTIAL_EXPIRATION"
        set -g __ssoenv_fresh_at (__ssoenv_epoch "$AWS_CREDENTIAL_EXPIRATION")
    end
    test $__ssoenv_fresh_at -gt 0; or return 0
    set -l before 300
    if string match -qr '^\d+$' -- "$SSOENV_REFRESH_BEFORE"
        set before $SSOENV_REFRESH_BEFORE
    end
    set -l now (__ssoenv_clock)
    test (builtin math $now + $before) -ge $__ssoenv_fresh_at; and test $now -ge $__ssoenv_fresh_retry
    or return 0
    set -g __ssoenv_fresh_retry (builtin math $now + 60)
    set -l script (command __SSOENV_EXE__ env --shell fish --credentials --no-login --profile=$SSOENV_PROFILE 2>/dev/null | string collect)
    if test $pipestatus[1] -eq 0
        builtin printf '%s' $script | builtin source -
    else if not set -q __ssoenv_fresh_told[1]
        set -g __ssoenv_fresh_told 1
        builtin printf '%s\n' "ssoenv: could not refresh the credentials of $SSOENV_PROFILE (they expire at $__ssoenv_fresh_seen); run: __SSOENV_CMD__ -c $SSOENV_PROFILE" >&2
    end
end

# What ssoenv's own completion engine (clap_complete's COMPLETE protocol) answers for the words,
# one candidate a line with its description after a tab, as complete --arguments expects.
function __ssoenv_candidates
    COMPLETE=fish command __SSOENV_EXE__ -- $argv 2>/dev/null
end

# Profile names with their account and role, as `ssoenv env -- WORD` completes them.
function __ssoenv_complete_cmd
    set -l words (builtin commandline --current-process --tokenize --cut-at-cursor)
    set -l current (builtin commandline --current-token)
    if string match -q -- '-*' $current
        return
    end
    set -e words[1]
    # Only options before the word: the profile is the one word that is not one.
    while set -q words[1]; and builtin contains -- $words[1] -c --credentials -y --yes
        set -e words[1]
    end
    if not set -q words[1]
        __ssoenv_candidates ssoenv env -- $current
    end
end

builtin complete --erase --command ssoenv
builtin complete --keep-order --exclusive --command ssoenv --arguments '(__ssoenv_candidates (builtin commandline --current-process --tokenize --cut-at-cursor) (builtin commandline --current-token))'
builtin complete --erase --command __SSOENV_CMD__
builtin complete --keep-order --exclusive --command __SSOENV_CMD__ --arguments '(__ssoenv_complete_cmd)'

# The prompt segment kept in SSOENV_SEGMENT (exported, for fish_right_prompt or starship's env_var
# module), recomputed by `ssoenv prompt --for-hook fish` only when one of its inputs changed: the
# variables below (compared here), the modification time of a file it was read from (path
# mtime), or the clock reaching the second its text changes. fish has no clock of its own, so the
# last check reads __ssoenv_clock, and only while the segment shows time left. SSOENV_PROMPT_FORMAT,
# when set, is the segment's --format. (HOME, XDG_CACHE_HOME and SSOENV_CACHE_DIR are left out of
# the comparison: a shell does not move its home.)
function __ssoenv_segment
    set -l key "$SSOENV_PROFILE|$AWS_PROFILE|$AWS_DEFAULT_PROFILE|$AWS_REGION|$AWS_DEFAULT_REGION|$AWS_ACCOUNT_ID|$AWS_CREDENTIAL_EXPIRATION|$AWS_CONFIG_FILE|$AWS_SHARED_CREDENTIALS_FILE|$SSOENV_PROMPT_FORMAT|$SSOENV_PROMPT_GUARD_FORMAT"
    if test "$key" = "$__ssoenv_seg_key"
        set -l mtimes
        for file in $__ssoenv_seg_files
            set -l mtime (path mtime -- $file); or set mtime 0
            set -a mtimes $mtime
        end
        if test "$mtimes" = "$__ssoenv_seg_mtimes"
            if test "$__ssoenv_seg_until" -eq 0; or test (__ssoenv_clock) -lt $__ssoenv_seg_until
                return 0
            end
        end
    end
    set -g __ssoenv_seg_key $key
    set -l format
    if test -n "$SSOENV_PROMPT_FORMAT"
        set format --format=$SSOENV_PROMPT_FORMAT
    end
    if test -n "$SSOENV_PROMPT_GUARD_FORMAT"
        set -a format --guard-format=$SSOENV_PROMPT_GUARD_FORMAT
    end
    set -l script (command __SSOENV_EXE__ prompt --for-hook fish $format 2>/dev/null | string collect)
    if test $pipestatus[1] -eq 0
        builtin printf '%s' $script | builtin source -
    else
        set -e -g SSOENV_SEGMENT
        set -g __ssoenv_seg_until 0
        set -g __ssoenv_seg_files
        set -g __ssoenv_seg_mtimes
    end
    # Erasing a segment that was not set is no failure.
    return 0
end

# The epoch second, from one `date` per prompt at most however many checks ask (fish has no clock
# of its own; a function's output is read without a new process).
function __ssoenv_clock
    set -q __ssoenv_now[1]; or set -g __ssoenv_now (command date +%s)
    echo $__ssoenv_now
end

# Before each prompt: the freshness check first (new keys change the segment's inputs), then the
# segment; the clock is read afresh for each prompt.
function __ssoenv_prompt --on-event fish_prompt
    set -g __ssoenv_now
    __ssoenv_fresh
    __ssoenv_segment
    set -g __ssoenv_now
    return 0
end
