//! `ssoenv serve PROFILE`: the loopback credential endpoint of `exec --server` without a command,
//! for IDEs, containers and several terminals. Prints the variables that point a shell at it,
//! then serves until interrupted.

use std::io::Write;

use crate::active::Selected;
use crate::child::Signals;
use crate::cli::ServeArgs;
use crate::config::chain;
use crate::credentials::endpoint::{Endpoint, Source};
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::runtime;
use crate::shell::{self, ShellKind};

pub fn run(
    args: ServeArgs,
    env: &Env,
    report: &Reporter,
    out: &mut dyn Write,
) -> Result<(), Error> {
    // Told apart before any work, so a wrong shell fails fast and serves nothing.
    let kind = match args.shell {
        Some(kind) => kind,
        None => ShellKind::from_env(env)?,
    };
    let selected = Selected::load(env, args.profile.name())?;
    let chain = chain::chain(&selected.config.set, &selected.profile.name)?;
    let region = selected.profile.region.as_deref();
    let hint = selected.login_hint();
    let runtime = runtime::start()?;
    runtime.block_on(async {
        let mut signals = Signals::install()?;
        let endpoint = Endpoint::bind().await?;
        let changes = endpoint.env_changes(selected.profile.account_id(), region);
        out.write_all(shell::render(kind, &changes)?.as_bytes())?;
        out.flush()?;
        report.say(&format!(
            "ssoenv serve: serving the credentials of `{}` on 127.0.0.1:{} until interrupted\n",
            selected.profile.name,
            endpoint.port()
        ));
        let source = Source {
            set: &selected.config.set,
            chain: &chain,
            region,
            login_hint: &hint,
        };
        tokio::select! {
            _ = signals.next() => Ok(()),
            never = endpoint.serve(env, report, source) => match never {},
        }
    })
}
