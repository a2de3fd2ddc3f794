//! Temporary credentials for a profile: the AWS CLI v2's role-credential cache, SSO role
//! credentials and role chaining through STS.

use crate::error::exit;

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(transparent)]
    Sso(#[from] crate::sso::SsoError),
}

impl CredentialsError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CredentialsError::Sso(e) => e.exit_code(),
        }
    }
}
