//! ssoenv: AWS IAM Identity Center credentials in every shell, tool and prompt.
//!
//! Data flows one way: `cmd` composes `config`, `sso` and `credentials`, and hands what it prints
//! to `shell`. `sandbox` is the local IAM Identity Center emulator behind `ssoenv sandbox`.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod credentials;
pub mod env;
pub mod error;
pub mod fsutil;
pub mod pyjson;
pub mod sandbox;
pub mod shell;
pub mod sso;
