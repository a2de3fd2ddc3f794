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
    let (session, configured) = match &args.sso_session {
        Some(name) => {
            let config = AwsConfig::load(env)?;
            let configured = LoginOptions {
                client: ClientSettings::for_profile(env, &config.set, None)
                    .map_err(sso::SsoError::Settings)?,
                use_device_code: config.use_device_code(None, Some(name)),
                ..LoginOptions::default()
            };
            (config.named_session(name)?, configured)
        }
        None => {
            let selected = Selected::load(env, args.profile.name())?;
            (selected.sso_session()?, selected.login_options(env)?)
        }
    };
    let options = LoginOptions {
        use_device_code: args.use_device_code || configured.use_device_code,
        no_browser: args.no_browser,
        force: args.force,
        redirect_port: args.redirect_port,
        ..configured
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
