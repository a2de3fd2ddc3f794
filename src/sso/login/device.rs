//! The device authorization flow (legacy start-URL profiles, `--use-device-code`): show a URL
//! and a code, then poll CreateToken at the service's interval (`slow_down` adds 5 seconds) until
//! the person approves, denies, or the authorization expires — by the service's word, or by the
//! clock at the `expiresIn` it announced, so a service that answers "pending" forever cannot keep
//! a login polling forever.

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

/// How long an authorization lasts when the service does not say (the real one: 10 minutes).
const DEFAULT_EXPIRY: Duration = Duration::from_secs(600);

/// What a device login works with.
pub struct Device<'a> {
    pub registration: &'a Registration,
    pub oidc: &'a aws_sdk_ssooidc::Client,
    pub no_browser: bool,
    /// The command that starts the login again, for the message when it expires.
    pub again: &'a str,
}

pub async fn device_flow(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    device: &Device<'_>,
) -> Result<CachedToken, SsoError> {
    let (registration, oidc) = (device.registration, device.oidc);
    let expired = || {
        SsoError::Login(format!(
            "the device authorization expired before it was approved; run `{}` again",
            device.again
        ))
    };
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
    let lifetime = u64::try_from(auth.expires_in())
        .ok()
        .filter(|s| *s > 0)
        .map_or(DEFAULT_EXPIRY, Duration::from_secs);
    let expires = tokio::time::Instant::now() + lifetime;
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
                Some(CreateTokenError::ExpiredTokenException(_)) => return Err(expired()),
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
            show(
                env,
                report,
                url,
                device.no_browser,
                "open the following URL:",
            )
            .await;
            report.say(&format!("Then enter the code:\n\n{code}\n\n"));
        }
        let now = tokio::time::Instant::now();
        if now >= expires {
            return Err(expired());
        }
        // The last poll falls on the expiry, not past it.
        let next = (now + Duration::from_secs(interval)).min(expires);
        tokio::time::sleep_until(next).await;
    }
}
