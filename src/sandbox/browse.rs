//! `ssoenv sandbox --browse URL`: a person's browser, reduced to what a login needs. It opens the
//! URL and follows redirects (the sandbox's `/authorize` sends it on to the client's loopback
//! callback), staying on this machine.

use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{LOCATION, USER_AGENT};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use url::Url;

use super::error::SandboxError;

/// As many redirects as a login can need, and then some.
const MAX_REDIRECTS: usize = 5;
/// A sandbox answers at once; anything slower is a hung callback server.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens `url`, following redirects; succeeds when the last answer is a 2xx.
pub async fn browse(url: &str) -> Result<(), SandboxError> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut current = loopback_url(url)?;
    for _ in 0..=MAX_REDIRECTS {
        let request = hyper::Request::get(current.as_str())
            .header(
                USER_AGENT,
                concat!("ssoenv-sandbox-browser/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|e| SandboxError::Browse(format!("{current}: {e}")))?;
        let response = tokio::time::timeout(REQUEST_TIMEOUT, client.request(request))
            .await
            .map_err(|_| SandboxError::Browse(format!("{current}: timed out")))?
            .map_err(|e| SandboxError::Browse(format!("{current}: {e}")))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    SandboxError::Browse(format!("{current}: {status} without a Location"))
                })?;
            let next = current
                .join(location)
                .map_err(|e| SandboxError::Browse(format!("{current}: bad Location: {e}")))?;
            current = loopback_url(next.as_str())?;
            continue;
        }
        // Read the page to its end, as a browser would, before judging the answer.
        tokio::time::timeout(REQUEST_TIMEOUT, response.into_body().collect())
            .await
            .map_err(|_| SandboxError::Browse(format!("{current}: timed out")))?
            .map_err(|e| SandboxError::Browse(format!("{current}: {e}")))?;
        return if status.is_success() {
            Ok(())
        } else {
            Err(SandboxError::Browse(format!("{current}: {status}")))
        };
    }
    Err(SandboxError::Browse(format!(
        "more than {MAX_REDIRECTS} redirects"
    )))
}

/// Parses `url` and refuses anything but plain http to this machine: this browser must never
/// carry an authorization code anywhere else.
fn loopback_url(url: &str) -> Result<Url, SandboxError> {
    let parsed = Url::parse(url).map_err(|e| SandboxError::Browse(format!("{url}: {e}")))?;
    let local = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if parsed.scheme() != "http" || !local {
        return Err(SandboxError::Browse(format!(
            "{url}: only http URLs on 127.0.0.1 or localhost can be opened"
        )));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_is_opened() {
        assert!(loopback_url("http://127.0.0.1:8/authorize?x=1").is_ok());
        assert!(loopback_url("http://localhost:8/").is_ok());
        assert!(loopback_url("https://127.0.0.1:8/").is_err());
        assert!(loopback_url("http://example.com/").is_err());
        assert!(loopback_url("http://127.0.0.1.example.com/").is_err());
        assert!(loopback_url("nonsense").is_err());
    }
}
