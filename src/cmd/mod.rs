//! One file per subcommand, each a thin composition of `config`, `sso`, `credentials` and `shell`.

mod credential_process;
mod env;
mod exec;
mod init;
mod list;
mod login;
mod logout;
mod prompt;
mod sandbox;
mod status;
mod whoami;

use std::io::{self, Write};

use crate::cli::{Cli, Command};
use jiff::Timestamp;

use crate::config::profile::ChainBase;
use crate::config::{AwsConfig, ConfigError, Profile, ProfileKind, SsoSession, profile};
use crate::credentials::{self, Credentials, CredentialsError};
use crate::env::Env;
use crate::error::{Error, exit};
use crate::sso::{self, LoginOptions, SsoError, TokenStatus};

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
        Command::Login(args) => login::run(args, &env),
        Command::Logout(args) => logout::run(args, &env),
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
        // After `asp -c dev` only SSOENV_PROFILE names the profile in use.
        let name = name
            .map(str::to_string)
            .or_else(|| env.var("SSOENV_PROFILE"))
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

    /// The IAM Identity Center session the profile logs in through, directly or at the root of
    /// its role chain.
    fn sso_session(&self) -> Result<SsoSession<'static>, Error> {
        if let ProfileKind::SsoToken { session } | ProfileKind::Sso { session, .. } =
            &self.profile.kind
        {
            return Ok(session.clone());
        }
        match profile::chain(&self.config.set, &self.profile.name)?.base {
            ChainBase::Sso { session, .. } => Ok(session),
            _ => Err(Error::message(
                exit::CONFIG,
                format!(
                    "profile `{}` does not log in through IAM Identity Center",
                    self.profile.name
                ),
            )),
        }
    }

    fn login_hint(&self) -> String {
        format!("ssoenv login {}", self.profile.name)
    }

    /// A login on this profile's behalf, through its endpoint settings.
    fn login_options(&self) -> LoginOptions {
        LoginOptions {
            profile: Some(self.profile.name.clone()),
            ..LoginOptions::default()
        }
    }

    /// Logs in first when the profile's SSO session needs it (`env --login`, what `asp` runs).
    /// Local state decides; a token that refreshes silently needs nothing.
    fn ensure_logged_in(&self, env: &Env) -> Result<(), Error> {
        let Ok(session) = self.sso_session() else {
            return Ok(());
        };
        match sso::token_status(env, &session, Timestamp::now()) {
            TokenStatus::Valid { .. } | TokenStatus::Refreshable { .. } => Ok(()),
            TokenStatus::Expired { .. } | TokenStatus::Missing => {
                runtime()?.block_on(sso::login(env, &session, self.login_options()))?;
                Ok(())
            }
        }
    }

    /// The profile's credentials: from local state when fresh, else through the network; with
    /// `login`, a session that needs it is logged in to first.
    fn credentials(&self, env: &Env, login: bool) -> Result<Credentials, Error> {
        let chain = profile::chain(&self.config.set, &self.profile.name)?;
        if let Some(creds) = credentials::cached(env, &self.config.set, &chain, Timestamp::now()) {
            return Ok(creds);
        }
        let hint = self.login_hint();
        let region = self.profile.region.as_deref();
        let runtime = runtime()?;
        let resolve = || credentials::resolve(env, &self.config.set, &chain, region, &hint);
        match runtime.block_on(resolve()) {
            Err(CredentialsError::Sso(SsoError::LoginRequired { .. })) if login => {
                runtime.block_on(sso::login(env, &self.sso_session()?, self.login_options()))?;
                Ok(runtime.block_on(resolve())?)
            }
            result => Ok(result?),
        }
    }
}

/// A single-threaded runtime, started only on paths that need the network.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
