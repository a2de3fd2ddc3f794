//! One refresh and one login per session at a time, across processes: an exclusive OS file lock
//! (`flock`) on `<state>/locks/<key>.lock`. The kernel releases it when the process exits or is
//! killed, so a crash or Ctrl-C never leaves a lock behind that blocks the next run — the file's
//! mere existence means nothing.
//!
//! Two locks per session, so that nobody waits on a person while holding what others need:
//! the session's lock is held only to read, decide and write its token (a refresh, storing a new
//! login's token, a logout's delete); the login lock is held across a whole login, including the
//! wait for the browser or the device approval, and only other logins take it — they wait for
//! the first one's outcome and then find its token, so however many shells ask, one browser
//! opens. Order: key locks (role credentials), then the login lock, then the session's; never
//! the other way round.

use std::fs::{File, OpenOptions};

use super::error::SsoError;
use crate::config::SsoSession;
use crate::env::Env;
use crate::fsutil;
use crate::pyjson::sha1_hex;

/// Held while alive.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

impl SessionLock {
    /// Waits until no other process holds the session's lock, then holds it.
    pub fn acquire(env: &Env, session: &SsoSession<'_>) -> Result<Self, SsoError> {
        Self::acquire_key(env, &sha1_hex(session.cache_identifier()))
    }

    /// The session's login lock: held for a whole login, taken only by logins (see the module
    /// comment). Never take it while holding the session's lock.
    pub fn acquire_login(env: &Env, session: &SsoSession<'_>) -> Result<Self, SsoError> {
        Self::acquire_key(
            env,
            &format!("login-{}", sha1_hex(session.cache_identifier())),
        )
    }

    /// A lock by key: a token file's name without `.json` (for `logout --all`, which knows the
    /// files but not their sessions), or a role-credential cache key (fetched once for many
    /// processes). Take key locks before the session's, never while holding it.
    pub fn acquire_key(env: &Env, key: &str) -> Result<Self, SsoError> {
        let dir = env
            .state_dir()
            .ok_or_else(|| SsoError::Cache(std::io::Error::other("no folder for ssoenv's state")))?
            .join("locks");
        fsutil::ensure_private_dir(&dir).map_err(SsoError::Cache)?;
        let path = dir.join(format!("{key}.lock"));
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        // 0600 whatever the umask, like every file ssoenv writes.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(SsoError::Cache)?;
        file.lock().map_err(SsoError::Cache)?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SsoSession<'static> {
        SsoSession {
            name: Some("s".into()),
            start_url: "https://x".into(),
            region: "us-east-1".into(),
            registration_scopes: None,
        }
    }

    #[test]
    fn a_login_in_progress_does_not_hold_the_session_lock() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_map([("SSOENV_CACHE_DIR", dir.path())]);
        let session = session();
        let _login = SessionLock::acquire_login(&env, &session).unwrap();
        // Taken at once: a refresh never waits for a login's person.
        let _session = SessionLock::acquire(&env, &session).unwrap();
        let file = std::fs::read_dir(dir.path().join("locks"))
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().starts_with("login-"))
            .expect("a login lock file");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_map([("SSOENV_CACHE_DIR", dir.path())]);
        let session = session();
        let first = SessionLock::acquire(&env, &session).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let env = env.clone();
            let session = session.clone();
            std::thread::spawn(move || {
                let _second = SessionLock::acquire(&env, &session).unwrap();
                tx.send(()).unwrap();
            })
        };
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "the lock was not exclusive"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("the lock was never released");
        waiter.join().unwrap();
    }
}
