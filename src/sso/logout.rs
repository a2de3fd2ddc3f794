//! Logging out of a session's token, as `aws sso logout` does, but local state first: the token
//! is deleted from this machine ([`forget`], [`forget_all`]) before the service is asked to
//! revoke it ([`revoke`]) within a short deadline — a service that does not answer, or a Ctrl-C
//! while it is asked, leaves nothing behind. Client registrations stay; the role credentials
//! cached from a session are the `credentials` layer's to delete, after the token (a fetch in
//! flight checks for the token before it writes, under the session's lock).

use std::path::Path;
use std::time::Duration;

use aws_sdk_sso::operation::logout::LogoutError;
use serde_json::Value;

use super::cache;
use super::client::{self, AccessToken};
use super::error::SsoError;
use super::lock::SessionLock;
use crate::config::SsoSession;
use crate::env::Env;
use crate::fsutil;
use crate::report::Reporter;

/// How long the service has to confirm the revocations of one logout.
pub const REVOKE_DEADLINE: Duration = Duration::from_secs(3);

/// A token deleted from this machine, still to be revoked with the service.
#[derive(Debug)]
pub struct Forgotten {
    session: SsoSession<'static>,
    access_token: AccessToken,
}

impl Forgotten {
    /// How messages name the session the token was for.
    pub fn label(&self) -> String {
        self.session.label()
    }
}

/// Deletes the session's token, under the session's lock so that a refresh in flight in another
/// process cannot write it back. Returns it for [`revoke`], or `None` when there was none.
pub fn forget(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
) -> Result<Option<Forgotten>, SsoError> {
    let _lock = SessionLock::acquire(env, session)?;
    let token = cache::load_token(env, report, session);
    if let Some(path) = cache::token_path(env, session) {
        fsutil::remove_if_exists(&path).map_err(SsoError::Cache)?;
    }
    Ok(token.map(|token| Forgotten {
        session: session.clone().into_owned(),
        access_token: AccessToken::new(token.access_token),
    }))
}

/// What `aws sso logout` does to tokens: every token in the SSO cache deleted (registrations
/// stay). Returns them for [`revoke`].
pub fn forget_all(env: &Env) -> Result<Vec<Forgotten>, SsoError> {
    let mut forgotten = Vec::new();
    let Some(dir) = env.sso_cache_dir() else {
        return Ok(forgotten);
    };
    for path in json_files(&dir) {
        if read_json(&path).is_none_or(|v| v.get("accessToken").is_none()) {
            continue;
        }
        // The token file's name is the session's lock key; read it again under the lock, as a
        // refresh may have replaced it meanwhile.
        let key = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let _lock = SessionLock::acquire_key(env, key)?;
        let Some(value) = read_json(&path) else {
            continue;
        };
        let Some(access_token) = value.get("accessToken").and_then(Value::as_str) else {
            continue;
        };
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        let session = SsoSession {
            name: None,
            start_url: text("startUrl").unwrap_or_default().into(),
            region: text("region").unwrap_or_default().into(),
            registration_scopes: None,
        };
        let access_token = AccessToken::new(access_token.to_string());
        fsutil::remove_if_exists(&path).map_err(SsoError::Cache)?;
        forgotten.push(Forgotten {
            session,
            access_token,
        });
    }
    Ok(forgotten)
}

/// Asks the service to revoke the tokens (sso Logout), all at once, within `deadline`. Returns
/// the ones it did not confirm, with why; a token it no longer knows counts as revoked.
pub async fn revoke(
    forgotten: Vec<Forgotten>,
    settings: &client::ClientSettings,
    deadline: Duration,
) -> Vec<(String, String)> {
    let mut calls = tokio::task::JoinSet::new();
    for token in forgotten {
        let settings = settings.clone();
        calls.spawn(async move {
            let label = token.label();
            let outcome = tokio::time::timeout(deadline, revoke_one(&token, &settings)).await;
            let why = match outcome {
                Ok(result) => result.err()?,
                Err(_) => format!("no answer within {} s", deadline.as_secs()),
            };
            Some((label, why))
        });
    }
    let mut failed = Vec::new();
    while let Some(joined) = calls.join_next().await {
        match joined {
            Ok(Some(failure)) => failed.push(failure),
            Ok(None) => {}
            Err(e) => failed.push((String::new(), e.to_string())),
        }
    }
    failed.sort();
    failed
}

async fn revoke_one(token: &Forgotten, settings: &client::ClientSettings) -> Result<(), String> {
    if token.session.region.is_empty() {
        return Err("the token file names no region".into());
    }
    let result = client::portal_client(&token.session, settings)
        .await
        .logout()
        .access_token(token.access_token.secret())
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        // Expired or already revoked: what logging out wants anyway.
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(LogoutError::UnauthorizedException(_))
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(client::describe(&e)),
    }
}

fn json_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default()
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&fsutil::read_regular(path).ok()?).ok()
}
