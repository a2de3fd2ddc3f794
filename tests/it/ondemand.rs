//! Logging in on demand (issue 11): `exec`, `env --credentials` and `whoami --verify` log in first
//! only with a person at the terminal; background callers fail at once with the command to run,
//! and never open a browser.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::run;
use crate::common::setup::{Browser, Setup, cli_cache, expire_for_good, read_token, token_path};

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
    let (out, stdout, stderr) = run(&mut setup.on_a_terminal(
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
    let (out, stdout, _) = run(&mut setup.on_a_terminal(&browser.command, &args));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("export AWS_ACCESS_KEY_ID="), "{stdout}");
    assert_eq!(browser.calls().len(), 1);

    expire_for_good(&setup);
    let browser = Browser::new(true);
    let (out, stdout, _) =
        run(&mut setup.on_a_terminal(&browser.command, &["whoami", "dev", "--verify"]));
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
        let mut cmd = setup.on_a_terminal(&browser.command, args);
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

/// A folder for `PATH` with stand-ins for `xdg-open` and (when `wslview`) `wslview`: each
/// records its URL in `calls` (`NAME URL`), then fetches it as a browser would.
fn openers(wslview: bool) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let names: &[&str] = if wslview {
        &["xdg-open", "wslview"]
    } else {
        &["xdg-open"]
    };
    for name in names {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\nprintf '{name} %s\\n' \"$1\" >> '{}/calls'\nexec curl -sSfL -o /dev/null \"$1\"\n",
                dir.path().display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// `ssoenv login dev` on a machine described by `vars` and the probe root's files, with no
/// `BROWSER` and the stand-in openers first on `PATH`.
fn login_on(setup: &Setup, bin: &Path, root: &Path, vars: &[(&str, &str)]) -> (Output, String) {
    let mut cmd = setup.ssoenv(["login", "dev"]);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    cmd.env_remove("BROWSER")
        .env("PATH", path)
        .env("SSOENV_PROBE_ROOT", root)
        .envs(vars.iter().copied())
        .stdin(Stdio::null());
    let (out, _, stderr) = run(&mut cmd);
    (out, stderr)
}

#[test]
fn the_flow_follows_whether_a_browser_can_open_here() {
    let plain = tempfile::tempdir().unwrap();
    let root_with = |file: &str, text: &str| {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        root
    };
    let docker = root_with(".dockerenv", "");
    let podman = root_with("run/.containerenv", "");
    let wsl = root_with(
        "proc/sys/kernel/osrelease",
        "5.15.167.4-microsoft-standard-WSL2",
    );
    let display = ("DISPLAY", ":0");
    // (case, probe root, variables, wslview on PATH, the opener expected or None for device)
    type Case<'a> = (
        &'a str,
        &'a Path,
        Vec<(&'a str, &'a str)>,
        bool,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "desktop",
            plain.path(),
            vec![display],
            false,
            Some("xdg-open"),
        ),
        (
            "wayland",
            plain.path(),
            vec![("WAYLAND_DISPLAY", "wayland-0")],
            false,
            Some("xdg-open"),
        ),
        ("no display", plain.path(), vec![], false, None),
        (
            "ssh connection",
            plain.path(),
            vec![display, ("SSH_CONNECTION", "1 2 3 4")],
            false,
            None,
        ),
        (
            "ssh tty",
            plain.path(),
            vec![display, ("SSH_TTY", "/dev/pts/1")],
            false,
            None,
        ),
        ("docker", docker.path(), vec![display], false, None),
        ("podman", podman.path(), vec![display], false, None),
        (
            "wsl with wslview",
            wsl.path(),
            vec![],
            true,
            Some("wslview"),
        ),
        (
            "wsl without wslview",
            wsl.path(),
            vec![display],
            false,
            None,
        ),
    ];
    for (case, root, vars, wslview, opener) in cases {
        let setup = Setup::new(&["--auto-approve"]);
        let bin = openers(wslview);
        let (out, stderr) = login_on(&setup, bin.path(), root, &vars);
        assert!(out.status.success(), "{case}: {stderr}");
        let calls = std::fs::read_to_string(bin.path().join("calls")).unwrap_or_default();
        let stats = setup.sandbox.stats();
        match opener {
            Some(name) => {
                assert_eq!(calls.lines().count(), 1, "{case}: {calls}");
                assert!(
                    calls.starts_with(&format!("{name} http")),
                    "{case}: {calls}"
                );
                assert_eq!(
                    stats["CreateToken"]["authorization_code"], 1,
                    "{case}: {stats}"
                );
            }
            None => {
                assert_eq!(calls, "", "{case}");
                assert_eq!(stats["StartDeviceAuthorization"], 1, "{case}: {stats}");
                assert_eq!(
                    stats["CreateToken"]["authorization_code"], 0,
                    "{case}: {stats}"
                );
            }
        }
    }
}

/// Reads `child`'s stderr until a line that is a URL; returns it.
fn printed_url(child: &mut Child) -> (String, String) {
    use std::io::BufRead;
    let mut seen = String::new();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("http") {
            std::thread::spawn(move || lines.for_each(drop));
            return (line, seen);
        }
    }
    panic!("no URL printed: {seen}");
}

fn open_by_hand(url: &str) {
    let status = Command::new("curl")
        .args(["-sSfL", "-o", "/dev/null", url])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn without_a_browser_the_device_flow_prints_the_url_and_code_and_waits() {
    let setup = Setup::new(&[]);
    let plain = tempfile::tempdir().unwrap();
    let mut cmd = setup.ssoenv(["login", "dev"]);
    cmd.env_remove("BROWSER")
        .env("SSOENV_PROBE_ROOT", plain.path())
        .env("SSH_CONNECTION", "10.0.0.1 22 10.0.0.2 22")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let (url, seen) = printed_url(&mut child);
    assert!(seen.contains("an SSH session"), "{seen}");
    open_by_hand(&url);
    assert!(child.wait().unwrap().success());
    assert!(token_path(&setup).exists());
    assert_eq!(setup.sandbox.stats()["StartDeviceAuthorization"], 1);
}

#[test]
fn a_failing_or_missing_opener_prints_the_url_and_the_login_still_completes() {
    for browser in ["false", "/nonexistent/browser"] {
        let setup = Setup::new(&[]);
        let mut cmd = setup.ssoenv(["login", "dev"]);
        cmd.env("BROWSER", browser)
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let (url, _) = printed_url(&mut child);
        open_by_hand(&url);
        assert!(child.wait().unwrap().success(), "{browser}");
        assert!(token_path(&setup).exists(), "{browser}");
    }
}

#[test]
fn sso_use_device_code_selects_the_device_flow() {
    for section in ["sso-session sandbox", "profile dev"] {
        let setup = Setup::new(&["--auto-approve"]);
        let config = setup.sandbox.config_text().replace(
            &format!("[{section}]\n"),
            &format!("[{section}]\nsso_use_device_code = True\n"),
        );
        setup.home.write_config(&config);
        setup.login("dev");
        let stats = setup.sandbox.stats();
        assert_eq!(stats["StartDeviceAuthorization"], 1, "{section}: {stats}");
        assert_eq!(stats["CreateToken"]["authorization_code"], 0, "{section}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn redirect_port_is_where_the_browser_comes_back_and_a_busy_one_is_a_clear_error() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let port = free_port();
    let mut cmd = setup.ssoenv(["login", "dev", "--redirect-port", &port.to_string()]);
    cmd.env("BROWSER", &browser.command);
    let (out, _, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stderr}");
    let url = browser.calls().remove(0);
    assert!(url.contains(&format!("127.0.0.1%3A{port}%2F")), "{url}");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let browser = Browser::new(true);
    let mut cmd = setup.ssoenv([
        "login",
        "dev",
        "--force",
        "--redirect-port",
        &port.to_string(),
    ]);
    cmd.env("BROWSER", &browser.command);
    let (out, _, stderr) = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is in use")),
        "{stderr}"
    );
    assert_eq!(browser.calls(), Vec::<String>::new());
}

#[test]
fn ctrl_c_during_a_login_exits_130_and_leaves_nothing_behind() {
    let setup = Setup::new(&[]);
    // Records the URL and never comes back: a person who has not answered yet.
    let browser = Browser::new(false);
    let mut cmd = setup.ssoenv(["login", "dev"]);
    cmd.env("BROWSER", &browser.command)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    browser.wait_for_call();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: the child has not been waited for, so the pid is still ours.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let cache = crate::common::setup::sso_cache(&setup);
    let left: Vec<_> = std::fs::read_dir(&cache)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    // The locks went with the process: the next login goes ahead.
    setup.login("dev");
    assert!(token_path(&setup).exists());
}
