//! Where the SDKs look for the two files: `$AWS_CONFIG_FILE` and `$AWS_SHARED_CREDENTIALS_FILE`,
//! else `~/.aws/config` and `~/.aws/credentials`. A leading `~` in either variable is the home
//! directory, as in the SDKs (`~user` is not expanded: they do not either).

use std::path::{Component, PathBuf};

use super::error::ConfigError;
use crate::env::Env;

/// The config and credentials files the SDKs would read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl Locations {
    /// The files named by the environment. Fails only when a path needs the home directory and
    /// none is known.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            config: locate(env, "AWS_CONFIG_FILE", "config")?,
            credentials: locate(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
        })
    }
}

fn locate(env: &Env, var: &str, default_name: &str) -> Result<PathBuf, ConfigError> {
    let home = || env.home_dir().ok_or(ConfigError::NoHome);
    let Some(path) = env.var_os(var).filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return Ok(home()?.join(".aws").join(default_name));
    };
    let mut components = path.components();
    match components.next() {
        Some(Component::Normal(first)) if first == "~" => Ok(home()?.join(components.as_path())),
        _ => Ok(path),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn home_holds_both_files_by_default() {
        let got = Locations::from_env(&Env::from_map([("HOME", "/home/u")])).unwrap();
        assert_eq!(got.config, Path::new("/home/u/.aws/config"));
        assert_eq!(got.credentials, Path::new("/home/u/.aws/credentials"));
    }

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let env = Env::from_map([
            ("HOME", "/home/u"),
            ("AWS_CONFIG_FILE", "~/work/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "~other/credentials"),
        ]);
        let got = Locations::from_env(&env).unwrap();
        assert_eq!(got.config, Path::new("/home/u/work/config"));
        assert_eq!(got.credentials, Path::new("~other/credentials"));
    }

    #[test]
    fn home_is_needed_only_when_a_path_uses_it() {
        let env = Env::from_map([
            ("AWS_CONFIG_FILE", "/etc/aws/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/credentials"),
        ]);
        assert_eq!(
            Locations::from_env(&env).unwrap().config,
            Path::new("/etc/aws/config")
        );
        let env = Env::from_map([("AWS_CONFIG_FILE", "/etc/aws/config")]);
        assert!(matches!(
            Locations::from_env(&env),
            Err(ConfigError::NoHome)
        ));
        let env = Env::from_map([
            ("AWS_CONFIG_FILE", "~/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/c"),
        ]);
        assert!(matches!(
            Locations::from_env(&env),
            Err(ConfigError::NoHome)
        ));
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let env = Env::from_map([("HOME", "/h"), ("AWS_CONFIG_FILE", "")]);
        assert_eq!(
            Locations::from_env(&env).unwrap().config,
            Path::new("/h/.aws/config")
        );
    }
}
