//! Integration tests: credentials-mode shells that stay fresh. After `asp -c dev`, the hook checks
//! `AWS_CREDENTIAL_EXPIRATION` before each prompt and exports new credentials through the real
//! `ssoenv env --credentials` when fewer than `SSOENV_REFRESH_BEFORE` seconds are left; a failed
//! refresh keeps the old keys and says so once; while fresh, bash and zsh start no process.

use std::time::{Duration, Instant};

use ssoenv::shell::ShellKind;

use crate::common::setup::{Setup, token_path};
use crate::common::shell::{Interactive, with_hook};
use crate::common::{Home, run};

const REAL_SHELLS: [ShellKind; 3] = [ShellKind::Bash, ShellKind::Zsh, ShellKind::Fish];

/// Role credentials last 20 s and are refreshed 15 s before they expire: each set is fresh for
/// about 5 s, so a test sees a refresh without waiting an hour.
const LIFETIME: &str = "20";
const BEFORE: &str = "15";

fn hook(setup: &Setup, kind: ShellKind) -> String {
    let (out, stdout, stderr) = run(&mut setup.ssoenv(["init", kind.name()]));
    assert!(out.status.success(), "{stderr}");
    stdout
}

/// Types `command` and waits for the line `[TAG=VALUE]` it prints; returns VALUE.
fn printed(shell: &Interactive, command: &str, tag: &str) -> String {
    let prefix = format!("[{tag}=");
    shell.send(&["C-u", command, "Enter"]);
    let screen = shell.wait_for(&prefix, |s| s.lines().any(|l| l.starts_with(&prefix)));
    screen
        .lines()
        .find_map(|l| l.strip_prefix(&prefix)?.strip_suffix(']'))
        .expect("the printed value")
        .to_string()
}

/// The access key a child process of the shell sees, printed as `[TAG=KEY]`.
fn child_key(shell: &Interactive, tag: &str) -> String {
    printed(
        shell,
        &format!("sh -c 'echo \"[{tag}=$AWS_ACCESS_KEY_ID]\"'"),
        tag,
    )
}

fn sleep_until(at: Instant) {
    std::thread::sleep(at.saturating_duration_since(Instant::now()));
}

/// `asp -c dev`; past the refresh point, Enter gives a prompt that exports new keys a child sees;
/// then, with the session's token gone, several prompts past the next refresh point keep those
/// keys and print the failure once.
fn credentials_stay_fresh_in_an_interactive(kind: ShellKind) {
    let setup = Setup::new(&["--credentials-ttl", LIFETIME]);
    setup.login("dev");
    let mut vars = setup.vars();
    vars.push(("SSOENV_REFRESH_BEFORE".into(), BEFORE.into()));
    let shell = Interactive::start_with(kind, &setup.home, &vars);

    let first = printed(
        &shell,
        "asp -c dev; sh -c 'echo \"[k1=$AWS_ACCESS_KEY_ID]\"'",
        "k1",
    );
    // The keys were issued before this instant, so they reach the refresh point within 5 s.
    sleep_until(Instant::now() + Duration::from_secs(6));
    shell.send(&["Enter"]);
    let second = child_key(&shell, "k2");
    assert!(
        !second.is_empty() && second != first,
        "{kind:?}: no new keys"
    );

    let refreshed = Instant::now();
    std::fs::remove_file(token_path(&setup)).expect("remove the token");
    shell.send(&["C-l"]);
    sleep_until(refreshed + Duration::from_secs(6));
    for _ in 0..4 {
        shell.send(&["Enter"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    let third = child_key(&shell, "k3");
    assert_eq!(third, second, "{kind:?}: a failed refresh keeps the keys");
    let screen = shell.screen();
    assert_eq!(
        screen
            .matches("ssoenv: could not refresh the credentials of dev (they expire at ")
            .count(),
        1,
        "{kind:?}:\n{screen}"
    );
    assert!(screen.contains("run: asp -c dev"), "{kind:?}:\n{screen}");
}

#[test]
fn credentials_stay_fresh_in_an_interactive_bash() {
    credentials_stay_fresh_in_an_interactive(ShellKind::Bash);
}

#[test]
fn credentials_stay_fresh_in_an_interactive_zsh() {
    credentials_stay_fresh_in_an_interactive(ShellKind::Zsh);
}

#[test]
fn credentials_stay_fresh_in_an_interactive_fish() {
    credentials_stay_fresh_in_an_interactive(ShellKind::Fish);
}

/// In strict mode with hostile aliases: the prompt hook refreshes after `asp -c dev` (the window
/// here covers the keys' whole lifetime, which is short enough that the role-credential cache
/// does not reuse them), and does nothing after `asp dev` or `asp`, even when the variables say a
/// credentials-mode profile is about to expire.
#[test]
fn profile_mode_and_asp_alone_turn_the_check_off() {
    let setup = Setup::new(&["--credentials-ttl", "600"]);
    setup.login("dev");
    let posix = r#"export SSOENV_REFRESH_BEFORE=7200
asp -c dev
first=$AWS_ACCESS_KEY_ID
__ssoenv_fresh
[ "$AWS_ACCESS_KEY_ID" != "$first" ] && echo refreshed
expiring() {
    export SSOENV_PROFILE=dev AWS_CREDENTIAL_EXPIRATION=2000-01-01T00:00:00Z
    __ssoenv_fresh
    echo "${AWS_ACCESS_KEY_ID-none}"
}
asp dev
expiring
asp
expiring
"#;
    let fish = r#"set -gx SSOENV_REFRESH_BEFORE 7200
asp -c dev
set -l first $AWS_ACCESS_KEY_ID
__ssoenv_fresh
test "$AWS_ACCESS_KEY_ID" != "$first"; and echo refreshed
for switch in 'asp dev' asp
    eval $switch
    set -gx SSOENV_PROFILE dev
    set -gx AWS_CREDENTIAL_EXPIRATION 2000-01-01T00:00:00Z
    __ssoenv_fresh
    set -q AWS_ACCESS_KEY_ID; or echo none
end
"#;
    for kind in REAL_SHELLS {
        let body = if kind == ShellKind::Fish { fish } else { posix };
        let mut hook_text = hook(&setup, kind);
        // The sandbox's variables reach ssoenv through the shell, as the rc file's would.
        let exports: String = setup
            .vars()
            .iter()
            .map(|(k, v)| match kind {
                ShellKind::Fish => format!("set -gx {k} '{v}'\n"),
                _ => format!("export {k}='{v}'\n"),
            })
            .collect();
        hook_text.insert_str(0, &exports);
        let (stdout, stderr, code) = with_hook(kind, &setup.home, &hook_text, body);
        assert_eq!(
            (stdout.as_str(), stderr.as_str(), code),
            ("refreshed\nnone\nnone\n", "", 0),
            "{kind:?}"
        );
    }
}

/// While the credentials are fresh, 100 prompts start no process in bash and zsh (the shells'
/// own clocks) and one `date` each in fish (its whole prompt handler, the segment's check
/// included), counted by strace.
#[test]
fn fresh_credentials_cost_no_process_in_bash_and_zsh() {
    let home = Home::new();
    let later =
        ssoenv::time::cli_time(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1));
    for (kind, want) in [
        (ShellKind::Bash, 0),
        (ShellKind::Zsh, 0),
        (ShellKind::Fish, 100),
    ] {
        let (out, hook_text, stderr) = run(&mut home.ssoenv(["init", kind.name()]));
        assert!(out.status.success(), "{stderr}");
        let (arm, body) = match kind {
            ShellKind::Fish => (
                "__ssoenv_fresh_arm --credentials; set -gx SSOENV_PROFILE dev",
                "set -l i 0\nwhile test $i -lt 100; set i (builtin math $i + 1); __ssoenv_prompt; end",
            ),
            _ => (
                "__ssoenv_fresh_arm --credentials; export SSOENV_PROFILE=dev",
                "for i in {1..100}; do __ssoenv_fresh; done",
            ),
        };
        let spawned = crate::common::shell::count_execs(
            kind,
            &home,
            // fish's prompt handler runs the segment's check too: its first look is setup.
            &format!(
                "{hook_text}\n{arm}\n{}",
                if kind == ShellKind::Fish {
                    "__ssoenv_prompt"
                } else {
                    "__ssoenv_fresh"
                }
            ),
            body,
            &[("AWS_CREDENTIAL_EXPIRATION", later.as_str())],
        );
        assert_eq!(spawned.len(), want, "{kind:?}: {spawned:?}");
        assert!(spawned.iter().all(|p| p.ends_with("/date")), "{spawned:?}");
    }
}

/// PowerShell (pinned by exact lines): `asp` arms the check with its switch, the check runs the
/// real env command with `--no-login`, and the user's prompt is wrapped once, keeping its exit code.
#[test]
fn the_powershell_hook_refreshes_before_the_users_prompt() {
    let hook = ssoenv::shell::init(
        ShellKind::Powershell,
        std::path::Path::new("/opt/ssoenv"),
        "awsp",
    )
    .expect("init");
    for line in [
        "    __ssoenv_fresh_arm $Credentials.IsPresent",
        "    $script = & '/opt/ssoenv' env --shell powershell --credentials --no-login \"--profile=$Env:SSOENV_PROFILE\" 2>$null | Out-String",
        "if (-not $global:__ssoenv_user_prompt) {",
        "    $global:__ssoenv_user_prompt = $function:prompt",
        "        __ssoenv_fresh",
        "        $global:LASTEXITCODE = $code",
        "        & $global:__ssoenv_user_prompt",
    ] {
        assert!(
            hook.lines().any(|l| l == line),
            "missing {line:?} in\n{hook}"
        );
    }
    assert!(hook.contains("run: awsp -c $Env:SSOENV_PROFILE"), "{hook}");
}
