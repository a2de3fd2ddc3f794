//! The throw-away HOME a sandbox hands to its users: an `.aws/config` with profiles of every kind
//! pointing at the sandbox, an empty credentials file, and the environment that points tools at
//! them, so the user's own `~/.aws` is never read or written.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use ini::{EscapePolicy, Ini, LineSeparator, WriteOption};

use super::error::SandboxError;
use crate::fsutil;

/// Variables removed from a sandboxed command's environment: a profile or keys from the caller's
/// shell would otherwise shadow the sandbox's profiles or send real credentials to it.
pub const REMOVED_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "SSOENV_PROFILE",
];

/// When set to `1` in the environment, `BROWSER` is left as the caller has it.
pub const KEEP_BROWSER_VAR: &str = "SSOENV_SANDBOX_KEEP_BROWSER";

/// A temporary home, deleted on drop.
#[derive(Debug)]
pub struct SandboxHome {
    dir: tempfile::TempDir,
}

impl SandboxHome {
    /// Creates the home with its config for the sandbox at `base_url`.
    pub fn create(base_url: &str) -> Result<Self, SandboxError> {
        let dir = tempfile::Builder::new()
            .prefix("ssoenv-sandbox-")
            .tempdir()
            .map_err(SandboxError::Home)?;
        let home = SandboxHome { dir };
        let aws = home.path().join(".aws");
        fsutil::ensure_private_dir(&aws).map_err(SandboxError::Home)?;
        fsutil::ensure_private_dir(&home.cache_dir()).map_err(SandboxError::Home)?;
        fsutil::write_private(&home.config_file(), config_text(base_url).as_bytes())
            .map_err(SandboxError::Home)?;
        fsutil::write_private(&home.credentials_file(), b"").map_err(SandboxError::Home)?;
        Ok(home)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_file(&self) -> PathBuf {
        self.path().join(".aws").join("config")
    }

    pub fn credentials_file(&self) -> PathBuf {
        self.path().join(".aws").join("credentials")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.path().join(".cache").join("ssoenv")
    }

    /// The variables a sandboxed command gets (besides [`REMOVED_VARS`] being removed).
    /// `browser` is the `BROWSER` command, if it is to be set.
    pub fn env_vars(
        &self,
        base_url: &str,
        browser: Option<String>,
    ) -> Vec<(&'static str, OsString)> {
        let mut vars = vec![
            ("HOME", self.path().into()),
            ("SSOENV_SANDBOX_HOME", self.path().into()),
            ("SSOENV_SANDBOX_URL", base_url.into()),
            ("AWS_CONFIG_FILE", self.config_file().into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                self.credentials_file().into(),
            ),
            ("AWS_ENDPOINT_URL_SSO", base_url.into()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", base_url.into()),
            ("AWS_ENDPOINT_URL_STS", base_url.into()),
            ("AWS_ENDPOINT_URL_SIGNIN", base_url.into()),
            ("SSOENV_CACHE_DIR", self.cache_dir().into()),
        ];
        if let Some(browser) = browser {
            vars.push(("BROWSER", browser.into()));
        }
        vars
    }
}

/// `PATH` for a sandboxed command: the running ssoenv's own directory first, so the `ssoenv` the
/// command runs is this very binary (the one serving the sandbox) even when it was started from a
/// build tree rather than found on `PATH`; then the caller's `PATH`.
pub fn path_with_exe_dir(exe: &Path, path: Option<&OsStr>) -> OsString {
    let dirs = exe.parent().into_iter().map(Path::to_path_buf);
    let rest = path.into_iter().flat_map(std::env::split_paths);
    // A directory holding the separator cannot be listed: then the caller's PATH, unchanged.
    std::env::join_paths(dirs.chain(rest))
        .unwrap_or_else(|_| path.map(OsStr::to_os_string).unwrap_or_default())
}

/// The profiles: two on an sso-session (dev, readonly), a legacy one (prod), a role chain on top
/// of dev (admin), and a default region.
pub fn config_text(base_url: &str) -> String {
    let start_url = format!("{base_url}/start");
    let mut conf = Ini::new();
    conf.with_section(Some("default"))
        .set("region", "us-east-1");
    conf.with_section(Some("sso-session sandbox"))
        .set("sso_start_url", start_url.as_str())
        .set("sso_region", "us-east-1")
        .set("sso_registration_scopes", "sso:account:access");
    conf.with_section(Some("profile dev"))
        .set("sso_session", "sandbox")
        .set("sso_account_id", "111111111111")
        .set("sso_role_name", "Developer")
        .set("region", "eu-west-1");
    conf.with_section(Some("profile readonly"))
        .set("sso_session", "sandbox")
        .set("sso_account_id", "111111111111")
        .set("sso_role_name", "ReadOnly")
        .set("region", "us-east-1");
    conf.with_section(Some("profile prod"))
        .set("sso_start_url", start_url.as_str())
        .set("sso_region", "us-east-1")
        .set("sso_account_id", "222222222222")
        .set("sso_role_name", "ReadOnly")
        .set("region", "us-east-1");
    conf.with_section(Some("profile admin"))
        .set("role_arn", "arn:aws:iam::222222222222:role/Admin")
        .set("source_profile", "dev")
        .set("region", "eu-west-1");
    let mut out = Vec::new();
    let option = WriteOption {
        // The values are ours and plain; AWS parsers do not unescape.
        escape_policy: EscapePolicy::Nothing,
        line_separator: LineSeparator::CR,
        kv_separator: " = ",
    };
    // Writing into a Vec cannot fail.
    let _ = conf.write_to_opt(&mut out, option);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_has_every_kind_of_profile() {
        let text = config_text("http://127.0.0.1:9");
        let conf = Ini::load_from_str(&text).unwrap();
        let session = conf.section(Some("sso-session sandbox")).unwrap();
        assert_eq!(
            session.get("sso_start_url"),
            Some("http://127.0.0.1:9/start")
        );
        assert_eq!(
            conf.section(Some("profile dev"))
                .unwrap()
                .get("sso_session"),
            Some("sandbox")
        );
        let prod = conf.section(Some("profile prod")).unwrap();
        assert_eq!(prod.get("sso_account_id"), Some("222222222222"));
        assert!(prod.get("sso_session").is_none());
        let admin = conf.section(Some("profile admin")).unwrap();
        assert_eq!(admin.get("source_profile"), Some("dev"));
        assert_eq!(
            conf.section(Some("default")).unwrap().get("region"),
            Some("us-east-1")
        );
        assert!(text.contains("[profile dev]\n"));
    }

    #[test]
    fn a_sandboxed_command_finds_this_ssoenv_first_on_its_path() {
        let exe = Path::new("/build/target/debug/ssoenv");
        assert_eq!(
            path_with_exe_dir(exe, Some(OsStr::new("/usr/bin:/bin"))),
            "/build/target/debug:/usr/bin:/bin"
        );
        assert_eq!(path_with_exe_dir(exe, None), "/build/target/debug");
        let odd = Path::new("/a:b/ssoenv");
        assert_eq!(path_with_exe_dir(odd, Some(OsStr::new("/bin"))), "/bin");
    }

    #[test]
    fn the_home_holds_the_files_the_variables_name() {
        let home = SandboxHome::create("http://127.0.0.1:9").unwrap();
        let vars = home.env_vars("http://127.0.0.1:9", None);
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert!(PathBuf::from(get("AWS_CONFIG_FILE").unwrap()).is_file());
        assert!(PathBuf::from(get("AWS_SHARED_CREDENTIALS_FILE").unwrap()).is_file());
        assert_eq!(get("AWS_ENDPOINT_URL_STS").unwrap(), "http://127.0.0.1:9");
        assert!(get("BROWSER").is_none());
        let path = home.path().to_path_buf();
        drop(home);
        assert!(!path.exists());
    }
}
