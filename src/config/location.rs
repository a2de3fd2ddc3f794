use std::path::PathBuf;

use super::ConfigError;
use crate::env::Env;

/// The config and credentials files the SDKs would read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl Locations {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let home = env.home_dir().ok_or(ConfigError::NoHome)?;
        Ok(Self {
            config: env
                .var("AWS_CONFIG_FILE")
                .map(PathBuf::from)
                .unwrap_or(home.join(".aws/config")),
            credentials: env
                .var("AWS_SHARED_CREDENTIALS_FILE")
                .map(PathBuf::from)
                .unwrap_or(home.join(".aws/credentials")),
        })
    }
}
