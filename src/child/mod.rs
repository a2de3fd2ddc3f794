//! Running a command while ssoenv stays its parent (`sandbox -- CMD`, `exec --server`): its own
//! environment, signals passed on, and its exit status handed back the way a shell reports it.

pub mod error;

use std::ffi::{OsStr, OsString};
use std::io;
use std::process::ExitStatus;

pub use error::ChildError;

/// The stop requests a parent listens for: SIGINT, SIGTERM and SIGHUP (the terminal closed) on
/// Unix, Ctrl-C elsewhere.
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    /// Starts listening; from then on these signals no longer end the process by default.
    pub fn install() -> Result<Self, ChildError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt()).map_err(ChildError::Signals)?,
                terminate: signal(SignalKind::terminate()).map_err(ChildError::Signals)?,
                hangup: signal(SignalKind::hangup()).map_err(ChildError::Signals)?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for the next request and returns its signal number (`None` where there are none).
    pub async fn next(&mut self) -> Option<i32> {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Some(libc::SIGINT),
                _ = self.terminate.recv() => Some(libc::SIGTERM),
                _ = self.hangup.recv() => Some(libc::SIGHUP),
            }
        }
        #[cfg(not(unix))]
        {
            // Without Ctrl-C support there is nothing to wait for but the end of the process.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            None
        }
    }
}

/// Runs `argv` (no shell) with `set` added to and `remove` taken from the environment, passes
/// SIGINT, SIGTERM and SIGHUP on to it, and returns its exit code (128 + signal when it was killed).
pub async fn run<K: AsRef<OsStr>, V: AsRef<OsStr>>(
    argv: &[OsString],
    set: &[(K, V)],
    remove: &[&str],
) -> Result<u8, ChildError> {
    let Some((program, args)) = argv.split_first() else {
        return Ok(0);
    };
    let name = program.to_string_lossy().into_owned();
    // Installed before the child exists, so a Ctrl-C never kills ssoenv out from under it.
    let mut signals = Signals::install()?;
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    for var in remove {
        command.env_remove(var);
    }
    command.envs(set.iter().map(|(k, v)| (k, v)));
    let mut child = command.spawn().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ChildError::NotFound {
            command: name.clone(),
        },
        _ => ChildError::CannotExecute {
            command: name.clone(),
            source,
        },
    })?;
    let pid = child.id();
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.map_err(|source| ChildError::CannotExecute {
                    command: name.clone(),
                    source,
                })?;
                return Ok(exit_code(status));
            }
            Some(signal) = signals.next() => forward(pid, signal),
        }
    }
}

#[cfg(unix)]
fn forward(pid: Option<u32>, signal: i32) {
    if let Some(pid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: kill(2) has no memory effects; the child is not reaped yet (we are still
        // waiting for it), so the pid cannot name another process.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Console children receive Ctrl-C themselves; there is nothing to pass on.
#[cfg(not(unix))]
fn forward(_pid: Option<u32>, _signal: i32) {}

/// The code a shell would report for `status`.
fn exit_code(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(255);
        }
    }
    1
}
