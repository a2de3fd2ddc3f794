//! `ssoenv env`, evaluated by the real bash, zsh, fish, nushell and elvish against `ssoenv sandbox`, then checked
//! through what a child process of that shell sees.

use std::collections::BTreeMap;

use ssoenv::shell::ShellKind;

use crate::common::moto::Moto;
use crate::common::setup::Setup;
use crate::common::shell::strict_shell;
use crate::common::{path_with_bin, run};

const SHELLS: [ShellKind; 5] = [
    ShellKind::Bash,
    ShellKind::Zsh,
    ShellKind::Fish,
    ShellKind::Nu,
    ShellKind::Elvish,
];

/// Runs `script` in `kind` (strict mode) with stale variables of another profile already set,
/// and returns what a child process then sees (`AWS_*` and `SSOENV_*`), with the exit status.
fn in_shell(
    setup: &Setup,
    kind: ShellKind,
    script: &str,
) -> (i32, BTreeMap<String, String>, String) {
    let mut cmd = strict_shell(kind, setup.home.path(), script);
    cmd.env("PATH", path_with_bin())
        .envs(setup.vars())
        .env("AWS_PROFILE", "stale")
        .env("AWS_ACCESS_KEY_ID", "AKIASTALE")
        .env("AWS_SESSION_TOKEN", "stale-token")
        .env("SSOENV_PROFILE", "stale");
    let out = cmd.output().expect("run shell");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let vars = stdout
        .lines()
        .filter(|l| l.starts_with("AWS_") || l.starts_with("SSOENV_"))
        .filter(|l| !l.starts_with("AWS_ENDPOINT_URL") && !l.starts_with("SSOENV_CACHE_DIR"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        vars,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The shell's way to evaluate `ssoenv ARGS` and then list the environment from a child.
fn eval_script(kind: ShellKind, args: &str) -> String {
    match kind {
        ShellKind::Fish => format!("ssoenv env {args} --shell fish | source; env"),
        ShellKind::Nu => format!(
            "let c = (^ssoenv env {args} --shell nu | from json)\n\
             hide-env --ignore-errors ...$c.hide\nload-env $c.load\n^env"
        ),
        ShellKind::Elvish => format!("eval (ssoenv env {args} --shell elvish | slurp)\nenv"),
        _ => format!("eval \"$(ssoenv env {args} --shell {})\"; env", kind.name()),
    }
}

#[test]
fn profile_mode_switches_every_shell_and_clears_stale_keys() {
    let setup = Setup::new(&[]);
    for kind in SHELLS {
        let (code, vars, stderr) = in_shell(&setup, kind, &eval_script(kind, "dev"));
        assert_eq!(code, 0, "{kind:?}: {stderr}");
        let want: BTreeMap<String, String> = [
            ("AWS_PROFILE", "dev"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(vars, want, "{kind:?}");
    }
}

#[test]
fn credentials_mode_exports_keys_that_work_and_clears_the_profile() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    for kind in SHELLS {
        let (code, vars, stderr) = in_shell(&setup, kind, &eval_script(kind, "--credentials dev"));
        assert_eq!(code, 0, "{kind:?}: {stderr}");
        assert!(
            vars["AWS_ACCESS_KEY_ID"].starts_with("ASIA"),
            "{kind:?}: {vars:?}"
        );
        assert!(!vars["AWS_SECRET_ACCESS_KEY"].is_empty() && !vars["AWS_SESSION_TOKEN"].is_empty());
        assert_ne!(vars["AWS_SESSION_TOKEN"], "stale-token");
        assert!(vars["AWS_CREDENTIAL_EXPIRATION"].ends_with('Z'), "{vars:?}");
        assert_eq!(vars["AWS_ACCOUNT_ID"], "111111111111");
        assert_eq!(vars["SSOENV_PROFILE"], "dev");
        assert_eq!(vars["AWS_REGION"], "eu-west-1");
        assert!(
            !vars.contains_key("AWS_PROFILE") && !vars.contains_key("AWS_DEFAULT_PROFILE"),
            "{vars:?}"
        );
    }
    // One GetRoleCredentials for all three shells: the rest came from the shared cache.
    assert_eq!(setup.sandbox.stats()["GetRoleCredentials"], 1);
}

#[test]
fn unset_clears_everything_either_mode_set() {
    let setup = Setup::new(&[]);
    for kind in SHELLS {
        let (code, vars, stderr) = in_shell(&setup, kind, &eval_script(kind, "--unset"));
        assert_eq!(code, 0, "{kind:?}: {stderr}");
        assert!(vars.is_empty(), "{kind:?}: {vars:?}");
    }
}

#[test]
fn login_needed_prints_nothing_and_exits_4() {
    let setup = Setup::new(&[]);
    let (out, stdout, stderr) =
        run(&mut setup.ssoenv(["env", "dev", "--credentials", "--shell", "bash"]));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("ssoenv login dev"), "{stderr}");
}

#[test]
fn the_shell_comes_from_dollar_shell_or_a_clear_error() {
    let setup = Setup::new(&[]);
    let (out, stdout, _) = run(setup.ssoenv(["env", "dev"]).env("SHELL", "/usr/bin/fish"));
    assert!(out.status.success());
    assert!(stdout.starts_with("set -gx AWS_PROFILE dev"), "{stdout}");
    let (out, stdout, stderr) = run(setup.ssoenv(["env", "dev"]).env("SHELL", "/bin/tcsh"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("--shell bash, zsh, fish, powershell, nu or elvish"),
        "{stderr}"
    );
}

#[test]
fn role_chains_resolve_through_sts() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let (out, stdout, stderr) = run(&mut setup.ssoenv(["credential-process", "admin"]));
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["AccountId"], "222222222222");
    let stats = setup.sandbox.stats();
    assert_eq!(
        (
            stats["GetRoleCredentials"].as_u64(),
            stats["AssumeRole"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // The second time, everything comes from the AWS CLI's cache.
    let (out, again, _) = run(&mut setup.ssoenv(["credential-process", "admin"]));
    assert!(out.status.success());
    assert_eq!(again, stdout);
    assert_eq!(setup.sandbox.stats()["AssumeRole"], 1);
}

#[test]
fn role_chains_work_against_motos_sts_too() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let moto = Moto::start();
    let (out, stdout, stderr) = run(setup
        .ssoenv(["exec", "admin", "--", "env"])
        .env("AWS_ENDPOINT_URL_STS", &moto.url));
    assert!(out.status.success(), "{stderr}");
    let vars: BTreeMap<&str, &str> = stdout.lines().filter_map(|l| l.split_once('=')).collect();
    // moto hands out its own keys, and the account comes from the assumed role's ARN.
    assert_eq!(
        vars.get("AWS_ACCOUNT_ID"),
        Some(&"222222222222"),
        "{stdout}"
    );
    assert!(vars.get("AWS_SESSION_TOKEN").is_some_and(|t| !t.is_empty()));
    assert_eq!(setup.sandbox.stats()["AssumeRole"], 0);
}

/// Lines `NAME=value` for the variables a child of the shell sees, after a marker line (the
/// same text in every shell; `|| true` because strict mode fails a grep that matches nothing).
fn snapshot(kind: ShellKind, marker: &str) -> String {
    let list = format!(
        "echo '--{marker}'; env | sort | grep -E '^(AWS_(PROFILE|REGION|ACCESS_KEY_ID|ACCOUNT_ID)|SSOENV_PROFILE)=' || true"
    );
    match kind {
        ShellKind::Nu => format!("^sh -c r#'{list}'#\n"),
        ShellKind::Elvish => format!("sh -c '{}'\n", list.replace('\'', "''")),
        _ => format!("{list}\n"),
    }
}

#[test]
fn asp_logs_in_once_switches_and_leaves_the_shell_alone_on_errors() {
    let setup = Setup::new(&[]);
    let browser_log = setup.home.path().join("browser.log");
    for kind in SHELLS {
        // Every shell starts logged out, so each one goes through the browser once.
        let _ = std::fs::remove_dir_all(setup.home.path().join(".aws/sso/cache"));
        let _ = std::fs::remove_dir_all(setup.home.path().join(".aws/cli/cache"));
        let _ = std::fs::remove_file(&browser_log);
        let hook_file = setup.home.path().join("ssoenv.nu");
        let nu_load = format!("source r#'{}'#\n", hook_file.display());
        let (load, fail) = match kind {
            ShellKind::Fish => (
                "ssoenv init fish | source\n",
                "asp nope; or echo \"status=$status\"\n",
            ),
            // nushell sources a file the hook was saved to, as its autoload directory does.
            ShellKind::Nu => (
                nu_load.as_str(),
                "try { asp nope } catch { print $\"status=($env.LAST_EXIT_CODE)\" }\n",
            ),
            ShellKind::Elvish => (
                "",
                "try { asp nope } catch e { echo status=$e[reason][exit-status] }\n",
            ),
            _ => (
                if kind == ShellKind::Bash {
                    "eval \"$(ssoenv init bash)\"\n"
                } else {
                    "eval \"$(ssoenv init zsh)\"\n"
                },
                "asp nope || echo \"status=$?\"\n",
            ),
        };
        let mut script = String::from(load);
        script.push_str("asp dev\n");
        script.push_str(&snapshot(kind, "dev"));
        script.push_str("asp -c readonly\n");
        script.push_str(&snapshot(kind, "readonly"));
        script.push_str(fail);
        script.push_str(&snapshot(kind, "after-error"));
        script.push_str("asp\n");
        script.push_str(&snapshot(kind, "cleared"));
        if kind == ShellKind::Nu {
            let (out, hook, _) = run(&mut setup.ssoenv(["init", "nu"]));
            assert!(out.status.success());
            std::fs::write(&hook_file, hook).unwrap();
        }
        // What elvish evaluates is not visible to code compiled before it: hook and flow together.
        if kind == ShellKind::Elvish {
            script = format!(
                "eval (ssoenv init elvish | slurp)\"\\n\"'{}'",
                script.replace('\'', "''")
            );
        }
        let browser = format!(
            "sh -c 'echo opened >> {}; exec curl -sSfL -o /dev/null \"$0\"'",
            browser_log.display()
        );
        let out = strict_shell(kind, setup.home.path(), &script)
            .env("PATH", path_with_bin())
            .envs(setup.vars())
            .env("BROWSER", browser)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{kind:?}: {stderr}");
        let section = |marker: &str| -> Vec<String> {
            stdout
                .split(&format!("--{marker}\n"))
                .nth(1)
                .unwrap_or_default()
                .lines()
                .take_while(|l| !l.starts_with("--"))
                .filter(|l| !l.starts_with("status="))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            section("dev"),
            ["AWS_PROFILE=dev", "AWS_REGION=eu-west-1"],
            "{kind:?}: {stdout}"
        );
        let readonly = section("readonly");
        assert_eq!(readonly.len(), 4, "{kind:?}: {readonly:?}");
        assert!(
            readonly[0].starts_with("AWS_ACCESS_KEY_ID=ASIA")
                && readonly[1] == "AWS_ACCOUNT_ID=111111111111"
        );
        assert_eq!(
            readonly[2..],
            [
                "AWS_REGION=us-east-1".to_string(),
                "SSOENV_PROFILE=readonly".to_string()
            ]
        );
        // The unknown profile changed nothing, said why, and returned ssoenv's status.
        assert_eq!(section("after-error"), readonly, "{kind:?}");
        assert!(stdout.contains("status=3"), "{kind:?}: {stdout}");
        assert!(stderr.contains("profile `nope`"), "{kind:?}: {stderr}");
        assert!(section("cleared").is_empty(), "{kind:?}: {stdout}");
        // One browser for the session, although two profiles of it were used; no secret shown.
        assert_eq!(
            std::fs::read_to_string(&browser_log).unwrap_or_default(),
            "opened\n",
            "{kind:?}"
        );
        let secret_line = readonly[0]
            .trim_start_matches("AWS_ACCESS_KEY_ID=")
            .to_string();
        assert!(
            !stderr.contains(&secret_line),
            "{kind:?}: the access key reached the terminal"
        );
    }
}
