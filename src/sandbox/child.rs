//! Running a command against the sandbox: its own environment, signals passed on, and its exit
//! status handed back the way a shell reports it.

use std::ffi::OsString;
use std::io;
use std::process::ExitStatus;

use tokio::signal::unix::{SignalKind, signal};

use super::SandboxError;

/// Runs `argv` (no shell) with `set` added to and `remove` taken from the environment, passes
/// SIGINT and SIGTERM on to it, and returns its exit code (128 + signal when it was killed).
pub async fn run(
    argv: &[OsString],
    set: &[(&'static str, OsString)],
    remove: &[&str],
) -> Result<u8, SandboxError> {
    let Some((program, args)) = argv.split_first() else {
        return Ok(0);
    };
    let name = program.to_string_lossy().into_owned();
    // Installed before the child exists, so a Ctrl-C never kills the sandbox out from under it.
    let mut interrupt = signal(SignalKind::interrupt()).map_err(SandboxError::Signals)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(SandboxError::Signals)?;
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    for var in remove {
        command.env_remove(var);
    }
    command.envs(set.iter().map(|(k, v)| (k, v)));
    let mut child = command.spawn().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => SandboxError::CommandNotFound {
            command: name.clone(),
        },
        _ => SandboxError::CannotExecute {
            command: name.clone(),
            source,
        },
    })?;
    let pid = child.id().and_then(|p| libc::pid_t::try_from(p).ok());
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.map_err(|source| SandboxError::CannotExecute {
                    command: name.clone(),
                    source,
                })?;
                return Ok(exit_code(status));
            }
            Some(()) = interrupt.recv() => forward(pid, libc::SIGINT),
            Some(()) = terminate.recv() => forward(pid, libc::SIGTERM),
        }
    }
}

fn forward(pid: Option<libc::pid_t>, signal: libc::c_int) {
    if let Some(pid) = pid {
        // SAFETY: kill(2) has no memory effects; the child is not reaped yet (we are still
        // waiting for it), so the pid cannot name another process.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// The code a shell would report for `status`.
fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(255),
        (None, None) => 1,
    }
}
