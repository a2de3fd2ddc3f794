//! `ssoenv init SHELL [--cmd NAME]`: the hook that defines `asp` and registers completion, naming
//! this very binary by its absolute path.

use std::io::Write;

use crate::cli::InitArgs;
use crate::error::Error;

pub fn run(args: InitArgs, out: &mut dyn Write) -> Result<(), Error> {
    let exe = std::env::current_exe()?;
    let hook = crate::shell::init(args.shell, &exe, &args.cmd)?;
    out.write_all(hook.as_bytes())?;
    Ok(())
}
