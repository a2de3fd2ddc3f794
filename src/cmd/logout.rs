//! `ssoenv logout`: revoke and delete a session's token, and the credentials cached from it.

use std::io::Write;

use crate::cli::LogoutArgs;
use crate::config::profile::{self, ChainBase};
use crate::config::{AwsConfig, SsoSession};
use crate::credentials::cache;
use crate::env::Env;
use crate::error::Error;
use crate::fsutil;
use crate::sso;

pub fn run(args: LogoutArgs, env: &Env) -> Result<(), Error> {
    let runtime = super::runtime()?;
    let mut err = std::io::stderr();
    if args.all {
        let tokens = runtime.block_on(sso::logout::logout_all(env))?;
        writeln!(err, "ssoenv: logged out of {tokens} session(s)")?;
        return Ok(());
    }
    let session = match &args.sso_session {
        Some(name) => super::login::named_session(env, name)?,
        None => super::Selected::load(env, args.profile.name())?.sso_session()?,
    };
    let config = AwsConfig::load(env)?;
    let (roles, assumed) = derived_from(&config, &session);
    let had_token = runtime.block_on(sso::logout::logout(env, &session, &roles))?;
    // Roles assumed on top of this session's credentials were derived from it too.
    if let Some(dir) = env.cli_cache_dir() {
        for key in assumed {
            fsutil::remove_if_exists(&dir.join(format!("{key}.json")))?;
        }
    }
    let label = session.label();
    if had_token {
        writeln!(err, "ssoenv: logged out of {label}")?;
    } else {
        writeln!(
            err,
            "ssoenv: not logged in to {label}; removed its cached credentials"
        )?;
    }
    Ok(())
}

/// The (account, role) pairs of the session's SSO profiles, and the cache keys of the roles
/// assumed on top of them.
fn derived_from(
    config: &AwsConfig,
    session: &SsoSession<'_>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut roles = Vec::new();
    let mut assumed = Vec::new();
    for name in config.set.profiles.keys() {
        let Ok(chain) = profile::chain(&config.set, name) else {
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
            roles.push((account_id.clone(), role_name.clone()));
            assumed.extend(chain.roles.iter().map(cache::assume_role_key));
        }
    }
    (roles, assumed)
}
