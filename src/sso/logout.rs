//! Logging out of a session's token: revoke it with the service (sso Logout) and delete it, as
//! `aws sso logout` does. Client registrations stay; the role credentials cached from a session
//! are the `credentials` layer's to delete.

use std::path::Path;

use serde_json::Value;

use super::cache;
use super::client;
use super::error::SsoError;
use super::lock::SessionLock;
use crate::config::SsoSession;
use crate::env::Env;
use crate::fsutil;
use crate::report::Reporter;

/// Logs out of one session. Returns whether a token was there. Holds the session's lock so that
/// a refresh in flight in another process cannot write the token back after it is deleted.
pub async fn logout(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
) -> Result<bool, SsoError> {
    let _lock = SessionLock::acquire(env, session)?;
    let token = cache::load_token(env, report, session);
    if let Some(token) = &token {
        revoke(env, session, &token.access_token).await;
    }
    if let Some(path) = cache::token_path(env, session) {
        fsutil::remove_if_exists(&path).map_err(SsoError::Cache)?;
    }
    Ok(token.is_some())
}

/// What `aws sso logout` does to tokens: every token in the SSO cache, revoked, then deleted.
/// Returns how many there were.
pub async fn logout_all(env: &Env) -> Result<usize, SsoError> {
    let mut tokens = 0;
    let Some(dir) = env.sso_cache_dir() else {
        return Ok(0);
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
        if let Some(region) = value.get("region").and_then(Value::as_str) {
            let session = SsoSession {
                name: None,
                start_url: value
                    .get("startUrl")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                region: region.into(),
                registration_scopes: None,
            };
            revoke(env, &session, access_token).await;
        }
        fsutil::remove_if_exists(&path).map_err(SsoError::Cache)?;
        tokens += 1;
    }
    Ok(tokens)
}

/// Best effort: an expired or already revoked token is what logging out wants anyway.
async fn revoke(env: &Env, session: &SsoSession<'_>, access_token: &str) {
    let settings = client::ClientSettings::for_default_profile(env).unwrap_or_default();
    let _ = client::portal_client(session, &settings)
        .await
        .logout()
        .access_token(access_token)
        .send()
        .await;
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
