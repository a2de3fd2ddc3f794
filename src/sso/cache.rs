//! The SSO token cache, `~/.aws/sso/cache`, shared with the AWS CLI v2 both ways: tokens under
//! `sha1(session name | start URL).json`, client registrations under a sha1 of their parameters.
//!
//! Written exactly as `aws sso login` writes them (insertion-ordered keys, Python's separators,
//! `%Y-%m-%dT%H:%M:%SZ` timestamps with sub-seconds truncated), which every SDK reads; read
//! leniently (keys in any case, fractions, offsets, unknown keys ignored), as the SDKs read.

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use crate::config::SsoSession;
use crate::env::Env;
use crate::fsutil;
use crate::pyjson::{Separators, dumps, dumps_pairs, sha1_hex};
use crate::report::Reporter;
use crate::time::{cli_time, parse_timestamp};

/// Tokens this close to expiry are refreshed, and registrations this close are not reused (the
/// AWS CLI's `_REFRESH_WINDOW` and `_EXPIRY_WINDOW`).
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// One cached SSO token. `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct CachedToken {
    pub start_url: Option<String>,
    pub region: Option<String>,
    pub access_token: String,
    pub expires_at: Timestamp,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub registration_expires_at: Option<Timestamp>,
    pub refresh_token: Option<String>,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("expires_at", &self.expires_at)
            .field("client_id", &self.client_id)
            .field("registration_expires_at", &self.registration_expires_at)
            .field("refreshable", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl CachedToken {
    /// Whether a refresh can be tried: a refresh token and an unexpired client registration
    /// (botocore's and the Rust SDK's rule).
    pub fn refreshable(&self, now: Timestamp) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_some_and(|t| t > now)
    }

    /// Whether this token, read from the file, is another writer's refresh of the one whose
    /// access token was `seen`: a different token that has not expired.
    pub fn replaces(&self, seen: &str, now: Timestamp) -> bool {
        self.access_token != seen && self.expires_at > now
    }

    /// The token after a refresh: new access token and expiry; the refresh token replaced, or
    /// dropped when the response has none (as botocore writes it back).
    pub fn refreshed(
        &self,
        access_token: String,
        expires_in: i64,
        refresh_token: Option<String>,
        now: Timestamp,
    ) -> Self {
        Self {
            access_token,
            expires_at: now + SignedDuration::from_secs(expires_in),
            refresh_token,
            ..self.clone()
        }
    }

    /// The file's text, exactly as the AWS CLI writes it.
    pub fn to_cli_json(&self) -> String {
        let mut pairs: Vec<(&str, Value)> = Vec::new();
        let mut opt = |key, value: &Option<String>| {
            if let Some(v) = value {
                pairs.push((key, json!(v)));
            }
        };
        opt("startUrl", &self.start_url);
        opt("region", &self.region);
        pairs.push(("accessToken", json!(self.access_token)));
        pairs.push(("expiresAt", json!(cli_time(self.expires_at))));
        let mut opt = |key, value: &Option<String>| {
            if let Some(v) = value {
                pairs.push((key, json!(v)));
            }
        };
        opt("clientId", &self.client_id);
        opt("clientSecret", &self.client_secret);
        opt(
            "registrationExpiresAt",
            &self.registration_expires_at.map(cli_time),
        );
        opt("refreshToken", &self.refresh_token);
        dumps_pairs(&pairs, Separators::Default)
    }

    fn from_json(bytes: &[u8]) -> Option<Self> {
        let object: Map<String, Value> = serde_json::from_slice(bytes).ok()?;
        let get = |key: &str| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_string)
        };
        Some(Self {
            start_url: get("startUrl"),
            region: get("region"),
            access_token: get("accessToken")?,
            expires_at: parse_timestamp(&get("expiresAt")?)?,
            client_id: get("clientId"),
            client_secret: get("clientSecret"),
            registration_expires_at: get("registrationExpiresAt").and_then(|t| parse_timestamp(&t)),
            refresh_token: get("refreshToken"),
        })
    }
}

/// `~/.aws/sso/cache/<sha1>.json` for the session's token.
pub fn token_path(env: &Env, session: &SsoSession<'_>) -> Option<PathBuf> {
    let key = sha1_hex(session.cache_identifier());
    env.sso_cache_dir().map(|d| d.join(format!("{key}.json")))
}

/// The session's cached token. Missing is `None`; so is a corrupt or truncated file, with a
/// warning naming it (the next login replaces it).
pub fn load_token(env: &Env, report: &Reporter, session: &SsoSession<'_>) -> Option<CachedToken> {
    let path = token_path(env, session)?;
    let bytes = read_cache_file(report, &path)?;
    let token = CachedToken::from_json(&bytes);
    if token.is_none() {
        warn_unreadable(report, &path);
    }
    token
}

/// A cache file's bytes. A missing file is simply `None`; one that cannot be read (permissions, a
/// FIFO, a directory) is `None` with a warning that says what is wrong with which file, since
/// "log in" would not cure it.
fn read_cache_file(report: &Reporter, path: &Path) -> Option<Vec<u8>> {
    match fsutil::read_regular(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            report.warn_once(
                path,
                &format!("cannot read the SSO cache file {}: {e}", path.display()),
            );
            None
        }
    }
}

fn warn_unreadable(report: &Reporter, path: &Path) {
    report.warn_once(
        path,
        &format!(
            "ignoring unreadable SSO cache file {} (log in again to replace it)",
            path.display()
        ),
    );
}

pub fn store_token(
    env: &Env,
    session: &SsoSession<'_>,
    token: &CachedToken,
) -> std::io::Result<()> {
    let path = token_path(env, session).ok_or_else(no_home)?;
    fsutil::write_private(&path, token.to_cli_json().as_bytes())
}

fn no_home() -> std::io::Error {
    std::io::Error::other("cannot find the home directory for ~/.aws/sso/cache")
}

/// After the service refused `spent`'s refresh token (`invalid_grant`), the token file once
/// more: the AWS CLI, botocore or the JS SDK, which do not take ssoenv's lock, may have refreshed
/// it a moment earlier and rotated the refresh token ssoenv still held. A different token that
/// is still valid is theirs, and no login is needed; `None` means the session really ended.
pub fn refreshed_elsewhere(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    spent: &CachedToken,
) -> Option<CachedToken> {
    load_token(env, report, session)
        .filter(|token| token.replaces(&spent.access_token, Timestamp::now()))
}

/// What local state says about a session's token, without the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStatus {
    /// Usable as it is.
    Valid {
        expires_at: Timestamp,
    },
    /// Expired or about to, but the next use refreshes it silently.
    Refreshable {
        expires_at: Timestamp,
    },
    /// Expired for good: log in again.
    Expired {
        expires_at: Timestamp,
    },
    Missing,
}

pub fn token_status(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    now: Timestamp,
) -> TokenStatus {
    match load_token(env, report, session) {
        None => TokenStatus::Missing,
        Some(t) => status_of(&t, now),
    }
}

pub fn status_of(token: &CachedToken, now: Timestamp) -> TokenStatus {
    let expires_at = token.expires_at;
    let fresh = expires_at > now + WINDOW;
    match (fresh, token.refreshable(now)) {
        (true, _) => TokenStatus::Valid { expires_at },
        (false, true) => TokenStatus::Refreshable { expires_at },
        (false, false) if expires_at > now => TokenStatus::Valid { expires_at },
        (false, false) => TokenStatus::Expired { expires_at },
    }
}

/// Which login flow a registration serves; the two are not interchangeable (reference §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Device,
    AuthorizationCode,
}

/// A cached OIDC client registration. `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: String,
    pub expires_at: Timestamp,
    pub scopes: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Registration {
    fn serves(&self, flow: Flow, now: Timestamp) -> bool {
        let auth_code = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"));
        self.expires_at > now + WINDOW && auth_code == (flow == Flow::AuthorizationCode)
    }
}

/// The AWS CLI's registration cache key: sha1 of the sorted-key JSON of its parameters.
pub fn registration_key(session: &SsoSession<'_>) -> String {
    let args = json!({
        "region": session.region,
        "scopes": session.scopes(),
        "session_name": session.name,
        "startUrl": session.start_url,
        "tool": "botocore",
    });
    sha1_hex(&dumps(&args, Separators::Default))
}

/// Where the session's client registration is cached.
pub fn registration_path(env: &Env, session: &SsoSession<'_>) -> Option<PathBuf> {
    env.sso_cache_dir()
        .map(|d| d.join(format!("{}.json", registration_key(session))))
}

/// A cached registration usable for `flow`, if any.
pub fn load_registration(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    flow: Flow,
    now: Timestamp,
) -> Option<Registration> {
    let path = registration_path(env, session)?;
    let bytes = read_cache_file(report, &path)?;
    let Ok(object) = serde_json::from_slice::<Map<String, Value>>(&bytes) else {
        warn_unreadable(report, &path);
        return None;
    };
    let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_string);
    let list = |k: &str| {
        object.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    };
    let registration = Registration {
        client_id: text("clientId")?,
        client_secret: text("clientSecret")?,
        expires_at: parse_timestamp(&text("expiresAt")?)?,
        scopes: list("scopes"),
        grant_types: list("grantTypes"),
    };
    registration.serves(flow, now).then_some(registration)
}

pub fn store_registration(
    env: &Env,
    session: &SsoSession<'_>,
    registration: &Registration,
) -> std::io::Result<()> {
    let path = registration_path(env, session).ok_or_else(no_home)?;
    let mut pairs = vec![
        ("clientId", json!(registration.client_id)),
        ("clientSecret", json!(registration.client_secret)),
        ("expiresAt", json!(cli_time(registration.expires_at))),
    ];
    if let Some(scopes) = &registration.scopes {
        pairs.push(("scopes", json!(scopes)));
    }
    if let Some(grants) = &registration.grant_types {
        pairs.push(("grantTypes", json!(grants)));
    }
    fsutil::write_private(&path, dumps_pairs(&pairs, Separators::Default).as_bytes())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn session<'a>(name: Option<&'a str>, scopes: Option<&'a str>) -> SsoSession<'a> {
        SsoSession {
            name: name.map(Cow::Borrowed),
            start_url: "https://d-abc123.awsapps.com/start".into(),
            region: "us-east-1".into(),
            registration_scopes: scopes.map(Cow::Borrowed),
        }
    }

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn cache_keys_match_the_reference() {
        let dev = SsoSession {
            name: Some("dev".into()),
            ..session(None, None)
        };
        assert!(
            token_path(&Env::from_map([("HOME", "/h")]), &dev)
                .unwrap()
                .ends_with("34c6fceca75e456f25e7e99531e2425c6c1de443.json")
        );
        assert_eq!(
            registration_key(&session(Some("dev"), Some("sso:account:access"))),
            "c6b2fc6aec0d9c2d2652036ffbe173a43a8ba2c3"
        );
        assert_eq!(
            registration_key(&session(None, None)),
            "c7029af06842ab71c7d71a4f2d85fc584e0c5528"
        );
    }

    #[test]
    fn tokens_are_written_byte_for_byte_as_the_cli_writes_them() {
        let token = CachedToken {
            start_url: Some("https://d-abc123.awsapps.com/start".into()),
            region: Some("us-east-1".into()),
            access_token: "at".into(),
            expires_at: t("2030-01-01T00:00:00.999Z"),
            client_id: Some("cid".into()),
            client_secret: Some("cs".into()),
            registration_expires_at: Some(t("2030-03-01T00:00:00Z")),
            refresh_token: Some("rt".into()),
        };
        assert_eq!(
            token.to_cli_json(),
            r#"{"startUrl": "https://d-abc123.awsapps.com/start", "region": "us-east-1", "accessToken": "at", "expiresAt": "2030-01-01T00:00:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2030-03-01T00:00:00Z", "refreshToken": "rt"}"#
        );
        let back = CachedToken::from_json(token.to_cli_json().as_bytes()).unwrap();
        assert_eq!(back.expires_at, t("2030-01-01T00:00:00Z"));
        assert!(!format!("{token:?}").contains("\"at\"") && !format!("{token:?}").contains("cs"));
    }

    #[test]
    fn the_rust_sdks_format_reads_too() {
        let text = r#"{"accessToken":"a","expiresAt":"2030-01-01T00:00:00.5Z","REFRESHTOKEN":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2031-01-01T00:00:00Z","extra":1}"#;
        let token = CachedToken::from_json(text.as_bytes()).unwrap();
        assert_eq!(token.refresh_token.as_deref(), Some("r"));
        assert!(token.refreshable(t("2030-06-01T00:00:00Z")));
        assert!(CachedToken::from_json(br#"{"accessToken":"a"}"#).is_none());
        assert!(CachedToken::from_json(br#"{"accessToken":"a","expiresAt":"2030-01-0"#).is_none());
    }

    /// botocore's `sso_provider_refresh_cases`: which cached tokens are usable as they are, which
    /// refresh, and what a refresh writes back.
    #[test]
    fn botocore_refresh_cases() {
        let cases: Value = serde_json::from_str(include_str!(
            "../../tests/data/conformance/botocore__test_tokens__sso_token_provider_cases.json"
        ))
        .unwrap();
        for case in cases["sso_provider_refresh_cases"].as_array().unwrap() {
            let doc = case["documentation"].as_str().unwrap();
            let now = t(case["currentTime"].as_str().unwrap());
            let Some(token) = CachedToken::from_json(case["cachedToken"].to_string().as_bytes())
            else {
                assert_eq!(case["expectedException"], "SSOTokenLoadError", "{doc}");
                continue;
            };
            let status = status_of(&token, now);
            if let Some(response) = case.get("refreshResponse") {
                assert!(
                    matches!(status, TokenStatus::Refreshable { .. }),
                    "{doc}: {status:?}"
                );
                let fresh = token.refreshed(
                    response["accessToken"].as_str().unwrap().to_string(),
                    response["expiresIn"].as_i64().unwrap(),
                    response["refreshToken"].as_str().map(str::to_string),
                    now,
                );
                let written: Value = serde_json::from_str(&fresh.to_cli_json()).unwrap();
                assert_eq!(written, case["expectedTokenWriteback"], "{doc}");
            } else if case["expectedToken"].is_object() {
                assert!(
                    matches!(status, TokenStatus::Valid { .. }),
                    "{doc}: {status:?}"
                );
            } else {
                assert!(
                    matches!(status, TokenStatus::Expired { .. }),
                    "{doc}: {status:?}"
                );
            }
        }
    }

    #[test]
    fn registrations_round_trip_and_serve_only_their_flow() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_map([("HOME", home.path())]);
        let s = session(Some("dev"), Some("sso:account:access"));
        let now = t("2030-01-01T00:00:00Z");
        let reg = Registration {
            client_id: "c".into(),
            client_secret: "s".into(),
            expires_at: t("2030-04-01T00:00:00Z"),
            scopes: Some(vec!["sso:account:access".into()]),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        };
        store_registration(&env, &s, &reg).unwrap();
        let report = Reporter::silent();
        let text = std::fs::read_to_string(
            home.path()
                .join(".aws/sso/cache/c6b2fc6aec0d9c2d2652036ffbe173a43a8ba2c3.json"),
        )
        .unwrap();
        assert_eq!(
            text,
            r#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2030-04-01T00:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#
        );
        assert_eq!(
            load_registration(&env, &report, &s, Flow::AuthorizationCode, now),
            Some(reg)
        );
        assert_eq!(
            load_registration(&env, &report, &s, Flow::Device, now),
            None
        );
        assert_eq!(
            load_registration(
                &env,
                &report,
                &s,
                Flow::AuthorizationCode,
                t("2030-03-31T23:50:00Z")
            ),
            None
        );
    }

    #[test]
    fn a_corrupt_token_file_is_treated_as_absent() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_map([("HOME", home.path())]);
        let s = session(Some("dev"), None);
        let path = token_path(&env, &s).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{\"accessToken\": \"x\", \"expi").unwrap();
        let report = Reporter::capture();
        assert_eq!(
            token_status(&env, &report, &s, t("2030-01-01T00:00:00Z")),
            TokenStatus::Missing
        );
        assert!(
            report
                .captured()
                .contains("ignoring unreadable SSO cache file")
        );
    }
}
