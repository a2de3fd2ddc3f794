//! `ssoenv env`: a script that the shell evaluates to switch profile (profile mode), export the
//! profile's credentials (credentials mode) or clear both.

use std::io::Write;

use crate::active::{Selected, guard};
use crate::cli::EnvArgs;
use crate::credentials::contract;
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::shell::{self, ShellKind};

pub fn run(args: EnvArgs, env: &Env, report: &Reporter, out: &mut dyn Write) -> Result<(), Error> {
    // Told apart before any work, so a wrong shell fails fast and prints nothing.
    let kind = match args.shell {
        Some(kind) => kind,
        None => ShellKind::from_env(env)?,
    };
    let changes = if args.unset {
        contract::clear()
    } else {
        let selected = Selected::load(env, args.profile.name())?;
        guard::confirm(env, report, &selected, args.yes)?;
        let name = &selected.profile.name;
        let region = selected.profile.region.as_deref();
        if args.credentials {
            let login = if args.login {
                !env.login_disabled()
            } else {
                env.may_log_in(args.no_login)
            };
            let creds = selected.credentials(env, report, login)?;
            contract::credentials_mode(name, &creds, region)
        } else {
            if args.login && !env.login_disabled() {
                selected.ensure_logged_in(env, report)?;
            }
            contract::profile_mode(name, region)
        }
    };
    out.write_all(shell::render(kind, &changes)?.as_bytes())?;
    Ok(())
}
