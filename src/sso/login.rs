//! `ssoenv login`: the AWS CLI v2's two OIDC flows, through the official sso-oidc client.
//!
//! - sso-session profiles: authorization code with PKCE. The browser is redirected to a loopback
//!   server bound to 127.0.0.1 only (the AWS CLI listens on every interface), on a random port,
//!   that accepts one callback whose `state` matches, within a time limit.
//! - legacy profiles and `--use-device-code`: the device authorization flow, polling with the
//!   server's interval, `slow_down` adding 5 seconds, until approved, denied or expired.
//!
//! The whole login runs under the session's lock: processes that need the same session wait,
//! then find the fresh token — one browser, however many shells asked.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ssooidc::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ssooidc::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ssooidc::error::BoxError;
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::cache::{self, CachedToken, Flow, Registration, TokenStatus};
use super::client::{self, describe};
use super::lock::SessionLock;
use super::{SsoError, accounts, browser};
use crate::config::SsoSession;
use crate::env::Env;

/// How long the browser has to come back, as in the AWS CLI.
const AUTHORIZATION_TIMEOUT: Duration = Duration::from_secs(600);
/// The registered redirect URI; the one used adds the port (RFC 8252 loopback redirects).
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";
const DEFAULT_SCOPE: &str = "sso:account:access";

#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// The profile being logged in for, whose endpoint settings the clients follow (see
    /// [`client::sdk_config`]); `None` for a named sso-session.
    pub profile: Option<String>,
    pub use_device_code: bool,
    pub no_browser: bool,
    pub force: bool,
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

pub async fn login(
    env: &Env,
    session: &SsoSession<'_>,
    options: LoginOptions,
) -> Result<Outcome, SsoError> {
    let _lock = SessionLock::acquire(env, session)?;
    if !options.force
        && let Some(token) = cache::load_token(env, session)
    {
        match cache::status_of(&token, Timestamp::now()) {
            TokenStatus::Valid { expires_at } => {
                return Ok(Outcome::AlreadyValid { expires_at });
            }
            TokenStatus::Refreshable { .. } => {
                // A session the service has ended refuses the refresh: then log in.
                if let Ok(fresh) =
                    client::refresh(env, session, options.profile.as_deref(), &token).await
                {
                    return Ok(Outcome::Refreshed {
                        expires_at: fresh.expires_at,
                    });
                }
            }
            TokenStatus::Expired { .. } | TokenStatus::Missing => {}
        }
    }
    let flow = if session.name.is_some() && !options.use_device_code {
        Flow::AuthorizationCode
    } else {
        Flow::Device
    };
    let oidc = client::oidc_client(session, options.profile.as_deref()).await;
    let registration = register(env, session, flow, &oidc).await?;
    let token = match flow {
        Flow::Device => device_flow(env, session, &registration, &oidc, &options).await?,
        Flow::AuthorizationCode => pkce_flow(env, session, &registration, &oidc, &options).await?,
    };
    cache::store_token(env, session, &token).map_err(SsoError::Cache)?;
    remember_account_names(env, session, options.profile.as_deref(), &token).await;
    let _ = writeln!(
        std::io::stderr(),
        "Successfully logged into Start URL: {}",
        session.start_url
    );
    Ok(Outcome::LoggedIn {
        expires_at: token.expires_at,
    })
}

fn service(operation: &'static str) -> impl Fn(String) -> SsoError {
    move |message| SsoError::Service { operation, message }
}

/// The session's registration scopes as the SDK's request takes them.
fn owned_scopes(session: &SsoSession<'_>) -> Option<Vec<String>> {
    Some(session.scopes()?.into_iter().map(str::to_string).collect())
}

/// A cached registration for this flow, or a new one (cached as the AWS CLI caches it).
async fn register(
    env: &Env,
    session: &SsoSession<'_>,
    flow: Flow,
    oidc: &aws_sdk_ssooidc::Client,
) -> Result<Registration, SsoError> {
    let now = Timestamp::now();
    if let Some(registration) = cache::load_registration(env, session, flow, now) {
        return Ok(registration);
    }
    let client_name = match &session.name {
        Some(name) => format!("botocore-client-{name}"),
        None => format!("botocore-client-{}", now.as_second()),
    };
    let request = oidc
        .register_client()
        .client_name(client_name)
        .client_type("public");
    let (request, scopes, grant_types) = match flow {
        Flow::Device => {
            let scopes = owned_scopes(session);
            (request.set_scopes(scopes.clone()), scopes, None)
        }
        Flow::AuthorizationCode => {
            let scopes = owned_scopes(session).unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
            let grants = vec![
                "authorization_code".to_string(),
                "refresh_token".to_string(),
            ];
            let request = request
                .set_scopes(Some(scopes.clone()))
                .set_grant_types(Some(grants.clone()))
                .redirect_uris(REGISTERED_REDIRECT)
                .issuer_url(session.start_url.as_ref());
            (request, Some(scopes), Some(grants))
        }
    };
    let out = request
        .send()
        .await
        .map_err(|e| service("RegisterClient")(describe(&e)))?;
    let missing = || service("RegisterClient")("the response had no client credentials".into());
    let registration = Registration {
        client_id: out.client_id().ok_or_else(missing)?.to_string(),
        client_secret: out.client_secret().ok_or_else(missing)?.to_string(),
        expires_at: Timestamp::from_second(out.client_secret_expires_at())
            .map_err(|_| missing())?,
        scopes,
        grant_types,
    };
    cache::store_registration(env, session, &registration).map_err(SsoError::Cache)?;
    Ok(registration)
}

fn new_token(
    session: &SsoSession<'_>,
    registration: &Registration,
    out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
    now: Timestamp,
) -> Result<CachedToken, SsoError> {
    let access_token = out
        .access_token()
        .ok_or_else(|| service("CreateToken")("the response had no access token".into()))?;
    Ok(CachedToken {
        start_url: Some(session.start_url.to_string()),
        region: Some(session.region.to_string()),
        access_token: access_token.to_string(),
        expires_at: now + SignedDuration::from_secs(i64::from(out.expires_in())),
        client_id: Some(registration.client_id.clone()),
        client_secret: Some(registration.client_secret.clone()),
        registration_expires_at: Some(registration.expires_at),
        refresh_token: out.refresh_token().map(str::to_string),
    })
}

fn say(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Opens `url` unless told not to; says where to go when no browser can be started.
fn show(env: &Env, url: &str, no_browser: bool, intro: &str) {
    if no_browser {
        say(&format!(
            "Browser will not be automatically opened.\n{intro}\n\n{url}\n\n"
        ));
        return;
    }
    say(&format!(
        "Attempting to open your default browser.\nIf the browser does not open or you wish to use a different \
         device to authorize this request, {intro}\n\n{url}\n\n"
    ));
    if let Err(e) = browser::open(env, url) {
        say(&format!(
            "ssoenv: cannot open a browser ({e}); open the URL above yourself.\n"
        ));
    }
}

async fn device_flow(
    env: &Env,
    session: &SsoSession<'_>,
    registration: &Registration,
    oidc: &aws_sdk_ssooidc::Client,
    options: &LoginOptions,
) -> Result<CachedToken, SsoError> {
    let auth = oidc
        .start_device_authorization()
        .client_id(&registration.client_id)
        .client_secret(&registration.client_secret)
        .start_url(session.start_url.as_ref())
        .send()
        .await
        .map_err(|e| service("StartDeviceAuthorization")(describe(&e)))?;
    let missing = || service("StartDeviceAuthorization")("the response was incomplete".into());
    let device_code = auth.device_code().ok_or_else(missing)?;
    let mut interval = match auth.interval() {
        i if i > 0 => u64::try_from(i).unwrap_or(5),
        _ => 5,
    };
    let mut shown = false;
    loop {
        let now = Timestamp::now();
        let attempt = oidc
            .create_token()
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .client_id(&registration.client_id)
            .client_secret(&registration.client_secret)
            .device_code(device_code)
            .send()
            .await;
        match attempt {
            Ok(out) => return new_token(session, registration, &out, now),
            Err(e) => match e.as_service_error() {
                Some(CreateTokenError::AuthorizationPendingException(_)) => {}
                Some(CreateTokenError::SlowDownException(_)) => interval += 5,
                Some(CreateTokenError::ExpiredTokenException(_)) => {
                    return Err(SsoError::Login(
                        "the pending authorization expired before it was approved; run the login again".into(),
                    ));
                }
                Some(CreateTokenError::AccessDeniedException(_)) => {
                    return Err(SsoError::Login(
                        "the authorization request was denied".into(),
                    ));
                }
                _ => return Err(service("CreateToken")(describe(&e))),
            },
        }
        // The first attempt is immediate, for pre-approved clients; then the person is asked.
        if !shown {
            shown = true;
            let url = auth
                .verification_uri_complete()
                .or(auth.verification_uri())
                .ok_or_else(missing)?;
            let code = auth.user_code().unwrap_or_default();
            show(env, url, options.no_browser, "open the following URL:");
            say(&format!("Then enter the code:\n\n{code}\n\n"));
        }
        tokio::time::sleep(Duration::from_secs(interval)).await;
    }
}

/// RFC 3986 unreserved characters stay as they are (botocore's `percent_encode`).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A PKCE verifier: 64 characters from the unreserved set (RFC 7636 §4.1).
fn code_verifier() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut rng = rand::rng();
    (0..64)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

fn code_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorize URL, parameters in the AWS CLI's order (`scopes`, not `scope`).
fn authorize_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: &[String],
    challenge: &str,
) -> String {
    let mut url = format!("{}/authorize?", base.trim_end_matches('/'));
    let scopes = if scopes.is_empty() {
        DEFAULT_SCOPE.to_string()
    } else {
        scopes.join(" ")
    };
    for (i, (k, v)) in [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge_method", "S256"),
        ("scopes", &scopes),
    ]
    .into_iter()
    .enumerate()
    {
        let _ = write!(
            url,
            "{}{k}={}",
            if i > 0 { "&" } else { "" },
            utf8_percent_encode(v, QUERY)
        );
    }
    let _ = write!(url, "&code_challenge={challenge}");
    url
}

/// Records the URL a request is about to go to, then stops it: how the AWS CLI learns the
/// sso-oidc endpoint (with every override applied) to build the authorize URL on.
#[derive(Debug, Default, Clone)]
struct CaptureEndpoint(Arc<Mutex<Option<String>>>);

impl Intercept for CaptureEndpoint {
    fn name(&self) -> &'static str {
        "CaptureEndpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri();
        let base = url::Url::parse(uri)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        if let Ok(mut slot) = self.0.lock() {
            *slot = base;
        }
        Err("endpoint captured".into())
    }
}

async fn oidc_endpoint(oidc: &aws_sdk_ssooidc::Client) -> Result<String, SsoError> {
    let capture = CaptureEndpoint::default();
    let _ = oidc
        .register_client()
        .client_name("endpoint-discovery")
        .client_type("public")
        .customize()
        .interceptor(capture.clone())
        .send()
        .await;
    let captured = capture.0.lock().ok().and_then(|slot| slot.clone());
    captured.ok_or_else(|| SsoError::Login("cannot tell the sso-oidc endpoint".into()))
}

/// What the browser's redirect brought back.
enum Callback {
    Code(String),
    Error(String),
}

async fn pkce_flow(
    env: &Env,
    session: &SsoSession<'_>,
    registration: &Registration,
    oidc: &aws_sdk_ssooidc::Client,
    options: &LoginOptions,
) -> Result<CachedToken, SsoError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
        SsoError::Login(format!(
            "cannot listen on 127.0.0.1 for the browser's redirect ({e}); try `ssoenv login --use-device-code`"
        ))
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| SsoError::Login(e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
    let verifier = code_verifier();
    let state = uuid::Uuid::new_v4().to_string();
    let base = oidc_endpoint(oidc).await?;
    let scopes = registration.scopes.clone().unwrap_or_default();
    let url = authorize_url(
        &base,
        &registration.client_id,
        &redirect_uri,
        &state,
        &scopes,
        &code_challenge(&verifier),
    );

    let (tx, rx) = tokio::sync::oneshot::channel::<Callback>();
    let slot = Arc::new(Mutex::new(Some(tx)));
    let expected_state = state.clone();
    let app = axum::Router::new().fallback(move |axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>| {
        let slot = Arc::clone(&slot);
        let expected_state = expected_state.clone();
        async move {
            let outcome = match (query.get("error"), query.get("code"), query.get("state")) {
                (Some(error), _, _) => Some(Callback::Error(format!("the authorization was refused ({error})"))),
                (None, Some(code), Some(state)) if *state == expected_state => Some(Callback::Code(code.clone())),
                (None, Some(_), _) => Some(Callback::Error("State parameter does not match expected value.".into())),
                // Anything else (a favicon, a stray visit): keep waiting for the real callback.
                _ => None,
            };
            if let (Some(outcome), Ok(mut slot)) = (outcome, slot.lock())
                && let Some(tx) = slot.take() {
                    let _ = tx.send(outcome);
                }
            axum::response::Html(
                "<!doctype html><title>ssoenv</title><p>ssoenv received the authorization. You can close this window.</p>",
            )
        }
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    show(env, &url, options.no_browser, "open the following URL:");
    let outcome = tokio::time::timeout(AUTHORIZATION_TIMEOUT, rx).await;
    server.abort();
    let code = match outcome {
        Ok(Ok(Callback::Code(code))) => code,
        Ok(Ok(Callback::Error(message))) => return Err(SsoError::Login(message)),
        Ok(Err(_)) => return Err(SsoError::Login("the redirect server stopped".into())),
        Err(_) => {
            return Err(SsoError::Login(format!(
                "no answer from the browser within {} minutes; run the login again",
                AUTHORIZATION_TIMEOUT.as_secs() / 60
            )));
        }
    };
    let now = Timestamp::now();
    let out = oidc
        .create_token()
        .grant_type("authorization_code")
        .client_id(&registration.client_id)
        .client_secret(&registration.client_secret)
        .redirect_uri(&redirect_uri)
        .code_verifier(&verifier)
        .code(code)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(CreateTokenError::ExpiredTokenException(_)) => SsoError::Login(
                "the authorization expired before it was used; run the login again".into(),
            ),
            _ => service("CreateToken")(describe(&e)),
        })?;
    new_token(session, registration, &out, now)
}

/// Account names for the prompt, from ListAccounts. Best effort: a login is not worse for it.
async fn remember_account_names(
    env: &Env,
    session: &SsoSession<'_>,
    profile: Option<&str>,
    token: &CachedToken,
) {
    let portal = client::portal_client(session, profile).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_is_the_clis() {
        // aws-cli tests/functional/sso/__init__.py
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com",
            "auth-client-id",
            "http://127.0.0.1:55555/oauth/callback",
            "00000000-0000-0000-0000-000000000000",
            &["sso:account:access".to_string()],
            "CHALLENGE",
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=auth-client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A55555%2Foauth%2Fcallback&state=00000000-0000-0000-0000-000000000000&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=CHALLENGE"
        );
        assert!(
            authorize_url("http://x/", "c", "r", "s", &["a b".into(), "c".into()], "z")
                .contains("&scopes=a%20b%20c&")
        );
    }

    #[test]
    fn pkce_verifier_and_challenge_follow_rfc_7636() {
        let verifier = code_verifier();
        assert_eq!(verifier.len(), 64);
        assert!(
            verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(verifier, code_verifier());
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
