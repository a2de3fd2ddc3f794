//! The one fixtures module of the integration tests: every helper that more than one test needs
//! lives here (test modules import from here, never from each other). This file holds what every
//! test needs: the binary, and a throw-away home with its own AWS files so no test ever reads or
//! writes the developer's real ones. The rest is split by what it serves:
//!
//! - [`sandbox`]: a running `ssoenv sandbox` and raw HTTP to it;
//! - [`sdk`]: the AWS SDK clients pointed at the sandbox, and the device-login sequence;
//! - [`setup`]: a home whose config points at the sandbox, the `BROWSER` stand-in, and the token
//!   files as the AWS CLI writes them;
//! - [`shell`]: real shells in strict mode, and hooks loaded into them;
//! - [`moto`]: moto's server, an STS nobody here wrote.

pub mod moto;
pub mod sandbox;
pub mod sdk;
pub mod setup;
pub mod shell;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

pub fn ssoenv_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_ssoenv"))
}

/// `PATH` with the directory of the `ssoenv` under test first, so a shell finds it by name.
pub fn path_with_bin() -> OsString {
    let bin_dir = ssoenv_bin().parent().expect("bin dir").to_path_buf();
    std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH")
}

/// Keeps pyenv's shims working in a command whose environment was cleared.
pub fn keep_pyenv(cmd: &mut Command) -> &mut Command {
    if let Some(root) = std::env::var_os("PYENV_ROOT") {
        cmd.env("PYENV_ROOT", root);
    }
    cmd
}

/// The seed examples: legacy profiles, an sso-session with two profiles, a role on top of an SSO
/// profile, static keys in the credentials file, and `[default]`.
pub const SEED_CONFIG: &str = "\
[default]
region = us-east-1
output = json

[sso-session corp]
sso_start_url = https://d-abc123.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1

[profile readonly]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile legacy]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-west-2
sso_account_id = 222222222222
sso_role_name = Admin
region = us-west-2

[profile admin]
role_arn = arn:aws:iam::333333333333:role/OrgAdmin
source_profile = dev
";

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

    /// Where the AWS CLI caches the token of the sso-session `session` (`sha1(session)`).
    pub fn session_token_path(&self, session: &str) -> PathBuf {
        self.path().join(format!(
            ".aws/sso/cache/{}.json",
            ssoenv::pyjson::sha1_hex(session)
        ))
    }

    /// Writes `text` as the cached token of the sso-session `session`.
    pub fn write_session_token(&self, session: &str, text: &str) {
        let path = self.session_token_path(session);
        std::fs::create_dir_all(path.parent().expect("cache dir")).expect("token cache");
        std::fs::write(path, text).expect("write token");
    }

    pub fn write_credentials(&self, text: &str) {
        std::fs::write(self.path().join(".aws/credentials"), text).expect("write credentials");
    }

    /// `dev` and `prod`, both static keys (nothing needs the network); `prod` is guarded by its key.
    pub fn guarded() -> Self {
        let home = Self::new();
        home.write_config(
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
             sso_region = us-east-1\nssoenv_guard = true\n\n\
             [profile dev]\nregion = eu-west-1\n\n\
             [profile prod]\nregion = eu-west-1\nssoenv_guard = true\n\n\
             [profile corp-admin]\nsso_session = corp\nsso_account_id = 222222222222\n\
             sso_role_name = Admin\n",
        );
        home.write_credentials(
            "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = dev-secret\n\n\
             [prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = prod-secret\n",
        );
        home
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

/// `tests/js/node_modules`, the AWS SDK for JavaScript v3 pinned by `tests/js/package-lock.json`;
/// fails with the command that installs it (`.ci/run` runs it).
pub fn js_sdk() -> PathBuf {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules");
    assert!(
        modules.join("@aws-sdk/client-sts").is_dir()
            && modules.join("@aws-sdk/credential-providers").is_dir(),
        "the JavaScript SDK is not installed: run `npm ci --prefix tests/js` (.ci/run does)"
    );
    modules
}

/// This test binary again, in a child process with an environment of its own, running only the
/// `#[ignore]`d helper test `name` (`module::test`), which prints what it found.
pub fn helper_test(name: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        name,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    cmd
}
