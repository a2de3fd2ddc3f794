# ssoenv hook for elvish: defines __SSOENV_CMD__ and completion for it and for ssoenv.
# Load it from ~/.config/elvish/rc.elv with: eval (ssoenv init elvish | slurp)
#
# Code that eval runs cannot add names to rc.elv's scope, so the hook hands __SSOENV_CMD__ to the
# interactive editor with edit:add-var. Without an editor (elvish -c, scripts) it defines the
# functions and registers nothing.

use str

# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
set-env _SSOENV_HOOK (str:join ' ' [elvish (to-string $pid) __SSOENV_CMD__ 1 __SSOENV_EXE__])

# __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]: switch this shell to PROFILE
# (AWS_PROFILE), or with -c to its credentials; with no argument, clear what ssoenv set. ssoenv
# logs in first when the session needs it; -y skips the question a guarded profile asks. Its script is evaluated only when it succeeds: on failure the shell stays as
# it was, ssoenv's message is on stderr, and the exception carries its exit status.
fn __SSOENV_CMD__ {|@argv|
    var args = [env --shell elvish]
    if (== (count $argv) 0) {
        set args = [$@args --unset]
    } else {
        set args = [$@args --login]
        while (and (> (count $argv) 0) (has-value [-c --credentials -y --yes] $argv[0])) {
            if (has-value [-c --credentials] $argv[0]) {
                set args = [$@args --credentials]
            } else {
                set args = [$@args --yes]
            }
            set argv = $argv[1..]
        }
        if (or (> (count $argv) 1) (and (== (count $argv) 1) (str:has-prefix $argv[0] -))) {
            fail 'usage: __SSOENV_CMD__ [-c|--credentials] [-y|--yes] [PROFILE]'
        }
        if (== (count $argv) 1) {
            set args = [$@args '--profile='$argv[0]]
        }
    }
    var script = (__SSOENV_EXE__ $@args | slurp)
    eval $script
}

# The editor (the edit: namespace), when there is one: code that names edit: does not even compile
# without it, so the hook looks it up with eval.
var __ssoenv_edit = $nil
var __ssoenv_found = ?(set __ssoenv_edit = (eval 'put $edit:'))

# What ssoenv's own completion engine (clap_complete's COMPLETE protocol, as the JSON data of
# `COMPLETE=nu`) offers for the words, the last being the one to complete, with account and role
# shown beside each profile.
fn __ssoenv_complete {|@words|
    tmp E:COMPLETE = nu
    var candidates = (__SSOENV_EXE__ -- $@words 2>/dev/null | from-json)
    for c $candidates {
        var display = $c[value]
        if (has-key $c description) {
            set display = $c[value]'  '$c[description]
        }
        $__ssoenv_edit[complex-candidate~] $c[value] &display=$display
    }
}

# Profile names, as `ssoenv env -- WORD` completes them.
fn __ssoenv_complete_cmd {|@words|
    var current = $words[-1]
    if (str:has-prefix $current -) {
        return
    }
    # Only options before the word: the profile is the one word that is not one.
    for w $words[1..-1] {
        if (not (has-value [-c --credentials -y --yes] $w)) {
            return
        }
    }
    __ssoenv_complete ssoenv env -- $current
}

if (not-eq $__ssoenv_edit $nil) {
    eval &ns=(ns [&edit:=$__ssoenv_edit &cmd~=$__SSOENV_CMD__~ &complete~=$__ssoenv_complete~ &complete-cmd~=$__ssoenv_complete_cmd~]) '
        edit:add-var __SSOENV_CMD__~ $cmd~
        set edit:completion:arg-completer[ssoenv] = $complete~
        set edit:completion:arg-completer[__SSOENV_CMD__] = $complete-cmd~
    '
}
