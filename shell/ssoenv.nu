# ssoenv hook for nushell: defines __SSOENV_CMD__ and completion for it and for ssoenv.
# nushell cannot evaluate what a command prints, so config.nu saves this to a file nushell loads
# after it (its vendor autoload directory):
#   mkdir ($nu.data-dir | path join vendor/autoload); ssoenv init nu | save -f ($nu.data-dir | path join vendor/autoload/ssoenv.nu)

# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
$env._SSOENV_HOOK = $"nu ($nu.pid) __SSOENV_CMD__ 1 " + __SSOENV_EXE__

# The profiles ssoenv's own completion engine (clap_complete's COMPLETE protocol) offers for the
# word, with account and role as descriptions.
def __ssoenv_profiles [context: string] {
    let word = if ($context | str ends-with ' ') { '' } else { $context | split row ' ' | last }
    if ($word | str starts-with '-') { return [] }
    COMPLETE=nu ^__SSOENV_EXE__ -- ssoenv env -- $word | from json
}

# Switch this shell to PROFILE (AWS_PROFILE), or with -c to its credentials; with no argument,
# clear what ssoenv set. ssoenv logs in first when the session needs it; -y skips the question a
# guarded profile asks. What it prints is applied
# only when it succeeds: on failure the shell stays as it was, ssoenv's message is on stderr, and
# its exit status is the error's.
def --env __SSOENV_CMD__ [
    --credentials (-c) # export the profile's credentials instead of AWS_PROFILE
    --yes (-y) # skip the question a guarded profile asks
    profile?: string@__ssoenv_profiles # the profile (none: clear, or with -c the active one)
] {
    let args = if $profile == null and not $credentials and not $yes {
        [--unset]
    } else {
        [--login] | append (if $credentials { [--credentials] } else { [] }) | append (if $yes { [--yes] } else { [] }) | append (if $profile == null { [] } else { [$"--profile=($profile)"] })
    }
    let out = (^__SSOENV_EXE__ env --shell nu ...$args)
    let change = ($out | from json)
    hide-env --ignore-errors ...$change.hide
    load-env $change.load
}

# ssoenv itself completes through nushell's one external completer, which the hook wraps: words
# for ssoenv go to ssoenv's engine, any other command to the completer that was set before.
do --env {
    let previous = $env.config.completions.external.completer?
    $env.config.completions.external.enable = true
    $env.config.completions.external.completer = {|spans: list<string>|
        if ($spans | first) == 'ssoenv' {
            COMPLETE=nu ^__SSOENV_EXE__ -- ...$spans | from json
        } else if $previous != null {
            do $previous $spans
        }
    }
}
