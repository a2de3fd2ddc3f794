//! Logins and logouts that meet a person who never answers or a service that does not (#17):
//! nobody waits on a person while holding what others need, a device authorization ends at its
//! expiry, logout deletes local state first and bounds the revoke, a fetch racing a logout leaves
//! nothing behind, and lock files are private under any umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::setup::{Browser, Setup, cli_cache, legacy_token_path, set_expiry, token_path};
use crate::common::{run, ssoenv_bin};

/// The revoke deadline of `logout` (3 s), with a generous margin for a loaded machine.
const LOGOUT_LIMIT: Duration = Duration::from_secs(3 + 7);

/// A child process killed if the test ends without waiting for it (a failed assertion must not
/// leave a login waiting 10 minutes for its browser).
struct Running(Option<Child>);

impl Running {
    fn spawn(cmd: &mut Command) -> Self {
        Self(Some(
            cmd.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        ))
    }

    fn still_running(&mut self) -> bool {
        self.0.as_mut().unwrap().try_wait().unwrap().is_none()
    }

    fn pid(&self) -> libc::pid_t {
        libc::pid_t::try_from(self.0.as_ref().unwrap().id()).unwrap()
    }

    /// Waits at most `limit`; returns the exit code, stdout and stderr.
    fn finish(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + limit;
        while self.still_running() {
            assert!(
                Instant::now() < deadline,
                "the process did not finish within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = self.0.take().unwrap().wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn json_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default()
}

fn refreshes(setup: &Setup) -> u64 {
    setup.sandbox.stats()["CreateToken"]["refresh_token"]
        .as_u64()
        .unwrap()
}

/// Runs `ssoenv ARGS` with this setup and checks it succeeded within `limit`.
fn quickly(setup: &Setup, args: &[&str], limit: Duration) -> String {
    let started = Instant::now();
    let (out, stdout, stderr) = run(&mut setup.ssoenv(args));
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert!(
        started.elapsed() < limit,
        "{args:?} took {:?}",
        started.elapsed()
    );
    stdout
}

#[test]
fn a_login_waiting_for_its_browser_blocks_no_process_whose_token_is_usable() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    // Inside the refresh window (15 minutes) but still valid: every process refreshes first.
    set_expiry(&token_path(&setup), 5);
    setup.sandbox.reset_stats();

    // A login whose browser never comes back.
    let browser = Browser::new(false);
    let first = Running::spawn(
        setup
            .ssoenv(["login", "dev", "--force"])
            .env("BROWSER", &browser.command),
    );
    let url = browser.wait_for_call();

    // Processes with a usable token neither wait for it nor open a browser.
    let limit = Duration::from_secs(10);
    quickly(&setup, &["exec", "dev", "--", "true"], limit);
    let creds: Value =
        serde_json::from_str(&quickly(&setup, &["credential-process", "readonly"], limit)).unwrap();
    assert_eq!(creds["Version"], 1);
    assert_eq!(refreshes(&setup), 1, "one refresh, while the login waited");

    // A second login waits for the first one's outcome instead of opening a second browser...
    let mut second = Running::spawn(
        setup
            .ssoenv(["login", "dev"])
            .env("BROWSER", &browser.command),
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(second.still_running(), "the second login did not wait");
    assert_eq!(browser.calls().len(), 1, "{:?}", browser.calls());

    // ...and, once the person approves the first, finds its token.
    let status = Command::new("curl")
        .args(["-sSfL", "-o", "/dev/null", "--max-time", "10", &url])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _, stderr) = first.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = second.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("already logged in"), "{stderr}");
    assert_eq!(browser.calls().len(), 1, "{:?}", browser.calls());
}

#[test]
fn a_device_authorization_never_approved_ends_at_its_expiry() {
    // The sandbox announces 3 s but keeps answering "pending": only ssoenv's clock ends it.
    let setup = Setup::new(&["--device-code-ttl", "3"]);
    let started = Instant::now();
    let login = Running::spawn(&mut setup.ssoenv(["login", "prod", "--no-browser"]));
    let (code, _, stderr) = login.finish(Duration::from_secs(3 + 12));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "the device authorization expired before it was approved; run `ssoenv login prod` again"
        ),
        "{stderr}"
    );
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(!legacy_token_path(&setup).exists());
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn logout_deletes_local_state_first_and_a_service_that_does_not_answer_is_a_warning() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    for profile in ["dev", "admin"] {
        quickly(
            &setup,
            &["credential-process", profile],
            Duration::from_secs(20),
        );
    }
    assert_eq!(json_files(&cli_cache(&setup)).len(), 2);

    setup.sandbox.pause();
    let started = Instant::now();
    let (out, _, stderr) = run(&mut setup.ssoenv(["logout", "dev"]));
    assert!(started.elapsed() < LOGOUT_LIMIT, "{:?}", started.elapsed());
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("on this machine; the service did not confirm the revoke: no answer"),
        "{stderr}"
    );
    assert!(!token_path(&setup).exists());
    assert_eq!(
        json_files(&cli_cache(&setup)),
        Vec::<std::path::PathBuf>::new()
    );
    setup.sandbox.resume();

    // Ctrl-C while the service is asked: the local state is already gone.
    setup.login("dev");
    quickly(
        &setup,
        &["credential-process", "dev"],
        Duration::from_secs(20),
    );
    setup.sandbox.pause();
    let logout = Running::spawn(&mut setup.ssoenv(["logout", "dev"]));
    std::thread::sleep(Duration::from_millis(1000));
    // SAFETY: the child has not been waited for, so the pid is still ours.
    assert_eq!(unsafe { libc::kill(logout.pid(), libc::SIGINT) }, 0);
    let _ = logout.finish(Duration::from_secs(10));
    assert!(!token_path(&setup).exists());
    assert!(json_files(&cli_cache(&setup)).is_empty());
    setup.sandbox.resume();

    // `--all` too, with its revokes at once: one deadline, not one per token.
    setup.login("dev");
    setup.login("prod");
    for profile in ["dev", "prod"] {
        quickly(
            &setup,
            &["credential-process", profile],
            Duration::from_secs(20),
        );
    }
    setup.sandbox.pause();
    let started = Instant::now();
    let (out, _, stderr) = run(&mut setup.ssoenv(["logout", "--all"]));
    assert!(started.elapsed() < LOGOUT_LIMIT, "{:?}", started.elapsed());
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr
            .matches("the service did not confirm the revoke")
            .count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("logged out of 2 session(s)"), "{stderr}");
    assert!(!token_path(&setup).exists());
    assert!(!legacy_token_path(&setup).exists());
    assert!(json_files(&cli_cache(&setup)).is_empty());
    setup.sandbox.resume();

    // With the service answering, no warning.
    setup.login("dev");
    let (out, _, stderr) = run(&mut setup.ssoenv(["logout", "dev"]));
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn a_logout_during_a_role_credential_fetch_leaves_no_credentials_behind() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    // The fetch is sent and gets no answer until the logout is done.
    setup.sandbox.pause();
    let exec = Running::spawn(&mut setup.ssoenv(["exec", "dev", "--", "true"]));
    std::thread::sleep(Duration::from_millis(2000));
    let (out, _, stderr) = run(&mut setup.ssoenv(["logout", "dev"]));
    assert!(out.status.success(), "{stderr}");
    setup.sandbox.resume();
    let (code, _, stderr) = exec.finish(Duration::from_secs(20));
    assert_eq!(code, Some(4), "the fetch ends as login needed: {stderr}");
    assert!(stderr.contains("ssoenv login dev"), "{stderr}");

    assert!(json_files(&cli_cache(&setup)).is_empty());
    let (out, stdout, stderr) = run(&mut setup.ssoenv(["whoami", "dev", "--json"]));
    assert_eq!(out.status.code(), Some(4), "logged out: {stderr}");
    let whoami: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(whoami["credentials_seconds_left"], Value::Null, "{whoami}");
}

#[test]
fn lock_and_state_files_are_private_under_umask_000() {
    let setup = Setup::new(&[]);
    // `sh -c 'umask 000; exec ssoenv ARGS'`, with the setup's environment.
    let under_umask_000 = |args: &[&str]| {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg("umask 000; exec \"$0\" \"$@\"")
            .arg(ssoenv_bin())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", setup.home.path())
            .envs(setup.vars());
        let (out, _, stderr) = run(&mut sh);
        assert!(out.status.success(), "{args:?}: {stderr}");
    };
    under_umask_000(&["login", "dev"]);
    under_umask_000(&["exec", "admin", "--", "true"]);
    under_umask_000(&["credential-process", "readonly"]);
    under_umask_000(&["login", "prod"]);

    let home = setup.home.path();
    let mut seen_locks = 0;
    for dir in [".cache/ssoenv", ".aws/sso", ".aws/cli"] {
        let mut stack = vec![home.join(dir)];
        while let Some(dir) = stack.pop() {
            assert_eq!(mode(&dir), 0o700, "{}", dir.display());
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    seen_locks += usize::from(path.extension().is_some_and(|e| e == "lock"));
                    assert_eq!(mode(&path), 0o600, "{}", path.display());
                }
            }
        }
    }
    assert!(seen_locks >= 3, "{seen_locks} lock files");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
