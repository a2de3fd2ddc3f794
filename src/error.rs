//! The errors that reach `main`, and the exit code each maps to. The codes are documented in the
//! README (`crate::exit`); shell hooks rely on [`exit::LOGIN_REQUIRED`].

use std::io;

use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Active(#[from] crate::active::ActiveError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Sso(#[from] crate::sso::SsoError),
    #[error(transparent)]
    Credentials(#[from] crate::credentials::CredentialsError),
    #[error(transparent)]
    Console(#[from] crate::console::ConsoleError),
    #[error(transparent)]
    Shell(#[from] crate::shell::ShellError),
    #[error(transparent)]
    Child(#[from] crate::child::ChildError),
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A message for the user, with the exit code to leave with.
    #[error("{message}")]
    Message { message: String, code: u8 },
    /// Leave with this code and print nothing (the child's status in `exec`, a silent prompt).
    #[error("")]
    SilentExit(u8),
}

impl Error {
    pub fn message(code: u8, message: impl Into<String>) -> Self {
        Error::Message {
            message: message.into(),
            code,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Active(e) => e.exit_code(),
            Error::Config(_) => exit::CONFIG,
            Error::Sso(e) => e.exit_code(),
            Error::Credentials(e) => e.exit_code(),
            Error::Console(e) => e.exit_code(),
            Error::Shell(_) => exit::USAGE,
            Error::Child(e) => e.exit_code(),
            Error::Io(_) => exit::FAILURE,
            Error::Message { code, .. } => *code,
            Error::SilentExit(code) => *code,
        }
    }

    /// A closed stdout (`ssoenv list | head`) is not an error worth a word.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
