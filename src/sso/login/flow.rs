//! What the two flows share: presenting the URL (and code) to the person, and the token a
//! successful CreateToken becomes.

use jiff::{SignedDuration, Timestamp};

use crate::config::SsoSession;
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::browser::{self, Opener};
use crate::sso::cache::{CachedToken, Registration};
use crate::sso::error::SsoError;

/// A failed call to `operation`, with what went wrong (never a response body).
pub fn service(operation: &'static str) -> impl Fn(String) -> SsoError {
    move |message| SsoError::Service { operation, message }
}

/// The token a CreateToken response makes, with the registration it came through (so a later
/// refresh can use it), in the AWS CLI's shape.
pub fn new_token(
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

/// Opens `url` unless told not to; prints it (the caller adds the code) when no browser can be
/// opened here or the opener fails, and the login keeps waiting either way.
pub async fn show(env: &Env, report: &Reporter, url: &str, no_browser: bool, intro: &str) {
    if no_browser {
        report.say(&format!(
            "Browser will not be automatically opened.\n{intro}\n\n{url}\n\n"
        ));
        return;
    }
    let words = match browser::opener(env) {
        Ok(Opener::Command(words)) => words,
        Ok(Opener::Nothing(why)) => {
            report.say(&format!(
                "No browser can be opened here ({why}).\nOn any device, {intro}\n\n{url}\n\n"
            ));
            return;
        }
        Err(e) => {
            report.say(&format!(
                "ssoenv: cannot open a browser ({e}).\n{intro}\n\n{url}\n\n"
            ));
            return;
        }
    };
    report.say(&format!(
        "Attempting to open your default browser.\nIf the browser does not open or you wish to use a different \
         device to authorize this request, {intro}\n\n{url}\n\n"
    ));
    if let Err(e) = browser::open(&words, url).await {
        report.say(&format!(
            "ssoenv: cannot open a browser ({e}); open the URL above yourself.\n"
        ));
    }
}
