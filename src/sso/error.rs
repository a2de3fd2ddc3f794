//! What can go wrong with IAM Identity Center, and the exit code each means.

use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the SSO session has expired or does not exist: run `{command}`")]
    LoginRequired { command: String },
    /// IAM Identity Center refused or failed a call.
    #[error("IAM Identity Center {operation} failed: {message}")]
    Service {
        operation: &'static str,
        message: String,
    },
    /// The login did not complete (denied, timed out, a mismatched callback, …).
    #[error("login failed: {0}")]
    Login(String),
    /// The service refused a refresh (revoked, expired registration, …), or the token has nothing
    /// to refresh with: only a login helps.
    #[error("the SSO session has ended")]
    SessionEnded,
    /// Ctrl-C during a login: nothing of it was kept.
    #[error("login interrupted: no token was saved; run it again when ready")]
    Interrupted,
    #[error("cannot write the SSO cache: {0}")]
    Cache(#[source] std::io::Error),
    /// A setting of ssoenv's own (`SSOENV_TIMEOUT`) is unusable; the message says how to fix it.
    #[error("{0}")]
    Settings(String),
}

impl SsoError {
    pub fn exit_code(&self) -> u8 {
        match self {
            SsoError::LoginRequired { .. } | SsoError::SessionEnded => exit::LOGIN_REQUIRED,
            SsoError::Service { .. } => exit::SERVICE,
            SsoError::Login(_) | SsoError::Cache(_) | SsoError::Settings(_) => exit::FAILURE,
            SsoError::Interrupted => exit::INTERRUPTED,
        }
    }
}
