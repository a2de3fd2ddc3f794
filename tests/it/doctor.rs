//! `ssoenv doctor` (#15 §3): all ✓ and exit 0 on a healthy sandbox home with the hook loaded in a
//! real shell; each broken case a ✗ line with its fix, and exit 1.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;
use ssoenv::shell::ShellKind;

use crate::common::sandbox::http;
use crate::common::setup::{Setup, sso_cache};
use crate::common::shell::strict_shell;
use crate::common::{Home, path_with_bin, run, ssoenv_bin};

/// `ssoenv doctor ARGS` in a real bash that loaded the hook as `~/.bashrc` does (the rc file is
/// written too), with the setup's variables and `extra`; returns exit code and stdout.
fn doctor_in_bash(setup: &Setup, extra: &[(&str, &str)], args: &str) -> (i32, String) {
    let rc = "eval \"$(ssoenv init bash)\"\n";
    std::fs::write(setup.home.path().join(".bashrc"), rc).expect("bashrc");
    let mut bash = strict_shell(
        ShellKind::Bash,
        setup.home.path(),
        &format!("{rc}ssoenv doctor {args}"),
    );
    bash.env("PATH", path_with_bin())
        .env("SHELL", "/bin/bash")
        .envs(setup.vars())
        .envs(extra.iter().copied());
    let (out, stdout, stderr) = run(&mut bash);
    assert!(stderr.is_empty(), "{stderr}");
    (out.status.code().unwrap_or(-1), stdout)
}

/// `ssoenv doctor` run directly (no hook), with ssoenv on PATH, `SHELL=/bin/bash` and `vars`.
fn doctor(home: &Home, vars: &[(&str, &str)]) -> (i32, String) {
    let (out, stdout, _) = run(home
        .ssoenv(["doctor"])
        .env("PATH", path_with_bin())
        .env("SHELL", "/bin/bash")
        .envs(vars.iter().copied()));
    (out.status.code().unwrap_or(-1), stdout)
}

/// The ✗ line that mentions `what`, checked to carry `fix`.
fn assert_broken(out: &str, what: &str, fix: &str) {
    let line = out
        .lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no line about {what:?}:\n{out}"));
    assert!(
        line.starts_with("✗ ") && line.contains(&format!("— fix: {fix}")),
        "{line}"
    );
}

fn healthy() -> Setup {
    let setup = Setup::new(&[]);
    setup.login("dev");
    setup.login("prod");
    setup
}

#[test]
fn a_healthy_sandbox_home_with_the_hook_loaded_is_all_ticks_and_exit_zero() {
    let setup = healthy();
    let (code, out) = doctor_in_bash(&setup, &[], "--online");
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().all(|l| l.starts_with("✓ ")), "{out}");
    for what in [
        "ssoenv on PATH is",
        "the bash hook is loaded (`asp`)",
        ".bashrc loads the hook",
        "tab completion is registered",
        "config parses (5 profiles, 1 sso-sessions)",
        "[sso-session sandbox]: valid for 7h59m; registration expires in 89d23h",
        "/start: valid for 7h59m",
        "the AWS variables agree",
        "the caches are private to you",
        "this clock agrees with the service's",
    ] {
        assert!(out.contains(what), "{what}:\n{out}");
    }

    let (code, json) = doctor_in_bash(&setup, &[], "--json");
    assert_eq!(code, 0, "{json}");
    let doc: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(doc["ok"], true);
    let checks = doc["checks"].as_array().expect("checks");
    assert!(checks.iter().all(|c| c["ok"] == true && c["fix"].is_null()));
    assert!(
        !checks.iter().any(|c| c["check"] == "clock"),
        "no network without --online: {json}"
    );
}

#[test]
fn the_binary_and_hook_cases_each_say_how_to_fix_them() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\n");
    let bin_dir = ssoenv_bin().parent().unwrap().display().to_string();

    let (code, out) = doctor(&home, &[("PATH", "/usr/bin:/bin")]);
    assert_eq!(code, 1, "{out}");
    assert_broken(
        &out,
        "ssoenv is not on PATH",
        &format!("add {bin_dir} to PATH"),
    );
    assert_broken(
        &out,
        "the shell hook is not loaded in this shell",
        &format!(
            "add `eval \"$(ssoenv init bash)\"` to {}/.bashrc",
            home.path().display()
        ),
    );
    assert_broken(
        &out,
        ".bashrc does not load the hook",
        "add `eval \"$(ssoenv init bash)\"` to it",
    );

    // Another ssoenv first on PATH, and a hook loaded from it.
    let other = home.path().join("old-bin");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(ssoenv_bin(), other.join("ssoenv")).unwrap();
    let path = format!("{}:{}", other.display(), path_with_bin().to_string_lossy());
    let script = format!(
        "eval \"$('{}/ssoenv' init bash)\"\n'{}' doctor",
        other.display(),
        ssoenv_bin().display()
    );
    let (out, stdout, _) = run(strict_shell(ShellKind::Bash, home.path(), &script)
        .env("PATH", &path)
        .env("SHELL", "/bin/bash"));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_broken(
        &stdout,
        &format!("ssoenv on PATH is {}/ssoenv, not this one", other.display()),
        &format!("remove the other, or put {bin_dir} first on PATH"),
    );
    assert_broken(
        &stdout,
        &format!("the bash hook (`asp`) runs {}/ssoenv", other.display()),
        "load the hook again",
    );

    // A marker inherited from another shell.
    let (_, out) = doctor(&home, &[("_SSOENV_HOOK", "bash 1 asp 1 /x/ssoenv")]);
    assert_broken(
        &out,
        "the hook was loaded by another bash (pid 1), not this shell",
        "add `eval",
    );

    // zsh without compinit: the hook cannot register completion.
    std::fs::write(home.path().join(".zshrc"), "eval \"$(ssoenv init zsh)\"\n").unwrap();
    let (out, stdout, _) = run(strict_shell(
        ShellKind::Zsh,
        home.path(),
        "eval \"$(ssoenv init zsh)\"\nssoenv doctor",
    )
    .env("PATH", path_with_bin()));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✓ the zsh hook is loaded"), "{stdout}");
    assert!(stdout.contains("/.zshrc loads the hook"), "{stdout}");
    assert_broken(
        &stdout,
        "tab completion is not registered",
        "move the ssoenv line after `compinit` in your .zshrc",
    );
}

#[test]
fn a_config_error_names_its_file_and_line() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\nthis is not a property\n");
    let (code, out) = doctor(&home, &[]);
    assert_eq!(code, 1);
    assert_broken(
        &out,
        &format!("{}:3", home.config_path().display()),
        "correct the file at the line named",
    );
}

#[test]
fn an_expired_session_says_to_log_in() {
    let setup = healthy();
    let expired = serde_json::json!({
        "startUrl": format!("{}/start", setup.sandbox.url),
        "region": "us-east-1",
        "accessToken": "old",
        "expiresAt": "2020-01-01T00:00:00Z",
    });
    setup
        .home
        .write_session_token("sandbox", &expired.to_string());
    let (code, out) = doctor_in_bash(&setup, &[], "");
    assert_eq!(code, 1, "{out}");
    assert_broken(
        &out,
        "[sso-session sandbox]: expired, nothing to refresh it with",
        "ssoenv login --sso-session sandbox",
    );
}

#[test]
fn variables_that_fight_each_other_are_each_named_with_a_fix() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\n");
    // The variables, the ✗ line's text, its fix.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 3] = [
        (
            &[("AWS_PROFILE", "dev"), ("AWS_ACCESS_KEY_ID", "AKIA")],
            "AWS_ACCESS_KEY_ID and AWS_PROFILE=dev are both set",
            "`asp dev` (clears the keys)",
        ),
        (
            &[("AWS_DEFAULT_PROFILE", "gone")],
            "AWS_DEFAULT_PROFILE names `gone`, which is not in the config",
            "`unset AWS_DEFAULT_PROFILE`",
        ),
        (
            &[
                ("AWS_ACCESS_KEY_ID", "AKIA"),
                ("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z"),
            ],
            "AWS_CREDENTIAL_EXPIRATION=2020-01-01T00:00:00Z is stale",
            "`asp -c PROFILE` for fresh credentials",
        ),
    ];
    for (vars, what, fix) in cases {
        let (code, out) = doctor(&home, vars);
        assert_eq!(code, 1, "{out}");
        assert_broken(&out, what, fix);
    }
    home.write_credentials("[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n");
    let (_, out) = doctor(&home, &[]);
    assert_broken(
        &out,
        "[default] in",
        "move them to a named profile in that file",
    );
    assert!(out.contains("/.aws/credentials:2 has static keys"), "{out}");
}

#[test]
fn cache_files_others_can_read_and_folders_others_can_write_are_named_with_chmod() {
    let setup = healthy();
    let cache = sso_cache(&setup);
    let token = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .expect("a token file");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, out) = doctor_in_bash(&setup, &[], "");
    assert_eq!(code, 1, "{out}");
    assert_broken(
        &out,
        &format!("{} can be read by others (mode 644)", token.display()),
        &format!("chmod 600 {}", token.display()),
    );
    assert_broken(
        &out,
        &format!("{} can be written by others (mode 777)", cache.display()),
        &format!("chmod 700 {}", cache.display()),
    );
}

#[test]
fn online_a_clock_ten_minutes_off_the_services_is_a_cross() {
    let setup = healthy();
    let url = format!("{}/_sandbox/clock?skew_secs=600", setup.sandbox.url);
    assert_eq!(http("POST", &url, "").0, 204);
    let (code, out) = doctor_in_bash(&setup, &[], "--online");
    assert_eq!(code, 1, "{out}");
    assert_broken(
        &out,
        "m behind the service's: requests will be refused",
        "set the clock right (enable NTP: `timedatectl set-ntp true`)",
    );
}

#[test]
fn online_a_service_that_cannot_be_reached_is_a_cross_and_offline_it_is_never_asked() {
    let setup = healthy();
    let closed = "http://127.0.0.1:9";
    let unreachable = [
        ("AWS_ENDPOINT_URL_SSO_OIDC", closed),
        ("SSOENV_TIMEOUT", "3"),
    ];
    let (code, out) = doctor_in_bash(&setup, &unreachable, "--online");
    assert_eq!(code, 1, "{out}");
    assert_broken(
        &out,
        "cannot ask IAM Identity Center for its time",
        "check the network, then run `ssoenv doctor --online` again",
    );
    let (code, out) = doctor_in_bash(&setup, &unreachable, "");
    assert_eq!(code, 0, "{out}");
}

/// nushell and elvish mark their hooks too: run from either after loading it, doctor is all ✓.
#[test]
fn the_nu_and_elvish_hooks_are_seen_by_doctor_in_their_shell() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\n");
    let rc = home.path().join(".config/elvish/rc.elv");
    std::fs::create_dir_all(rc.parent().unwrap()).unwrap();
    std::fs::write(&rc, "eval (ssoenv init elvish | slurp)\n").unwrap();
    let nu_hook = home.path().join("ssoenv.nu");
    let (_, hook, _) = run(&mut home.ssoenv(["init", "nu"]));
    std::fs::write(&nu_hook, hook).unwrap();
    for (kind, script) in [
        (
            ShellKind::Nu,
            format!("source r#'{}'#\n^ssoenv doctor\n", nu_hook.display()),
        ),
        (
            ShellKind::Elvish,
            "eval (ssoenv init elvish | slurp)\nssoenv doctor\n".to_string(),
        ),
    ] {
        let (out, stdout, stderr) = run(strict_shell(kind, home.path(), &script)
            .env("PATH", path_with_bin())
            .env("SSOENV_CACHE_DIR", home.path().join(".cache/ssoenv")));
        assert!(out.status.success(), "{kind:?}: {stdout}{stderr}");
        let name = kind.name();
        assert!(
            stdout.contains(&format!("✓ the {name} hook is loaded (`asp`)")),
            "{kind:?}: {stdout}"
        );
    }
}
