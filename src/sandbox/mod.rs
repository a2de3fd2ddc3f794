//! `ssoenv sandbox`: a local IAM Identity Center emulator speaking the real sso and sso-oidc wire
//! protocols on 127.0.0.1.
