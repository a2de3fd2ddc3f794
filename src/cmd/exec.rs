//! `ssoenv exec PROFILE -- CMD ARGS...`: credentials mode, then the command replaces ssoenv, so
//! its signals and exit status are its own. With `--server`, ssoenv stays the command's parent
//! and serves it credentials from a loopback endpoint for as long as it runs.

use std::ffi::OsString;
use std::process::Command;

use crate::active::{Selected, guard};
use crate::child::{self, ChildError};
use crate::cli::ExecArgs;
use crate::config::chain;
use crate::credentials::contract;
use crate::credentials::endpoint::{Endpoint, Source};
use crate::env::{Env, EnvChange};
use crate::error::Error;
use crate::exit;
use crate::report::Reporter;
use crate::runtime;

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
    if args.server {
        return serve_child(&selected, &words, env, report);
    }
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
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns on failure.
        let e = command.exec();
        Err(match e.kind() {
            std::io::ErrorKind::NotFound => ChildError::NotFound {
                command: program.into_owned(),
            },
            _ => ChildError::CannotExecute {
                command: program.into_owned(),
                source: e,
            },
        }
        .into())
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|source| ChildError::CannotExecute {
                command: program.into_owned(),
                source,
            })?;
        Err(Error::SilentExit(
            status.code().map_or(exit::FAILURE, |c| c as u8),
        ))
    }
}

/// Runs the command beside the endpoint; the endpoint (and its port) ends when the command does.
fn serve_child(
    selected: &Selected,
    words: &[OsString],
    env: &Env,
    report: &Reporter,
) -> Result<(), Error> {
    let chain = chain::chain(&selected.config.set, &selected.profile.name)?;
    let region = selected.profile.region.as_deref();
    let hint = selected.login_hint();
    let runtime = runtime::start()?;
    let endpoint = runtime.block_on(Endpoint::bind())?;
    let changes = endpoint.env_changes(selected.profile.account_id(), region);
    let set: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|c| match c {
            EnvChange::Set(name, value) => Some((name.as_ref(), value.as_str())),
            EnvChange::Unset(_) => None,
        })
        .collect();
    let remove: Vec<&str> = changes
        .iter()
        .filter(|c| matches!(c, EnvChange::Unset(_)))
        .map(EnvChange::name)
        .collect();
    let source = Source {
        set: &selected.config.set,
        chain: &chain,
        region,
        login_hint: &hint,
    };
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let code = std::thread::scope(|scope| {
        // The command and the signals passed on to it have a thread of their own: a fetch that
        // waits for another process's lock stalls the endpoint's thread, never them.
        let waiter = scope.spawn(move || {
            let code = runtime::start()
                .map_err(Error::from)
                .and_then(|own| Ok(own.block_on(child::run(words, &set, &remove))?));
            // The endpoint may have stopped already; the status is what matters.
            let _ = done.send(());
            code
        });
        runtime.block_on(async {
            tokio::select! {
                _ = finished => {}
                never = endpoint.serve(env, report, source) => match never {},
            }
        });
        waiter
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    match code {
        0 => Ok(()),
        code => Err(Error::SilentExit(code)),
    }
}
