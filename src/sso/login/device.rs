//! The device authorization flow (legacy start-URL profiles, `--use-device-code`): show a URL
//! and a code, then poll CreateToken at the service's interval (`slow_down` adds 5 seconds) until
//! the person approves, denies, or the authorization expires.

use std::time::Duration;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use jiff::Timestamp;

use super::flow::{new_token, service, show};
use crate::config::SsoSession;
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::cache::{CachedToken, Registration};
use crate::sso::client::describe;
use crate::sso::error::SsoError;

pub async fn device_flow(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    registration: &Registration,
    oidc: &aws_sdk_ssooidc::Client,
    no_browser: bool,
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
            show(env, report, url, no_browser, "open the following URL:");
            report.say(&format!("Then enter the code:\n\n{code}\n\n"));
        }
        tokio::time::sleep(Duration::from_secs(interval)).await;
    }
}
