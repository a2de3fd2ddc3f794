//! Integration tests: sso.
