//! ssoenv's caches against clients nobody here wrote: botocore (Python) and the Rust SDK's own
//! `aws-config` SSO provider, all pointed at `ssoenv sandbox`.

use std::process::Command;

use serde_json::Value;

use crate::common::run;
use crate::env::Setup;

/// A clean environment that sees only this setup's HOME, config and sandbox.
fn clean_aws_env(cmd: &mut Command, setup: &Setup) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", setup.home.path())
        .env("AWS_CONFIG_FILE", setup.home.config_path())
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            setup.home.path().join(".aws/credentials"),
        )
        .envs(setup.sandbox.endpoint_env());
}

/// botocore, in [`clean_aws_env`].
fn python(setup: &Setup, script: &str) -> (bool, String, String) {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", script]);
    clean_aws_env(&mut cmd, setup);
    if let Some(root) = std::env::var_os("PYENV_ROOT") {
        cmd.env("PYENV_ROOT", root);
    }
    let (out, stdout, stderr) = run(&mut cmd);
    (out.status.success(), stdout, stderr)
}

fn token_path(setup: &Setup) -> std::path::PathBuf {
    setup
        .home
        .path()
        .join(".aws/sso/cache")
        .join(format!("{}.json", ssoenv::pyjson::sha1_hex("sandbox")))
}

/// Rewrites the token's `expiresAt` (keeping the CLI's format), e.g. into the refresh window.
fn set_expiry(setup: &Setup, minutes_from_now: i64) {
    let path = token_path(setup);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(minutes_from_now))
        .strftime("%Y-%m-%dT%H:%M:%SZ");
    let start = text.find("\"expiresAt\": \"").unwrap() + "\"expiresAt\": \"".len();
    let fixed = format!("{}{at}{}", &text[..start], &text[start + 20..]);
    std::fs::write(&path, fixed).unwrap();
}

const BOTOCORE_DEV_ARN: &str = r#"
import json, botocore.session
sts = botocore.session.Session(profile="dev").create_client("sts")
print(json.dumps({"arn": sts.get_caller_identity()["Arn"]}))
"#;

#[test]
fn botocore_uses_the_token_ssoenv_wrote() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let (ok, stdout, stderr) = python(&setup, BOTOCORE_DEV_ARN);
    assert!(ok, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        got["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_")
    );
    // botocore logged in with nothing of its own: one authorization, by ssoenv.
    assert_eq!(
        setup.sandbox.stats()["CreateToken"]["authorization_code"],
        1
    );
}

#[test]
fn ssoenv_uses_the_token_botocore_refreshed() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let before = std::fs::read_to_string(token_path(&setup)).unwrap();
    // Inside botocore's 15-minute window: its SSOTokenProvider refreshes and writes the file.
    set_expiry(&setup, 5);
    let (ok, _, stderr) = python(&setup, BOTOCORE_DEV_ARN);
    assert!(ok, "{stderr}");
    let after = std::fs::read_to_string(token_path(&setup)).unwrap();
    assert_ne!(before, after, "botocore did not write the refreshed token");
    assert_eq!(setup.sandbox.stats()["CreateToken"]["refresh_token"], 1);
    // ssoenv takes botocore's file as it is, with no refresh of its own.
    let (out, stdout, stderr) = run(&mut setup.ssoenv(["credential-process", "readonly"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("\"AccountId\": \"111111111111\""));
    assert_eq!(setup.sandbox.stats()["CreateToken"]["refresh_token"], 1);
}

/// Run in a child process by the next test, with the environment it sets: aws-config reads
/// HOME and the endpoint variables from the real process environment.
#[test]
#[ignore = "run by rust_sdk_reads_the_token_ssoenv_wrote in a child process"]
fn rust_sdk_child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use aws_config::BehaviorVersion;
        use aws_sdk_sts::config::ProvideCredentials;
        let config = aws_config::defaults(BehaviorVersion::latest())
            .profile_name("dev")
            .load()
            .await;
        let provider = config
            .credentials_provider()
            .expect("a credentials provider");
        let creds = provider
            .provide_credentials()
            .await
            .expect("SSO credentials from the SDK");
        println!("RUST_SDK_KEY={}", creds.access_key_id());
    });
}

#[test]
fn rust_sdk_reads_the_token_ssoenv_wrote() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "interop::rust_sdk_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    clean_aws_env(&mut cmd, &setup);
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("RUST_SDK_KEY=ASIA"), "{stdout}");
    assert_eq!(setup.sandbox.stats()["GetRoleCredentials"], 1);
}

#[test]
fn ssoenv_reads_tokens_in_every_writers_format() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(token_path(&setup)).unwrap()).unwrap();
    let field = |k: &str| written[k].as_str().unwrap().to_string();
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(6))
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let formats = [
        // The AWS CLI's exact bytes (reference §1.2).
        format!(
            r#"{{"startUrl": "{}", "region": "us-east-1", "accessToken": "{}", "expiresAt": "{later}Z", "clientId": "{}", "clientSecret": "{}", "registrationExpiresAt": "{}", "refreshToken": "{}"}}"#,
            field("startUrl"),
            field("accessToken"),
            field("clientId"),
            field("clientSecret"),
            field("registrationExpiresAt"),
            field("refreshToken")
        ),
        // The Rust SDK's compact form with fractional seconds.
        format!(
            r#"{{"accessToken":"{}","expiresAt":"{later}.123456Z","region":"us-east-1"}}"#,
            field("accessToken")
        ),
        // Python's isoformat with an offset.
        format!(
            r#"{{"accessToken": "{}", "expiresAt": "{later}+00:00"}}"#,
            field("accessToken")
        ),
    ];
    for (i, text) in formats.iter().enumerate() {
        std::fs::write(token_path(&setup), text).unwrap();
        let _ = std::fs::remove_dir_all(setup.home.path().join(".aws/cli/cache"));
        let (out, _, stderr) = run(&mut setup.ssoenv(["credential-process", "dev"]));
        assert!(out.status.success(), "format {i}: {stderr}");
    }
    // No refresh and no new login were needed for any of them.
    let stats = setup.sandbox.stats();
    assert_eq!(stats["CreateToken"]["refresh_token"], 0);
    assert_eq!(stats["GetRoleCredentials"], 3);
}

#[test]
fn botocore_gets_credentials_through_credential_process() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let bin = crate::common::ssoenv_bin().display().to_string();
    let mut config = setup.sandbox.config_text();
    config.push_str(&format!(
        "\n[profile viaproc]\ncredential_process = {bin} credential-process dev\n"
    ));
    setup.home.write_config(&config);
    let script = r#"
import json, botocore.session
creds = botocore.session.Session(profile="viaproc").get_credentials().get_frozen_credentials()
sts = botocore.session.Session(profile="viaproc").create_client("sts", region_name="us-east-1")
print(json.dumps({"key": creds.access_key, "arn": sts.get_caller_identity()["Arn"]}))
"#;
    let (ok, stdout, stderr) = python(&setup, script);
    assert!(ok, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    assert!(got["key"].as_str().unwrap().starts_with("ASIA"), "{got}");
    assert!(
        got["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_")
    );
}
