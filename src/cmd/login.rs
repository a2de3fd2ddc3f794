//! `ssoenv login`: log in to a profile's (or a named) sso-session, once for all its profiles.

use std::io::Write;

use jiff::Timestamp;

use super::prompt::human;
use crate::cli::LoginArgs;
use crate::config::{AwsConfig, SsoSession, profile};
use crate::env::Env;
use crate::error::{Error, exit};
use crate::sso::{self, LoginOptions, Outcome};

pub fn run(args: LoginArgs, env: &Env) -> Result<(), Error> {
    let (session, profile) = match &args.sso_session {
        Some(name) => (named_session(env, name)?, None),
        None => {
            let selected = super::Selected::load(env, args.profile.name())?;
            (selected.sso_session()?, Some(selected.profile.name.clone()))
        }
    };
    let options = LoginOptions {
        profile,
        use_device_code: args.use_device_code,
        no_browser: args.no_browser,
        force: args.force,
    };
    let outcome = super::runtime()?.block_on(sso::login(env, &session, options))?;
    let label = session.label();
    let left = |at: Timestamp| human(at.duration_since(Timestamp::now()));
    let mut err = std::io::stderr();
    match outcome {
        Outcome::AlreadyValid { expires_at } => {
            writeln!(
                err,
                "ssoenv: already logged in to {label} ({} left; --force logs in again)",
                left(expires_at)
            )?;
        }
        Outcome::Refreshed { expires_at } => {
            writeln!(
                err,
                "ssoenv: refreshed the token of {label} ({} left)",
                left(expires_at)
            )?;
        }
        Outcome::LoggedIn { .. } => {}
    }
    Ok(())
}

pub fn named_session(env: &Env, name: &str) -> Result<SsoSession<'static>, Error> {
    let config = AwsConfig::load(env)?;
    let session = profile::sso_session(&config.set, name)?.map(SsoSession::into_owned);
    session.ok_or_else(|| {
        Error::message(
            exit::CONFIG,
            format!(
                "there is no [sso-session {name}] in {}",
                config.locations.config.display()
            ),
        )
    })
}
