//! What can go wrong while building a console sign-in URL, and the exit code each means. No
//! variant ever carries a URL, a sign-in token or credentials.

use crate::credentials::CredentialsError;
use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The profile's credentials cannot open a console, and why.
    #[error("profile `{profile}` cannot open the console: {why}")]
    Unsupported { profile: String, why: String },
    #[error("region `{region}` is in an isolated partition, which has no public console sign-in")]
    Partition { region: String },
    #[error(
        "--destination `{given}` is neither a service name (`s3`, `ec2`) nor an https:// console \
         URL (`https://console.aws.amazon.com/…`)"
    )]
    Destination { given: String },
    #[error("AWS_ENDPOINT_URL_SIGNIN (or endpoint_url) `{url}` is not an http(s) URL")]
    Endpoint { url: String },
    #[error("the sign-in service refused the credentials (HTTP {status}){hint}")]
    Refused { status: u16, hint: &'static str },
    #[error("the sign-in service's answer could not be read")]
    Unreadable,
    #[error("cannot reach the sign-in service: {0}")]
    Transport(String),
    #[error("the sign-in service {0}")]
    TimedOut(String),
    #[error("{0}")]
    Settings(String),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

impl ConsoleError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ConsoleError::Unsupported { .. }
            | ConsoleError::Partition { .. }
            | ConsoleError::Endpoint { .. } => exit::CONFIG,
            ConsoleError::Destination { .. } => exit::USAGE,
            ConsoleError::Refused { .. }
            | ConsoleError::Unreadable
            | ConsoleError::Transport(_)
            | ConsoleError::TimedOut(_) => exit::SERVICE,
            ConsoleError::Settings(_) => exit::FAILURE,
            ConsoleError::Credentials(e) => e.exit_code(),
        }
    }
}
