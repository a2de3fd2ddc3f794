//! Logging in on demand (issue 11): `exec`, `env --credentials` and `whoami --verify` log in first
//! only with a person at the terminal; background callers fail at once with the command to run,
//! and never open a browser.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::setup::{Browser, Setup, cli_cache, read_token, token_path};
use crate::common::{run, ssoenv_bin};

/// Leaves the sandbox session's token expired and with nothing to refresh it with, and no role
/// credentials cached from it: only a login helps.
fn expire_for_good(setup: &Setup) {
    setup.login("dev");
    let path = token_path(setup);
    let (_, mut token) = read_token(&path);
    let object = token.as_object_mut().unwrap();
    object.remove("refreshToken");
    object.insert("expiresAt".into(), "2020-01-01T00:00:00Z".into());
    std::fs::write(&path, token.to_string()).unwrap();
    let _ = std::fs::remove_dir_all(cli_cache(setup));
}

/// A shell command line running ssoenv with `args`, quoted for `sh`.
fn sh_line(args: &[&str]) -> String {
    std::iter::once(ssoenv_bin().to_str().unwrap())
        .chain(args.iter().copied())
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ssoenv ARGS` on a terminal of its own (util-linux `script` gives it a pseudo-terminal as
/// stdin, stdout and stderr), with this setup's variables and `BROWSER`; the terminal's text
/// comes back on stdout, and `-e` passes the exit status on.
fn on_a_terminal(setup: &Setup, browser: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &sh_line(args), "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", setup.home.path())
        .env("SHELL", "/bin/sh")
        .envs(setup.vars())
        .env("BROWSER", browser)
        .stdin(Stdio::null());
    cmd
}

fn background(mut cmd: Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn fifty_background_callers_fail_fast_and_open_no_browser() {
    let setup = Setup::new(&[]);
    expire_for_good(&setup);
    setup.sandbox.reset_stats();
    let browser = Browser::new(true);
    let started = Instant::now();
    let children: Vec<Child> = (0..50)
        .map(|i| {
            let mut cmd = if i % 2 == 0 {
                setup.ssoenv(["credential-process", "dev"])
            } else {
                setup.ssoenv(["exec", "dev", "--", "true"])
            };
            cmd.env("BROWSER", &browser.command);
            background(cmd)
        })
        .collect();
    for child in children {
        let out: Output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(stderr.contains("`ssoenv login dev`"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(browser.calls(), Vec::<String>::new());
    let stats = setup.sandbox.stats();
    assert_eq!(stats["RegisterClient"], 0, "{stats}");
    assert_eq!(stats["CreateToken"]["authorization_code"], 0, "{stats}");
}

#[test]
fn exec_on_a_terminal_logs_in_first_then_runs_the_command() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let (out, stdout, stderr) = run(&mut on_a_terminal(
        &setup,
        &browser.command,
        &[
            "exec",
            "dev",
            "--",
            "sh",
            "-c",
            "echo \"key=$AWS_ACCESS_KEY_ID\"",
        ],
    ));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("key=ASIA"), "{stdout}");
    assert!(
        stdout.contains("Successfully logged into Start URL"),
        "{stdout}"
    );
    assert_eq!(browser.calls().len(), 1);
    assert!(token_path(&setup).exists());
}

#[test]
fn env_credentials_and_whoami_verify_on_a_terminal_log_in_first() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let args = ["env", "dev", "--credentials", "--shell", "bash"];
    let (out, stdout, _) = run(&mut on_a_terminal(&setup, &browser.command, &args));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("export AWS_ACCESS_KEY_ID="), "{stdout}");
    assert_eq!(browser.calls().len(), 1);

    expire_for_good(&setup);
    let browser = Browser::new(true);
    let (out, stdout, _) = run(&mut on_a_terminal(
        &setup,
        &browser.command,
        &["whoami", "dev", "--verify"],
    ));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("arn:aws:sts::"), "{stdout}");
    assert_eq!(browser.calls().len(), 1);
}

#[test]
fn no_login_and_ssoenv_no_login_refuse_even_on_a_terminal() {
    let setup = Setup::new(&[]);
    expire_for_good(&setup);
    let browser = Browser::new(true);
    let cases: [(&[&str], bool); 4] = [
        (&["exec", "--no-login", "dev", "--", "true"], false),
        (
            &[
                "env",
                "dev",
                "--credentials",
                "--no-login",
                "--shell",
                "bash",
            ],
            false,
        ),
        (&["whoami", "dev", "--verify", "--no-login"], false),
        (&["exec", "dev", "--", "true"], true),
    ];
    for (args, by_variable) in cases {
        let mut cmd = on_a_terminal(&setup, &browser.command, args);
        if by_variable {
            cmd.env("SSOENV_NO_LOGIN", "1");
        }
        let (out, stdout, _) = run(&mut cmd);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stdout}");
        assert!(stdout.contains("`ssoenv login dev`"), "{args:?}: {stdout}");
    }
    assert_eq!(browser.calls(), Vec::<String>::new());
}

#[test]
fn env_credentials_without_a_terminal_does_not_log_in() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let mut cmd = setup.ssoenv(["env", "dev", "--credentials", "--shell", "bash"]);
    cmd.env("BROWSER", &browser.command).stdin(Stdio::null());
    let (out, _, stderr) = run(&mut cmd);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("`ssoenv login dev`"), "{stderr}");
    assert_eq!(browser.calls(), Vec::<String>::new());
}
