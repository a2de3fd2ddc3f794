//! The IAM Identity Center client: the token cache shared with the AWS CLI v2, the login flows,
//! silent refresh, logout and role credentials.

use crate::error::exit;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the SSO session has expired or does not exist: run `{command}`")]
    LoginRequired { command: String },
}

impl SsoError {
    pub fn exit_code(&self) -> u8 {
        match self {
            SsoError::LoginRequired { .. } => exit::LOGIN_REQUIRED,
        }
    }
}
