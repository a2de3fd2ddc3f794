//! `ssoenv console [PROFILE]`: the AWS console as the profile — a federation sign-in URL made
//! from its credentials, or (`--portal`) the access portal's shortcut link — opened in the
//! profile's browser, `$BROWSER` or the platform's opener, or printed on stdout. The URL goes to
//! the opener's argv and to stdout only: never to stderr, a log or an error.

use std::io::Write;

use crate::active::Selected;
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
    let name = selected.profile.name.clone();
    let set = &selected.config.set;
    let region = args
        .region
        .clone()
        .or_else(|| selected.profile.region.clone())
        .or_else(|| env.var("AWS_REGION"))
        .or_else(|| env.var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| links::DEFAULT_REGION.to_string());
    let partition = links::Partition::of_region(&region)?;
    let destination = links::destination(args.destination.as_deref(), partition, &region)?;
    let sso = match &selected.profile.kind {
        ProfileKind::Sso {
            session,
            account_id,
            role_name,
        } => Some((session, account_id, role_name)),
        _ => None,
    };
    let portal = args.portal
        || !args.federation
            && sso.is_some_and(|(session, ..)| {
                console::portal_by_default(set, &name, session.name.as_deref())
            });
    let url = if portal {
        let Some((session, account_id, role_name)) = sso else {
            return Err(ConsoleError::Unsupported {
                profile: name,
                why: "the access portal signs in to an IAM Identity Center account and role, and \
                      this profile names none (a role chain signs in by federation: drop --portal)"
                    .into(),
            }
            .into());
        };
        let destination = args.destination.is_some().then_some(destination.as_str());
        links::portal_url(&session.start_url, account_id, role_name, destination)
    } else {
        if let ProfileKind::SsoToken { .. } | ProfileKind::NoCredentials = selected.profile.kind {
            return Err(ConsoleError::Unsupported {
                profile: name,
                why: format!(
                    "it is a `{}` profile, which holds no credentials: add sso_account_id and \
                     sso_role_name (or keys, or a role) to it",
                    selected.profile.kind.label()
                ),
            }
            .into());
        }
        let chain = chain::chain(set, &name)?;
        let origin = Origin::of(&chain, set, &name)?;
        let creds = selected.credentials(env, report, env.may_log_in(args.no_login))?;
        let section = set.profiles.get(name.as_str());
        let endpoint = endpoint_url(env, set, section, Service::Signin);
        let federation = Federation {
            endpoint: links::federation_endpoint(partition, endpoint.as_deref())?,
            issuer: chain.sso_session().map(|s| s.start_url.to_string()),
            destination,
            client: selected.client_settings(env)?,
            region: region.clone(),
        };
        let runtime = runtime::start()?;
        let url = runtime.block_on(console::sign_in(&federation, &creds, origin, &name))?;
        url.expose().to_string()
    };
    if args.print {
        return print(out, &url);
    }
    let opener = match console::profile_browser(set, &name)? {
        Some(words) => Opener::Command(words),
        None => browser::opener(env).map_err(|e| ConsoleError::Settings(e.to_string()))?,
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

fn print(out: &mut dyn Write, url: &str) -> Result<(), Error> {
    writeln!(out, "{url}")?;
    Ok(())
}
