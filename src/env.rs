//! The process environment behind a small abstraction, so tests feed a map instead of mutating the
//! real environment (the starship `Env` pattern) and every path rule is computed from one place.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

/// Where environment variables come from: the real process, or a map in tests.
#[derive(Debug, Clone, Default)]
pub struct Env {
    overrides: Option<HashMap<String, OsString>>,
}

impl Env {
    /// The real process environment.
    pub fn process() -> Self {
        Self { overrides: None }
    }

    /// A fixed set of variables; nothing else is visible.
    pub fn from_map<K: Into<String>, V: Into<OsString>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            overrides: Some(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }

    /// A variable as an `OsString`, or `None` when unset.
    pub fn var_os(&self, key: &str) -> Option<OsString> {
        match &self.overrides {
            Some(map) => map.get(key).cloned(),
            None => std::env::var_os(key),
        }
    }

    /// A variable that is set, valid UTF-8 and not empty. AWS tools treat an empty variable as unset.
    pub fn var(&self, key: &str) -> Option<String> {
        self.var_os(key)
            .and_then(|v| v.into_string().ok())
            .filter(|v| !v.is_empty())
    }

    /// The user's home: `$HOME`, then (for the real process only) the password database.
    pub fn home_dir(&self) -> Option<PathBuf> {
        match self.var_os("HOME").filter(|h| !h.is_empty()) {
            Some(home) => Some(PathBuf::from(home)),
            None if self.overrides.is_none() => dirs::home_dir(),
            None => None,
        }
    }

    /// `~/.aws/sso/cache`: SSO tokens and client registrations, shared with the AWS CLI v2.
    pub fn sso_cache_dir(&self) -> Option<PathBuf> {
        self.home_dir()
            .map(|h| h.join(".aws").join("sso").join("cache"))
    }

    /// `~/.aws/cli/cache`: the AWS CLI v2's role-credential cache.
    pub fn cli_cache_dir(&self) -> Option<PathBuf> {
        self.home_dir()
            .map(|h| h.join(".aws").join("cli").join("cache"))
    }

    /// ssoenv's own state (locks, account names; never secrets): `$SSOENV_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/ssoenv`, else `~/.cache/ssoenv`.
    pub fn state_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = self.var_os("SSOENV_CACHE_DIR").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir));
        }
        if let Some(dir) = self.var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir).join("ssoenv"));
        }
        if let (None, Some(dir)) = (&self.overrides, dirs::cache_dir()) {
            return Some(dir.join("ssoenv"));
        }
        self.home_dir().map(|h| h.join(".cache").join("ssoenv"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_variables_count_as_unset() {
        let env = Env::from_map([("AWS_PROFILE", "")]);
        assert_eq!(env.var("AWS_PROFILE"), None);
    }

    #[test]
    fn a_map_hides_the_process_environment() {
        let env = Env::from_map([("HOME", "/home/u")]);
        assert_eq!(env.var("PATH"), None);
        assert_eq!(
            env.sso_cache_dir(),
            Some(PathBuf::from("/home/u/.aws/sso/cache"))
        );
        assert_eq!(
            env.cli_cache_dir(),
            Some(PathBuf::from("/home/u/.aws/cli/cache"))
        );
    }

    #[test]
    fn state_dir_prefers_the_ssoenv_variable() {
        let env = Env::from_map([
            ("HOME", "/h"),
            ("SSOENV_CACHE_DIR", "/s"),
            ("XDG_CACHE_HOME", "/x"),
        ]);
        assert_eq!(env.state_dir(), Some(PathBuf::from("/s")));
        let env = Env::from_map([("HOME", "/h"), ("XDG_CACHE_HOME", "/x")]);
        assert_eq!(env.state_dir(), Some(PathBuf::from("/x/ssoenv")));
        let env = Env::from_map([("HOME", "/h")]);
        assert_eq!(env.state_dir(), Some(PathBuf::from("/h/.cache/ssoenv")));
    }
}
