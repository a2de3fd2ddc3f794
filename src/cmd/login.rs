//! `ssoenv login`: log in to a profile's (or a named) sso-session, once for all its profiles.

use jiff::Timestamp;

use crate::active::{ActiveError, Selected};
use crate::cli::LoginArgs;
use crate::config::AwsConfig;
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::{self, LoginOptions, Outcome};
use crate::time::human;

pub fn run(args: LoginArgs, env: &Env, report: &Reporter) -> Result<(), Error> {
    let (session, profile, configured_device_code) = match &args.sso_session {
        Some(name) => {
            let config = AwsConfig::load(env)?;
            let session = config.named_session(name)?;
            (session, None, config.use_device_code(None, Some(name)))
        }
        None => {
            let selected = Selected::load(env, args.profile.name())?;
            let session = selected.sso_session()?;
            let device = selected.login_options().use_device_code;
            (session, Some(selected.profile.name.clone()), device)
        }
    };
    let options = LoginOptions {
        profile,
        use_device_code: args.use_device_code || configured_device_code,
        no_browser: args.no_browser,
        force: args.force,
        redirect_port: args.redirect_port,
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
