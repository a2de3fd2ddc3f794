//! `ssoenv login`: log in to a profile's (or a named) sso-session, once for all its profiles.

use jiff::Timestamp;

use crate::active::{ActiveError, Selected};
use crate::cli::LoginArgs;
use crate::config::AwsConfig;
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::{self, ClientSettings, LoginOptions, Outcome};
use crate::time::human;

pub fn run(args: LoginArgs, env: &Env, report: &Reporter) -> Result<(), Error> {
    // A named sso-session is served through the endpoints of the profile the SDKs would pick.
    let (session, client, profile) = match &args.sso_session {
        Some(name) => {
            let config = AwsConfig::load(env)?;
            let client = ClientSettings::for_profile(env, &config.set, None);
            (config.named_session(name)?, client, None)
        }
        None => {
            let selected = Selected::load(env, args.profile.name())?;
            let name = selected.profile.name.clone();
            let client = ClientSettings::for_profile(env, &selected.config.set, Some(&name));
            (selected.sso_session()?, client, Some(name))
        }
    };
    let options = LoginOptions {
        client: client.map_err(sso::SsoError::Settings)?,
        profile,
        use_device_code: args.use_device_code,
        no_browser: args.no_browser,
        force: args.force,
    };
    let runtime = runtime::start().map_err(ActiveError::Runtime)?;
    let outcome = runtime.block_on(sso::login(env, report, &session, options))?;
    let label = session.label();
    let left = |at: Timestamp| human(at.duration_since(Timestamp::now()));
    match outcome {
        Outcome::AlreadyValid { expires_at } => report.say(&format!(
            "ssoenv: already logged in to {label} ({} left; --force logs in again)\n",
            left(expires_at)
        )),
        Outcome::Refreshed { expires_at } => report.say(&format!(
            "ssoenv: refreshed the token of {label} ({} left)\n",
            left(expires_at)
        )),
        Outcome::LoggedIn { .. } => {}
    }
    Ok(())
}
