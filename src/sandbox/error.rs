//! What can stop the sandbox.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[source] io::Error),
    #[error("cannot create the sandbox home: {0}")]
    Home(#[source] io::Error),
    #[error("cannot write the ready file {path}: {source}")]
    ReadyFile {
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),
    #[error(transparent)]
    Child(#[from] crate::child::ChildError),
    #[error("browse: {0}")]
    Browse(String),
}
