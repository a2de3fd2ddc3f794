//! Every kind of profile (issue 11 §4) through `exec`, `env --credentials`, `credential-process`,
//! `whoami`, `list` and `prompt`: static keys, `credential_process`, web identity against moto's
//! STS, role chains on each of these, and `aws login` sessions from a fixture of its cache; and
//! `whoami`'s answer to "am I logged in?" (§5) in each state, offline.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::moto::Moto;
use crate::common::setup::{
    Browser, Setup, cli_cache, cli_time, expire_for_good, read_token, set_expiry, token_path,
};
use crate::common::{Home, keep_pyenv, run};

/// The ARN `aws login` records as the profile's `login_session`.
const LOGIN_ARN: &str = "arn:aws:iam::777788889999:user/Admin";

/// A child that prints what it sees: the AWS variables, one `NAME=value` a line.
const PRINT_ENV: [&str; 4] = ["--", "sh", "-c", "env | grep -E '^(AWS|SSOENV)_' | sort"];

/// A home with one profile of every kind, and role chains on the non-SSO ones.
fn every_kind() -> Home {
    let home = Home::new();
    let dir = home.path().display().to_string();
    std::fs::write(
        home.path().join("process.sh"),
        r#"#!/bin/sh
echo run >> "$(dirname "$0")/process.log"
printf '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "process/secret", "SessionToken": "ptoken", "Expiration": "2099-01-01T00:00:00Z", "AccountId": "555566667777"}'
"#,
    )
    .unwrap();
    std::fs::write(home.path().join("token.jwt"), "eyJhbGciOiJub25lIn0.e30.").unwrap();
    home.write_config(&format!(
        "[profile keys]
region = eu-central-1

[profile proc]
credential_process = sh {dir}/process.sh
region = ap-south-1

[profile wi]
role_arn = arn:aws:iam::444455556666:role/WebRole
web_identity_token_file = {dir}/token.jwt
role_session_name = ci-run
region = us-west-2

[profile signed-in]
login_session = {LOGIN_ARN}
region = eu-west-3

[profile on-keys]
role_arn = arn:aws:iam::111122223333:role/FromKeys
source_profile = keys

[profile on-proc]
role_arn = arn:aws:iam::222233334444:role/FromProcess
source_profile = proc

[profile on-wi]
role_arn = arn:aws:iam::333344445555:role/FromWebIdentity
source_profile = wi

[profile on-login]
role_arn = arn:aws:iam::666677778888:role/FromLogin
source_profile = signed-in
"
    ));
    home.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = keys/secret\n",
    );
    home
}

/// The variables a child of `ssoenv exec PROFILE` printed.
fn exec_env(home: &Home, profile: &str, sts: Option<&str>) -> BTreeMap<String, String> {
    let mut cmd = home.ssoenv(["exec", profile]);
    cmd.args(PRINT_ENV);
    if let Some(url) = sts {
        cmd.env("AWS_ENDPOINT_URL_STS", url);
    }
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{profile}: {stderr}");
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Writes the AWS CLI's `aws login` cache entry for [`LOGIN_ARN`] into `dir`, expiring in
/// `minutes`.
fn write_login_cache(dir: &Path, minutes: i64) {
    std::fs::create_dir_all(dir).unwrap();
    let expires = cli_time(Timestamp::now() + SignedDuration::from_mins(minutes));
    let entry = json!({
        "accessToken": {
            "accessKeyId": "ASIALOGIN",
            "secretAccessKey": "login/secret",
            "sessionToken": "login-session-token",
            "accountId": "777788889999",
            "expiresAt": expires,
        },
        "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": "refresh",
        "idToken": "id",
        "dpopKey": "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n",
    });
    let name = format!("{:x}.json", Sha256::digest(LOGIN_ARN.as_bytes()));
    std::fs::write(dir.join(name), entry.to_string()).unwrap();
}

/// What each credentials command hands out for `profile`: the variables a child of `exec` sees,
/// the script `env --credentials` prints, and the JSON of `credential-process`.
fn every_credentials_command(
    home: &Home,
    profile: &str,
) -> (BTreeMap<String, String>, String, Value) {
    let vars = exec_env(home, profile, None);
    let (out, script, stderr) =
        run(&mut home.ssoenv(["env", profile, "--credentials", "--shell", "bash"]));
    assert!(out.status.success(), "{stderr}");
    let (out, stdout, stderr) = run(&mut home.ssoenv(["credential-process", profile]));
    assert!(out.status.success(), "{stderr}");
    (vars, script, serde_json::from_str(&stdout).unwrap())
}

#[test]
fn static_keys_reach_a_child_and_every_credentials_command() {
    let home = every_kind();
    let (vars, script, json) = every_credentials_command(&home, "keys");
    assert_eq!(vars["AWS_ACCESS_KEY_ID"], "AKIAKEYS");
    assert_eq!(vars["AWS_SECRET_ACCESS_KEY"], "keys/secret");
    assert_eq!(vars["AWS_REGION"], "eu-central-1");
    assert_eq!(vars["SSOENV_PROFILE"], "keys");
    assert!(!vars.contains_key("AWS_SESSION_TOKEN"), "{vars:?}");
    assert!(
        script.contains("export AWS_ACCESS_KEY_ID=AKIAKEYS"),
        "{script}"
    );
    assert_eq!(json["AccessKeyId"], "AKIAKEYS");
}

#[test]
fn a_credential_process_profile_runs_its_command_for_each_caller() {
    let home = every_kind();
    let (vars, script, json) = every_credentials_command(&home, "proc");
    assert_eq!(vars["AWS_ACCESS_KEY_ID"], "AKIAPROCESS");
    assert_eq!(vars["AWS_SESSION_TOKEN"], "ptoken");
    assert_eq!(vars["AWS_ACCOUNT_ID"], "555566667777");
    assert_eq!(vars["AWS_CREDENTIAL_EXPIRATION"], "2099-01-01T00:00:00Z");
    assert_eq!(vars["AWS_REGION"], "ap-south-1");
    assert!(
        script.contains("export AWS_SESSION_TOKEN=ptoken"),
        "{script}"
    );
    assert_eq!(
        (&json["AccessKeyId"], &json["Expiration"]),
        (&json!("AKIAPROCESS"), &json!("2099-01-01T00:00:00Z"))
    );
    let runs = std::fs::read_to_string(home.path().join("process.log")).unwrap();
    assert_eq!(runs.lines().count(), 3, "the process is not cached: {runs}");
}

/// botocore's web identity provider for profile `wi`, with the file cache the AWS CLI gives it
/// (`awscli/customizations/assumerole.py`); prints the access key it returns.
const BOTOCORE_WEB_IDENTITY: &str = r#"
import os
import botocore.session
from botocore.credentials import JSONFileCache
session = botocore.session.Session(profile="wi")
provider = session.get_component("credential_provider").get_provider("assume-role-with-web-identity")
provider.cache = JSONFileCache(os.path.expanduser("~/.aws/cli/cache"))
print(session.get_credentials().get_frozen_credentials().access_key)
"#;

#[test]
fn a_web_identity_profile_assumes_its_role_through_motos_sts() {
    let home = every_kind();
    let moto = Moto::start();
    let vars = exec_env(&home, "wi", Some(&moto.url));
    assert!(vars["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{vars:?}");
    assert!(!vars["AWS_SESSION_TOKEN"].is_empty());
    assert!(vars.contains_key("AWS_CREDENTIAL_EXPIRATION"), "{vars:?}");
    assert_eq!(vars["AWS_ACCOUNT_ID"], "444455556666");
    assert_eq!(vars["AWS_REGION"], "us-west-2");

    // Cached where and as the AWS CLI caches web identity credentials: the next caller asks no one.
    let cache = home.path().join(".aws/cli/cache");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
    let (out, stdout, stderr) = run(home
        .ssoenv(["credential-process", "wi"])
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"));
    assert!(out.status.success(), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["AccessKeyId"].as_str(),
        Some(vars["AWS_ACCESS_KEY_ID"].as_str())
    );

    // The AWS CLI's own reader (botocore, with the cache the CLI injects) takes it from there too.
    let mut python = Command::new("python3");
    python
        .args(["-c", BOTOCORE_WEB_IDENTITY])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9");
    let (out, stdout, stderr) = run(keep_pyenv(&mut python));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), vars["AWS_ACCESS_KEY_ID"]);

    // A token file that is not there is named, and nothing is printed on stdout.
    std::fs::remove_dir_all(&cache).unwrap();
    std::fs::remove_file(home.path().join("token.jwt")).unwrap();
    let (out, stdout, stderr) = run(home
        .ssoenv(["env", "wi", "--credentials", "--shell", "bash"])
        .env("AWS_ENDPOINT_URL_STS", &moto.url));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    let file = home.path().join("token.jwt");
    let want = format!("cannot read web_identity_token_file {}", file.display());
    assert!(stderr.contains(&want), "{stderr}");
    assert!(stderr.contains("No such file"), "{stderr}");
}

#[test]
fn role_chains_on_static_process_web_identity_and_login_sources_assume_their_roles() {
    let home = every_kind();
    write_login_cache(&home.path().join(".aws/login/cache"), 30);
    let moto = Moto::start();
    for (profile, account) in [
        ("on-keys", "111122223333"),
        ("on-proc", "222233334444"),
        ("on-wi", "333344445555"),
        ("on-login", "666677778888"),
    ] {
        let vars = exec_env(&home, profile, Some(&moto.url));
        assert_eq!(vars["AWS_ACCOUNT_ID"], account, "{profile}: {vars:?}");
        assert!(vars["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{vars:?}");
        assert_eq!(vars["SSOENV_PROFILE"], profile);
    }
    // The assumed role is cached as the AWS CLI caches it: the next run asks no one, not even
    // the process.
    let before = std::fs::read_to_string(home.path().join("process.log")).unwrap();
    let vars = exec_env(&home, "on-proc", Some("http://127.0.0.1:9"));
    assert_eq!(vars["AWS_ACCOUNT_ID"], "222233334444");
    let after = std::fs::read_to_string(home.path().join("process.log")).unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_login_session_profile_uses_what_aws_login_cached() {
    let home = every_kind();
    write_login_cache(&home.path().join(".aws/login/cache"), 12);
    let vars = exec_env(&home, "signed-in", None);
    assert_eq!(vars["AWS_ACCESS_KEY_ID"], "ASIALOGIN");
    assert_eq!(vars["AWS_SECRET_ACCESS_KEY"], "login/secret");
    assert_eq!(vars["AWS_SESSION_TOKEN"], "login-session-token");
    assert_eq!(vars["AWS_ACCOUNT_ID"], "777788889999");
    assert_eq!(vars["AWS_REGION"], "eu-west-3");
    let (out, stdout, _) = run(&mut home.ssoenv(["whoami", "signed-in", "--json"]));
    assert!(out.status.success());
    let whoami: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(whoami["state"], "valid", "{whoami}");
    assert_eq!(whoami["account_id"], "777788889999");

    // AWS_LOGIN_CACHE_DIRECTORY moves the cache, as in the AWS CLI.
    let elsewhere = home.path().join("login-cache");
    write_login_cache(&elsewhere, 30);
    std::fs::remove_dir_all(home.path().join(".aws/login")).unwrap();
    let (out, stdout, stderr) = run(home
        .ssoenv(["credential-process", "signed-in"])
        .env("AWS_LOGIN_CACHE_DIRECTORY", &elsewhere));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("ASIALOGIN"), "{stdout}");

    // Credentials about to expire need the AWS CLI to refresh them: a login, exit 4.
    write_login_cache(&elsewhere, 2);
    let (out, stdout, stderr) = run(home
        .ssoenv(["exec", "signed-in", "--", "true"])
        .env("AWS_LOGIN_CACHE_DIRECTORY", &elsewhere));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("run `aws login --profile signed-in`"),
        "{stderr}"
    );
    assert!(!stderr.contains("login/secret"), "{stderr}");
    let (out, stdout, _) = run(home
        .ssoenv(["whoami", "signed-in"])
        .env("AWS_LOGIN_CACHE_DIRECTORY", &elsewhere));
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("aws login --profile signed-in"), "{stdout}");
    // `ssoenv login` cannot log it in, and says who can.
    let (out, _, stderr) = run(&mut home.ssoenv(["login", "signed-in"]));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("`aws login` session")
            && stderr.contains("`aws login --profile signed-in`"),
        "{stderr}"
    );
}

#[test]
fn list_names_every_kind() {
    let home = every_kind();
    let (out, stdout, stderr) = run(&mut home.ssoenv(["list", "--json"]));
    assert!(out.status.success(), "{stderr}");
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let kinds: BTreeMap<&str, &str> = rows
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        BTreeMap::from([
            ("keys", "static"),
            ("on-keys", "role"),
            ("on-login", "role"),
            ("on-proc", "role"),
            ("on-wi", "role"),
            ("proc", "process"),
            ("signed-in", "login-session"),
            ("wi", "web-identity"),
        ])
    );
    let signed_in = rows.iter().find(|r| r["name"] == "signed-in").unwrap();
    assert_eq!(signed_in["account_id"], "777788889999");
    let (_, table, _) = run(&mut home.ssoenv(["list"]));
    assert!(table.contains("login-session"), "{table}");
}

#[test]
fn the_prompt_of_a_non_sso_profile_shows_what_it_knows_without_dangling_separators() {
    let home = every_kind();
    write_login_cache(&home.path().join(".aws/login/cache"), 30);
    for (profile, want) in [
        ("keys", "keys eu-central-1"),
        ("proc", "proc ap-south-1"),
        ("wi", "444455556666/WebRole us-west-2"),
        ("on-keys", "111122223333/FromKeys"),
        ("signed-in", "777788889999 eu-west-3 "),
    ] {
        let (out, stdout, stderr) = run(home.ssoenv(["prompt"]).env("AWS_PROFILE", profile));
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.starts_with(want), "{profile}: {stdout:?}");
        assert!(
            !stdout.contains(" /") && !stdout.contains("/ "),
            "{stdout:?}"
        );
    }
    let (_, stdout, _) = run(home
        .ssoenv(["prompt", "--format", "{profile} {account}/{role} {region}"])
        .env("AWS_PROFILE", "keys"));
    assert_eq!(stdout, "keys eu-central-1\n");
}

/// `whoami dev --json` and its exit code, checking that it made no service call.
fn whoami_offline(setup: &Setup) -> (Option<i32>, Value, String) {
    setup.sandbox.reset_stats();
    let (out, stdout, stderr) = run(&mut setup.ssoenv(["whoami", "dev", "--json"]));
    let stats = setup.sandbox.stats();
    let calls: u64 = stats
        .as_object()
        .map_or(0, |m| m.values().filter_map(Value::as_u64).sum());
    assert_eq!(calls, 0, "whoami stays offline: {stats}");
    let (_, text, _) = run(&mut setup.ssoenv(["whoami", "dev"]));
    (
        out.status.code(),
        serde_json::from_str(&stdout).expect(&stderr),
        text,
    )
}

#[test]
fn whoami_tells_apart_valid_refreshable_cached_credentials_and_nothing_offline() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let (code, json, _) = whoami_offline(&setup);
    assert_eq!((code, json["state"].as_str()), (Some(0), Some("valid")));
    assert_eq!(json["sso_status"], "valid");

    // Expired, but the refresh token renews it silently: still nothing for a person to do.
    let path = token_path(&setup);
    set_expiry(&path, -5);
    let (code, json, text) = whoami_offline(&setup);
    assert_eq!(
        (code, json["state"].as_str()),
        (Some(0), Some("refreshable"))
    );
    assert!(text.contains("active (refreshed automatically)"), "{text}");

    // The session is over, but the role credentials fetched from it still work (aws-cli#9845).
    let (out, _, stderr) = run(&mut setup.ssoenv(["exec", "dev", "--", "true"]));
    assert!(out.status.success(), "{stderr}");
    let (_, mut token) = read_token(&path);
    let object = token.as_object_mut().unwrap();
    object.remove("refreshToken");
    object.insert("expiresAt".into(), "2020-01-01T00:00:00Z".into());
    std::fs::write(&path, token.to_string()).unwrap();
    let (code, json, text) = whoami_offline(&setup);
    assert_eq!(
        (code, json["state"].as_str()),
        (Some(6), Some("credentials-only")),
        "{json}"
    );
    assert_eq!(json["sso_status"], "expired");
    assert!(json["credentials_seconds_left"].as_i64().unwrap() > 15 * 60);
    assert!(
        text.contains("expired: run `ssoenv login dev` (the credentials cached from it last"),
        "{text}"
    );

    // Nothing left: a login is needed.
    std::fs::remove_dir_all(cli_cache(&setup)).unwrap();
    let (code, json, _) = whoami_offline(&setup);
    assert_eq!(
        (code, json["state"].as_str()),
        (Some(4), Some("login-needed"))
    );
    std::fs::remove_file(&path).unwrap();
    let (code, json, text) = whoami_offline(&setup);
    assert_eq!(
        (code, json["sso_status"].as_str()),
        (Some(4), Some("missing"))
    );
    assert!(
        text.contains("not logged in: run `ssoenv login dev`"),
        "{text}"
    );
}

#[test]
fn whoami_of_a_profile_without_a_session_succeeds_offline() {
    let home = every_kind();
    for profile in ["keys", "proc", "wi", "on-keys"] {
        let (out, stdout, stderr) = run(&mut home.ssoenv(["whoami", profile, "--json"]));
        assert!(out.status.success(), "{profile}: {stderr}");
        let json: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(json["state"], "no-session", "{json}");
        assert_eq!(json["sso_status"], "none", "{json}");
    }
    assert!(
        !home.path().join("process.log").exists(),
        "whoami runs no credential_process"
    );
}

#[test]
fn a_role_chain_on_an_sso_session_that_needs_a_login_logs_in_only_with_a_person_there() {
    let setup = Setup::new(&[]);
    expire_for_good(&setup);
    let browser = Browser::new(true);
    let (out, _, stderr) = run(setup
        .ssoenv(["credential-process", "admin"])
        .env("BROWSER", &browser.command));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("`ssoenv login admin`"), "{stderr}");
    assert_eq!(browser.calls(), Vec::<String>::new());

    let args = [
        "exec",
        "admin",
        "--",
        "sh",
        "-c",
        "echo \"account=$AWS_ACCOUNT_ID\"",
    ];
    let (out, stdout, _) = run(&mut setup.on_a_terminal(&browser.command, &args));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("account=222222222222"), "{stdout}");
    assert_eq!(browser.calls().len(), 1);
}
