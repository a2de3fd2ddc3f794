//! The token cache shared both ways with other AWS clients: botocore and the Rust SDK's own
//! `aws-config` read the token ssoenv wrote; ssoenv reads what they (and the AWS CLI) write.

use std::process::Command;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::common::setup::{
    Setup, assert_cli_format, cli_cache, cli_time, read_token, set_expiry, token_path,
};
use crate::common::{helper_test, keep_pyenv, run, ssoenv_bin};

/// Runs a python3 script with botocore in the setup's HOME and environment; returns its JSON.
fn python(setup: &Setup, script: &str) -> Value {
    let mut python = Command::new("python3");
    python.args(["-c", script]);
    let (out, stdout, stderr) = run(setup.aws_env(&mut python));
    assert!(out.status.success(), "python3: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{stdout}: {e}"))
}

const BOTOCORE_CREDENTIALS: &str = r#"
import json, sys
import botocore.session
out = {}
for profile in ["dev", "readonly", "prod"]:
    c = botocore.session.Session(profile=profile).get_credentials().get_frozen_credentials()
    out[profile] = c.access_key
print(json.dumps(out))
"#;

#[test]
fn botocore_resolves_credentials_from_ssoenvs_tokens() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    setup.login("prod");
    setup.sandbox.reset_stats();
    let got = python(&setup, BOTOCORE_CREDENTIALS);
    for profile in ["dev", "readonly", "prod"] {
        assert!(
            got[profile].as_str().unwrap().starts_with("ASIA"),
            "{profile}: {got}"
        );
    }
    let stats = setup.sandbox.stats();
    assert_eq!(stats["GetRoleCredentials"], 3, "{stats}");
    assert_eq!(stats["CreateToken"]["refresh_token"], 0, "{stats}");
}

#[test]
fn ssoenv_uses_the_token_botocore_refreshed() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let path = token_path(&setup);
    // Inside botocore's 15-minute refresh window, not yet expired.
    set_expiry(&path, 5);
    let (_, before) = read_token(&path);
    setup.sandbox.reset_stats();
    let script = r#"
import json
import botocore.session
c = botocore.session.Session(profile="dev").get_credentials().get_frozen_credentials()
print(json.dumps({"key": c.access_key}))
"#;
    python(&setup, script);
    assert_eq!(setup.sandbox.stats()["CreateToken"]["refresh_token"], 1);
    let (text, after) = read_token(&path);
    assert_ne!(
        after["accessToken"], before["accessToken"],
        "botocore refreshed"
    );
    // What botocore wrote is what ssoenv writes.
    assert_cli_format(&text);

    let (out, stdout, stderr) = run(&mut setup.ssoenv(["credential-process", "dev"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("\"AccessKeyId\""));
    let stats = setup.sandbox.stats();
    assert_eq!(stats["CreateToken"]["refresh_token"], 1, "{stats}");
    assert_eq!(stats["GetRoleCredentials"], 2, "{stats}");
    assert_eq!(
        read_token(&path).0,
        text,
        "ssoenv left botocore's token alone"
    );
}

/// The variable that turns [`aws_config_helper`] on; without it the helper does nothing.
const HELPER_VAR: &str = "SSOENV_IT_AWS_CONFIG_PROFILE";

/// Run by [`the_rust_sdks_sso_provider_reads_ssoenvs_token`] as a child process of this test
/// binary: aws-config finds HOME only in the real process environment (its `ProviderConfig`
/// `with_env`/`with_fs` are crate-private), and this process's own environment must stay as it is.
#[test]
#[ignore = "a helper, run in a child process with its own HOME"]
fn aws_config_helper() {
    let Ok(profile) = std::env::var(HELPER_VAR) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let arn = runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .profile_name(&profile)
            .load()
            .await;
        let sts = aws_sdk_sts::Client::new(&config);
        let me = sts.get_caller_identity().send().await.unwrap();
        me.arn().unwrap().to_string()
    });
    println!("HELPER-ARN {arn}");
}

#[test]
fn the_rust_sdks_sso_provider_reads_ssoenvs_token() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    setup.login("prod");
    setup.sandbox.reset_stats();
    for (profile, want) in [
        (
            "dev",
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_",
        ),
        (
            "prod",
            "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_ReadOnly_",
        ),
    ] {
        let mut helper = helper_test("interop::aws_config_helper");
        setup.aws_env(&mut helper).env(HELPER_VAR, profile);
        let (out, stdout, stderr) = run(&mut helper);
        assert!(out.status.success(), "{profile}: {stdout}\n{stderr}");
        // The harness prints the test's name on the same line.
        let arn = stdout
            .split_once("HELPER-ARN ")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("{profile}: the helper did not run: {stdout}"));
        assert!(arn.starts_with(want), "{profile}: {arn}");
    }
    let stats = setup.sandbox.stats();
    assert_eq!(stats["GetRoleCredentials"], 2, "{stats}");
    assert_eq!(stats["GetCallerIdentity"], 2, "{stats}");
    assert_eq!(stats["CreateToken"]["refresh_token"], 0, "{stats}");
}

/// The token as botocore's `_sso_json_dumps` writes it: Python's own json.dumps, keys in the
/// CLI's order.
const PYTHON_CLI_DUMPS: &str = r#"
import json, os, sys
path = os.environ["TOKEN_PATH"]
with open(path) as f:
    token = json.load(f)
keys = ["startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
        "registrationExpiresAt", "refreshToken"]
print(json.dumps({"text": json.dumps({k: token[k] for k in keys if k in token})}))
"#;

/// The Rust SDK's `save_cached_token`: compact JSON, its own key order, fractional seconds.
fn rust_sdk_format(token: &Value, expires_at: &str) -> String {
    format!(
        r#"{{"accessToken":{},"expiresAt":"{expires_at}","refreshToken":{},"clientId":{},"clientSecret":{},"registrationExpiresAt":"{}","region":{},"startUrl":{}}}"#,
        token["accessToken"],
        token["refreshToken"],
        token["clientId"],
        token["clientSecret"],
        token["registrationExpiresAt"]
            .as_str()
            .unwrap()
            .replace('Z', ".250000Z"),
        token["region"],
        token["startUrl"],
    )
}

/// Fractional microseconds, as the Rust SDK writes a non-whole second.
fn with_fraction(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.123456Z").to_string()
}

#[test]
fn ssoenv_reads_the_token_formats_of_every_writer() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let path = token_path(&setup);
    let (ours, token) = read_token(&path);

    // The AWS CLI's format, produced by Python's json.dumps, is byte for byte what ssoenv wrote.
    let mut py = Command::new("python3");
    py.args(["-c", PYTHON_CLI_DUMPS])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TOKEN_PATH", &path);
    let (out, stdout, stderr) = run(keep_pyenv(&mut py));
    assert!(out.status.success(), "{stderr}");
    let cli_text = serde_json::from_str::<Value>(&stdout).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(cli_text, ours);

    let in_hours = |h| Timestamp::now() + SignedDuration::from_hours(h);
    let offset = ours.replace(
        &format!("\"expiresAt\": {}", token["expiresAt"]),
        &format!(
            "\"expiresAt\": \"{}\"",
            in_hours(2).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        ),
    );
    assert_ne!(offset, ours);
    let cases = [
        ("the AWS CLI's", cli_text),
        (
            "the Rust SDK's",
            rust_sdk_format(&token, &with_fraction(in_hours(2))),
        ),
        ("a +00:00 offset", offset),
    ];
    for (name, text) in cases {
        std::fs::write(&path, &text).unwrap();
        let _ = std::fs::remove_dir_all(cli_cache(&setup));
        setup.sandbox.reset_stats();
        let (out, _, stderr) = run(&mut setup.ssoenv(["credential-process", "dev"]));
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(!stderr.contains("warning"), "{name}: {stderr}");
        let stats = setup.sandbox.stats();
        assert_eq!(stats["GetRoleCredentials"], 1, "{name}: {stats}");
        assert_eq!(stats["CreateToken"]["refresh_token"], 0, "{name}: {stats}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "{name}: a usable token is not rewritten"
        );
    }

    // The Rust SDK's format, expired: refreshed, and written back in the CLI's format.
    std::fs::write(&path, rust_sdk_format(&token, &with_fraction(in_hours(-1)))).unwrap();
    let _ = std::fs::remove_dir_all(cli_cache(&setup));
    setup.sandbox.reset_stats();
    let (out, _, stderr) = run(&mut setup.ssoenv(["credential-process", "dev"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(setup.sandbox.stats()["CreateToken"]["refresh_token"], 1);
    let (text, fresh) = read_token(&path);
    assert_cli_format(&text);
    assert_eq!(fresh["startUrl"], token["startUrl"]);
    assert_eq!(
        fresh["registrationExpiresAt"], token["registrationExpiresAt"],
        "the fraction is dropped, as the CLI writes it"
    );
    assert!(fresh["expiresAt"].as_str().unwrap() > cli_time(in_hours(7)).as_str());
}

#[test]
fn botocore_gets_credentials_through_credential_process() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let bin = ssoenv_bin().display().to_string();
    let mut config = setup.sandbox.config_text();
    config.push_str(&format!(
        "\n[profile viaproc]\ncredential_process = {bin} credential-process dev\n"
    ));
    setup.home.write_config(&config);
    let got = python(
        &setup,
        r#"
import json, botocore.session
creds = botocore.session.Session(profile="viaproc").get_credentials().get_frozen_credentials()
sts = botocore.session.Session(profile="viaproc").create_client("sts", region_name="us-east-1")
print(json.dumps({"key": creds.access_key, "arn": sts.get_caller_identity()["Arn"]}))
"#,
    );
    assert!(got["key"].as_str().unwrap().starts_with("ASIA"), "{got}");
    assert!(
        got["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_")
    );
}
