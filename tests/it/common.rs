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

/// A value of up to 20 characters that have broken shell quoting somewhere: quotes of every kind,
/// expansion and glob characters, history `!`, whitespace, control bytes (not NUL), UTF-8 of every
/// width, sometimes a trailing backslash. (`shell.rs` has its own copy, to fold into this one.)
pub fn hostile_value() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let hostile_char = prop_oneof![
        4 => prop::sample::select(vec![
            '\'', '"', '\\', '$', '`', '!', '\n', '\t', '\r', ' ', '*', '?', '~', '#', ';', '&',
            '|', '(', ')', '{', '}', '[', ']', '<', '>', '=', '%', '^', ',', '-', ':', '@', 'é',
            '‘', '’', '‚', '‛', '“', '€', '𝄞', '\u{a0}', '\u{feff}',
        ]),
        2 => prop_oneof![(1u8..0x20).prop_map(char::from), Just('\x7f')],
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0'),
        3 => prop::char::range('a', 'z'),
    ];
    (prop::collection::vec(hostile_char, 0..20), any::<bool>()).prop_map(|(chars, backslash)| {
        let mut value: String = chars.into_iter().collect();
        if backslash {
            value.push('\\');
        }
        value
    })
}
