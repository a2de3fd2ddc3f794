//! `ssoenv console [PROFILE]`: the AWS console as the profile — a federation sign-in URL made
//! from its credentials, or (`--portal`) the access portal's shortcut link — opened in the
//! profile's browser, `$BROWSER` or the platform's opener, or printed on stdout. The URL goes to
//! the opener's argv and to stdout only: never to stderr, a log or an error.

use std::io::Write;

use crate::active::{Selected, guard};
use crate::cli::ConsoleArgs;
use crate::config::ProfileKind;
use crate::config::chain;
use crate::console::{self, ConsoleError, Federation, Origin, links};
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::browser::{self, Opener};
use crate::sso::sdk::{Service, endpoint_url};

pub fn run(
    args: ConsoleArgs,
    env: &Env,
    report: &Reporter,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let selected = Selected::load(env, args.profile.name())?;
    guard::confirm(env, report, &selected, args.yes)?;
    let name = selected.profile.name.as_str();
    let set = &selected.config.set;
    let region = console::region(
        args.region.as_deref(),
        selected.profile.region.as_deref(),
        env,
    );
    let partition = links::Partition::of_region(&region)?;
    let destination = links::destination(args.destination.as_deref(), partition, &region)?;
    let portal = args.portal
        || !args.federation
            && match &selected.profile.kind {
                ProfileKind::Sso { session, .. } => {
                    console::portal_by_default(set, name, session.name.as_deref())
                }
                _ => false,
            };
    let url = if portal {
        // The portal picks the permission set's relay state when no destination is asked for.
        let destination = args.destination.is_some().then_some(destination.as_str());
        portal_link(&selected, destination)?
    } else {
        let login = env.may_log_in(args.no_login);
        federation_link(&selected, env, report, login, destination, &region)?
    };
    if args.print {
        return print(out, &url);
    }
    let opener = match console::profile_browser(set, name)? {
        Some(words) => Opener::Command(words),
        None => browser::opener(env).map_err(ConsoleError::Settings)?,
    };
    match opener {
        Opener::Command(words) => {
            let runtime = runtime::start()?;
            if let Err(e) = runtime.block_on(browser::open(&words, &url)) {
                report.warn(&format!(
                    "cannot open the console ({e}); its URL is on stdout"
                ));
                print(out, &url)?;
            }
            Ok(())
        }
        Opener::Nothing(why) => {
            report.say(&format!(
                "ssoenv: no browser can open here ({why}); the console's URL is on stdout\n"
            ));
            print(out, &url)
        }
    }
}

/// The access portal's shortcut for an SSO profile's account and role.
fn portal_link(selected: &Selected, destination: Option<&str>) -> Result<String, Error> {
    let ProfileKind::Sso {
        session,
        account_id,
        role_name,
    } = &selected.profile.kind
    else {
        return Err(ConsoleError::Unsupported {
            profile: selected.profile.name.clone(),
            why: "the access portal signs in to an IAM Identity Center account and role, and this \
                  profile names none (a role chain signs in by federation: drop --portal)"
                .into(),
        }
        .into());
    };
    Ok(links::portal_url(
        &session.start_url,
        account_id,
        role_name,
        destination,
    ))
}

/// A federation sign-in URL from the profile's credentials (logging in first when `login`).
fn federation_link(
    selected: &Selected,
    env: &Env,
    report: &Reporter,
    login: bool,
    destination: String,
    region: &str,
) -> Result<String, Error> {
    let name = selected.profile.name.as_str();
    let set = &selected.config.set;
    if let ProfileKind::SsoToken { .. } | ProfileKind::NoCredentials = selected.profile.kind {
        return Err(ConsoleError::Unsupported {
            profile: name.to_string(),
            why: format!(
                "it is a `{}` profile, which holds no credentials: add sso_account_id and \
                 sso_role_name (or keys, or a role) to it",
                selected.profile.kind.label()
            ),
        }
        .into());
    }
    let chain = chain::chain(set, name)?;
    // Decided before the credentials are fetched, so a profile that cannot sign in runs nothing.
    let origin = Origin::of(&chain, set, name)?;
    let creds = selected.credentials(env, report, login)?;
    let endpoint = endpoint_url(env, set, set.profiles.get(name), Service::Signin);
    let federation = Federation {
        endpoint: links::federation_endpoint(
            links::Partition::of_region(region)?,
            endpoint.as_deref(),
        )?,
        issuer: chain.sso_session().map(|s| s.start_url.to_string()),
        destination,
        client: selected.client_settings(env)?,
        region: region.to_string(),
    };
    let runtime = runtime::start()?;
    let url = runtime.block_on(console::sign_in(&federation, &creds, origin, name))?;
    Ok(url.expose().to_string())
}

fn print(out: &mut dyn Write, url: &str) -> Result<(), Error> {
    writeln!(out, "{url}")?;
    Ok(())
}
