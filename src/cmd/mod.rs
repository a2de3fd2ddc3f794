//! One file per subcommand, each a thin composition of `config`, `sso`, `credentials` and `shell`.

mod sandbox;

use crate::cli::{Cli, Command};
use crate::error::{Error, exit};

pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Sandbox(args) => sandbox::run(args),
        other => Err(Error::message(
            exit::FAILURE,
            format!("not built yet: {other:?}"),
        )),
    }
}
