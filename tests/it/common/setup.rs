//! A home whose config points at a running sandbox, the `BROWSER` that stands in for a person, and
//! the token files as the AWS CLI writes them (reference §1.2).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::sandbox::Sandbox;
use super::{Home, keep_pyenv, run};

/// A home whose config points at the sandbox, with every variable a test needs to run ssoenv.
pub struct Setup {
    pub sandbox: Sandbox,
    pub home: Home,
}

impl Setup {
    /// Starts `ssoenv sandbox SANDBOX_ARGS` and writes its config (sso-session `sandbox`; profiles
    /// dev, readonly, prod, admin) into a fresh home.
    pub fn new(sandbox_args: &[&str]) -> Self {
        let sandbox = Sandbox::start(sandbox_args);
        let home = Home::new();
        home.write_config(&sandbox.config_text());
        Self { sandbox, home }
    }

    /// The variables every ssoenv process of this test gets (the shell passes them on).
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = self
            .sandbox
            .endpoint_env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        vars.push((
            "SSOENV_CACHE_DIR".into(),
            self.home.path().join(".cache/ssoenv").display().to_string(),
        ));
        // A person's browser: fetch the URL and follow the redirect to ssoenv's loopback server.
        vars.push(("BROWSER".into(), "curl -sSfL -o /dev/null".into()));
        vars
    }

    /// `ssoenv ARGS` with this setup's variables.
    pub fn ssoenv<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.home.ssoenv(args);
        cmd.envs(self.vars());
        cmd
    }

    /// `ssoenv login PROFILE` through the default browser; checks it succeeded, returns stderr.
    pub fn login(&self, profile: &str) -> String {
        let (out, _, stderr) = run(&mut self.ssoenv(["login", profile]));
        assert!(out.status.success(), "login {profile}: {stderr}");
        stderr
    }

    /// `ssoenv ARGS` on a terminal of its own (util-linux `script` gives it a pseudo-terminal as
    /// stdin, stdout and stderr), with this setup's variables and `BROWSER`; the terminal's text
    /// comes back on stdout, and `-e` passes the exit status on.
    pub fn on_a_terminal(&self, browser: &str, args: &[&str]) -> Command {
        let line = std::iter::once(super::ssoenv_bin().to_str().unwrap())
            .chain(args.iter().copied())
            .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("SHELL", "/bin/sh")
            .envs(self.vars())
            .env("BROWSER", browser)
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Clears `cmd`'s environment down to this HOME, its config and the sandbox, as another AWS
    /// client (botocore, aws-config) would run here. Call it before setting anything else: it
    /// removes variables set earlier too.
    pub fn aws_env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("AWS_CONFIG_FILE", self.home.config_path())
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home.path().join(".aws/credentials"),
            )
            .envs(self.sandbox.endpoint_env());
        keep_pyenv(cmd)
    }
}

/// The keys of a token file, in the order `aws sso login` writes them (reference §1.2).
pub const CLI_KEYS: [&str; 8] = [
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
];

pub fn sso_cache(setup: &Setup) -> PathBuf {
    setup.home.path().join(".aws/sso/cache")
}

pub fn cli_cache(setup: &Setup) -> PathBuf {
    setup.home.path().join(".aws/cli/cache")
}

/// The token file of the sandbox's sso-session (`sha1("sandbox")`).
pub fn token_path(setup: &Setup) -> PathBuf {
    setup.home.session_token_path("sandbox")
}

/// The token file of the legacy profile `prod` (`sha1(start URL)`).
pub fn legacy_token_path(setup: &Setup) -> PathBuf {
    sso_cache(setup).join(format!(
        "{}.json",
        ssoenv::pyjson::sha1_hex(&format!("{}/start", setup.sandbox.url))
    ))
}

/// A JSON file's text and value.
pub fn read_token(path: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    (text, value)
}

/// A timestamp as the AWS CLI writes it: `%Y-%m-%dT%H:%M:%SZ`, second precision.
pub fn cli_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `text` is a timestamp in the AWS CLI's format, and nothing else.
pub fn is_cli_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
        && jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%SZ", text).is_ok()
}

/// `text` is a token file byte for byte as the AWS CLI writes it: one line, Python's default
/// separators, the CLI's key order and nothing else, `%Y-%m-%dT%H:%M:%SZ` timestamps.
pub fn assert_cli_format(text: &str) {
    let value: Value = serde_json::from_str(text).unwrap();
    let object = value.as_object().unwrap();
    let rebuilt: Vec<String> = CLI_KEYS
        .iter()
        .filter_map(|k| object.get(*k).map(|v| format!("\"{k}\": {v}")))
        .collect();
    assert_eq!(object.len(), rebuilt.len(), "unexpected keys in {text}");
    assert_eq!(text, format!("{{{}}}", rebuilt.join(", ")));
    for key in ["expiresAt", "registrationExpiresAt"] {
        if let Some(t) = object.get(key) {
            assert!(is_cli_time(t.as_str().unwrap()), "{key} in {text}");
        }
    }
}

/// Rewrites the token's `expiresAt` in place, keeping every other byte: `minutes` from now.
pub fn set_expiry(path: &Path, minutes: i64) {
    let (text, value) = read_token(path);
    let old = value["expiresAt"].as_str().unwrap();
    let new = cli_time(Timestamp::now() + SignedDuration::from_mins(minutes));
    let changed = text.replace(
        &format!("\"expiresAt\": \"{old}\""),
        &format!("\"expiresAt\": \"{new}\""),
    );
    assert_ne!(changed, text);
    std::fs::write(path, changed).unwrap();
}

/// A `BROWSER` that appends each URL it is given to a file, then (when `follow`) fetches it and
/// follows the redirects, as a person's browser would. `extra` runs first (shell; `$DIR` is the
/// browser's folder).
pub struct Browser {
    dir: tempfile::TempDir,
    pub command: String,
}

impl Browser {
    pub fn new(follow: bool) -> Self {
        Self::with(follow, "")
    }

    pub fn with(follow: bool, extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("browser.sh");
        let fetch = if follow {
            "exec curl -sSfL -o /dev/null \"$1\""
        } else {
            ""
        };
        std::fs::write(
            &script,
            format!(
                "DIR='{}'\nprintf '%s\\n' \"$1\" >> \"$DIR/calls\"\n{extra}\n{fetch}\n",
                dir.path().display()
            ),
        )
        .unwrap();
        // Run through sh, so the script is never exec'd while a forked test holds it open.
        let command = format!("sh {}", script.display());
        Self { dir, command }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Waits until the browser has been asked to open something; returns the first URL.
    pub fn wait_for_call(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(url) = self.calls().into_iter().next() {
                return url;
            }
            assert!(Instant::now() < deadline, "the browser was never opened");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Leaves the sandbox session's token expired and with nothing to refresh it with, and no role
/// credentials cached from it: only a login helps.
pub fn expire_for_good(setup: &Setup) {
    setup.login("dev");
    let path = token_path(setup);
    let (_, mut token) = read_token(&path);
    let object = token.as_object_mut().unwrap();
    object.remove("refreshToken");
    object.insert("expiresAt".into(), "2020-01-01T00:00:00Z".into());
    std::fs::write(&path, token.to_string()).unwrap();
    let _ = std::fs::remove_dir_all(cli_cache(setup));
}
