//! Temporary credentials for a profile: the AWS CLI v2's role-credential cache (`cache`), SSO
//! role credentials, `credential_process` (`process`), web identity (`web_identity`, delegated
//! to the Rust SDK), `aws login` sessions (`login`), and role chaining through STS (`sts`).
//!
//! [`cached`] answers from local files only — no runtime, no network — so `exec` and
//! `env --credentials` stay fast while credentials are fresh; [`resolve`] does the rest.

pub mod cache;
pub mod contract;
pub mod endpoint;
pub mod error;
pub mod keys;
pub mod login;
pub mod process;
pub mod sts;
pub mod web_identity;

use jiff::Timestamp;

pub use error::CredentialsError;
pub use keys::Credentials;

use crate::config::SsoSession;
use crate::config::chain::{Chain, ChainBase};
use crate::config::model::ProfileSet;
use crate::env::Env;
use crate::report::Reporter;
use crate::sso;

/// The credentials of a chain from local state alone: static keys, `aws login`'s cache, or the
/// final step's entry in the role-credential cache. `None` means the network (or a process) is
/// needed.
pub fn cached(
    env: &Env,
    report: &Reporter,
    set: &ProfileSet,
    chain: &Chain,
    now: Timestamp,
) -> Option<Credentials> {
    if let Some(last) = chain.roles.last() {
        return cache::load(env, report, &cache::assume_role_key(last), now);
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
            report,
            &cache::sso_key(session, account_id, role_name),
            now,
        ),
        ChainBase::LoginSession { session, .. } => login::cached(env, session, now),
        ChainBase::WebIdentity { profile, role_arn } => {
            let identity = web_identity_of(set, profile, role_arn);
            cache::load(env, report, &identity.cache_key(), now)
        }
        _ => None,
    }
}

/// A web identity profile's settings from its section.
fn web_identity_of<'a>(
    set: &'a ProfileSet,
    profile: &'a str,
    role_arn: &'a str,
) -> web_identity::WebIdentity<'a> {
    let key = |k: &str| set.profiles.get(profile).and_then(|s| s.get(k));
    web_identity::WebIdentity {
        profile,
        role_arn,
        token_file: key("web_identity_token_file").unwrap_or_default(),
        session_name: key("role_session_name"),
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
    report: &Reporter,
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
            let role = SsoRole { session, account_id, role_name };
            let settings = client_settings(env, set, profile)?;
            sso_credentials(env, report, &settings, &role, now, login_hint).await?
        }
        ChainBase::Process { profile, command } => process::run(profile, command, set)?,
        ChainBase::Named(source) if source == "Environment" => Credentials::from_env(env)
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
        ChainBase::WebIdentity { profile, role_arn } => {
            let identity = web_identity_of(set, profile, role_arn);
            let key = identity.cache_key();
            let _lock = fetch_lock(env, &key)?;
            match cache::load(env, report, &key, now) {
                Some(cached) => cached,
                None => {
                    let settings = client_settings(env, set, profile)?;
                    let fresh = web_identity::assume_role(env, &settings, &identity, region).await?;
                    if let Err(e) = cache::store_assume_role(env, &key, &fresh, None) {
                        warn_not_cached(env, report, &key, &e);
                    }
                    fresh
                }
            }
        }
        ChainBase::LoginSession { profile, session } => {
            login::credentials(env, profile, session, now)?
        }
    };
    let session = match &chain.base {
        ChainBase::Sso { session, .. } => Some(session),
        _ => None,
    };
    for role in &chain.roles {
        let key = cache::assume_role_key(role);
        let _lock = fetch_lock(env, &key)?;
        creds = match cache::load(env, report, &key, Timestamp::now()) {
            Some(cached) => cached,
            None => {
                let settings = client_settings(env, set, &role.profile)?;
                let (fresh, arn) = sts::assume_role(&settings, role, &creds, region).await?;
                store_while_logged_in(env, report, session, login_hint, &key, || {
                    cache::store_assume_role(env, &key, &fresh, arn.as_deref())
                })?;
                fresh
            }
        };
    }
    Ok(creds)
}

/// The SDK client settings of `profile` (its endpoints; the deadline of every call).
pub fn client_settings(
    env: &Env,
    set: &ProfileSet<'_>,
    profile: &str,
) -> Result<sso::ClientSettings, CredentialsError> {
    sso::ClientSettings::for_profile(env, set, Some(profile))
        .map_err(|e| CredentialsError::Sso(sso::SsoError::Settings(e)))
}

/// Credentials that were fetched but cannot be cached are still good: the command gets them,
/// and the user hears why the next run will fetch again.
fn warn_not_cached(env: &Env, report: &Reporter, key: &str, err: &std::io::Error) {
    let place = env
        .cli_cache_dir()
        .map(|d| d.join(format!("{key}.json")).display().to_string())
        .unwrap_or_else(|| "~/.aws/cli/cache".into());
    report.warn(&format!(
        "cannot cache the credentials in {place}: {err} (using them anyway; \
         make the folder writable to reuse them)"
    ));
}

/// An SSO role to fetch credentials for.
struct SsoRole<'a> {
    session: &'a SsoSession<'a>,
    account_id: &'a str,
    role_name: &'a str,
}

async fn sso_credentials(
    env: &Env,
    report: &Reporter,
    settings: &sso::ClientSettings,
    r: &SsoRole<'_>,
    now: Timestamp,
    login_hint: &str,
) -> Result<Credentials, CredentialsError> {
    let (session, account_id, role_name) = (r.session, r.account_id, r.role_name);
    let key = cache::sso_key(session, account_id, role_name);
    let _lock = fetch_lock(env, &key)?;
    if let Some(cached) = cache::load(env, report, &key, now) {
        return Ok(cached);
    }
    let lock_key = format!("credentials-{key}");
    // The process before this one just failed this very fetch: fail with it, not after it.
    if let Some(err) = sso::failure::recent(env, &lock_key, now) {
        return Err(err.into());
    }
    let token = sso::access_token(env, report, session, settings, login_hint, now).await?;
    let request = sso::RoleRequest {
        account_id,
        role_name,
        login_hint,
    };
    let role = sso::role_credentials(env, report, session, settings, &token, request).await;
    let role = match role {
        Ok(role) => {
            sso::failure::clear(env, &lock_key);
            role
        }
        Err(e) => {
            sso::failure::record(env, &lock_key, &e);
            return Err(e.into());
        }
    };
    let creds = Credentials {
        access_key_id: role.access_key_id,
        secret_access_key: role.secret_access_key,
        session_token: Some(role.session_token),
        expiration: Some(role.expiration),
        account_id: Some(account_id.to_string()),
    };
    store_while_logged_in(env, report, Some(session), login_hint, &key, || {
        cache::store_sso(env, &key, &creds)
    })?;
    Ok(creds)
}

/// Writes a cache entry only while the session it came from still has a token, checked under
/// the session's lock. A logout deletes the token under that lock before it deletes the cached
/// credentials, so credentials fetched across a logout are never written after it (and handed
/// out for an hour beside "not logged in"): the fetch ends as "login needed" instead.
fn store_while_logged_in(
    env: &Env,
    report: &Reporter,
    session: Option<&SsoSession<'_>>,
    login_hint: &str,
    key: &str,
    store: impl FnOnce() -> std::io::Result<()>,
) -> Result<(), CredentialsError> {
    let _lock = match session {
        Some(session) => {
            let lock = sso::lock::SessionLock::acquire(env, session)?;
            if sso::cache::load_token(env, report, session).is_none() {
                return Err(sso::SsoError::LoginRequired {
                    command: login_hint.to_string(),
                }
                .into());
            }
            Some(lock)
        }
        None => None,
    };
    // Credentials that cannot be cached are still good: use them, and say why they were not kept.
    if let Err(e) = store() {
        warn_not_cached(env, report, key, &e);
    }
    Ok(())
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
