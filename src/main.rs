use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use ssoenv::cli::Cli;
use ssoenv::error::Error;

fn main() -> ExitCode {
    // `COMPLETE=bash ssoenv` prints the completion registration; completion requests end here too.
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .shells(ssoenv::cli::COMPLETION_SHELLS)
        .complete();
    let cli = Cli::parse();
    match ssoenv::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(Error::SilentExit(code)) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ssoenv: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
