//! The process environment behind a small abstraction, so tests feed a map instead of mutating the
//! real environment (the starship `Env` pattern): every path rule, the rule for which profile is
//! active, and the one type for a change to an environment ([`EnvChange`]) live here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::Command;

/// One change to an environment: what every shell renders (`shell::render`), `exec` applies to
/// its child ([`EnvChange::apply`]) and the sandbox prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChange {
    /// Set and export `NAME` to the value, byte for byte.
    Set(Cow<'static, str>, String),
    /// Remove `NAME` from the environment; not an error when it is not set.
    Unset(Cow<'static, str>),
}

impl EnvChange {
    /// The variable's name.
    pub fn name(&self) -> &str {
        match self {
            EnvChange::Set(name, _) | EnvChange::Unset(name) => name,
        }
    }

    /// Applies the change to a child process's environment.
    pub fn apply(&self, command: &mut Command) {
        match self {
            EnvChange::Set(name, value) => command.env(name.as_ref(), value),
            EnvChange::Unset(name) => command.env_remove(name.as_ref()),
        };
    }
}

/// Which variable named the active profile, in the order they are consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// `SSOENV_PROFILE`: set with credentials in the environment (`asp -c`, `exec`).
    SsoenvProfile,
    AwsProfile,
    AwsDefaultProfile,
    /// None is set: the AWS tools' `default`.
    Default,
}

/// The profile in use and where its name came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveProfile {
    pub name: String,
    pub source: ProfileSource,
}

impl ActiveProfile {
    /// Whether the environment holds this profile's credentials themselves (credentials mode).
    pub fn credentials_mode(&self) -> bool {
        self.source == ProfileSource::SsoenvProfile
    }

    /// Whether a variable named it (not the fallback `default`).
    pub fn is_chosen(&self) -> bool {
        self.source != ProfileSource::Default
    }
}

/// Where environment variables come from: the real process, or a map in tests.
#[derive(Debug, Clone, Default)]
pub struct Env {
    overrides: Option<HashMap<String, OsString>>,
    /// Whether a map-built environment has a person at its terminal (the real process asks the
    /// terminal itself).
    terminal: bool,
}

impl Env {
    /// The real process environment.
    pub fn process() -> Self {
        Self {
            overrides: None,
            terminal: false,
        }
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
            terminal: false,
        }
    }

    /// A map-built environment with (or without) a person at its terminal, for tests.
    pub fn with_terminal(mut self, terminal: bool) -> Self {
        self.terminal = terminal;
        self
    }

    /// Whether a person is at the terminal: standard input and standard error are both terminals.
    /// Standard output is not asked: `asp` captures it (`eval "$(ssoenv env --login …)"`) while
    /// its person still reads stderr and answers on stdin. A shell hook, an SDK's
    /// `credential_process`, cron or CI has no terminal on one of them.
    pub fn person_at_terminal(&self) -> bool {
        match &self.overrides {
            None => std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            Some(_) => self.terminal,
        }
    }

    /// `SSOENV_NO_LOGIN` is set (to anything but `0` or `false`): never log in on demand.
    pub fn login_disabled(&self) -> bool {
        self.var("SSOENV_NO_LOGIN")
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    /// The one rule for logging in on demand (`exec`, `env --credentials`, `whoami --verify`):
    /// only with a person at the terminal, and not when `--no-login` or `SSOENV_NO_LOGIN` says
    /// no. Fifty background callers therefore fail at once with the command to run, and open no
    /// browser.
    pub fn may_log_in(&self, no_login: bool) -> bool {
        !no_login && !self.login_disabled() && self.person_at_terminal()
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

    /// The one rule for which profile is in use, for every command: `SSOENV_PROFILE` (after
    /// `asp -c` only it names the profile), then `AWS_PROFILE`, then `AWS_DEFAULT_PROFILE`, then
    /// `default`.
    pub fn active_profile(&self) -> ActiveProfile {
        let sources = [
            ("SSOENV_PROFILE", ProfileSource::SsoenvProfile),
            ("AWS_PROFILE", ProfileSource::AwsProfile),
            ("AWS_DEFAULT_PROFILE", ProfileSource::AwsDefaultProfile),
        ];
        sources
            .into_iter()
            .find_map(|(var, source)| {
                Some(ActiveProfile {
                    name: self.var(var)?,
                    source,
                })
            })
            .unwrap_or_else(|| ActiveProfile {
                name: "default".to_string(),
                source: ProfileSource::Default,
            })
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

    /// Where the AWS CLI's `aws login` caches its credentials: `$AWS_LOGIN_CACHE_DIRECTORY`,
    /// else `~/.aws/login/cache`.
    pub fn login_cache_dir(&self) -> Option<PathBuf> {
        match self
            .var_os("AWS_LOGIN_CACHE_DIRECTORY")
            .filter(|d| !d.is_empty())
        {
            Some(dir) => Some(PathBuf::from(dir)),
            None => self
                .home_dir()
                .map(|h| h.join(".aws").join("login").join("cache")),
        }
    }

    /// ssoenv's own settings (the guard patterns): `$SSOENV_CONFIG_DIR`, else
    /// `$XDG_CONFIG_HOME/ssoenv`, else `~/.config/ssoenv` (on every platform, as starship and mise
    /// keep theirs, so one dotfile works everywhere).
    pub fn config_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = self.var_os("SSOENV_CONFIG_DIR").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir));
        }
        if let Some(dir) = self.var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir).join("ssoenv"));
        }
        self.home_dir().map(|h| h.join(".config").join("ssoenv"))
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
    fn the_active_profile_is_the_first_variable_set_then_default() {
        let active = |vars: &[(&str, &str)]| {
            let a = Env::from_map(vars.iter().copied()).active_profile();
            (a.name, a.source)
        };
        let all = [
            ("SSOENV_PROFILE", "s"),
            ("AWS_PROFILE", "p"),
            ("AWS_DEFAULT_PROFILE", "d"),
        ];
        assert_eq!(active(&all), ("s".into(), ProfileSource::SsoenvProfile));
        assert_eq!(active(&all[1..]), ("p".into(), ProfileSource::AwsProfile));
        assert_eq!(
            active(&all[2..]),
            ("d".into(), ProfileSource::AwsDefaultProfile)
        );
        assert_eq!(
            active(&[("AWS_PROFILE", "")]),
            ("default".into(), ProfileSource::Default)
        );
    }

    #[test]
    fn logging_in_on_demand_needs_a_person_and_no_refusal() {
        let person = Env::from_map([("HOME", "/h")]).with_terminal(true);
        assert!(person.may_log_in(false));
        assert!(!person.may_log_in(true), "--no-login");
        assert!(
            !Env::from_map([("HOME", "/h")]).may_log_in(false),
            "no terminal"
        );
        for (value, refused) in [("1", true), ("yes", true), ("0", false), ("false", false)] {
            let env = Env::from_map([("SSOENV_NO_LOGIN", value)]).with_terminal(true);
            assert_eq!(!env.may_log_in(false), refused, "SSOENV_NO_LOGIN={value}");
        }
    }

    #[test]
    fn config_dir_prefers_the_ssoenv_variable_then_xdg() {
        let env = Env::from_map([
            ("HOME", "/h"),
            ("SSOENV_CONFIG_DIR", "/s"),
            ("XDG_CONFIG_HOME", "/x"),
        ]);
        assert_eq!(env.config_dir(), Some(PathBuf::from("/s")));
        let env = Env::from_map([("HOME", "/h"), ("XDG_CONFIG_HOME", "/x")]);
        assert_eq!(env.config_dir(), Some(PathBuf::from("/x/ssoenv")));
        let env = Env::from_map([("HOME", "/h")]);
        assert_eq!(env.config_dir(), Some(PathBuf::from("/h/.config/ssoenv")));
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
