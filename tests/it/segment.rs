//! Integration tests: the prompt segment kept in the shell. The hooks keep `SSOENV_SEGMENT` equal
//! to what `ssoenv prompt` prints and call `ssoenv prompt --for-hook` only when an input changed:
//! the variables, the config, the token (another process's login, refresh or logout), the clock.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ssoenv::shell::ShellKind;

use crate::common::shell::{Interactive, count_execs, strict_shell};
use crate::common::{Home, run};

const CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\n\
    sso_role_name = Developer\nregion = eu-west-1\n\n[profile prod]\nsso_session = corp\n\
    sso_account_id = 222222222222\nsso_role_name = Admin\nregion = us-east-1\n\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";

/// The guarded profiles' format in these tests.
const GUARD_FORMAT: &str = "!{guard} {profile} {expiry}";

/// Writes the token of the sso-session `corp`, expiring `secs` from now; with `refreshable`, a
/// refresh token and a client registration valid for a day.
fn write_token(home: &Home, secs: i64, refreshable: bool) {
    let at = |secs: i64| ssoenv::time::cli_time(Timestamp::now() + SignedDuration::from_secs(secs));
    let mut token = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": "token",
        "expiresAt": at(secs),
    });
    if refreshable {
        token["clientId"] = "c".into();
        token["clientSecret"] = "s".into();
        token["refreshToken"] = "r".into();
        token["registrationExpiresAt"] = at(86_400).into();
    }
    home.write_session_token("corp", &token.to_string());
}

/// What `ssoenv prompt` prints, and the `SSOENV_SEGMENT` that bash holds after evaluating
/// `ssoenv prompt --for-hook bash`, for the same environment.
fn both_outputs(home: &Home, vars: &[(&str, String)]) -> (String, String) {
    let (out, prompt, stderr) = run(home
        .ssoenv(["prompt", "--guard-format", GUARD_FORMAT])
        .envs(vars.iter().cloned()));
    assert!(out.status.success(), "{stderr}");
    let script = format!(
        r#"eval "$("$SSOENV_BIN" prompt --for-hook bash --guard-format '{GUARD_FORMAT}')"; printf '%s\n' "${{SSOENV_SEGMENT-}}""#
    );
    let script = script.as_str();
    let out = strict_shell(ShellKind::Bash, home.path(), script)
        .env("SSOENV_BIN", crate::common::ssoenv_bin())
        .env("SSOENV_CACHE_DIR", home.path().join(".cache/ssoenv"))
        .envs(vars.iter().cloned())
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hook = String::from_utf8_lossy(&out.stdout).into_owned();
    (prompt.trim_end().to_string(), hook.trim_end().to_string())
}

/// Over random states (profile or credentials mode, keys and tokens expiring at random minutes
/// ±, refreshable or not, no token at all, no profile, guarded by its key, by a guard-file
/// pattern, or not), the hook's segment is `ssoenv prompt`'s.
/// Expiries sit 30 s inside a minute, so the two processes never straddle a change.
#[test]
fn the_hooks_segment_is_what_ssoenv_prompt_prints() {
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    let state = (
        0..3u8,
        -120i64..600,
        prop::option::of((-120i64..600, any::<bool>())),
        0..3u8,
    );
    runner
        .run(&state, |(mode, keys, token, guard)| {
            let home = Home::new();
            match guard {
                0 => home.write_config(CONFIG),
                1 => home.write_config(&CONFIG.replacen(
                    "region = eu-west-1\n",
                    "region = eu-west-1\nssoenv_guard = true\n",
                    1,
                )),
                _ => {
                    home.write_config(CONFIG);
                    let dir = home.path().join(".config/ssoenv");
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(dir.join("guard"), "# production\n1111*\n").unwrap();
                }
            }
            if let Some((minutes, refreshable)) = token {
                write_token(&home, minutes * 60 + 30, refreshable);
            }
            let expiration = ssoenv::time::cli_time(
                Timestamp::now() + SignedDuration::from_secs(keys * 60 + 30),
            );
            let vars: Vec<(&str, String)> = match mode {
                0 => vec![],
                1 => vec![("AWS_PROFILE", "dev".into())],
                _ => vec![
                    ("SSOENV_PROFILE", "dev".into()),
                    ("AWS_CREDENTIAL_EXPIRATION", expiration),
                    ("AWS_ACCOUNT_ID", "111111111111".into()),
                ],
            };
            let (prompt, hook) = both_outputs(&home, &vars);
            prop_assert_eq!(&hook, &prompt);
            Ok(())
        })
        .unwrap();
}

/// Presses Enter (a prompt, so the hook runs), then prints `SSOENV_SEGMENT` from a command, until
/// it reads `want`: the hook sees a file written within the second of its last look at the next
/// second, so a change may take one more prompt.
fn assert_segment(shell: &Interactive, step: &mut u32, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        *step += 1;
        let tag = format!("[s{step}=");
        shell.send(&[
            "C-l",
            "Enter",
            "C-u",
            &format!("echo \"[s{step}=$SSOENV_SEGMENT]\""),
            "Enter",
        ]);
        let screen = shell.wait_for(&tag, |s| s.lines().any(|l| l.starts_with(&tag)));
        let got = screen
            .lines()
            .find_map(|l| l.strip_prefix(&tag)?.strip_suffix(']'))
            .unwrap_or_default()
            .to_string();
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "segment {got:?}, want {want:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// In a real interactive shell, the segment follows `asp`, another process's refresh, logout and
/// login, a config edit, the minute rolling over and a new guard pattern.
fn the_segment_follows_every_input_in_an_interactive(kind: ShellKind) {
    let home = Home::new();
    home.write_config(CONFIG);
    write_token(&home, 8 * 3600 + 30, false);
    let vars = [
        (
            "SSOENV_CACHE_DIR".to_string(),
            home.path().join(".cache/ssoenv").display().to_string(),
        ),
        (
            "SSOENV_PROMPT_GUARD_FORMAT".to_string(),
            GUARD_FORMAT.to_string(),
        ),
    ];
    let shell = Interactive::start_with(kind, &home, &vars);
    let mut step = 0;
    assert_segment(&shell, &mut step, "");
    shell.send(&["C-u", "asp dev", "Enter"]);
    assert_segment(&shell, &mut step, "111111111111/Developer eu-west-1 8h00m");
    // Exported: a child process — starship's env_var module is one — reads it as it is.
    shell.send(&["C-u", "sh -c 'echo \"[child=$SSOENV_SEGMENT]\"'", "Enter"]);
    shell.wait_for("a child's view", |s| {
        s.contains("[child=111111111111/Developer eu-west-1 8h00m]")
    });
    // Another process refreshes the token.
    write_token(&home, 2 * 3600 + 30, true);
    assert_segment(&shell, &mut step, "111111111111/Developer eu-west-1 2h00m");
    // ... logs out, and logs in again.
    std::fs::remove_file(home.session_token_path("corp")).expect("logout");
    assert_segment(&shell, &mut step, "111111111111/Developer eu-west-1 login");
    write_token(&home, 3 * 3600 + 30, false);
    assert_segment(&shell, &mut step, "111111111111/Developer eu-west-1 3h00m");
    // The config changes.
    home.write_config(&CONFIG.replacen("Developer", "PowerUser", 1));
    assert_segment(&shell, &mut step, "111111111111/PowerUser eu-west-1 3h00m");
    shell.send(&["C-u", "asp prod", "Enter"]);
    assert_segment(&shell, &mut step, "222222222222/Admin us-east-1 3h00m");
    // The minute rolls over: 1m left, then less than a minute.
    write_token(&home, 63, false);
    assert_segment(&shell, &mut step, "222222222222/Admin us-east-1 1m");
    std::thread::sleep(Duration::from_secs(4));
    assert_segment(&shell, &mut step, "222222222222/Admin us-east-1 <1m");
    // A guard-file pattern now guards prod.
    let settings = home.path().join(".config/ssoenv");
    std::fs::create_dir_all(&settings).expect("settings folder");
    std::fs::write(settings.join("guard"), "prod\n").expect("guard file");
    assert_segment(&shell, &mut step, "!guarded prod <1m");
    shell.send(&["C-u", "asp", "Enter"]);
    assert_segment(&shell, &mut step, "");
}

#[test]
fn the_segment_follows_every_input_in_an_interactive_bash() {
    the_segment_follows_every_input_in_an_interactive(ShellKind::Bash);
}

#[test]
fn the_segment_follows_every_input_in_an_interactive_zsh() {
    the_segment_follows_every_input_in_an_interactive(ShellKind::Zsh);
}

#[test]
fn the_segment_follows_every_input_in_an_interactive_fish() {
    the_segment_follows_every_input_in_an_interactive(ShellKind::Fish);
}

/// 100 prompts with nothing changed start no process in bash and zsh (strace counts them), nor in
/// fish while the segment shows no time left (with time left, fish's one `date` a prompt); a
/// config edit then costs exactly one `ssoenv`.
#[test]
fn unchanged_prompts_start_no_process() {
    let home = Home::new();
    home.write_config(CONFIG);
    let cases = [
        (ShellKind::Bash, true, 0),
        (ShellKind::Zsh, true, 0),
        (ShellKind::Fish, false, 0),
        (ShellKind::Fish, true, 100),
    ];
    for (kind, token, dates) in cases {
        if token {
            write_token(&home, 8 * 3600 + 30, false);
        } else {
            let _ = std::fs::remove_file(home.session_token_path("corp"));
        }
        let (out, hook, stderr) = run(&mut home.ssoenv(["init", kind.name()]));
        assert!(out.status.success(), "{stderr}");
        let (setup, prompts, edit) = match kind {
            ShellKind::Fish => (
                "set -gx AWS_PROFILE dev\n__ssoenv_prompt; sleep 1.1; __ssoenv_prompt",
                "set -l i 0\nwhile test $i -lt 100; set i (builtin math $i + 1); __ssoenv_prompt; end",
                "echo >> $HOME/.aws/config; __ssoenv_prompt",
            ),
            _ => (
                "export AWS_PROFILE=dev\n__ssoenv_segment; sleep 1.1; __ssoenv_segment",
                "for i in {1..100}; do __ssoenv_segment; done",
                "echo >> \"$HOME/.aws/config\"; __ssoenv_segment",
            ),
        };
        let cache = home.path().join(".cache/ssoenv").display().to_string();
        let vars = [("SSOENV_CACHE_DIR", cache.as_str())];
        let setup = format!("{hook}\n{setup}");
        let spawned = count_execs(kind, &home, &setup, prompts, &vars);
        assert_eq!(spawned.len(), dates, "{kind:?}: {spawned:?}");
        assert!(spawned.iter().all(|p| p.ends_with("/date")), "{spawned:?}");
        let spawned = count_execs(kind, &home, &setup, edit, &vars);
        let ssoenv: Vec<_> = spawned.iter().filter(|p| !p.ends_with("/date")).collect();
        assert_eq!(ssoenv.len(), 1, "{kind:?}: {spawned:?}");
        assert!(ssoenv[0].ends_with("/ssoenv"), "{spawned:?}");
        home.write_config(CONFIG);
    }
}

/// PowerShell (pinned by exact lines): the segment is kept by its own function, called from the
/// wrapped prompt after the freshness check, from `prompt --for-hook powershell`.
#[test]
fn the_powershell_hook_keeps_the_segment_before_the_users_prompt() {
    let hook = ssoenv::shell::init(
        ShellKind::Powershell,
        std::path::Path::new("/opt/ssoenv"),
        "asp",
    )
    .expect("init");
    for line in [
        "function global:__ssoenv_segment {",
        "    $arguments = @('prompt', '--for-hook', 'powershell')",
        "    $script = & '/opt/ssoenv' @arguments 2>$null | Out-String",
        "        __ssoenv_fresh",
        "        __ssoenv_segment",
    ] {
        assert!(
            hook.lines().any(|l| l == line),
            "missing {line:?} in\n{hook}"
        );
    }
}

/// What `--for-hook` prints, exactly, for zsh (with the stamp of the shell that called it) and
/// fish (without); nushell is refused.
#[test]
fn for_hook_prints_the_segment_and_its_inputs_for_each_shell() {
    let home = Home::new();
    home.write_config(CONFIG);
    let config = home.config_path();
    let config = config.display();
    let mtime = std::fs::metadata(home.config_path())
        .and_then(|m| m.modified())
        .map(|t| Timestamp::try_from(t).unwrap().as_second())
        .unwrap();
    let home_dir = home.path().display();
    let token = home.session_token_path("corp");
    let token = token.display();
    // ssoenv's parent, whose stamp it is.
    let pid = std::process::id();
    for (kind, want) in [
        (
            ShellKind::Zsh,
            format!(
                "export SSOENV_SEGMENT='111111111111/Developer eu-west-1 login'\n\
                 __ssoenv_seg_until=(0)\n\
                 __ssoenv_seg_files=({config} {home_dir}/.aws/credentials {home_dir}/.cache/ssoenv/account-names.json {home_dir}/.config/ssoenv/guard {home_dir}/.aws/sso/cache {token})\n\
                 __ssoenv_seg_mtimes=({mtime} 0 0 0 0 0)\n\
                 __ssoenv_seg_stamp=({home_dir}/.cache/ssoenv/prompt-stamps/{pid})\n"
            ),
        ),
        (
            ShellKind::Fish,
            format!(
                "set -gx SSOENV_SEGMENT '111111111111/Developer eu-west-1 login'\n\
                 set -g __ssoenv_seg_until 0\n\
                 set -g __ssoenv_seg_files {config} {home_dir}/.aws/credentials {home_dir}/.cache/ssoenv/account-names.json {home_dir}/.config/ssoenv/guard {home_dir}/.aws/sso/cache {token}\n\
                 set -g __ssoenv_seg_mtimes {mtime} 0 0 0 0 0\n"
            ),
        ),
    ] {
        // A second after the config was written, so no same-second recheck is asked for.
        std::thread::sleep(Duration::from_millis(1100));
        let (out, stdout, stderr) = run(home
            .ssoenv(["prompt", "--for-hook", kind.name()])
            .env("AWS_PROFILE", "dev"));
        assert!(out.status.success(), "{stderr}");
        assert_eq!(stdout, want, "{kind:?}");
    }
    let (out, stdout, stderr) = run(home
        .ssoenv(["prompt", "--for-hook", "nu"])
        .env("AWS_PROFILE", "dev"));
    assert_eq!((out.status.code(), stdout.as_str()), (Some(2), ""));
    assert!(stderr.contains("use `ssoenv prompt`"), "{stderr}");
}
