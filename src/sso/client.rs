//! The network side: the official sso and sso-oidc clients, silent refresh under a cross-process
//! lock, and GetRoleCredentials. The clients are configured by `aws_config`, so
//! `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL`, `endpoint_url` and
//! `[services]` redirect them exactly as in every AWS SDK, and its standard retry (throttling,
//! 5xx, with backoff) applies. Both APIs are unsigned: no credentials are loaded.

use std::fmt;

use aws_config::BehaviorVersion;
use aws_sdk_sso::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use jiff::Timestamp;

use super::cache::{self, CachedToken, TokenStatus, WINDOW};
use super::error::SsoError;
use super::lock::SessionLock;
use crate::config::SsoSession;
use crate::env::Env;
use crate::report::Reporter;

/// The SDK configuration for a session's region, with no credentials. `profile` is the profile
/// being served: its `endpoint_url` and `[services]` settings apply, as they do when the AWS CLI
/// runs with `--profile`. Without one (a named sso-session, logout), the SDK's own choice
/// applies: `AWS_PROFILE`, else `default`. `AWS_ENDPOINT_URL_*` variables win either way.
pub async fn sdk_config(session: &SsoSession<'_>, profile: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(session.region.to_string()))
        .no_credentials();
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

pub async fn oidc_client(
    session: &SsoSession<'_>,
    profile: Option<&str>,
) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::new(&sdk_config(session, profile).await)
}

pub async fn portal_client(session: &SsoSession<'_>, profile: Option<&str>) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::new(&sdk_config(session, profile).await)
}

/// An SSO access token. `Debug` never shows it.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: String) -> Self {
        Self(token)
    }

    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A service error as text: the error code and message, never a request's secrets.
pub fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// A usable access token for the session: the cached one, refreshed first when it is inside the
/// refresh window. Refreshes happen under the session's lock, so any number of processes make
/// one refresh call; a token that cannot be used means `LoginRequired` naming `login_hint`.
pub async fn access_token(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    profile: Option<&str>,
    login_hint: &str,
) -> Result<AccessToken, SsoError> {
    let login_required = || SsoError::LoginRequired {
        command: login_hint.to_string(),
    };
    let now = Timestamp::now();
    let token = cache::load_token(env, report, session).ok_or_else(login_required)?;
    match cache::status_of(&token, now) {
        TokenStatus::Valid { .. } => return Ok(AccessToken(token.access_token)),
        TokenStatus::Expired { .. } | TokenStatus::Missing => return Err(login_required()),
        TokenStatus::Refreshable { .. } => {}
    }
    let _lock = SessionLock::acquire(env, session)?;
    // Another process may have refreshed while this one waited for the lock.
    let seen = token.access_token;
    let token = cache::load_token(env, report, session).ok_or_else(login_required)?;
    // A different, unexpired token is another process's refresh: use it even when the service
    // issues short-lived tokens, or every waiter would refresh once more.
    let refreshed_meanwhile = token.access_token != seen && token.expires_at > Timestamp::now();
    if refreshed_meanwhile || token.expires_at > Timestamp::now() + WINDOW {
        return Ok(AccessToken(token.access_token));
    }
    match refresh(env, session, profile, &token).await {
        Ok(fresh) => Ok(AccessToken(fresh.access_token)),
        // A failed refresh leaves a still-valid token usable, as botocore does.
        Err(_) if token.expires_at > Timestamp::now() => Ok(AccessToken(token.access_token)),
        Err(SsoError::SessionEnded) => cache::refreshed_elsewhere(env, report, session, &token)
            .map(|t| AccessToken(t.access_token))
            .ok_or_else(login_required),
        Err(e) => Err(e),
    }
}

/// CreateToken with the refresh-token grant; the new token is written in the CLI's format.
pub async fn refresh(
    env: &Env,
    session: &SsoSession<'_>,
    profile: Option<&str>,
    token: &CachedToken,
) -> Result<CachedToken, SsoError> {
    let (Some(client_id), Some(client_secret), Some(refresh_token)) =
        (&token.client_id, &token.client_secret, &token.refresh_token)
    else {
        return Err(SsoError::SessionEnded);
    };
    let now = Timestamp::now();
    let out = oidc_client(session, profile)
        .await
        .create_token()
        .grant_type("refresh_token")
        .client_id(client_id)
        .client_secret(client_secret)
        .refresh_token(refresh_token)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error().is_some_and(session_ended) {
                SsoError::SessionEnded
            } else {
                SsoError::Service {
                    operation: "CreateToken",
                    message: describe(&e),
                }
            }
        })?;
    let access_token = out.access_token().ok_or_else(|| SsoError::Service {
        operation: "CreateToken",
        message: "the response had no access token".into(),
    })?;
    let fresh = token.refreshed(
        access_token.to_string(),
        i64::from(out.expires_in()),
        out.refresh_token().map(str::to_string),
        now,
    );
    cache::store_token(env, session, &fresh).map_err(SsoError::Cache)?;
    Ok(fresh)
}

/// The refusals that mean the session is over and only a login helps; anything else (throttling
/// or 5xx after the SDK's retries, the network) is a service failure a retry later may cure.
fn session_ended(err: &CreateTokenError) -> bool {
    matches!(
        err,
        CreateTokenError::InvalidGrantException(_)
            | CreateTokenError::InvalidClientException(_)
            | CreateTokenError::ExpiredTokenException(_)
            | CreateTokenError::AccessDeniedException(_)
            | CreateTokenError::UnauthorizedClientException(_)
    )
}

/// Role credentials from IAM Identity Center.
#[derive(Clone)]
pub struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: Timestamp,
}

/// GetRoleCredentials; a token the service rejects means login needed.
pub async fn role_credentials(
    session: &SsoSession<'_>,
    profile: Option<&str>,
    token: &AccessToken,
    account_id: &str,
    role_name: &str,
    login_hint: &str,
) -> Result<RoleCredentials, SsoError> {
    let out = portal_client(session, profile)
        .await
        .get_role_credentials()
        .access_token(token.secret())
        .account_id(account_id)
        .role_name(role_name)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError::UnauthorizedException(_)) => {
                SsoError::LoginRequired { command: login_hint.to_string() }
            }
            _ => SsoError::Service {
                operation: "GetRoleCredentials",
                message: format!("{} (account {account_id}, role {role_name})", describe(&e)),
            },
        })?;
    let missing = || SsoError::Service {
        operation: "GetRoleCredentials",
        message: "the response had no credentials".into(),
    };
    let c = out.role_credentials().ok_or_else(missing)?;
    Ok(RoleCredentials {
        access_key_id: c.access_key_id().ok_or_else(missing)?.to_string(),
        secret_access_key: c.secret_access_key().ok_or_else(missing)?.to_string(),
        session_token: c.session_token().ok_or_else(missing)?.to_string(),
        expiration: Timestamp::from_millisecond(c.expiration()).map_err(|_| missing())?,
    })
}
