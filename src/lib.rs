//! ssoenv: AWS IAM Identity Center credentials in every shell, tool and prompt.
//!
//! Layers, top down; a module imports only from layers below its own, and no two files import
//! each other (`tests/it/architecture.rs` holds this):
//!
//! ```text
//! main                 parse, dispatch, exit codes
//! cmd, error           one file per subcommand; the errors that reach main
//! cli                  the clap definitions (the whole command line in one place)
//! active, console,     the profile a command acts on, its local status, the prompt segment;
//!   doctor             the console's sign-in URLs; the set-up checks
//! credentials          role-credential cache, role chaining, the environment contract
//! sso                  the IAM Identity Center client: token cache, logins, refresh
//! config, shell        ~/.aws/config and credentials; what is printed for each shell
//! leaves               child, env, exit, fsutil, pyjson, report, runtime, time
//! ```
//!
//! `sandbox`, the local IAM Identity Center emulator behind `ssoenv sandbox`, stands apart: only
//! its command imports it, and it imports only leaves.

pub mod active;
pub mod child;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod console;
pub mod credentials;
pub mod doctor;
pub mod env;
pub mod error;
pub mod exit;
pub mod fsutil;
pub mod pyjson;
pub mod report;
pub mod runtime;
pub mod sandbox;
pub mod shell;
pub mod sso;
pub mod time;
