//! A running `ssoenv sandbox`, and raw HTTP to it for its hooks and for what the SDKs hide.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::ssoenv_bin;

/// A running `ssoenv sandbox` process, stopped (SIGTERM, so it removes its temp home) on drop.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Sandbox {
    /// Starts `ssoenv sandbox --ready-file F EXTRA_ARGS` and waits until it listens.
    pub fn start(extra_args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let mut child = Command::new(ssoenv_bin())
            .arg("sandbox")
            .arg("--ready-file")
            .arg(&ready)
            .args(extra_args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap())
            .spawn()
            .unwrap();
        let stderr = || std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = loop {
            if let Ok(url) = std::fs::read_to_string(&ready) {
                break url.trim().to_string();
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("ssoenv sandbox exited early: {status}\n{}", stderr());
            }
            assert!(
                Instant::now() < deadline,
                "ssoenv sandbox never got ready\n{}",
                stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Sandbox {
            url,
            child,
            _dir: dir,
        }
    }

    /// `GET /_sandbox/stats`: requests per operation.
    pub fn stats(&self) -> Value {
        let (status, _, body) = http("GET", &format!("{}/_sandbox/stats", self.url), "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn reset_stats(&self) {
        let (status, _, _) = http("POST", &format!("{}/_sandbox/reset-stats", self.url), "");
        assert_eq!(status, 204);
    }

    /// Faults the next API requests: `throttle` throttled ones, then `fail` failed ones.
    pub fn inject(&self, throttle: u32, fail: u32) {
        let url = format!(
            "{}/_sandbox/inject?throttle={throttle}&fail={fail}",
            self.url
        );
        assert_eq!(http("POST", &url, "").0, 204);
    }

    /// Freezes the sandbox (SIGSTOP): connections are still accepted by the kernel, and nothing
    /// answers — a service that swallows requests. [`Sandbox::resume`] (or drop) ends it.
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: the child has not been waited for, so the pid is still ours.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    /// Arms any faults of `POST /_sandbox/inject` by its query, e.g. `hang=5` or
    /// `garbage=1`; counts left out are zero.
    pub fn arm(&self, query: &str) {
        let url = format!("{}/_sandbox/inject?{query}", self.url);
        assert_eq!(http("POST", &url, "").0, 204, "{query}");
    }

    /// The variables that point SDKs, the AWS CLI and ssoenv at this sandbox.
    pub fn endpoint_env(&self) -> [(&'static str, String); 3] {
        [
            ("AWS_ENDPOINT_URL_SSO", self.url.clone()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.url.clone()),
            ("AWS_ENDPOINT_URL_STS", self.url.clone()),
        ]
    }

    /// An `.aws/config` for this sandbox (sso-session `sandbox`; profiles dev, readonly, prod,
    /// admin), as `ssoenv sandbox -- CMD` writes it.
    pub fn config_text(&self) -> String {
        ssoenv::sandbox::home::config_text(&self.url)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: the child has not been waited for, so the pid is still ours.
            // A paused sandbox (a test that failed before resuming it) must run to stop.
            unsafe {
                libc::kill(pid, libc::SIGCONT);
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request without redirects: `(status, raw headers, body)`. Enough for the
/// sandbox's hooks and for inspecting a redirect.
pub fn http(method: &str, url: &str, body: &str) -> (u16, String, String) {
    http_with_headers(method, url, "", body)
}

/// [`http`] with extra header lines (each ending in `\r\n`).
pub fn http_with_headers(
    method: &str,
    url: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         {headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}
