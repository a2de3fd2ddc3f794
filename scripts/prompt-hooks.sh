#!/usr/bin/env bash
# Benchmark rows for what the shell hooks cost before every prompt, timed inside each shell (its
# `time` of a loop of calls, in CPU time) so no process start is counted: the credentials freshness check
# (#13) while the credentials are fresh, and the prompt segment's check (#19) when nothing
# changed (a profile with a valid token, so the segment shows time left). Prints the median of 7
# runs of N calls, per call.
#
# usage: scripts/prompt-hooks.sh [SSOENV_BINARY]   (default: target/release/ssoenv)
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(realpath "${1:-target/release/ssoenv}")
n=10000
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$home/.aws/sso/cache"
printf '[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Developer\nregion = eu-west-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n' >"$home/.aws/config"
# sha1("corp"), the token file of the sso-session corp
printf '{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "t", "expiresAt": "%s"}' \
    "$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)" >"$home/.aws/sso/cache/$(printf corp | sha1sum | cut -d' ' -f1).json"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# $1: shell, $2: what to run N times (after the hook is loaded and the state set up), $3: setup.
# The calls are timed by CPU time (user + system) of the subshell that makes them, not by the
# wall clock: on a shared machine the wall clock mostly measures waiting for a core.
row() {
    local shell=$1 call=$2 setup=$3 script
    case $shell in
        bash) script="eval \"\$(\"$exe\" init bash)\"; $setup
            TIMEFORMAT='%3U %3S'
            { time (for ((i = 0; i < $n; i++)); do $call; done) ; } 2>&1 | awk '{ print (\$1 + \$2) * 1000 / $n }'" ;;
        zsh) script="eval \"\$(\"$exe\" init zsh)\"; $setup
            TIMEFMT='%U %S'
            { time (for ((i = 0; i < $n; i++)); do $call; done) ; } 2>&1 | awk '{ sub(/s/, \"\", \$1); sub(/s/, \"\", \$2); print (\$1 + \$2) * 1000 / $n }'" ;;
    esac
    for _ in 1 2 3 4 5 6 7; do
        env -i PATH="$PATH" HOME="$home" AWS_CREDENTIAL_EXPIRATION="$later" \
            "$shell" -c "$script"
    done | median
}

fresh_setup='__ssoenv_fresh_arm --credentials; export SSOENV_PROFILE=dev; __ssoenv_fresh'
printf '%-58s %s\n' 'row' 'median ms per prompt'
for shell in bash zsh; do
    # What any prompt function costs here, for scale: the machine's load moves every row.
    printf '%-58s %.4f\n' "$shell: an empty function (baseline)" \
        "$(row "$shell" __ssoenv_noop '__ssoenv_noop() { :; }')"
    printf '%-58s %.4f\n' "$shell: freshness check, credentials mode, fresh" \
        "$(row "$shell" __ssoenv_fresh "$fresh_setup")"
    printf '%-58s %.4f\n' "$shell: freshness check, profile mode (off)" \
        "$(row "$shell" __ssoenv_fresh :)"
    # The first call computes the segment; a second later nothing has changed.
    printf '%-58s %.4f\n' "$shell: segment check, nothing changed" \
        "$(row "$shell" __ssoenv_segment 'export AWS_PROFILE=dev; __ssoenv_segment; sleep 1.1; __ssoenv_segment')"
done
# fish has no clock of its own: its prompt handler starts one `date` per prompt in credentials
# mode (wall clock here: the process start is the cost).
fish_ms=$(env -i PATH="$PATH" HOME="$home" AWS_CREDENTIAL_EXPIRATION="$later" fish --no-config -c "
    \"$exe\" init fish | source
    __ssoenv_fresh_arm --credentials; set -gx SSOENV_PROFILE dev; __ssoenv_prompt
    set -l s (date +%s%N)
    for i in (seq 200); __ssoenv_prompt; end
    set -l e (date +%s%N)
    math \"(\$e - \$s) / 200 / 1000000\"")
printf '%-58s %.4f\n' "fish: prompt handler, credentials mode, fresh (one date)" "$fish_ms"
