//! One file per subcommand, each a thin composition of the layers below (`active`, `config`,
//! `sso`, `credentials`, `shell`); they report what happened through the [`Reporter`] made here.

mod console;
mod credential_process;
mod doctor;
mod env;
mod exec;
mod init;
mod list;
mod login;
mod logout;
mod prompt;
mod sandbox;
mod serve;
mod sync;
mod whoami;

use std::io::{self, Write};

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;

pub fn run(cli: Cli) -> Result<(), Error> {
    let env = Env::process();
    let report = Reporter::stderr();
    let mut stdout = io::BufWriter::new(io::stdout());
    let result = match cli.command {
        Command::List(args) => list::run(args, &env, &report, &mut stdout),
        Command::Env(args) => env::run(args, &env, &report, &mut stdout),
        Command::Exec(args) => exec::run(args, &env, &report),
        Command::Serve(args) => serve::run(args, &env, &report, &mut stdout),
        Command::CredentialProcess(args) => {
            credential_process::run(args, &env, &report, &mut stdout)
        }
        Command::Whoami(args) => whoami::run(args, &env, &report, &mut stdout),
        Command::Console(args) => console::run(args, &env, &report, &mut stdout),
        Command::Prompt(args) => prompt::run(args, &env, &mut stdout),
        Command::Init(args) => init::run(args, &mut stdout),
        Command::Sandbox(args) => sandbox::run(args, &env),
        Command::Doctor(args) => doctor::run(args, &env, &mut stdout),
        Command::Sync(args) => sync::run(args, &env, &report, &mut stdout),
        Command::Login(args) => login::run(args, &env, &report),
        Command::Logout(args) => logout::run(args, &env, &report),
    };
    result.and(stdout.flush().map_err(Error::from))
}
