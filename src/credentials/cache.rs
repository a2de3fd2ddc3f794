//! The AWS CLI v2's role-credential cache, `~/.aws/cli/cache/<key>.json`, shared both ways: the
//! CLI reuses what ssoenv fetched, ssoenv reuses what the CLI fetched, and `aws sso logout`
//! clears ours.
//!
//! Two writers share the folder (botocore `credentials.py`):
//! - SSO role credentials: `{"ProviderType": "sso", "Credentials": {AccessKeyId, SecretAccessKey,
//!   SessionToken, Expiration: "%Y-%m-%dT%H:%M:%SZ", AccountId}}`, keyed by
//!   [`crate::sso::role_credentials_cache_key`].
//! - AssumeRole results: the STS response (`Credentials` with `Expiration`, `AssumedRoleUser`),
//!   keyed by sha1 of `json.dumps({RoleArn, [RoleSessionName], [ExternalId], [DurationSeconds]},
//!   sort_keys=True)` — the session name only when configured, since botocore generates one.
//!
//! Entries are reused until 15 minutes before they expire (`DEFAULT_EXPIRY_WINDOW_SECONDS`).

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use super::{Credentials, parse_timestamp};
use crate::config::profile::AssumeRole;
use crate::env::Env;
use crate::fsutil;
use crate::pyjson::{Separators, dumps, sha1_hex};

/// Cached credentials closer than this to expiry are fetched again, as the AWS CLI does.
pub const EXPIRY_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The cache key botocore computes for an AssumeRole call with these options.
pub fn assume_role_key(role: &AssumeRole) -> String {
    // serde_json's map is sorted by key: json.dumps(sort_keys=True) with Python's separators.
    let mut args = Map::new();
    args.insert("RoleArn".into(), json!(role.role_arn));
    if let Some(name) = &role.role_session_name {
        args.insert("RoleSessionName".into(), json!(name));
    }
    if let Some(id) = &role.external_id {
        args.insert("ExternalId".into(), json!(id));
    }
    if let Some(d) = role.duration_seconds {
        args.insert("DurationSeconds".into(), json!(d));
    }
    sha1_hex(&dumps(&Value::Object(args), Separators::Default))
}

fn path(env: &Env, key: &str) -> Option<PathBuf> {
    env.cli_cache_dir()
        .map(|dir| dir.join(format!("{key}.json")))
}

/// Credentials cached under `key` that stay valid beyond the expiry window. A missing, expired or
/// unreadable entry is `None`; an unreadable one is named in a warning.
pub fn load(env: &Env, key: &str, now: Timestamp) -> Option<Credentials> {
    let path = path(env, key)?;
    let bytes = std::fs::read(&path).ok()?;
    match parse_entry(&bytes) {
        Some(creds) => creds
            .expiration
            .filter(|exp| *exp > now + EXPIRY_WINDOW)
            .map(|_| creds),
        None => {
            eprintln_warning(&path);
            None
        }
    }
}

/// Whether this process has not yet warned about `path`: a file is looked at more than once in a
/// run (the local fast path, then under the fetch lock), and one warning says it all.
pub(crate) fn first_warning_about(path: &Path) -> bool {
    static WARNED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    match WARNED.lock() {
        Ok(warned) if warned.iter().any(|p| p == path) => false,
        Ok(mut warned) => {
            warned.push(path.to_path_buf());
            true
        }
        Err(_) => true,
    }
}

fn eprintln_warning(path: &Path) {
    use std::io::Write;
    if !first_warning_about(path) {
        return;
    }
    let _ = writeln!(
        std::io::stderr(),
        "ssoenv: warning: ignoring unreadable cached credentials {}",
        path.display()
    );
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
        c["Expiration"] = json!(exp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
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
        assert_eq!(load(&env, "k", now), Some(creds.clone()));
        assert_eq!(load(&env, "k", now + SignedDuration::from_mins(16)), None);
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
        assert_eq!(load(&env, "a", now).unwrap().access_key_id, "A");
        assert_eq!(load(&env, "b", now), None);
    }
}
