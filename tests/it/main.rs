//! The one integration-test binary (one link step for every test, as ripgrep does): each module
//! drives the real `ssoenv` binary, real shells and the `ssoenv sandbox` emulator.

mod architecture;
mod asp_yes;
mod cli;
mod common;
mod config;
mod console;
mod doctor;
mod endpoint;
mod env;
mod faults;
mod fresh;
mod guard;
mod interop;
mod kinds;
mod login;
mod login_faults;
mod ondemand;
mod prompt;
mod sandbox;
mod segment;
mod segment_check;
mod service_faults;
mod shell;
mod ship;
mod sync;
