//! Where the SDKs look for the two files: `$AWS_CONFIG_FILE` and `$AWS_SHARED_CREDENTIALS_FILE`,
//! else `~/.aws/config` and `~/.aws/credentials`. A leading `~` in either variable is the home
//! directory, as in the SDKs (`~user` is not expanded: they do not either).

use std::path::{Component, PathBuf};

use super::ConfigError;
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
