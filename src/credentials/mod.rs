//! Temporary credentials for a profile: the AWS CLI v2's role-credential cache (`cache`), SSO
//! role credentials, `credential_process`, and role chaining through STS (`sts`).
//!
//! [`cached`] answers from local files only — no runtime, no network — so `exec` and
//! `env --credentials` stay fast while credentials are fresh; [`resolve`] does the rest.

pub mod cache;
pub mod contract;
pub mod process;
pub mod sts;

use std::fmt;

use jiff::Timestamp;

use crate::config::profile::{Chain, ChainBase};
use crate::config::{ProfileSet, SsoSession};
use crate::env::Env;
use crate::error::exit;
use crate::sso::{self, SsoError};

/// A set of AWS credentials. `Debug` never shows the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expiration: Option<Timestamp>,
    pub account_id: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .field("account_id", &self.account_id)
            .finish()
    }
}

impl Credentials {
    /// `AWS_CREDENTIAL_EXPIRATION` and `credential_process` `Expiration`: RFC 3339 in UTC with `Z`.
    pub fn expiration_rfc3339(&self) -> Option<String> {
        self.expiration
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
    }
}

/// Parses the timestamps every AWS writer produces: RFC 3339 with `Z` or an offset, with or
/// without fractions, and botocore's `%Y-%m-%dT%H:%M:%S%Z` (`…UTC`).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let naive = text
        .strip_suffix("UTC")
        .or_else(|| text.strip_suffix("GMT"))?;
    format!("{}Z", naive.trim_end()).parse().ok()
}

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
    #[error("cannot write the credential cache: {0}")]
    Cache(#[source] std::io::Error),
}

impl CredentialsError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CredentialsError::Sso(e) => e.exit_code(),
            CredentialsError::Sts { .. } => exit::SERVICE,
            CredentialsError::Process { .. } | CredentialsError::Cache(_) => exit::FAILURE,
            CredentialsError::Unsupported { .. } => exit::CONFIG,
        }
    }
}

/// The credentials of a chain from local state alone: static keys, or the final step's entry in
/// the role-credential cache. `None` means the network (or a process) is needed.
pub fn cached(env: &Env, set: &ProfileSet, chain: &Chain, now: Timestamp) -> Option<Credentials> {
    if let Some(last) = chain.roles.last() {
        return cache::load(env, &cache::assume_role_key(last), now);
    }
    match &chain.base {
        ChainBase::Static { profile } => static_credentials(set, profile),
        ChainBase::Sso {
            session,
            account_id,
            role_name,
            ..
        } => cache::load(
            env,
            &sso::role_credentials_cache_key(session, account_id, role_name),
            now,
        ),
        _ => None,
    }
}

fn static_credentials(set: &ProfileSet, profile: &str) -> Option<Credentials> {
    let section = set.profiles.get(profile)?;
    Some(Credentials {
        access_key_id: section.get("aws_access_key_id")?.to_string(),
        secret_access_key: section.get("aws_secret_access_key")?.to_string(),
        session_token: section.get("aws_session_token").map(str::to_string),
        expiration: None,
        account_id: section.get("aws_account_id").map(str::to_string),
    })
}

/// Resolves a chain to credentials, using and filling the cache at every step. `login_hint` is
/// the command a "login needed" error tells the user to run.
pub async fn resolve(
    env: &Env,
    set: &ProfileSet<'_>,
    chain: &Chain,
    region: Option<&str>,
    login_hint: &str,
) -> Result<Credentials, CredentialsError> {
    let now = Timestamp::now();
    let mut creds = match &chain.base {
        ChainBase::Static { profile } => static_credentials(set, profile).ok_or_else(|| {
            CredentialsError::Unsupported { profile: profile.clone(), message: "static keys are incomplete".into() }
        })?,
        ChainBase::Sso { profile, session, account_id, role_name } => {
            let role = SsoRole { session, profile, account_id, role_name };
            sso_credentials(env, &role, now, login_hint).await?
        }
        ChainBase::Process { profile, command } => process::run(profile, command, set)?,
        ChainBase::Named(source) if source == "Environment" => environment_credentials(env)
            .ok_or_else(|| CredentialsError::Unsupported {
                profile: chain.roles.first().map(|r| r.profile.clone()).unwrap_or_default(),
                message: "credential_source = Environment, but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set"
                    .into(),
            })?,
        ChainBase::Named(source) => {
            return Err(CredentialsError::Unsupported {
                profile: chain.roles.first().map(|r| r.profile.clone()).unwrap_or_default(),
                message: format!(
                    "credential_source = {source} needs the instance or container metadata service; \
                     use the AWS CLI or SDK on that host"
                ),
            });
        }
        ChainBase::WebIdentity { profile, .. } => {
            return Err(CredentialsError::Unsupported {
                profile: profile.clone(),
                message: "web identity profiles are resolved by the AWS SDKs themselves; use `ssoenv env` \
                          (profile mode) for them"
                    .into(),
            });
        }
    };
    for role in &chain.roles {
        let key = cache::assume_role_key(role);
        let _lock = fetch_lock(env, &key)?;
        creds = match cache::load(env, &key, Timestamp::now()) {
            Some(cached) => cached,
            None => {
                let (fresh, arn) = sts::assume_role(role, &creds, region).await?;
                cache::store_assume_role(env, &key, &fresh, arn.as_deref())
                    .map_err(CredentialsError::Cache)?;
                fresh
            }
        };
    }
    Ok(creds)
}

/// An SSO role to fetch credentials for, and the profile that names it.
struct SsoRole<'a> {
    session: &'a SsoSession<'a>,
    profile: &'a str,
    account_id: &'a str,
    role_name: &'a str,
}

async fn sso_credentials(
    env: &Env,
    r: &SsoRole<'_>,
    now: Timestamp,
    login_hint: &str,
) -> Result<Credentials, CredentialsError> {
    let (session, account_id, role_name) = (r.session, r.account_id, r.role_name);
    let key = sso::role_credentials_cache_key(session, account_id, role_name);
    let _lock = fetch_lock(env, &key)?;
    if let Some(cached) = cache::load(env, &key, now) {
        return Ok(cached);
    }
    let profile = Some(r.profile);
    let token = sso::access_token(env, session, profile, login_hint).await?;
    let role =
        sso::role_credentials(session, profile, &token, account_id, role_name, login_hint).await?;
    let creds = Credentials {
        access_key_id: role.access_key_id,
        secret_access_key: role.secret_access_key,
        session_token: Some(role.session_token),
        expiration: Some(role.expiration),
        account_id: Some(account_id.to_string()),
    };
    cache::store_sso(env, &key, &creds).map_err(CredentialsError::Cache)?;
    Ok(creds)
}

/// Held while one cache entry is looked up and, when missing, fetched and stored: processes
/// started together for the same role (20 shells, a build running `credential_process` in
/// parallel) then make one GetRoleCredentials or AssumeRole call, and the rest read its entry.
/// Taken before the session's lock (which a refresh takes inside it), never after.
fn fetch_lock(env: &Env, key: &str) -> Result<sso::lock::SessionLock, CredentialsError> {
    Ok(sso::lock::SessionLock::acquire_key(
        env,
        &format!("credentials-{key}"),
    )?)
}

pub fn environment_credentials(env: &Env) -> Option<Credentials> {
    Some(Credentials {
        access_key_id: env.var("AWS_ACCESS_KEY_ID")?,
        secret_access_key: env.var("AWS_SECRET_ACCESS_KEY")?,
        session_token: env.var("AWS_SESSION_TOKEN"),
        expiration: env
            .var("AWS_CREDENTIAL_EXPIRATION")
            .and_then(|t| parse_timestamp(&t)),
        account_id: env.var("AWS_ACCOUNT_ID"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_every_writer_parse() {
        let want: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        for text in [
            "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00.000Z",
            "2030-01-01T00:00:00+00:00",
            "2030-01-01T01:00:00+01:00",
            "2030-01-01T00:00:00UTC",
        ] {
            assert_eq!(parse_timestamp(text), Some(want), "{text}");
        }
        assert_eq!(parse_timestamp("soon"), None);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let creds = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: "very-secret".into(),
            session_token: Some("token-value".into()),
            expiration: None,
            account_id: None,
        };
        let text = format!("{creds:?}");
        assert!(
            !text.contains("very-secret") && !text.contains("token-value"),
            "{text}"
        );
    }
}
