//! `ssoenv logout`: delete a session's token and the credentials cached from it, then ask the
//! service to revoke the token. The user asked to be logged out of this machine: that happens
//! first and always; a service that refuses or does not answer within a few seconds is a
//! warning, and a Ctrl-C while it is asked leaves nothing behind.

use crate::active::{ActiveError, Selected};
use crate::cli::LogoutArgs;
use crate::config::chain::{self, ChainBase};
use crate::config::{AwsConfig, SsoSession};
use crate::credentials::{CredentialsError, cache};
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::logout::{Forgotten, REVOKE_DEADLINE};
use crate::sso::{self, ClientSettings, SsoError};

pub fn run(args: LogoutArgs, env: &Env, report: &Reporter) -> Result<(), Error> {
    if args.all {
        let forgotten = sso::logout::forget_all(env)?;
        cache::remove_all_sso(env).map_err(CredentialsError::Cache)?;
        let tokens = forgotten.len();
        revoke(env, forgotten, report)?;
        report.say(&format!("ssoenv: logged out of {tokens} session(s)\n"));
        return Ok(());
    }
    let config = AwsConfig::load(env)?;
    let session = match &args.sso_session {
        Some(name) => config.named_session(name)?,
        None => Selected::load(env, args.profile.name())?.sso_session()?,
    };
    // The token first: a role-credential fetch in flight writes only while it is there.
    let forgotten = sso::logout::forget(env, report, &session)?;
    let (roles, assumed) = derived_from(&config, &session);
    for key in roles {
        cache::remove_sso(env, &key).map_err(CredentialsError::Cache)?;
    }
    for key in assumed {
        cache::remove(env, &key).map_err(CredentialsError::Cache)?;
    }
    let label = session.label();
    let had_token = forgotten.is_some();
    revoke(env, forgotten.into_iter().collect(), report)?;
    if had_token {
        report.say(&format!("ssoenv: logged out of {label}\n"));
    } else {
        report.say(&format!(
            "ssoenv: not logged in to {label}; removed its cached credentials\n"
        ));
    }
    Ok(())
}

/// Revokes what was deleted, within [`REVOKE_DEADLINE`]; what the service did not confirm is a
/// warning, not a failure.
/// The clients follow the endpoints of the profile the SDKs would pick (the token files do not
/// say which profile logged in).
fn revoke(env: &Env, forgotten: Vec<Forgotten>, report: &Reporter) -> Result<(), Error> {
    if forgotten.is_empty() {
        return Ok(());
    }
    let settings = ClientSettings::for_default_profile(env).map_err(SsoError::Settings)?;
    let runtime = runtime::start().map_err(ActiveError::Runtime)?;
    let revoking = sso::logout::revoke(forgotten, &settings, REVOKE_DEADLINE);
    for (label, why) in runtime.block_on(revoking) {
        report.warn(&format!(
            "logged out of {label} on this machine; the service did not confirm the revoke: {why}"
        ));
    }
    Ok(())
}

/// The role-credential cache keys derived from the session: its SSO profiles' role credentials,
/// and the roles assumed on top of them.
fn derived_from(config: &AwsConfig, session: &SsoSession<'_>) -> (Vec<String>, Vec<String>) {
    let (mut roles, mut assumed) = (Vec::new(), Vec::new());
    for name in config.set.profiles.keys() {
        let Ok(chain) = chain::chain(&config.set, name) else {
            continue;
        };
        if let ChainBase::Sso {
            session: s,
            account_id,
            role_name,
            ..
        } = &chain.base
            && s == session
        {
            roles.push(cache::sso_key(s, account_id, role_name));
            assumed.extend(chain.roles.iter().map(cache::assume_role_key));
        }
    }
    (roles, assumed)
}
