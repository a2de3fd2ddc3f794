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

# __SSOENV_CMD__ [-c|--credentials] [PROFILE]: switch this shell to PROFILE (AWS_PROFILE), or with
# -c to its credentials; with no argument, clear what ssoenv set. ssoenv logs in first when the
# session needs it. Its script is evaluated only when it succeeds: on failure the shell stays as
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
        if builtin contains -- $argv[1] -c --credentials
            set -a args --credentials
            set -e argv[1]
        end
        if test (builtin count $argv) -gt 1; or string match -q -- '-*' $argv[1]
            builtin printf '%s\n' 'usage: __SSOENV_CMD__ [-c|--credentials] [PROFILE]' >&2
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
    if set -q words[1]; and builtin contains -- $words[1] -c --credentials
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
