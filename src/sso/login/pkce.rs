//! The authorization-code flow with PKCE (sso-session profiles): the browser is sent to the
//! authorize URL and redirected back to a loopback server bound to 127.0.0.1 only (the AWS CLI
//! listens on every interface), on a random port, that accepts one callback whose `state`
//! matches, within a time limit; the code is then redeemed with the verifier.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use base64::Engine;
use jiff::Timestamp;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::endpoint::oidc_endpoint;
use super::flow::{new_token, service, show};
use super::register::DEFAULT_SCOPE;
use crate::config::SsoSession;
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::cache::{CachedToken, Registration};
use crate::sso::client::describe;
use crate::sso::error::SsoError;

/// How long the browser has to come back, as in the AWS CLI.
const AUTHORIZATION_TIMEOUT: Duration = Duration::from_secs(600);

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

/// What the browser's redirect brought back.
enum Callback {
    Code(String),
    Error(String),
}

/// The loopback server's state: the `state` it expects, and where the first real callback goes.
#[derive(Clone)]
struct Waiter {
    expected_state: Arc<str>,
    slot: Arc<Mutex<Option<tokio::sync::oneshot::Sender<Callback>>>>,
}

/// Handles every request to the loopback server: the callback with the code (or an error) ends
/// the wait; anything else (a favicon, a stray visit) keeps waiting for the real one. The page
/// tells the person what happened, so a refused or forged callback never reads as success.
async fn callback(
    axum::extract::State(waiter): axum::extract::State<Waiter>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> axum::response::Html<&'static str> {
    let outcome = match (query.get("error"), query.get("code"), query.get("state")) {
        (Some(error), _, _) => Some(Callback::Error(format!(
            "the authorization was refused ({error})"
        ))),
        (None, Some(code), Some(state)) if **state == *waiter.expected_state => {
            Some(Callback::Code(code.clone()))
        }
        (None, Some(_), _) => Some(Callback::Error(
            "State parameter does not match expected value.".into(),
        )),
        _ => None,
    };
    let page = match &outcome {
        Some(Callback::Code(_)) => {
            "<!doctype html><title>ssoenv</title><p>ssoenv received the authorization. You can close this window.</p>"
        }
        Some(Callback::Error(_)) => {
            "<!doctype html><title>ssoenv</title><p>The ssoenv login failed: see your terminal. You can close this window.</p>"
        }
        None => {
            "<!doctype html><title>ssoenv</title><p>ssoenv is waiting for the authorization.</p>"
        }
    };
    if let (Some(outcome), Ok(mut slot)) = (outcome, waiter.slot.lock())
        && let Some(tx) = slot.take()
    {
        let _ = tx.send(outcome);
    }
    axum::response::Html(page)
}

pub async fn pkce_flow(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    registration: &Registration,
    oidc: &aws_sdk_ssooidc::Client,
    no_browser: bool,
    redirect_port: Option<u16>,
) -> Result<CachedToken, SsoError> {
    // Bound before the browser is sent anywhere, so its redirect always finds the listener.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", redirect_port.unwrap_or(0)))
        .await
        .map_err(|e| match redirect_port {
            Some(port) if e.kind() == std::io::ErrorKind::AddrInUse => SsoError::Login(format!(
                "port {port} on 127.0.0.1 is in use: free it, or pass another --redirect-port"
            )),
            _ => SsoError::Login(format!(
                "cannot listen on 127.0.0.1 for the browser's redirect ({e}); try `ssoenv login --use-device-code`"
            )),
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
    let waiter = Waiter {
        expected_state: Arc::from(state.as_str()),
        slot: Arc::new(Mutex::new(Some(tx))),
    };
    let app = axum::Router::new().fallback(callback).with_state(waiter);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    show(env, report, &url, no_browser, "open the following URL:").await;
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
