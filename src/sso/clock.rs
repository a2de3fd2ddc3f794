//! The service's clock, from the `Date` header of an sso-oidc answer: a clock that is minutes off
//! breaks request signing (SigV4 allows five), and nothing else says why.

use aws_sdk_ssooidc::error::SdkError;
use jiff::Timestamp;

use super::client::oidc_client;
use super::sdk::{ClientSettings, describe};
use crate::config::SsoSession;

/// The time the session's sso-oidc endpoint answered with. The call is a `CreateToken` with a
/// made-up client, which the service refuses without side effects; the refusal carries the date.
pub async fn service_time(
    session: &SsoSession<'_>,
    settings: &ClientSettings,
) -> Result<Timestamp, String> {
    let oidc = oidc_client(session, settings).await;
    let result = oidc
        .create_token()
        .client_id("ssoenv-doctor-clock-check")
        .client_secret("none")
        .grant_type("refresh_token")
        .refresh_token("none")
        .send()
        .await;
    let headers = match &result {
        Ok(_) => return Err("the service accepted a made-up client".into()),
        Err(SdkError::ServiceError(context)) => context.raw().headers(),
        Err(SdkError::ResponseError(context)) => context.raw().headers(),
        Err(e) => return Err(describe(e)),
    };
    let date = headers.get("date").ok_or("the answer has no Date header")?;
    jiff::fmt::rfc2822::parse(date)
        .map(|z| z.timestamp())
        .map_err(|_| format!("the answer's Date header is not a date: {date}"))
}
