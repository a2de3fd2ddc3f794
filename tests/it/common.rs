//! What every integration test needs: the binary, and a throw-away home with its own AWS files so
//! no test ever reads or writes the developer's real ones.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

pub fn ssoenv_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_ssoenv"))
}

/// A temporary `$HOME` with `.aws/` inside.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp home");
        std::fs::create_dir_all(dir.path().join(".aws")).expect("~/.aws");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join(".aws/config")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub fn write_credentials(&self, text: &str) {
        std::fs::write(self.path().join(".aws/credentials"), text).expect("write credentials");
    }

    /// `ssoenv ARGS` with a clean environment: only PATH and this HOME.
    pub fn ssoenv<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(ssoenv_bin());
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("SSOENV_CACHE_DIR", self.path().join(".cache/ssoenv"));
        cmd
    }
}

/// Runs a command and returns its output, with stdout and stderr as text.
pub fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("spawn");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Waits for a child, checks that it succeeded, and returns its stdout as text.
pub fn succeeded(child: Child) -> String {
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
