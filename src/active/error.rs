//! What can go wrong while acting on a profile: its config, its credentials, its login, or the
//! runtime the network needs.

use crate::config::ConfigError;
use crate::credentials::CredentialsError;
use crate::exit;
use crate::sso::SsoError;

#[derive(Debug, thiserror::Error)]
pub enum ActiveError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Sso(#[from] SsoError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A guarded profile's confirmation was not given (see `active::guard::confirm`).
    #[error(
        "{profile} is guarded and was not confirmed: nothing was changed (`--yes` skips the question)"
    )]
    Refused { profile: String },
}

impl ActiveError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ActiveError::Config(_) => exit::CONFIG,
            ActiveError::Credentials(e) => e.exit_code(),
            ActiveError::Sso(e) => e.exit_code(),
            ActiveError::Runtime(_) => exit::FAILURE,
            ActiveError::Refused { .. } => exit::REFUSED,
        }
    }
}
