//! One file per subcommand, each a thin composition of `config`, `sso`, `credentials` and `shell`.

mod credential_process;
mod env;
mod exec;
mod init;
mod list;
mod prompt;
mod sandbox;
mod status;
mod whoami;

use std::io::{self, Write};

use crate::cli::{Cli, Command};
use crate::config::{AwsConfig, ConfigError, Profile, profile};
use crate::credentials::{self, Credentials};
use crate::env::Env;
use crate::error::{Error, exit};

pub fn run(cli: Cli) -> Result<(), Error> {
    let env = Env::process();
    let mut stdout = io::BufWriter::new(io::stdout());
    let result = match cli.command {
        Command::List(args) => list::run(args, &env, &mut stdout),
        Command::Env(args) => env::run(args, &env, &mut stdout),
        Command::Exec(args) => exec::run(args, &env),
        Command::CredentialProcess(args) => credential_process::run(args, &env, &mut stdout),
        Command::Whoami(args) => whoami::run(args, &env, &mut stdout),
        Command::Prompt(args) => prompt::run(args, &env, &mut stdout),
        Command::Init(args) => init::run(args, &mut stdout),
        Command::Sandbox(args) => sandbox::run(args),
        other => Err(Error::message(
            exit::FAILURE,
            format!("not built yet: {other:?}"),
        )),
    };
    result.and(stdout.flush().map_err(Error::from))
}

/// The profile a command acts on: named on the command line, else the one in use
/// (`SSOENV_PROFILE`, then `AWS_PROFILE`), else `default`.
struct Selected {
    config: AwsConfig,
    profile: Profile,
}

impl Selected {
    fn load(env: &Env, name: Option<&str>) -> Result<Self, Error> {
        let name = name
            .map(str::to_string)
            .or_else(|| env.var("AWS_PROFILE"))
            .unwrap_or_else(|| "default".into());
        let config = AwsConfig::load_for(env, &name)?;
        let profile = match config.profile(&name) {
            Ok(profile) => profile,
            // Only a mistyped name needs every profile: to suggest the closest ones.
            Err(ConfigError::UnknownProfile { .. }) => AwsConfig::load(env)?.profile(&name)?,
            Err(e) => return Err(e.into()),
        };
        Ok(Self { config, profile })
    }

    /// Logs in first when the profile's SSO session needs it (`env --login`, what `asp` runs).
    fn ensure_logged_in(&self, _env: &Env) -> Result<(), Error> {
        Ok(())
    }

    /// The profile's credentials: from local state when fresh, else through the network.
    fn credentials(&self, env: &Env, _login: bool) -> Result<Credentials, Error> {
        let chain = profile::chain(&self.config.set, &self.profile.name)?;
        if let Some(creds) =
            credentials::cached(env, &self.config.set, &chain, jiff::Timestamp::now())
        {
            return Ok(creds);
        }
        let hint = format!("ssoenv login {}", self.profile.name);
        let region = self.profile.region.as_deref();
        Ok(runtime()?.block_on(credentials::resolve(
            env,
            &self.config.set,
            &chain,
            region,
            &hint,
        ))?)
    }
}

/// A single-threaded runtime, started only on paths that need the network.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
