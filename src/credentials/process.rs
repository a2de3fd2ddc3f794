//! `credential_process`: run the command (split like botocore does, no shell) and read its JSON.
//!
//! Not delegated to aws-config's `CredentialProcessProvider`, which runs the line through `sh -c`:
//! a config written for the AWS CLI must mean the same here (`~`, `$`, `;` are not expanded),
//! the synchronous run needs no async runtime, and errors never quote the output (secrets).

use std::process::{Command, Stdio};

use serde_json::Value;

use super::error::CredentialsError;
use super::keys::Credentials;
use crate::config::ProfileSet;
use crate::time::parse_timestamp;

pub fn run(
    profile: &str,
    command: &str,
    set: &ProfileSet,
) -> Result<Credentials, CredentialsError> {
    let fail = |message: String| CredentialsError::Process {
        profile: profile.to_string(),
        message,
    };
    let words = shell_words::split(command)
        .map_err(|e| fail(format!("cannot split credential_process: {e}")))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| fail("credential_process is empty".into()))?;
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| fail(format!("cannot run credential_process `{program}`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(fail(format!(
            "credential_process failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    let account_fallback = set
        .profiles
        .get(profile)
        .and_then(|s| s.get("aws_account_id"));
    parse_output(&output.stdout, account_fallback).map_err(fail)
}

/// The contract's JSON (`Version: 1`, keys, optional token, expiration and account). Keys match
/// case-insensitively, as in the Rust SDK; the error never quotes the output, which holds secrets.
fn parse_output(stdout: &[u8], account_fallback: Option<&str>) -> Result<Credentials, String> {
    let value: Value = serde_json::from_slice(stdout)
        .map_err(|e| format!("credential_process printed invalid JSON ({e})"))?;
    let object = value
        .as_object()
        .ok_or("credential_process output is not a JSON object")?;
    let get = |key: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    };
    let text = |key: &str| get(key).and_then(Value::as_str).map(str::to_string);
    match get("Version").and_then(Value::as_i64) {
        Some(1) => {}
        _ => return Err("credential_process output must have \"Version\": 1".into()),
    }
    let expiration = match text("Expiration") {
        Some(t) => Some(parse_timestamp(&t).ok_or(format!(
            "credential_process Expiration `{t}` is not RFC 3339"
        ))?),
        None => None,
    };
    Ok(Credentials {
        access_key_id: text("AccessKeyId").ok_or("credential_process output has no AccessKeyId")?,
        secret_access_key: text("SecretAccessKey")
            .ok_or("credential_process output has no SecretAccessKey")?,
        session_token: text("SessionToken"),
        expiration,
        account_id: text("AccountId").or(account_fallback.map(str::to_string)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_contract_and_falls_back_to_the_profile_account() {
        let creds = parse_output(
            br#"{"Version": 1, "accesskeyid": "A", "SecretAccessKey": "S", "Expiration": "2022-05-02T18:36:00+00:00"}"#,
            Some("123"),
        )
        .unwrap();
        assert_eq!(creds.access_key_id, "A");
        assert_eq!(creds.account_id.as_deref(), Some("123"));
        assert_eq!(
            creds.expiration_rfc3339().as_deref(),
            Some("2022-05-02T18:36:00Z")
        );
    }

    #[test]
    fn errors_never_quote_the_output() {
        let err = parse_output(br#"{"Version": 2, "SecretAccessKey": "hush"}"#, None).unwrap_err();
        assert!(err.contains("Version") && !err.contains("hush"), "{err}");
        let err = parse_output(b"hush", None).unwrap_err();
        assert!(!err.contains("hush"), "{err}");
    }

    #[test]
    fn runs_the_command_without_a_shell() {
        let set = ProfileSet::default();
        let creds = run(
            "p",
            r#"printf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S b"}'"#,
            &set,
        )
        .unwrap();
        assert_eq!(creds.secret_access_key, "S b");
        let err = run("p", "false", &set).unwrap_err().to_string();
        assert!(
            err.contains("profile `p`") && err.contains("failed"),
            "{err}"
        );
    }
}
