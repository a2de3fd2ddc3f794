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

/// A stand-in for ssoenv's sso-oidc endpoint: the first refresh ssoenv sends waits while botocore
/// refreshes the same session (rotating the refresh token ssoenv holds and rewriting the token
/// file), then goes on to the sandbox; everything is passed through byte for byte. Prints its
/// port, and appends each refresh it saw from ssoenv to `$DIR/refreshes`.
const ROTATING_PROXY: &str = r#"
import http.server, os, sys, urllib.request, urllib.error
import botocore.session
SANDBOX = os.environ["SANDBOX"]
DIR = os.environ["DIR"]
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if b'"refresh_token"' in body:
            with open(os.path.join(DIR, "refreshes"), "a") as f:
                f.write("refresh\n")
            if not os.path.exists(os.path.join(DIR, "botocore-done")):
                botocore.session.Session(profile="dev").get_credentials().get_frozen_credentials()
                open(os.path.join(DIR, "botocore-done"), "w").close()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        request = urllib.request.Request(SANDBOX + self.path, data=body, headers=headers, method="POST")
        try:
            response = urllib.request.urlopen(request)
        except urllib.error.HTTPError as e:
            response = e
        data = response.read()
        self.send_response(response.status if hasattr(response, "status") else response.code)
        for k, v in response.headers.items():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

#[test]
fn a_refresh_token_rotated_by_botocore_is_not_a_lost_session() {
    use std::io::BufRead;

    let setup = Setup::new(&[]);
    setup.login("dev");
    let path = token_path(&setup);
    // Expired, so the copy ssoenv reads is useless by itself, and refreshable.
    crate::common::setup::set_expiry(&path, -5);
    let _ = std::fs::remove_dir_all(cli_cache(&setup));
    let (_, before) = read_token(&path);
    let dir = tempfile::tempdir().unwrap();
    let mut proxy = Command::new("python3");
    proxy.args(["-c", ROTATING_PROXY]);
    setup.aws_env(&mut proxy);
    let mut proxy = proxy
        .env("SANDBOX", &setup.sandbox.url)
        .env("DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut port = String::new();
    std::io::BufReader::new(proxy.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let _proxy = Kill(proxy);
    setup.sandbox.reset_stats();

    let browser = Browser::new(true);
    let mut cmd = setup.ssoenv(["credential-process", "dev"]);
    cmd.env(
        "AWS_ENDPOINT_URL_SSO_OIDC",
        format!("http://127.0.0.1:{}", port.trim()),
    )
    .env("BROWSER", &browser.command);
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("\"AccessKeyId\""), "{stdout}");
    assert!(dir.path().join("botocore-done").exists());
    let (_, after) = read_token(&path);
    assert_ne!(after["refreshToken"], before["refreshToken"], "rotated");
    // One refresh by botocore, one refused from ssoenv; no second try, no login.
    let refreshes = std::fs::read_to_string(dir.path().join("refreshes")).unwrap();
    assert_eq!(refreshes.lines().count(), 1, "{refreshes}");
    let stats = setup.sandbox.stats();
    assert_eq!(stats["CreateToken"]["refresh_token"], 2, "{stats}");
    assert_eq!(stats["CreateToken"]["authorization_code"], 0, "{stats}");
    assert_eq!(browser.calls(), Vec::<String>::new());
}
