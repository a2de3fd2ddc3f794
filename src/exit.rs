//! Exit codes. Stable: scripts and the shell hooks test them, and the README documents them.
//! A leaf: every layer's errors map to these without importing each other.

/// Something failed that is not covered below.
pub const FAILURE: u8 = 1;
/// The command line was wrong (clap's own code).
pub const USAGE: u8 = 2;
/// A config or credentials file is malformed, or a profile is unknown or broken.
pub const CONFIG: u8 = 3;
/// The profile's SSO session needs `ssoenv login`.
pub const LOGIN_REQUIRED: u8 = 4;
/// IAM Identity Center, STS or the network failed.
pub const SERVICE: u8 = 5;
/// `ssoenv whoami`: the SSO session is over, but credentials cached from it are still valid.
pub const CREDENTIALS_ONLY: u8 = 6;
/// A guarded profile's confirmation was refused (or not given): nothing was changed.
pub const REFUSED: u8 = 7;
/// Interrupted by Ctrl-C (128 + SIGINT, what a shell reports for a process the signal ended).
pub const INTERRUPTED: u8 = 130;
/// `ssoenv exec`: the command could not be run.
pub const CANNOT_EXECUTE: u8 = 126;
/// `ssoenv exec`: the command was not found.
pub const NOT_FOUND: u8 = 127;
