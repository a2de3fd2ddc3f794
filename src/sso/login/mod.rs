//! `ssoenv login`: the AWS CLI v2's two OIDC flows, through the official sso-oidc client —
//! authorization code with PKCE for sso-session profiles (`pkce`), the device flow for legacy
//! profiles and `--use-device-code` (`device`), both on a cached client registration
//! (`register`).
//!
//! A login runs under the session's login lock, which only logins take: a second login waits for
//! the first one's outcome, then finds its token — one browser, however many shells asked. The
//! session's own lock, which refreshes need, is held only to decide (and refresh) at the start
//! and to store the new token at the end, never while a person is being waited for: a process
//! whose token is usable or refreshable proceeds while a login waits for its browser.

mod device;
mod endpoint;
mod flow;
mod pkce;
mod register;

use jiff::Timestamp;

use super::accounts;
use super::browser::{self, Opener};
use super::cache::{self, CachedToken, Flow, TokenStatus};
use super::client;
use super::error::SsoError;
use super::lock::SessionLock;
use crate::config::SsoSession;
use crate::env::Env;
use crate::report::Reporter;

#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// How the clients are built: the endpoints and deadlines of the profile being logged in
    /// for (see [`client::ClientSettings`]).
    pub client: client::ClientSettings,
    /// The profile being logged in for, to name in messages; `None` for a named sso-session.
    pub profile: Option<String>,
    pub use_device_code: bool,
    pub no_browser: bool,
    pub force: bool,
    /// The loopback port for the PKCE redirect (`ssh -L PORT:127.0.0.1:PORT`, firewalls); a
    /// random free one when `None`.
    pub redirect_port: Option<u16>,
}

/// What `login` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A valid token was already there.
    AlreadyValid {
        expires_at: Timestamp,
    },
    /// The token was refreshed silently.
    Refreshed {
        expires_at: Timestamp,
    },
    LoggedIn {
        expires_at: Timestamp,
    },
}

/// Logs in (or finds nothing to do). Ctrl-C ends it with [`SsoError::Interrupted`] (exit 130):
/// the token is written only at the end, the locks are released as their files close, and a
/// client registration this login created is removed, so nothing of it is left behind.
pub async fn login(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    options: LoginOptions,
) -> Result<Outcome, SsoError> {
    let registration = cache::registration_path(env, session);
    let registered_before = registration.as_ref().is_some_and(|p| p.exists());
    tokio::select! {
        outcome = login_once(env, report, session, options) => outcome,
        _ = tokio::signal::ctrl_c() => {
            if let (false, Some(path)) = (registered_before, registration) {
                let _ = std::fs::remove_file(path);
            }
            Err(SsoError::Interrupted)
        }
    }
}

async fn login_once(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    options: LoginOptions,
) -> Result<Outcome, SsoError> {
    let _login = SessionLock::acquire_login(env, session)?;
    if !options.force
        && let Some(outcome) = usable_token(env, report, session, &options).await?
    {
        return Ok(outcome);
    }
    let flow = if session.name.is_some()
        && !options.use_device_code
        && browser_can_return(env, &options)
    {
        Flow::AuthorizationCode
    } else {
        Flow::Device
    };
    let oidc = client::oidc_client(session, &options.client).await;
    let registration = register::register(env, report, session, flow, &oidc).await?;
    let no_browser = options.no_browser;
    let token = match flow {
        Flow::Device => {
            let again = login_command(session, &options);
            let flow = device::Device {
                registration: &registration,
                oidc: &oidc,
                no_browser,
                again: &again,
            };
            device::device_flow(env, report, session, &flow).await?
        }
        Flow::AuthorizationCode => {
            pkce::pkce_flow(
                env,
                report,
                session,
                &registration,
                &oidc,
                no_browser,
                options.redirect_port,
            )
            .await?
        }
    };
    {
        // Held only to write: a refresh in another process then sees the old token or the new
        // one, and never writes the old one's refresh over the new login.
        let _lock = SessionLock::acquire(env, session)?;
        cache::store_token(env, session, &token).map_err(SsoError::Cache)?;
    }
    remember_account_names(env, session, &options.client, &token).await;
    report.say(&format!(
        "Successfully logged into Start URL: {}\n",
        session.start_url
    ));
    Ok(Outcome::LoggedIn {
        expires_at: token.expires_at,
    })
}

/// Under the session's lock, briefly: a valid token, or one refreshed silently, makes a login
/// unnecessary. `None` means a person is needed.
async fn usable_token(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    options: &LoginOptions,
) -> Result<Option<Outcome>, SsoError> {
    let _lock = SessionLock::acquire(env, session)?;
    let Some(token) = cache::load_token(env, report, session) else {
        return Ok(None);
    };
    Ok(match cache::status_of(&token, Timestamp::now()) {
        TokenStatus::Valid { expires_at } => Some(Outcome::AlreadyValid { expires_at }),
        // A session the service has ended refuses the refresh: then log in.
        TokenStatus::Refreshable { .. } => {
            match client::refresh(env, session, &options.client, &token).await {
                Ok(fresh) => Some(Outcome::Refreshed {
                    expires_at: fresh.expires_at,
                }),
                // Another tool may have just rotated the refresh token (see
                // `cache::refreshed_elsewhere`).
                Err(SsoError::SessionEnded) => {
                    cache::refreshed_elsewhere(env, report, session, &token).map(|fresh| {
                        Outcome::AlreadyValid {
                            expires_at: fresh.expires_at,
                        }
                    })
                }
                Err(_) => None,
            }
        }
        TokenStatus::Expired { .. } | TokenStatus::Missing => None,
    })
}

/// Whether a browser on this machine can come back to a loopback redirect. Where none can open
/// (SSH, a container, no display, WSL without `wslview`), PKCE's redirect to 127.0.0.1 cannot
/// reach this machine from the person's: the device flow, whose URL and code work anywhere, is
/// used instead. `--no-browser` and `--redirect-port` keep PKCE: the person said how the
/// redirect gets back (a local browser opened by hand, `ssh -L`).
fn browser_can_return(env: &Env, options: &LoginOptions) -> bool {
    options.no_browser
        || options.redirect_port.is_some()
        || !matches!(browser::opener(env), Ok(Opener::Nothing(_)))
}

/// The command that starts this login again, for messages.
fn login_command(session: &SsoSession<'_>, options: &LoginOptions) -> String {
    let mut command = match (&options.profile, &session.name) {
        (Some(profile), _) => format!("ssoenv login {profile}"),
        (None, Some(name)) => format!("ssoenv login --sso-session {name}"),
        (None, None) => "ssoenv login".to_string(),
    };
    if options.use_device_code {
        command.push_str(" --use-device-code");
    }
    command
}

/// Account names for the prompt, from ListAccounts. Best effort: a login is not worse for it.
async fn remember_account_names(
    env: &Env,
    session: &SsoSession<'_>,
    settings: &client::ClientSettings,
    token: &CachedToken,
) {
    let portal = client::portal_client(session, settings).await;
    let mut pages = portal
        .list_accounts()
        .access_token(&token.access_token)
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(Ok(page)) = pages.next().await {
        for account in page.account_list() {
            if let (Some(id), Some(name)) = (account.account_id(), account.account_name()) {
                names.push((id.to_string(), name.to_string()));
            }
        }
    }
    let _ = accounts::remember(env, names);
}
