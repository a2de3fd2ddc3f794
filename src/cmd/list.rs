//! `ssoenv list`: every profile with its kind, account, role, region and sso-session.

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::ListArgs;
use crate::config::profile::{self, ChainBase};
use crate::config::{AwsConfig, ProfileKind};
use crate::env::Env;
use crate::error::Error;

/// One row of `ssoenv list --json`. Field names are stable (documented in the README).
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    kind: &'static str,
    /// The profile AWS tools use without `--profile` (`AWS_PROFILE`, else `default`).
    default: bool,
    account_id: Option<String>,
    role_name: Option<String>,
    region: Option<String>,
    sso_session: Option<String>,
    sso_start_url: Option<String>,
    role_arn: Option<String>,
    source_profile: Option<String>,
    /// Why the profile cannot be used, when it cannot.
    error: Option<String>,
}

pub fn run(args: ListArgs, env: &Env, out: &mut dyn Write) -> Result<(), Error> {
    let config = AwsConfig::load(env)?;
    if !config.config_found && config.set.profiles.is_empty() {
        writeln!(
            io::stderr(),
            "ssoenv: no profiles: {} does not exist (run `aws configure sso`, or set AWS_CONFIG_FILE)",
            config.locations.config.display()
        )?;
        return Ok(());
    }
    if args.names {
        for name in config.set.profiles.keys() {
            writeln!(out, "{name}")?;
        }
        return Ok(());
    }
    let default = env
        .var("AWS_PROFILE")
        .unwrap_or_else(|| "default".to_string());
    let rows: Vec<Row> = config
        .set
        .profiles
        .keys()
        .map(|name| row(&config, name, name == &default))
        .collect();
    let mut err = io::stderr().lock();
    for row in &rows {
        if let Some(e) = &row.error {
            writeln!(err, "ssoenv: warning: {e}")?;
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rows).map_err(io::Error::other)?;
        writeln!(out)?;
    } else {
        table(&rows, out)?;
    }
    Ok(())
}

fn row(config: &AwsConfig, name: &str, default: bool) -> Row {
    let section = config.set.profiles.get(name);
    let mut row = Row {
        name: name.to_string(),
        kind: "invalid",
        default,
        account_id: None,
        role_name: None,
        region: section.and_then(|s| s.get("region")).map(str::to_string),
        sso_session: None,
        sso_start_url: None,
        role_arn: None,
        source_profile: None,
        error: None,
    };
    let profile = match profile::resolve(&config.set, name) {
        Ok(p) => p,
        Err(e) => {
            row.error = Some(e.to_string());
            return row;
        }
    };
    row.kind = profile.kind.label();
    row.account_id = profile.account_id().map(str::to_string);
    row.role_name = profile.role_name().map(str::to_string);
    let session = match &profile.kind {
        ProfileKind::Sso { session, .. } | ProfileKind::SsoToken { session } => {
            Some(session.clone())
        }
        ProfileKind::AssumeRole { role, source } => {
            row.role_arn = Some(role.role_arn.clone());
            if let crate::config::RoleSource::Profile(p) = source {
                row.source_profile = Some(p.clone());
            }
            // A role on top of an SSO profile logs in through that profile's session.
            match profile::chain(&config.set, name) {
                Ok(chain) => match chain.base {
                    ChainBase::Sso { session, .. } => Some(session),
                    _ => None,
                },
                Err(e) => {
                    row.error = Some(e.to_string());
                    None
                }
            }
        }
        _ => None,
    };
    if let Some(session) = session {
        row.sso_session = session.name;
        row.sso_start_url = Some(session.start_url);
    }
    row
}

fn table(rows: &[Row], out: &mut dyn Write) -> io::Result<()> {
    const HEADERS: [&str; 6] = [
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE",
        "REGION",
        "SSO-SESSION",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
            [
                format!("{}{}", if r.default { "* " } else { "  " }, r.name),
                r.kind.to_string(),
                opt(&r.account_id),
                opt(&r.role_name),
                opt(&r.region),
                r.sso_session
                    .clone()
                    .or_else(|| r.sso_start_url.clone())
                    .unwrap_or_else(|| "-".to_string()),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    widths[0] += 2;
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut header = HEADERS.map(String::from);
    header[0].insert_str(0, "  ");
    let mut line = String::new();
    for row in std::iter::once(&header).chain(&cells) {
        line.clear();
        for (cell, width) in row.iter().zip(widths) {
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
