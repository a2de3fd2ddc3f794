//! Logins and logouts that meet a person who never answers or a service that does not (#17):
//! nobody waits on a person while holding what others need, a device authorization ends at its
//! expiry, logout deletes local state first and bounds the revoke, a fetch racing a logout leaves
//! nothing behind, and lock files are private under any umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::setup::{
    Browser, Setup, cli_cache, legacy_token_path, set_expiry, token_path,
};
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
