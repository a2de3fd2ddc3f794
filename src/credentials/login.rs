//! `login_session` profiles: the credentials the AWS CLI's `aws login` cached in
//! `~/.aws/login/cache/<sha256 of the session>.json` (or `$AWS_LOGIN_CACHE_DIRECTORY`).
//!
//! Read only. Refreshing them takes a DPoP-signed `CreateOAuth2Token` call, which the Rust SDK
//! implements behind aws-config's `credentials-login` feature; its crates (`aws-sdk-signin`,
//! `p256`) are not in the vendored registry this project builds from, so ssoenv uses what
//! `aws login` (or any AWS CLI call, which refreshes it) left there and otherwise asks for
//! `aws login`.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::CredentialsError;
use super::keys::Credentials;
use crate::env::Env;
use crate::fsutil;
use crate::time::parse_timestamp;

/// Credentials this close to expiry are left to a refresh, as the SDKs refresh them (5 minutes:
/// botocore's `_REFRESH_THRESHOLD`, the Rust SDK's `REFRESH_BUFFER_TIME`).
pub const EXPIRY_WINDOW: SignedDuration = SignedDuration::from_mins(5);

/// The cached credentials of `session` that stay valid beyond the expiry window; `None` when
/// there are none (missing, unreadable, expired).
pub fn cached(env: &Env, session: &str, now: Timestamp) -> Option<Credentials> {
    let dir = env.login_cache_dir()?;
    // The AWS CLI hashes the value as written (the Rust SDK trims it first; ours is trimmed by
    // the config parser already).
    let file = dir.join(format!("{:x}.json", Sha256::digest(session.as_bytes())));
    let value: Value = serde_json::from_slice(&fsutil::read_regular(&file).ok()?).ok()?;
    let token = value.get("accessToken")?;
    let text = |k: &str| token.get(k).and_then(Value::as_str).map(str::to_string);
    let expiration = parse_timestamp(token.get("expiresAt")?.as_str()?)?;
    (expiration > now + EXPIRY_WINDOW).then_some(Credentials {
        access_key_id: text("accessKeyId")?,
        secret_access_key: text("secretAccessKey")?,
        session_token: text("sessionToken"),
        expiration: Some(expiration),
        account_id: text("accountId"),
    })
}

/// The credentials of a `login_session` profile, or the error that says to run `aws login`.
pub fn credentials(
    env: &Env,
    profile: &str,
    session: &str,
    now: Timestamp,
) -> Result<Credentials, CredentialsError> {
    cached(env, session, now).ok_or_else(|| CredentialsError::LoginSession {
        profile: profile.to_string(),
    })
}
