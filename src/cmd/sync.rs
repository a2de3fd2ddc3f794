//! `ssoenv sync`: a profile for every account and role of an sso-session, written into one
//! managed block of `~/.aws/config` ([`sync_block`]), listed from IAM Identity Center
//! ([`directory`]), logging in first when a person is there to do it.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use crate::active::ActiveError;
use crate::cli::SyncArgs;
use crate::config::sync_block::{self, Outcome, Request, Template};
use crate::config::{AwsConfig, ConfigError, ConfigFiles, ProfileKind, SourceFile, SsoSession};
use crate::env::Env;
use crate::error::Error;
use crate::exit;
use crate::fsutil;
use crate::pyjson::sha1_hex;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::directory::{self, Listing, Observer, Progress};
use crate::sso::lock::SessionLock;
use crate::sso::{self, AccessToken, ClientSettings, LoginOptions, SsoError, accounts};

/// The session to sync and, when the config does not have it yet, the section to create.
struct Chosen {
    session: SsoSession<'static>,
    name: String,
    create: Option<(String, String)>,
}

pub fn run(
    args: SyncArgs,
    env: &Env,
    report: &Reporter,
    out: &mut impl Write,
) -> Result<(), Error> {
    let template = Template::parse(&args.name).map_err(|e| Error::message(exit::USAGE, e))?;
    let config = AwsConfig::load(env)?;
    let chosen = choose_session(env, &config, &args)?;
    let region = args
        .region
        .clone()
        .or_else(|| {
            config
                .set
                .profiles
                .get("default")?
                .get("region")
                .map(str::to_string)
        })
        .unwrap_or_else(|| chosen.session.region.to_string());
    let settings =
        ClientSettings::for_profile(env, &config.set, None).map_err(SsoError::Settings)?;
    let budget = directory::budget(env)?;
    let runtime = runtime::start().map_err(ActiveError::Runtime)?;
    let hint = format!("ssoenv login --sso-session {}", chosen.name);
    let token = runtime.block_on(usable_token(
        env, report, &config, &chosen, &settings, &hint,
    ))?;
    let bar = progress_bar();
    let observer: Observer = {
        let bar = bar.clone();
        Arc::new(move |p: Progress| {
            if let Some(bar) = &bar {
                bar.set_length(p.accounts as u64);
                bar.set_position(p.listed as u64);
            }
        })
    };
    let listed = runtime.block_on(directory::assignments(Listing {
        session: &chosen.session,
        settings: &settings,
        token,
        login_hint: hint,
        budget,
        observer,
    }));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let assignments = listed?;
    let taken: BTreeSet<String> = credentials_profiles(env)?;
    let request = Request {
        session: &chosen.name,
        template: &template,
        region: &region,
        assignments: &assignments,
        prune: args.prune,
        taken: &taken,
        new_session: chosen
            .create
            .as_ref()
            .map(|(url, region)| (url.as_str(), region.as_str())),
    };
    let path = config.locations.config.clone();
    let outcome = if args.dry_run {
        let old = read_text(&path)?;
        let outcome = sync_block::sync(&path, &old, &request)?;
        out.write_all(sync_block::diff(&path, &old, &outcome.text).as_bytes())?;
        outcome
    } else {
        let outcome = write(env, &path, &request)?;
        // Names for `prompt` and `whoami`; a state folder that cannot be written costs only that.
        let names = assignments
            .iter()
            .map(|a| (a.account_id.clone(), a.account_name.clone()));
        if let Err(e) = accounts::remember(env, names) {
            report.warn(&format!("cannot remember the account names: {e}"));
        }
        outcome
    };
    summarise(report, &path, &chosen.name, &outcome, args.dry_run);
    Ok(())
}

/// The session's token, logging in first when it needs one and a person is at the terminal.
async fn usable_token(
    env: &Env,
    report: &Reporter,
    config: &AwsConfig,
    chosen: &Chosen,
    settings: &ClientSettings,
    hint: &str,
) -> Result<AccessToken, SsoError> {
    let session = &chosen.session;
    match sso::access_token(env, report, session, settings, hint, Timestamp::now()).await {
        Err(SsoError::LoginRequired { .. }) if env.may_log_in(false) => {
            let options = LoginOptions {
                client: settings.clone(),
                use_device_code: config.use_device_code(None, Some(&chosen.name)),
                ..LoginOptions::default()
            };
            sso::login(env, report, session, options).await?;
            sso::access_token(env, report, session, settings, hint, Timestamp::now()).await
        }
        other => other,
    }
}

/// `--sso-session`, else the only `[sso-session]`, else the active profile's; with
/// `--start-url` a session the config lacks is created.
fn choose_session(env: &Env, config: &AwsConfig, args: &SyncArgs) -> Result<Chosen, Error> {
    let file = config.locations.config.display();
    if let Some(name) = &args.sso_session {
        let create = match (&args.start_url, &args.sso_region) {
            (Some(url), Some(region)) => Some((url.clone(), region.clone())),
            _ => None,
        };
        return match (config.named_session(name), create) {
            (Ok(session), Some((url, _))) if session.start_url != url => Err(Error::message(
                exit::CONFIG,
                format!(
                    "[sso-session {name}] in {file} has the start URL {}, not {url}; leave out \
                     --start-url, or pick another --sso-session name",
                    session.start_url
                ),
            )),
            (Ok(session), _) => Ok(Chosen {
                session,
                name: name.clone(),
                create: None,
            }),
            (Err(ConfigError::UnknownSession { .. }), Some((url, region))) => Ok(Chosen {
                session: SsoSession {
                    name: Some(Cow::Owned(name.clone())),
                    start_url: Cow::Owned(url.clone()),
                    region: Cow::Owned(region.clone()),
                    registration_scopes: Some(Cow::Borrowed("sso:account:access")),
                },
                name: name.clone(),
                create: Some((url, region)),
            }),
            (Err(ConfigError::UnknownSession { .. }), None) => Err(Error::message(
                exit::CONFIG,
                format!(
                    "there is no [sso-session {name}] in {file}: create it with `ssoenv sync \
                     --sso-session {name} --start-url URL --sso-region REGION`"
                ),
            )),
            (Err(e), _) => Err(e.into()),
        };
    }
    let names: Vec<&str> = config.set.sso_sessions.keys().map(|k| k.as_ref()).collect();
    let name = match names.as_slice() {
        [only] => only.to_string(),
        _ => {
            let active = env.active_profile().name;
            let of_active = config.profile(&active).ok().and_then(|p| match p.kind {
                ProfileKind::Sso { session, .. } | ProfileKind::SsoToken { session } => {
                    session.name.map(|n| n.into_owned())
                }
                _ => None,
            });
            match (of_active, names.is_empty()) {
                (Some(name), _) => name,
                (None, true) => {
                    return Err(Error::message(
                        exit::CONFIG,
                        format!(
                            "there is no [sso-session] in {file}: create one with `ssoenv sync \
                             --sso-session NAME --start-url URL --sso-region REGION`"
                        ),
                    ));
                }
                (None, false) => {
                    return Err(Error::message(
                        exit::USAGE,
                        format!(
                            "{file} has several sso-sessions ({}): name one with \
                             --sso-session NAME",
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
    };
    Ok(Chosen {
        session: config.named_session(&name)?,
        name,
        create: None,
    })
}

/// The profile names of the credentials file: a synced profile never takes one.
fn credentials_profiles(env: &Env) -> Result<BTreeSet<String>, Error> {
    let files = ConfigFiles::read(env)?;
    let credentials_only = ConfigFiles {
        config: None,
        ..files
    };
    Ok(credentials_only
        .summaries()
        .into_iter()
        .map(|(name, _)| name.into_owned())
        .collect())
}

/// The config's text; a missing file is empty.
fn read_text(path: &Path) -> Result<String, Error> {
    let file = SourceFile::read(path)?;
    let bytes = file.as_ref().map_or(&[][..], SourceFile::bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        Error::message(
            exit::CONFIG,
            format!(
                "{} is not valid UTF-8; ssoenv sync rewrites only text it can keep byte for byte",
                path.display()
            ),
        )
    })
}

/// Reads, syncs and replaces the config under a lock that every `ssoenv sync` takes, so two
/// syncs never interleave; an editor saving meanwhile is caught by reading the file again just
/// before the rename and starting over from its new text. A sync that changes nothing writes
/// nothing (same bytes, same mtime).
fn write(env: &Env, path: &Path, request: &Request<'_>) -> Result<Outcome, Error> {
    let key = format!("config-{}", sha1_hex(&path.to_string_lossy()));
    let _lock = SessionLock::acquire_key(env, &key)?;
    let mut old = read_text(path)?;
    for _ in 0..ROUNDS {
        let outcome = sync_block::sync(path, &old, request)?;
        if outcome.text == old {
            return Ok(outcome);
        }
        let now = read_text(path)?;
        if now != old {
            old = now;
            continue;
        }
        fsutil::replace_keeping_mode(path, outcome.text.as_bytes()).map_err(|e| {
            let folder = path.parent().unwrap_or(Path::new("."));
            let why = if folder.is_dir() {
                e.to_string()
            } else {
                format!("the folder {} does not exist", folder.display())
            };
            Error::message(
                exit::FAILURE,
                format!(
                    "cannot write {}: {why}; the file was left as it was",
                    path.display()
                ),
            )
        })?;
        return Ok(outcome);
    }
    Err(Error::message(
        exit::FAILURE,
        format!(
            "{} changed every time it was read ({ROUNDS} times); nothing was written: run \
             `ssoenv sync` again once nothing else is writing it",
            path.display()
        ),
    ))
}

/// How often a sync starts over because another program saved the config meanwhile.
const ROUNDS: usize = 5;

/// A progress bar on stderr when it is a terminal; otherwise nothing but the summary.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "ssoenv: listing roles {bar:30} {pos}/{len} accounts",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn summarise(report: &Reporter, path: &Path, session: &str, o: &Outcome, dry_run: bool) {
    for s in &o.skipped {
        report.warn(&format!(
            "skipped profile `{}` (account {}, role {}): the name is already taken by {}",
            s.name, s.account_id, s.role_name, s.owner
        ));
    }
    let verb = if dry_run { "would sync" } else { "synced" };
    report.say(&format!(
        "ssoenv: {verb} sso-session {session} into {}: {} added, {} updated, {} removed, {} stale, \
         {} unchanged, {} skipped\n",
        path.display(),
        o.added,
        o.updated,
        o.removed,
        o.stale,
        o.unchanged,
        o.skipped.len()
    ));
    if o.stale > 0 {
        report.say(&format!(
            "ssoenv: {} stale profiles name roles you no longer hold; `ssoenv sync --prune` \
             removes them\n",
            o.stale
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_count_and_each_skip() {
        let report = Reporter::capture();
        let outcome = Outcome {
            added: 2,
            stale: 1,
            skipped: vec![sync_block::Skipped {
                name: "a.R".into(),
                account_id: "1".into(),
                role_name: "R".into(),
                owner: "/c:3".into(),
            }],
            ..Outcome::default()
        };
        summarise(&report, Path::new("/c"), "corp", &outcome, false);
        let text = report.captured();
        assert!(text.contains(
            "skipped profile `a.R` (account 1, role R): the name is already taken by /c:3"
        ));
        assert!(text.contains("2 added, 0 updated, 0 removed, 1 stale, 0 unchanged, 1 skipped"));
        assert!(text.contains("--prune"));
    }
}
