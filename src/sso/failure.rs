//! A call that just failed, shared with the processes queued behind it on the same lock: twenty
//! shells behind a failing (or hanging) service fail together in the time of one call, instead of
//! each retrying it from scratch once it gets the lock. Only processes that were already asking
//! when the call failed share it; one started afterwards asks the service again.
//!
//! The record is `<state>/locks/<key>.failed`, beside the lock it belongs to: the time, the
//! operation and the error's one-line description — never a secret (descriptions never hold
//! one, see `sdk::describe`). It is written and read only under that lock, lives
//! [`LIFETIME`], and a success deletes it.

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::error::SsoError;
use crate::env::Env;
use crate::fsutil;

/// How long a failure is shared: long enough for the queue behind one call to drain, short
/// enough that the next try, a few seconds later, asks the service again.
pub const LIFETIME: Duration = Duration::from_secs(5);

fn path(env: &Env, key: &str) -> Option<PathBuf> {
    env.state_dir()
        .map(|d| d.join("locks").join(format!("{key}.failed")))
}

/// Records that the call behind lock `key` failed with `err`. Only failures another process
/// would meet too are shared: the service's, and a session the service ended.
pub fn record(env: &Env, key: &str, err: &SsoError) {
    let (kind, operation, message) = match err {
        SsoError::Service { operation, message } => ("service", *operation, message.as_str()),
        SsoError::SessionEnded => ("ended", "CreateToken", ""),
        _ => return,
    };
    let Some(path) = path(env, key) else { return };
    let body = json!({
        "at": Timestamp::now().as_millisecond(),
        "kind": kind,
        "operation": operation,
        "message": message,
    });
    // Best effort: without the record, waiters just try again themselves.
    let _ = fsutil::write_private(&path, body.to_string().as_bytes());
}

/// Forgets the failure behind lock `key` (the call succeeded).
pub fn clear(env: &Env, key: &str) {
    if let Some(path) = path(env, key) {
        let _ = fsutil::remove_if_exists(&path);
    }
}

/// The failure recorded behind lock `key` since `asking_since` (when this process began the work
/// it queued for) and less than [`LIFETIME`] ago, as the error to return.
pub fn recent(env: &Env, key: &str, asking_since: Timestamp) -> Option<SsoError> {
    let bytes = fsutil::read_regular(&path(env, key)?).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    let at = Timestamp::from_millisecond(value.get("at")?.as_i64()?).ok()?;
    let age = Timestamp::now().duration_since(at);
    if at.as_millisecond() < asking_since.as_millisecond()
        || age.is_negative()
        || age.unsigned_abs() >= LIFETIME
    {
        return None;
    }
    match value.get("kind")?.as_str()? {
        "ended" => Some(SsoError::SessionEnded),
        "service" => {
            let operation = match value.get("operation")?.as_str()? {
                "GetRoleCredentials" => "GetRoleCredentials",
                _ => "CreateToken",
            };
            let message = value.get("message")?.as_str()?;
            Some(SsoError::Service {
                operation,
                message: format!(
                    "{message} (another ssoenv process's call failed {:.1} s ago; not retried)",
                    age.as_secs_f64()
                ),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_shared_with_those_already_asking_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_map([("SSOENV_CACHE_DIR", dir.path())]);
        std::fs::create_dir_all(dir.path().join("locks")).unwrap();
        let asking = Timestamp::now();
        assert!(recent(&env, "k", asking).is_none());
        let err = SsoError::Service {
            operation: "CreateToken",
            message: "InternalServerException: boom".into(),
        };
        record(&env, "k", &err);
        let shared = recent(&env, "k", asking).unwrap().to_string();
        assert!(
            shared.contains("CreateToken") && shared.contains("boom"),
            "{shared}"
        );
        assert!(recent(&env, "other", asking).is_none());
        // A process that began asking after the failure asks the service itself.
        std::thread::sleep(Duration::from_millis(5));
        assert!(recent(&env, "k", Timestamp::now()).is_none());
        clear(&env, "k");
        assert!(recent(&env, "k", asking).is_none());
        // Errors of this process only are not shared.
        record(&env, "k", &SsoError::Login("denied".into()));
        assert!(recent(&env, "k", asking).is_none());
    }
}
