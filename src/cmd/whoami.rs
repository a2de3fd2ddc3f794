//! `ssoenv whoami`: the active (or named) profile, its account, role and region, how long its
//! credentials and SSO session last, and whether it can be used now (its [`Standing`], also the
//! exit code) — from local state; `--verify` asks STS.

use std::io::Write;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::active::status::Standing;
use crate::active::{ActiveError, Selected, Status};
use crate::cli::WhoamiArgs;
use crate::credentials::{Credentials, sts};
use crate::env::Env;
use crate::error::Error;
use crate::exit;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::TokenStatus;
use crate::time::{cli_time, human};

pub fn run(
    args: WhoamiArgs,
    env: &Env,
    report: &Reporter,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let now = Timestamp::now();
    let active = env.active_profile();
    let (name, credentials_mode) = match args.profile.name() {
        Some(named) => (
            named.to_string(),
            active.credentials_mode() && active.name == named,
        ),
        None => (active.name.clone(), active.credentials_mode()),
    };
    // Resolve first so a broken or unknown profile gets its own clear error.
    let selected = Selected::load(env, Some(&name))?;
    // Verified first: a login or fetch it makes shows in the status read after it.
    let arn = if args.verify {
        Some(verify(
            env,
            report,
            &selected,
            credentials_mode,
            env.may_log_in(args.no_login),
        )?)
    } else {
        None
    };
    let status = Status::read(
        env,
        report,
        &selected.config.set,
        &name,
        credentials_mode,
        now,
    )
    .ok_or_else(|| Error::message(exit::CONFIG, format!("cannot read profile `{name}`")))?;
    let standing = status.standing(now);
    if args.json {
        let mut value = to_json(&status, now);
        value["state"] = json!(standing.label());
        if let Some(arn) = arn {
            value["arn"] = json!(arn);
        }
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?
        )?;
        return exit_for(standing);
    }
    let mut lines: Vec<(&str, String)> = vec![(
        "profile",
        format!(
            "{}{}",
            status.profile,
            if status.credentials_mode {
                " (credentials in the environment)"
            } else {
                ""
            }
        ),
    )];
    if let Some(account) = &status.account_id {
        let named = status
            .account_name
            .as_ref()
            .map_or(String::new(), |n| format!(" ({n})"));
        lines.push(("account", format!("{account}{named}")));
    }
    if let Some(role) = &status.role {
        lines.push(("role", role.clone()));
    }
    if let Some(region) = &status.region {
        lines.push(("region", region.clone()));
    }
    if let Some(at) = status.credentials_expire {
        lines.push(("credentials", left(at, now)));
    }
    if let Some(session) = &status.session {
        let label = session
            .name
            .clone()
            .unwrap_or_else(|| session.start_url.clone());
        let login = format!("run `ssoenv login {name}`");
        let state = match &status.token {
            Some(TokenStatus::Valid { expires_at }) => left(*expires_at, now),
            Some(TokenStatus::Refreshable { .. }) => "active (refreshed automatically)".to_string(),
            Some(TokenStatus::Expired { .. }) => format!("expired: {login}"),
            Some(TokenStatus::Missing) | None => format!("not logged in: {login}"),
        };
        let state = match (standing, status.credentials_expire) {
            (Standing::CredentialsOnly, Some(at)) => format!(
                "{state} (the credentials cached from it last {} more)",
                human(at.duration_since(now))
            ),
            _ => state,
        };
        lines.push(("sso session", format!("{label}: {state}")));
    }
    if status.login_session && standing == Standing::LoginNeeded {
        lines.push((
            "login",
            format!("no fresh credentials: run `aws login --profile {name}`"),
        ));
    }
    if let Some(arn) = arn {
        lines.push(("arn", arn));
    }
    for (key, value) in lines {
        writeln!(out, "{key:<12} {value}")?;
    }
    exit_for(standing)
}

/// The exit code that answers "am I logged in?": 0 while nothing needs a person (a valid or
/// refreshable session, or none to log in to), 6 while only cached credentials are left, 4 when
/// a login is needed.
fn exit_for(standing: Standing) -> Result<(), Error> {
    match standing {
        Standing::Valid | Standing::Refreshable | Standing::NoSession => Ok(()),
        Standing::CredentialsOnly => Err(Error::SilentExit(exit::CREDENTIALS_ONLY)),
        Standing::LoginNeeded => Err(Error::SilentExit(exit::LOGIN_REQUIRED)),
    }
}

fn left(at: Timestamp, now: Timestamp) -> String {
    let stamp = cli_time(at);
    if at > now {
        format!("{} left (until {stamp})", human(at.duration_since(now)))
    } else {
        format!("expired at {stamp}")
    }
}

fn seconds_left(at: Option<Timestamp>, now: Timestamp) -> Value {
    at.map_or(Value::Null, |at| {
        json!(at.duration_since(now).as_secs().max(0))
    })
}

fn to_json(status: &Status, now: Timestamp) -> Value {
    let (sso_status, sso_expires) = match &status.token {
        Some(TokenStatus::Valid { expires_at }) => ("valid", Some(*expires_at)),
        Some(TokenStatus::Refreshable { expires_at }) => ("refreshable", Some(*expires_at)),
        Some(TokenStatus::Expired { expires_at }) => ("expired", Some(*expires_at)),
        Some(TokenStatus::Missing) => ("missing", None),
        None => ("none", None),
    };
    let stamp = |t: Option<Timestamp>| t.map(cli_time);
    json!({
        "profile": status.profile,
        "mode": if status.credentials_mode { "credentials" } else { "profile" },
        "account_id": status.account_id,
        "account_name": status.account_name,
        "role": status.role,
        "region": status.region,
        "credentials_expire_at": stamp(status.credentials_expire),
        "credentials_seconds_left": seconds_left(status.credentials_expire, now),
        "sso_session": status.session.as_ref().and_then(|s| s.name.clone()),
        "sso_start_url": status.session.as_ref().map(|s| s.start_url.clone()),
        "sso_status": sso_status,
        "sso_expires_at": stamp(sso_expires),
        "sso_seconds_left": seconds_left(sso_expires, now),
    })
}

/// The caller ARN STS sees: the environment's keys in credentials mode, else the profile's.
fn verify(
    env: &Env,
    report: &Reporter,
    selected: &Selected,
    credentials_mode: bool,
    login: bool,
) -> Result<String, Error> {
    let creds = match credentials_mode
        .then(|| Credentials::from_env(env))
        .flatten()
    {
        Some(creds) => creds,
        None => selected.credentials(env, report, login)?,
    };
    let region = selected.profile.region.as_deref();
    let name = &selected.profile.name;
    let settings = selected.client_settings(env)?;
    let runtime = runtime::start().map_err(ActiveError::Runtime)?;
    Ok(runtime.block_on(sts::caller_arn(&settings, &creds, region, name))?)
}
