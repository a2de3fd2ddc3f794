//! `ssoenv list`: every profile with its kind, account, role, region and sso-session.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::cli::ListArgs;
use crate::config::chain::{self, ChainBase};
use crate::config::{ConfigFiles, ProfileKind, ProfileSet, RoleSource, Section, profile};
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::sso::accounts;

/// One row of `ssoenv list --json`. Field names are stable (documented in the README). What a
/// section says is borrowed from it: ten thousand rows are built at once.
#[derive(Debug, Serialize)]
struct Row<'a> {
    name: &'a str,
    kind: &'static str,
    /// The profile in use (the rule every command follows: `Env::active_profile`).
    default: bool,
    account_id: Option<Cow<'a, str>>,
    /// The account's name, when a login or `ssoenv sync` has seen it (ListAccounts).
    account_name: Option<&'a str>,
    role_name: Option<Cow<'a, str>>,
    region: Option<&'a str>,
    sso_session: Option<Cow<'a, str>>,
    sso_start_url: Option<Cow<'a, str>>,
    role_arn: Option<String>,
    source_profile: Option<String>,
    /// Why the profile cannot be used, when it cannot.
    error: Option<String>,
}

fn no_config(report: &Reporter, config: &std::path::Path) {
    report.say(&format!(
        "ssoenv: no profiles: {} does not exist (run `aws configure sso`, or set AWS_CONFIG_FILE)\n",
        config.display()
    ));
}

pub fn run(args: ListArgs, env: &Env, report: &Reporter, out: &mut dyn Write) -> Result<(), Error> {
    let files = ConfigFiles::read(env)?;
    if args.names {
        // For completion: names only, from a scan that splits no section.
        let summaries = files.summaries();
        if files.config.is_none() && summaries.is_empty() {
            no_config(report, &files.locations.config);
            return Ok(());
        }
        let mut names = String::with_capacity(summaries.len() * 16);
        for (name, _) in &summaries {
            names.push_str(name);
            names.push('\n');
        }
        return Ok(out.write_all(names.as_bytes())?);
    }
    // The set, and the rows made from it, borrow from the files' text.
    let set = files.parse()?;
    if files.config.is_none() && set.profiles.is_empty() {
        no_config(report, &files.locations.config);
        return Ok(());
    }
    let names = accounts::names(env);
    let mut rows = rows(&set, &env.active_profile().name);
    for row in &mut rows {
        row.account_name = row
            .account_id
            .as_deref()
            .and_then(|id| names.get(id))
            .map(String::as_str);
    }
    for row in &rows {
        if let Some(e) = &row.error {
            report.warn(&e.to_string());
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rows).map_err(io::Error::other)?;
        writeln!(out)?;
    } else {
        table(&rows, out)?;
    }
    // The process ends right after this: freeing ten thousand parsed sections one by one would
    // cost milliseconds for nothing.
    std::mem::forget(rows);
    std::mem::forget(set);
    std::mem::forget(names);
    Ok(())
}

/// Every profile's row, in name order.
fn rows<'a>(set: &'a ProfileSet, default: &str) -> Vec<Row<'a>> {
    set.profiles
        .iter()
        .map(|(name, section)| row(set, name, section, name == default))
        .collect()
}

/// One profile's row: its kind as `kind_of` resolves it, borrowing from the set.
fn row<'a>(set: &'a ProfileSet, name: &'a str, section: &'a Section, default: bool) -> Row<'a> {
    let mut row = Row {
        name,
        kind: "invalid",
        default,
        account_id: None,
        account_name: None,
        role_name: None,
        region: section.get("region"),
        sso_session: None,
        sso_start_url: None,
        role_arn: None,
        source_profile: None,
        error: None,
    };
    let kind = match profile::kind_of(set, section) {
        Ok(kind) => kind,
        Err(e) => {
            row.error = Some(e.to_string());
            return row;
        }
    };
    row.kind = kind.label();
    // An SSO profile's account and role move into the row; other kinds derive theirs.
    if !matches!(kind, ProfileKind::Sso { .. }) {
        let owned = |s: &str| Cow::Owned(s.to_string());
        row.account_id = kind.account_id(section).map(owned);
        row.role_name = kind.role_name().map(owned);
    }
    let session = match kind {
        ProfileKind::Sso {
            session,
            account_id,
            role_name,
        } => {
            row.account_id = Some(account_id);
            row.role_name = Some(role_name);
            Some(session)
        }
        ProfileKind::SsoToken { session } => Some(session),
        ProfileKind::AssumeRole { role, source } => {
            row.role_arn = Some(role.role_arn);
            if let RoleSource::Profile(p) = source {
                row.source_profile = Some(p);
            }
            // A role on top of an SSO profile logs in through that profile's session.
            match chain::chain(set, name) {
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

fn opt<'a>(value: &'a Option<Cow<str>>) -> &'a str {
    value.as_deref().unwrap_or("-")
}

/// The last column, account names, is shown only when a name is known (a line ends at its last
/// non-empty cell, so an empty header cell leaves the table as it was without it).
const HEADERS: [&str; 7] = [
    "PROFILE",
    "KIND",
    "ACCOUNT",
    "ROLE",
    "REGION",
    "SSO-SESSION",
    "ACCOUNT-NAME",
];

/// A row's cells in the table, borrowed from it.
fn cells<'r>(r: &'r Row) -> [&'r str; 7] {
    [
        r.name,
        r.kind,
        opt(&r.account_id),
        opt(&r.role_name),
        r.region.unwrap_or("-"),
        opt(if r.sso_session.is_some() {
            &r.sso_session
        } else {
            &r.sso_start_url
        }),
        r.account_name.unwrap_or(""),
    ]
}

/// The columns a cell takes: its characters (nearly every cell is ASCII, whose length it is).
fn width(cell: &str) -> usize {
    if cell.is_ascii() {
        cell.len()
    } else {
        cell.chars().count()
    }
}

fn write_spaces(out: &mut impl Write, mut n: usize) -> io::Result<()> {
    const SPACES: &[u8] = b"                                ";
    while n > 0 {
        let run = n.min(SPACES.len());
        out.write_all(&SPACES[..run])?;
        n -= run;
    }
    Ok(())
}

fn table(rows: &[Row], out: &mut dyn Write) -> io::Result<()> {
    let mut headers = HEADERS;
    if rows.iter().all(|r| r.account_name.is_none()) {
        headers[6] = "";
    }
    let mut widths = headers.map(width);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(cells(row)) {
            *w = (*w).max(width(cell));
        }
    }
    // Written through a buffer of its own rather than built whole: the table of ten thousand
    // profiles is a megabyte, a page fault per 4 KiB of it.
    let mut text = io::BufWriter::with_capacity(64 * 1024, out);
    // The first column carries a two-character mark (`* ` for the default profile).
    let lines = std::iter::once(("  ", headers)).chain(
        rows.iter()
            .map(|r| (if r.default { "* " } else { "  " }, cells(r))),
    );
    for (mark, line) in lines {
        text.write_all(mark.as_bytes())?;
        // Columns are two spaces apart, and a line ends at its last non-empty cell: padding is
        // written only when a cell follows it.
        let mut pad = 0;
        for (cell, column) in line.iter().zip(widths) {
            if !cell.is_empty() {
                write_spaces(&mut text, pad)?;
                text.write_all(cell.as_bytes())?;
                pad = 0;
            }
            pad += column - width(cell) + 2;
        }
        text.write_all(b"\n")?;
    }
    text.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(name: &'a str, region: Option<&'a str>, session: Option<&'a str>) -> Row<'a> {
        Row {
            name,
            kind: "sso",
            default: name == "dev",
            account_id: Some("111111111111".into()),
            account_name: None,
            role_name: None,
            region,
            sso_session: session.map(Cow::Borrowed),
            sso_start_url: Some("https://x.awsapps.com/start".into()),
            role_arn: None,
            source_profile: None,
            error: None,
        }
    }

    #[test]
    fn the_table_aligns_columns_by_characters_and_ends_lines_at_their_last_cell() {
        let rows = [
            row("dev", Some("eu-west-1"), Some("corp")),
            row("café", None, None),
        ];
        let mut out = Vec::new();
        table(&rows, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  PROFILE  KIND  ACCOUNT       ROLE  REGION     SSO-SESSION\n\
             * dev      sso   111111111111  -     eu-west-1  corp\n\
             \x20 café     sso   111111111111  -     -          https://x.awsapps.com/start\n"
        );
        let named = [Row {
            account_name: Some("Équipe"),
            ..row("dev", None, None)
        }];
        let mut out = Vec::new();
        table(&named, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with(
            "SSO-SESSION                  ACCOUNT-NAME\n* dev      sso   111111111111  \
                     -     -       https://x.awsapps.com/start  Équipe\n"
        ),);
    }
}
