//! The AWS CLI v2's role-credential cache, `~/.aws/cli/cache/<key>.json`, shared both ways: the
//! CLI reuses what ssoenv fetched, ssoenv reuses what the CLI fetched, and `aws sso logout`
//! clears ours.
//!
//! Two writers share the folder (botocore `credentials.py`):
//! - SSO role credentials: `{"ProviderType": "sso", "Credentials": {AccessKeyId, SecretAccessKey,
//!   SessionToken, Expiration: [`time::CLI_FORMAT`], AccountId}}`, keyed by [`sso_key`].
//! - AssumeRole results: the STS response (`Credentials` with `Expiration`, `AssumedRoleUser`),
//!   keyed by sha1 of `json.dumps({RoleArn, [RoleSessionName], [ExternalId], [DurationSeconds]},
//!   sort_keys=True)` — the session name only when configured, since botocore generates one.
//!
//! Entries are reused until 15 minutes before they expire (`DEFAULT_EXPIRY_WINDOW_SECONDS`), or
//! `SSOENV_REFRESH_WINDOW` seconds before (see [`expiry_window`]).

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use super::keys::Credentials;
use crate::config::SsoSession;
use crate::config::profile::AssumeRole;
use crate::env::Env;
use crate::fsutil;
use crate::pyjson::{Separators, dumps, sha1_hex};
use crate::report::Reporter;
use crate::time::{self, parse_timestamp};

/// Cached credentials closer than this to expiry are fetched again, as the AWS CLI does.
pub const EXPIRY_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The window in use: `SSOENV_REFRESH_WINDOW` (whole seconds) when set, else [`EXPIRY_WINDOW`].
/// Credentials that live less than the window are fetched on every use, so a sandbox handing out
/// one-minute credentials (or a role capped below 15 minutes) needs a shorter one to be cached.
/// A value that is not a whole number of seconds is named in a warning and ignored.
pub fn expiry_window(env: &Env, report: &Reporter) -> SignedDuration {
    const VAR: &str = "SSOENV_REFRESH_WINDOW";
    let Some(value) = env.var(VAR) else {
        return EXPIRY_WINDOW;
    };
    match value.parse::<u32>() {
        Ok(secs) => SignedDuration::from_secs(secs.into()),
        Err(_) => {
            report.warn_once(
                Path::new(VAR),
                &format!("ignoring {VAR}={value}: not a whole number of seconds (using 900)"),
            );
            EXPIRY_WINDOW
        }
    }
}

/// The cache key botocore computes for an AssumeRole call with these options.
pub fn assume_role_key(role: &AssumeRole) -> String {
    let mut args = role_args(&role.role_arn, role.role_session_name.as_deref());
    if let Some(id) = &role.external_id {
        args.insert("ExternalId".into(), json!(id));
    }
    if let Some(d) = role.duration_seconds {
        args.insert("DurationSeconds".into(), json!(d));
    }
    sha1_hex(&dumps(&Value::Object(args), Separators::Default))
}

/// The key of an AssumeRoleWithWebIdentity result: the AWS CLI caches those here too
/// (`inject_assume_role_provider_cache`), keyed by the same rule on `RoleArn` and a configured
/// `RoleSessionName` (the token is read at call time, so it is not part of it).
pub fn web_identity_key(role_arn: &str, role_session_name: Option<&str>) -> String {
    let args = role_args(role_arn, role_session_name);
    sha1_hex(&dumps(&Value::Object(args), Separators::Default))
}

/// The arguments every role key starts from. serde_json's map is sorted by key:
/// json.dumps(sort_keys=True) with Python's separators.
fn role_args(role_arn: &str, role_session_name: Option<&str>) -> Map<String, Value> {
    let mut args = Map::new();
    args.insert("RoleArn".into(), json!(role_arn));
    if let Some(name) = role_session_name {
        args.insert("RoleSessionName".into(), json!(name));
    }
    args
}

/// The AWS CLI's key for SSO role credentials (botocore
/// `SSOCredentialFetcher._create_cache_key`): compact, sorted-key JSON.
pub fn sso_key(session: &SsoSession<'_>, account_id: &str, role_name: &str) -> String {
    let mut args = Map::new();
    args.insert("accountId".into(), json!(account_id));
    args.insert("roleName".into(), json!(role_name));
    match &session.name {
        Some(name) => args.insert("sessionName".into(), json!(name)),
        None => args.insert("startUrl".into(), json!(session.start_url)),
    };
    sha1_hex(&dumps(&Value::Object(args), Separators::Compact))
}

fn path(env: &Env, key: &str) -> Option<PathBuf> {
    env.cli_cache_dir()
        .map(|dir| dir.join(format!("{key}.json")))
}

/// Credentials cached under `key` that stay valid beyond the expiry window. A missing, expired or
/// unreadable entry is `None`; an unreadable one is named in a warning.
pub fn load(env: &Env, report: &Reporter, key: &str, now: Timestamp) -> Option<Credentials> {
    let path = path(env, key)?;
    let bytes = match fsutil::read_regular(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            report.warn_once(
                &path,
                &format!("cannot read cached credentials {}: {e}", path.display()),
            );
            return None;
        }
    };
    match parse_entry(&bytes) {
        Some(creds) => creds
            .expiration
            .filter(|exp| *exp > now + expiry_window(env, report))
            .map(|_| creds),
        None => {
            report.warn_once(
                &path,
                &format!("ignoring unreadable cached credentials {}", path.display()),
            );
            None
        }
    }
}

fn parse_entry(bytes: &[u8]) -> Option<Credentials> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let c = value.get("Credentials")?;
    let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Credentials {
        access_key_id: text("AccessKeyId")?,
        secret_access_key: text("SecretAccessKey")?,
        session_token: text("SessionToken"),
        expiration: Some(parse_timestamp(c.get("Expiration")?.as_str()?)?),
        account_id: text("AccountId"),
    })
}

/// Stores SSO role credentials in the AWS CLI's format.
pub fn store_sso(env: &Env, key: &str, creds: &Credentials) -> std::io::Result<()> {
    let value = json!({ "ProviderType": "sso", "Credentials": credentials_json(creds) });
    store(env, key, &value)
}

/// Stores an AssumeRole result in the AWS CLI's format.
pub fn store_assume_role(
    env: &Env,
    key: &str,
    creds: &Credentials,
    assumed_role_arn: Option<&str>,
) -> std::io::Result<()> {
    let mut value = json!({ "Credentials": credentials_json(creds) });
    if let Some(arn) = assumed_role_arn {
        value["AssumedRoleUser"] = json!({ "Arn": arn });
    }
    store(env, key, &value)
}

fn credentials_json(creds: &Credentials) -> Value {
    let mut c = json!({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    });
    if let Some(token) = &creds.session_token {
        c["SessionToken"] = json!(token);
    }
    if let Some(exp) = creds.expiration {
        c["Expiration"] = json!(time::cli_time(exp));
    }
    if let Some(account) = &creds.account_id {
        c["AccountId"] = json!(account);
    }
    c
}

fn store(env: &Env, key: &str, value: &Value) -> std::io::Result<()> {
    let path = path(env, key)
        .ok_or_else(|| std::io::Error::other("no home directory for ~/.aws/cli/cache"))?;
    fsutil::write_private(&path, value.to_string().as_bytes())
}

/// Removes the SSO role credentials cached under `key` (what a logout removes); an entry another
/// writer left under that name is not ours to remove.
pub fn remove_sso(env: &Env, key: &str) -> std::io::Result<()> {
    match path(env, key) {
        Some(path) => remove_if_sso(&path),
        None => Ok(()),
    }
}

/// Removes every SSO role credential in the cache, as `aws sso logout` does; AssumeRole entries stay.
pub fn remove_all_sso(env: &Env) -> std::io::Result<()> {
    let Some(dir) = env.cli_cache_dir() else {
        return Ok(());
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            remove_if_sso(&path)?;
        }
    }
    Ok(())
}

/// Removes the entry of an assumed role (a role on top of a session being logged out of).
pub fn remove(env: &Env, key: &str) -> std::io::Result<()> {
    match path(env, key) {
        Some(path) => fsutil::remove_if_exists(&path),
        None => Ok(()),
    }
}

fn remove_if_sso(path: &Path) -> std::io::Result<()> {
    let is_sso = fsutil::read_regular(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|v| v.get("ProviderType").and_then(Value::as_str) == Some("sso"));
    if is_sso {
        fsutil::remove_if_exists(path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(arn: &str) -> AssumeRole {
        AssumeRole {
            profile: "p".into(),
            role_arn: arn.into(),
            role_session_name: None,
            external_id: None,
            duration_seconds: None,
        }
    }

    #[test]
    fn sso_keys_match_the_reference() {
        let session = SsoSession {
            name: Some("dev".into()),
            start_url: "https://d-abc123.awsapps.com/start".into(),
            region: "us-east-1".into(),
            registration_scopes: None,
        };
        assert_eq!(
            sso_key(&session, "012345678901", "SampleRole"),
            "4f0072b03f86a95e613340c2868ab49e9cc60d6e"
        );
    }

    #[test]
    fn assume_role_keys_match_botocore() {
        // python3 -c 'import json,hashlib; print(hashlib.sha1(json.dumps({"RoleArn": "arn:aws:iam::123456789012:role/Admin"}, sort_keys=True).encode()).hexdigest())'
        assert_eq!(
            assume_role_key(&role("arn:aws:iam::123456789012:role/Admin")),
            sha1_hex(r#"{"RoleArn": "arn:aws:iam::123456789012:role/Admin"}"#)
        );
        let mut r = role("arn:aws:iam::1:role/A");
        r.role_session_name = Some("me".into());
        r.external_id = Some("ext".into());
        r.duration_seconds = Some(900);
        assert_eq!(
            assume_role_key(&r),
            sha1_hex(
                r#"{"DurationSeconds": 900, "ExternalId": "ext", "RoleArn": "arn:aws:iam::1:role/A", "RoleSessionName": "me"}"#
            )
        );
    }

    #[test]
    fn web_identity_keys_match_botocore() {
        // botocore AssumeRoleWithWebIdentityCredentialFetcher(..., role_arn=ARN,
        // extra_args={"RoleSessionName": "ci-run"})._create_cache_key(), and without extra_args.
        let arn = "arn:aws:iam::444455556666:role/WebRole";
        assert_eq!(
            web_identity_key(arn, Some("ci-run")),
            "223f5305f68642a75527f3e206b4c5abe058c499"
        );
        assert_eq!(
            web_identity_key(arn, None),
            "f001db5bea2f74514e3044a63cee06e95fb2eff2"
        );
    }

    #[test]
    fn entries_round_trip_and_expire_inside_the_window() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_map([("HOME", home.path())]);
        let now: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let creds = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: "secret".into(),
            session_token: Some("token".into()),
            expiration: Some(now + SignedDuration::from_mins(30)),
            account_id: Some("111111111111".into()),
        };
        store_sso(&env, "k", &creds).unwrap();
        let text = std::fs::read_to_string(home.path().join(".aws/cli/cache/k.json")).unwrap();
        assert!(
            text.contains(r#""ProviderType":"sso""#)
                && text.contains(r#""Expiration":"2030-01-01T00:30:00Z""#),
            "{text}"
        );
        let report = Reporter::silent();
        assert_eq!(load(&env, &report, "k", now), Some(creds.clone()));
        assert_eq!(
            load(&env, &report, "k", now + SignedDuration::from_mins(16)),
            None
        );
        let short = Env::from_map([
            ("HOME", home.path().as_os_str()),
            ("SSOENV_REFRESH_WINDOW", "60".as_ref()),
        ]);
        let later = now + SignedDuration::from_mins(28);
        assert_eq!(load(&short, &report, "k", later), Some(creds.clone()));
        assert_eq!(
            load(&short, &report, "k", later + SignedDuration::from_secs(61)),
            None
        );
    }

    #[test]
    fn reads_the_cli_assume_role_format_and_survives_garbage() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_map([("HOME", home.path())]);
        let dir = home.path().join(".aws/cli/cache");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a.json"),
            r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-01T01:00:00UTC"}, "AssumedRoleUser": {"Arn": "arn:aws:sts::1:assumed-role/R/s"}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("b.json"), "{\"Credentials\": {").unwrap();
        let now: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let report = Reporter::capture();
        assert_eq!(load(&env, &report, "a", now).unwrap().access_key_id, "A");
        assert_eq!(load(&env, &report, "b", now), None);
        assert_eq!(load(&env, &report, "b", now), None);
        assert_eq!(
            report.captured(),
            format!(
                "ssoenv: warning: ignoring unreadable cached credentials {}\n",
                dir.join("b.json").display()
            )
        );
    }
}
