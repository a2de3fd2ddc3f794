//! One file per subcommand, each a thin composition of `config`, `sso`, `credentials` and `shell`.

mod list;

use std::io::{self, Write};

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::{Error, exit};

pub fn run(cli: Cli) -> Result<(), Error> {
    let env = Env::process();
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let result = match cli.command {
        Command::List(args) => list::run(args, &env, &mut stdout),
        other => Err(Error::message(
            exit::FAILURE,
            format!("not built yet: {other:?}"),
        )),
    };
    result.and(stdout.flush().map_err(Error::from))
}
