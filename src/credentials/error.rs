//! What can go wrong while producing credentials, and the exit code each means.

use crate::exit;
use crate::sso::SsoError;

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(transparent)]
    Sso(#[from] SsoError),
    /// STS refused or failed an AssumeRole or GetCallerIdentity call.
    #[error("STS {operation} for `{role}` failed: {message}")]
    Sts {
        operation: &'static str,
        role: String,
        message: String,
    },
    #[error("profile `{profile}`: {message}")]
    Process { profile: String, message: String },
    /// A source ssoenv cannot produce credentials from.
    #[error("profile `{profile}`: {message}")]
    Unsupported { profile: String, message: String },
    /// A web identity profile's token file cannot be read.
    #[error("profile `{profile}`: cannot read web_identity_token_file {path}: {message}")]
    TokenFile {
        profile: String,
        path: String,
        message: String,
    },
    /// A `login_session` profile whose `aws login` credentials are gone or expired.
    #[error(
        "profile `{profile}`: the AWS CLI's login session has no fresh credentials: run `aws login \
         --profile {profile}` (ssoenv uses what `aws login` cached but cannot refresh it)"
    )]
    LoginSession { profile: String },
    #[error("cannot write the credential cache: {0}")]
    Cache(#[source] std::io::Error),
    /// The credential endpoint could not bind its port.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
}

impl CredentialsError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CredentialsError::Sso(e) => e.exit_code(),
            CredentialsError::Sts { .. } => exit::SERVICE,
            CredentialsError::Process { .. }
            | CredentialsError::TokenFile { .. }
            | CredentialsError::Cache(_)
            | CredentialsError::Listen(_) => exit::FAILURE,
            CredentialsError::Unsupported { .. } => exit::CONFIG,
            CredentialsError::LoginSession { .. } => exit::LOGIN_REQUIRED,
        }
    }
}
