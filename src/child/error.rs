//! What can stop a child command from running.

use std::io;

use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("cannot wait for signals: {0}")]
    Signals(#[source] io::Error),
    #[error("command not found: {command}")]
    NotFound { command: String },
    #[error("cannot run {command}: {source}")]
    CannotExecute {
        command: String,
        #[source]
        source: io::Error,
    },
}

impl ChildError {
    /// What a shell exits with when it cannot run a command (126, 127).
    pub fn exit_code(&self) -> u8 {
        match self {
            ChildError::NotFound { .. } => exit::NOT_FOUND,
            ChildError::CannotExecute { .. } => exit::CANNOT_EXECUTE,
            ChildError::Signals(_) => exit::FAILURE,
        }
    }
}
