//! Everything ssoenv prints for a shell to evaluate: one small module per shell, each with its
//! quoting rules written down and pinned by exact tests.

use clap::ValueEnum;

/// The shells ssoenv prints scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
}

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("cannot tell the shell from $SHELL ({0}); pass --shell bash, zsh, fish or powershell")]
    Unknown(String),
}
