//! The loopback credential endpoint behind `exec --server` and `serve`: the container-credentials
//! protocol every AWS SDK reads (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`), answered from the shared role-credential cache.
//!
//! - Only 127.0.0.1 is bound, on a free port; the path and the token are 256 random bits each. A
//!   request without the token gets 401 and no body; one for another path, 404.
//! - Each request looks in the cache (a file read while the credentials are fresh) and, when they
//!   are missing or inside the refresh window, fetches through [`resolve`] under the per-key lock
//!   every other process takes: however many clients poll, one GetRoleCredentials per lifetime.
//! - A background caller never logs in: "login needed" is a 403 whose `Code`/`Message` the SDKs
//!   show, a profile ssoenv cannot serve a 400; a service failure is a 502, which they retry. The first failure after a success is
//!   told once through the [`Reporter`]; nothing secret is ever reported.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use base64::Engine;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use rand::RngCore;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use super::{Credentials, CredentialsError, cached, contract, resolve};
use crate::config::chain::Chain;
use crate::config::model::ProfileSet;
use crate::env::{Env, EnvChange};
use crate::exit;
use crate::report::Reporter;
use crate::time;

/// A bound endpoint, not yet serving: its URL and token go into the child's environment first.
pub struct Endpoint {
    listener: TcpListener,
    port: u16,
    url: String,
    path: String,
    token: String,
}

/// What the endpoint serves: the credentials of one profile's chain.
pub struct Source<'a> {
    pub set: &'a ProfileSet<'static>,
    pub chain: &'a Chain,
    pub region: Option<&'a str>,
    /// The command a "login needed" answer names.
    pub login_hint: &'a str,
}

/// 32 random bytes, base64url without padding (URL- and header-safe).
fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Endpoint {
    /// Binds 127.0.0.1 on a free port, with a fresh random path and token.
    pub async fn bind() -> Result<Self, CredentialsError> {
        let listen = async {
            let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
            let port = listener.local_addr()?.port();
            Ok::<_, io::Error>((listener, port))
        };
        let (listener, port) = listen.await.map_err(CredentialsError::Listen)?;
        let path = format!("/{}", secret());
        Ok(Self {
            listener,
            port,
            url: format!("http://127.0.0.1:{port}{path}"),
            path,
            token: secret(),
        })
    }

    /// The port it listens on (the path and token are secrets; the port is not).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What a process needs to use it: [`contract::endpoint_mode`] with its URL and token.
    pub fn env_changes(&self, account_id: Option<&str>, region: Option<&str>) -> Vec<EnvChange> {
        contract::endpoint_mode(&self.url, &self.token, account_id, region)
    }

    /// Answers requests until the future is dropped, which closes the port.
    pub async fn serve(self, env: &Env, report: &Reporter, source: Source<'_>) -> Infallible {
        let served = Served {
            env,
            report,
            source,
            path: &self.path,
            token: &self.token,
            fetch: Mutex::new(Failing(false)),
        };
        let served = &served;
        // Connections borrow what is served, so they are driven here rather than spawned.
        let mut connections = FuturesUnordered::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    // A failed accept (out of descriptors) is the client's to retry.
                    let Ok((stream, _)) = accepted else { continue };
                    let service = hyper::service::service_fn(move |request| async move {
                        Ok::<_, Infallible>(served.answer(&request).await)
                    });
                    connections.push(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service),
                    );
                }
                // A connection that fails (a client that hung up) ends alone.
                Some(_) = connections.next() => {}
            }
        }
    }
}

/// Whether the last fetch failed, so a run of failures is told once.
struct Failing(bool);

struct Served<'a> {
    env: &'a Env,
    report: &'a Reporter,
    source: Source<'a>,
    path: &'a str,
    token: &'a str,
    /// One fetch at a time in this process: the per-key file lock is per process, and a second
    /// task blocking on it would stall the runtime the first one needs to finish.
    fetch: Mutex<Failing>,
}

impl Served<'_> {
    async fn answer(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        if !self.authorized(request) {
            return empty(StatusCode::UNAUTHORIZED);
        }
        if request.uri().path() != self.path {
            return empty(StatusCode::NOT_FOUND);
        }
        if request.method() != Method::GET {
            return empty(StatusCode::METHOD_NOT_ALLOWED);
        }
        match self.credentials().await {
            Ok(creds) => match body(&creds) {
                Some(body) => json_response(StatusCode::OK, &body),
                None => error_response(
                    StatusCode::BAD_REQUEST,
                    "Unsupported",
                    "these credentials have no session token or expiry, which the container \
                     protocol requires; use `ssoenv exec` without --server",
                ),
            },
            Err(e) if e.exit_code() == exit::LOGIN_REQUIRED => error_response(
                StatusCode::FORBIDDEN,
                "LoginRequired",
                &format!(
                    "the IAM Identity Center session needs a login: run `{}`",
                    self.source.login_hint
                ),
            ),
            // A source ssoenv cannot serve stays so: an error no SDK retries.
            Err(e) if e.exit_code() == exit::CONFIG => {
                error_response(StatusCode::BAD_REQUEST, "Unsupported", &e.to_string())
            }
            Err(e) => error_response(StatusCode::BAD_GATEWAY, "CredentialsError", &e.to_string()),
        }
    }

    fn authorized(&self, request: &Request<Incoming>) -> bool {
        request
            .headers()
            .get(AUTHORIZATION)
            .is_some_and(|given| same(given.as_bytes(), self.token.as_bytes()))
    }

    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let Source {
            set,
            chain,
            region,
            login_hint,
        } = &self.source;
        if let Some(creds) = cached(self.env, self.report, set, chain, Timestamp::now()) {
            return Ok(creds);
        }
        let mut failing = self.fetch.lock().await;
        let result = resolve(self.env, self.report, set, chain, *region, login_hint).await;
        match &result {
            Ok(_) => failing.0 = false,
            Err(e) if !failing.0 => {
                failing.0 = true;
                self.report.say(&format!("{}\n", self.failure_line(e)));
            }
            Err(_) => {}
        }
        result
    }

    /// The one line a run of failures is told in.
    fn failure_line(&self, e: &CredentialsError) -> String {
        let hint = self.source.login_hint;
        if e.exit_code() == exit::LOGIN_REQUIRED {
            format!(
                "ssoenv: credential requests fail until you log in: run `{hint}` in another \
                 terminal (nothing needs restarting)"
            )
        } else {
            format!("ssoenv: credential requests fail: {e}")
        }
    }
}

/// Compares without stopping at the first difference, so timing tells nothing about the token.
fn same(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The JSON every SDK reads; `None` for credentials without the token and expiry it requires.
fn body(creds: &Credentials) -> Option<Value> {
    let mut body = json!({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token.as_ref()?,
        "Expiration": time::cli_time(creds.expiration?),
    });
    if let Some(account) = &creds.account_id {
        body["AccountId"] = json!(account);
    }
    Some(body)
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::default());
    *response.status_mut() = status;
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// An error the SDKs surface: the JS SDK reads `Code` and `Message` from a 4xx body.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(status, &json!({ "Code": code, "Message": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abd", b"abc"));
        assert!(!same(b"ab", b"abc"));
        assert!(!same(b"", b"abc"));
    }

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let (a, b) = (secret(), secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn the_body_has_what_every_sdk_requires() {
        let creds = Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: "s".into(),
            session_token: Some("t".into()),
            expiration: Some("2030-01-01T00:00:00.5Z".parse().unwrap()),
            account_id: Some("111111111111".into()),
        };
        assert_eq!(
            body(&creds).unwrap(),
            json!({"AccessKeyId": "ASIA", "SecretAccessKey": "s", "Token": "t",
                   "Expiration": "2030-01-01T00:00:00Z", "AccountId": "111111111111"})
        );
        let static_keys = Credentials {
            session_token: None,
            expiration: None,
            ..creds
        };
        assert_eq!(body(&static_keys), None);
    }
}
