//! The one integration-test binary (one link step for every test, as ripgrep does): each module
//! drives the real `ssoenv` binary, real shells and the `ssoenv sandbox` emulator.

mod cli;
mod common;
mod config;
mod env;
mod interop;
mod login;
mod prompt;
mod sandbox;
mod shell;
mod ship;
mod sso;
