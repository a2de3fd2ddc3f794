//! A set of AWS credentials, whichever source produced it.

use std::fmt;

use jiff::Timestamp;

use crate::env::Env;
use crate::time;

/// A set of AWS credentials. `Debug` never shows the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expiration: Option<Timestamp>,
    pub account_id: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .field("account_id", &self.account_id)
            .finish()
    }
}

impl Credentials {
    /// `AWS_CREDENTIAL_EXPIRATION` and `credential_process` `Expiration`: RFC 3339 in UTC with `Z`.
    pub fn expiration_rfc3339(&self) -> Option<String> {
        self.expiration.map(time::cli_time)
    }

    /// The keys an environment holds (`AWS_ACCESS_KEY_ID`, …), if it holds a pair.
    pub fn from_env(env: &Env) -> Option<Self> {
        Some(Self {
            access_key_id: env.var("AWS_ACCESS_KEY_ID")?,
            secret_access_key: env.var("AWS_SECRET_ACCESS_KEY")?,
            session_token: env.var("AWS_SESSION_TOKEN"),
            expiration: env
                .var("AWS_CREDENTIAL_EXPIRATION")
                .and_then(|t| time::parse_timestamp(&t)),
            account_id: env.var("AWS_ACCOUNT_ID"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let creds = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: "very-secret".into(),
            session_token: Some("token-value".into()),
            expiration: None,
            account_id: None,
        };
        let text = format!("{creds:?}");
        assert!(
            !text.contains("very-secret") && !text.contains("token-value"),
            "{text}"
        );
    }
}
