//! The one call to the sign-in service: `getSigninToken`, over plain hyper (no SDK models it),
//! bounded by `SSOENV_TIMEOUT` like every other call. Its request carries the credentials and
//! its answer the token, so neither ever reaches an error message: a failure says only what
//! happened (a status, "could not be read", a transport error).

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::USER_AGENT;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use url::Url;

use super::error::ConsoleError;
use crate::sso::sdk::Timeouts;

/// Asks the federation endpoint for a sign-in token with `request` (see
/// [`links::signin_token_request`](super::links::signin_token_request)).
pub async fn signin_token(request: &Url, timeouts: &Timeouts) -> Result<String, ConsoleError> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| ConsoleError::Transport(format!("no trusted certificates: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
    let http_request = hyper::Request::get(request.as_str())
        .header(USER_AGENT, concat!("ssoenv/", env!("CARGO_PKG_VERSION")))
        .body(Empty::new())
        .map_err(|_| ConsoleError::Transport("the request could not be built".into()))?;
    let call = async {
        let response = client
            .request(http_request)
            .await
            .map_err(|e| ConsoleError::Transport(transport(&e)))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ConsoleError::Transport(e.to_string()))?
            .to_bytes();
        Ok::<_, ConsoleError>((status, body))
    };
    let (status, body) = tokio::time::timeout(timeouts.overall, call)
        .await
        .map_err(|_| ConsoleError::TimedOut(timeouts.timed_out()))??;
    if !status.is_success() {
        let hint = if status.as_u16() == 400 {
            " (expired credentials, or a kind the console does not accept)"
        } else {
            ""
        };
        return Err(ConsoleError::Refused {
            status: status.as_u16(),
            hint,
        });
    }
    token_of(&body).ok_or(ConsoleError::Unreadable)
}

/// `SigninToken` of `{"SigninToken":"…"}`.
fn token_of(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value
        .get("SigninToken")?
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// A transport failure in one line, from the innermost cause (hyper-util's own text says only
/// "client error (Connect)"); the request's URL is never part of it.
fn transport(err: &hyper_util::client::legacy::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_its_json_and_nothing_else() {
        assert_eq!(
            token_of(br#"{"SigninToken":"abc"}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(token_of(br#"{"SigninToken":""}"#), None);
        assert_eq!(token_of(b"<html>"), None);
        assert_eq!(token_of(br#"{"signinToken":"abc"}"#), None);
    }
}
