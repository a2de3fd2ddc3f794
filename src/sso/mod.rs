//! The IAM Identity Center client: the token cache shared with the AWS CLI v2, the login flows,
//! silent refresh, logout and role credentials.

pub mod accounts;

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

// Interface placeholders until the sso branch lands (replaced by the real client at merge).
use crate::config::SsoSession;
use crate::env::Env;

pub struct AccessToken;

pub struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: jiff::Timestamp,
}

pub fn role_credentials_cache_key(
    session: &SsoSession,
    account_id: &str,
    role_name: &str,
) -> String {
    let _ = (session, account_id, role_name);
    String::new()
}

pub async fn access_token(
    _env: &Env,
    _session: &SsoSession,
    login_hint: &str,
) -> Result<AccessToken, SsoError> {
    Err(SsoError::LoginRequired {
        command: login_hint.to_string(),
    })
}

pub async fn role_credentials(
    _env: &Env,
    _session: &SsoSession,
    _token: &AccessToken,
    _account_id: &str,
    _role_name: &str,
) -> Result<RoleCredentials, SsoError> {
    Err(SsoError::LoginRequired {
        command: String::new(),
    })
}

/// Placeholder until the sso branch lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStatus {
    Valid { expires_at: jiff::Timestamp },
    Refreshable { expires_at: jiff::Timestamp },
    Expired { expires_at: jiff::Timestamp },
    Missing,
}

pub fn token_status(_env: &Env, _session: &SsoSession, _now: jiff::Timestamp) -> TokenStatus {
    TokenStatus::Missing
}
