//! `ssoenv exec PROFILE -- CMD ARGS...`: credentials mode, then the command replaces ssoenv, so
//! its signals and exit status are its own.

use std::process::Command;

use crate::cli::ExecArgs;
use crate::credentials::contract::{self, Change};
use crate::env::Env;
use crate::error::{Error, exit};

pub fn run(args: ExecArgs, env: &Env) -> Result<(), Error> {
    let (profile, words) = args.split();
    let Some((program, rest)) = words.split_first() else {
        return Err(Error::message(
            exit::USAGE,
            "no command given: run `ssoenv exec PROFILE -- COMMAND [ARGS...]`",
        ));
    };
    let selected = super::Selected::load(env, profile.as_deref())?;
    let creds = selected.credentials(env, false)?;
    let mut command = Command::new(program);
    command.args(rest);
    for change in contract::credentials_mode(
        &selected.profile.name,
        &creds,
        selected.profile.region.as_deref(),
    ) {
        match change {
            Change::Set(name, value) => command.env(name, value),
            Change::Unset(name) => command.env_remove(name),
        };
    }
    let program = program.to_string_lossy();
    let cannot_run = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::message(exit::NOT_FOUND, format!("command not found: {program}"))
        }
        _ => Error::message(exit::CANNOT_EXECUTE, format!("cannot run {program}: {e}")),
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns on failure.
        Err(cannot_run(command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(cannot_run)?;
        Err(Error::SilentExit(
            status.code().map_or(exit::FAILURE, |c| c as u8),
        ))
    }
}
