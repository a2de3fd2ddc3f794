//! The network side: the official sso and sso-oidc clients (built by [`sdk`](super::sdk) from
//! ssoenv's own config, every call bounded by a deadline), silent refresh under a cross-process
//! lock, and GetRoleCredentials. Both APIs are unsigned: no credentials are loaded.

use std::fmt;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use jiff::Timestamp;

use super::cache::{self, CachedToken, TokenStatus, WINDOW};
use super::error::SsoError;
use super::failure;
use super::lock::SessionLock;
use super::sdk::describe_within;
pub use super::sdk::{ClientSettings, describe};
use crate::config::SsoSession;
use crate::env::Env;
use crate::pyjson::sha1_hex;
use crate::report::Reporter;

/// The sso-oidc client for a session's region.
pub async fn oidc_client(
    session: &SsoSession<'_>,
    settings: &ClientSettings,
) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::from_conf(settings.oidc_config(&session.region))
}

/// The sso (access portal) client for a session's region.
pub async fn portal_client(
    session: &SsoSession<'_>,
    settings: &ClientSettings,
) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::from_conf(settings.sso_config(&session.region))
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

/// A usable access token for the session: the cached one, refreshed first when it is inside the
/// refresh window. Refreshes happen under the session's lock, so any number of processes make
/// one refresh call, and a refresh that failed while this process was asking (since
/// `asking_since`, before any lock it queued on) fails it too (see [`failure`]); a token that
/// cannot be used means `LoginRequired` naming `login_hint`.
pub async fn access_token(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    settings: &ClientSettings,
    login_hint: &str,
    asking_since: Timestamp,
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
    if token.replaces(&seen, Timestamp::now()) || token.expires_at > Timestamp::now() + WINDOW {
        return Ok(AccessToken(token.access_token));
    }
    let key = refresh_key(session);
    let result = match failure::recent(env, &key, asking_since) {
        // The process before this one just failed the same refresh: fail with it.
        Some(err) => Err(err),
        None => {
            let result = refresh(env, session, settings, &token).await;
            match &result {
                Ok(_) => failure::clear(env, &key),
                Err(e) => failure::record(env, &key, e),
            }
            result
        }
    };
    match result {
        Ok(fresh) => Ok(AccessToken(fresh.access_token)),
        // A failed refresh leaves a still-valid token usable, as botocore does.
        Err(_) if token.expires_at > Timestamp::now() => Ok(AccessToken(token.access_token)),
        Err(SsoError::SessionEnded) => cache::refreshed_elsewhere(env, report, session, &token)
            .map(|t| AccessToken(t.access_token))
            .ok_or_else(login_required),
        Err(e) => Err(e),
    }
}

/// The failure record's key of a session's refresh: its lock's.
fn refresh_key(session: &SsoSession<'_>) -> String {
    format!("{}-refresh", sha1_hex(session.cache_identifier()))
}

/// CreateToken with the refresh-token grant; the new token is written in the CLI's format.
pub async fn refresh(
    env: &Env,
    session: &SsoSession<'_>,
    settings: &ClientSettings,
    token: &CachedToken,
) -> Result<CachedToken, SsoError> {
    let (Some(client_id), Some(client_secret), Some(refresh_token)) =
        (&token.client_id, &token.client_secret, &token.refresh_token)
    else {
        return Err(SsoError::SessionEnded);
    };
    let now = Timestamp::now();
    let out = oidc_client(session, settings)
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
                    message: describe_within(&e, Some(&settings.timeouts)),
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

/// What to fetch role credentials for.
#[derive(Debug, Clone, Copy)]
pub struct RoleRequest<'a> {
    pub account_id: &'a str,
    pub role_name: &'a str,
    /// The command a "login needed" error names.
    pub login_hint: &'a str,
}

/// GetRoleCredentials. A token the service rejects means login needed, and is recorded as
/// expired in the token cache (see [`reject_token`]), so that every status, the prompt and
/// `login` agree.
pub async fn role_credentials(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    settings: &ClientSettings,
    token: &AccessToken,
    role: RoleRequest<'_>,
) -> Result<RoleCredentials, SsoError> {
    use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError as E;
    let RoleRequest {
        account_id,
        role_name,
        login_hint,
    } = role;
    let failed = |message: String| SsoError::Service {
        operation: "GetRoleCredentials",
        message: format!("{message} (account {account_id}, role {role_name})"),
    };
    let sent = portal_client(session, settings)
        .await
        .get_role_credentials()
        .access_token(token.secret())
        .account_id(account_id)
        .role_name(role_name)
        .send()
        .await;
    let out = match sent {
        Ok(out) => out,
        Err(e) if matches!(e.as_service_error(), Some(E::UnauthorizedException(_))) => {
            reject_token(env, report, session, token)?;
            return Err(SsoError::LoginRequired {
                command: login_hint.to_string(),
            });
        }
        Err(e) => return Err(failed(describe_within(&e, Some(&settings.timeouts)))),
    };
    let missing = |field: &str| failed(format!("the response could not be read: no `{field}`"));
    let c = out
        .role_credentials()
        .ok_or_else(|| missing("roleCredentials"))?;
    Ok(RoleCredentials {
        access_key_id: c
            .access_key_id()
            .ok_or_else(|| missing("accessKeyId"))?
            .to_string(),
        secret_access_key: c
            .secret_access_key()
            .ok_or_else(|| missing("secretAccessKey"))?
            .to_string(),
        session_token: c
            .session_token()
            .ok_or_else(|| missing("sessionToken"))?
            .to_string(),
        expiration: Timestamp::from_millisecond(c.expiration())
            .map_err(|_| missing("expiration"))?,
    })
}

/// Records that the service rejected `token`: when the session's cached token is still that
/// one, its `expiresAt` is moved to now, the AWS CLI's own format kept. Every reader then sees
/// what the service said — expired (or refreshable, and the next use tries a refresh) — and
/// `login` logs in instead of answering "already logged in". Under the session's lock, so a
/// token a login or refresh just wrote is never marked.
pub fn reject_token(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    token: &AccessToken,
) -> Result<(), SsoError> {
    let _lock = SessionLock::acquire(env, session)?;
    let Some(mut cached) = cache::load_token(env, report, session) else {
        return Ok(());
    };
    let now = Timestamp::now();
    if cached.access_token != token.secret() || cached.expires_at <= now {
        return Ok(());
    }
    cached.expires_at = now;
    cache::store_token(env, session, &cached).map_err(SsoError::Cache)
}
