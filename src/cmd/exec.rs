//! `ssoenv exec PROFILE -- CMD ARGS...`: credentials mode, then the command replaces ssoenv, so
//! its signals and exit status are its own.

use std::process::Command;

use crate::active::{Selected, guard};
use crate::cli::ExecArgs;
use crate::credentials::contract;
use crate::env::Env;
use crate::error::Error;
use crate::exit;
use crate::report::Reporter;

pub fn run(args: ExecArgs, env: &Env, report: &Reporter) -> Result<(), Error> {
    let (profile, words) = args.split();
    let Some((program, rest)) = words.split_first() else {
        return Err(Error::message(
            exit::USAGE,
            "no command given: run `ssoenv exec PROFILE -- COMMAND [ARGS...]`",
        ));
    };
    let selected = Selected::load(env, profile.as_deref())?;
    guard::confirm(env, report, &selected, args.yes)?;
    let creds = selected.credentials(env, report, env.may_log_in(args.no_login))?;
    let mut command = Command::new(program);
    command.args(rest);
    for change in contract::credentials_mode(
        &selected.profile.name,
        &creds,
        selected.profile.region.as_deref(),
    ) {
        change.apply(&mut command);
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
