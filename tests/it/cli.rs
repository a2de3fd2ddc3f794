//! Integration tests of the commands that need no network: `list`, errors, and exit codes.

use crate::common::setup::Setup;
use crate::common::{Home, SEED_CONFIG, run};

#[test]
fn list_shows_every_kind_of_the_seed_config() {
    let home = Home::new();
    home.write_config(SEED_CONFIG);
    home.write_credentials(
        "[static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n",
    );
    let (out, stdout, stderr) = run(home.ssoenv(["list"]).env("AWS_PROFILE", "dev"));
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "PROFILE",
            "KIND",
            "ACCOUNT",
            "ROLE",
            "REGION",
            "SSO-SESSION"
        ]
    );
    let row = |name: &str| -> Vec<String> {
        let line = lines
            .iter()
            .find(|l| {
                l.trim_start_matches(['*', ' '])
                    .starts_with(&format!("{name} "))
            })
            .unwrap();
        line.split_whitespace().map(str::to_string).collect()
    };
    assert_eq!(
        row("dev"),
        [
            "*",
            "dev",
            "sso",
            "111111111111",
            "Developer",
            "eu-west-1",
            "corp"
        ]
    );
    assert_eq!(
        row("readonly"),
        ["readonly", "sso", "111111111111", "ReadOnly", "-", "corp"]
    );
    assert_eq!(
        row("legacy"),
        [
            "legacy",
            "sso-legacy",
            "222222222222",
            "Admin",
            "us-west-2",
            "https://d-legacy.awsapps.com/start"
        ]
    );
    assert_eq!(
        row("admin"),
        ["admin", "role", "333333333333", "OrgAdmin", "-", "corp"]
    );
    assert_eq!(
        row("default"),
        ["default", "none", "-", "-", "us-east-1", "-"]
    );
    assert_eq!(row("static"), ["static", "static", "-", "-", "-", "-"]);
    // Columns line up for a person.
    let kind_column: Vec<usize> = lines
        .iter()
        .skip(1)
        .map(|l| l.find(['s', 'r', 'n']).unwrap_or(0))
        .collect();
    assert!(kind_column.iter().all(|c| *c > 0));
}

#[test]
fn list_json_and_names_are_for_scripts() {
    let home = Home::new();
    home.write_config(SEED_CONFIG);
    let (out, stdout, _) = run(&mut home.ssoenv(["list", "--json"]));
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let admin = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "admin")
        .unwrap();
    assert_eq!(admin["kind"], "role");
    assert_eq!(admin["source_profile"], "dev");
    assert_eq!(admin["sso_session"], "corp");
    assert_eq!(admin["role_arn"], "arn:aws:iam::333333333333:role/OrgAdmin");
    let default = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "default")
        .unwrap();
    assert_eq!(default["default"], true);
    let (_, names, _) = run(&mut home.ssoenv(["list", "--names"]));
    assert_eq!(names, "admin\ndefault\ndev\nlegacy\nreadonly\n");
}

#[test]
fn a_missing_config_is_not_an_error_for_list() {
    let home = Home::new();
    let (out, stdout, stderr) = run(&mut home.ssoenv(["list"]));
    assert!(out.status.success());
    assert_eq!(stdout, "");
    assert!(stderr.contains(".aws/config does not exist"), "{stderr}");
}

#[test]
fn a_malformed_config_names_file_line_and_what_to_do() {
    let home = Home::new();
    home.write_config("[profile ok]\nregion = us-east-1\n[profile broken\nregion = x\n");
    let (out, stdout, stderr) = run(&mut home.ssoenv(["list"]));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(".aws/config:3:")
            && stderr.contains("Profile definition must end with ']'"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Error {"),
        "{stderr}"
    );
}

#[test]
fn a_broken_profile_is_listed_as_invalid_with_the_reason() {
    let home = Home::new();
    home.write_config(
        "[profile half]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n",
    );
    let (out, stdout, stderr) = run(&mut home.ssoenv(["list"]));
    assert!(out.status.success());
    assert!(stdout.contains("invalid"), "{stdout}");
    assert!(
        stderr.contains(".aws/config:2:")
            && stderr.contains("key `sso_session`")
            && stderr.contains("[sso-session nope]"),
        "{stderr}"
    );
}

#[test]
fn unknown_profiles_suggest_the_closest_names() {
    let home = Home::new();
    home.write_config(SEED_CONFIG);
    let (out, stdout, stderr) = run(&mut home.ssoenv(["credential-process", "dve"]));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("profile `dve`") && stderr.contains("`dev`"),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let home = Home::new();
    let mut config = String::new();
    for i in 0..5000 {
        config.push_str(&format!("[profile p{i}]\nregion = us-east-1\n"));
    }
    home.write_config(&config);
    let mut child = home
        .ssoenv(["list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A profile with static keys: `exec` needs no network for it.
fn static_home() -> Home {
    let home = Home::new();
    home.write_config("[profile keys]\nregion = eu-central-1\n");
    home.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = secret/with+chars\n",
    );
    home
}

#[test]
fn exec_passes_argv_byte_for_byte_and_the_exit_code_through() {
    let home = static_home();
    let args = [
        "exec",
        "keys",
        "--",
        "sh",
        "-c",
        "printf '%s|' \"$@\"; exit 42",
        "sh",
        "a b",
        "it's",
        "\"q\"",
        "",
        "-x",
        "$HOME",
    ];
    let (out, stdout, stderr) = run(&mut home.ssoenv(args));
    assert_eq!(out.status.code(), Some(42), "{stderr}");
    assert_eq!(stdout, "a b|it's|\"q\"||-x|$HOME|");
}

#[test]
fn exec_is_the_child_so_a_signal_kills_with_that_signal() {
    use std::os::unix::process::ExitStatusExt;
    let home = static_home();
    let (out, _, _) = run(&mut home.ssoenv(["exec", "keys", "--", "sh", "-c", "kill -TERM $$"]));
    assert_eq!(out.status.signal(), Some(15), "{:?}", out.status);
}

#[test]
fn exec_replaces_another_profiles_credentials_cleanly() {
    let home = static_home();
    let mut cmd = home.ssoenv(["exec", "keys", "env"]);
    cmd.env("AWS_PROFILE", "other")
        .env("AWS_DEFAULT_PROFILE", "other")
        .env("AWS_SESSION_TOKEN", "stale")
        .env("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z")
        .env("AWS_ACCESS_KEY_ID", "AKIASTALE");
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stderr}");
    let vars: std::collections::BTreeMap<&str, &str> =
        stdout.lines().filter_map(|l| l.split_once('=')).collect();
    assert_eq!(vars.get("AWS_ACCESS_KEY_ID"), Some(&"AKIAKEYS"));
    assert_eq!(
        vars.get("AWS_SECRET_ACCESS_KEY"),
        Some(&"secret/with+chars")
    );
    assert_eq!(vars.get("AWS_REGION"), Some(&"eu-central-1"));
    assert_eq!(vars.get("SSOENV_PROFILE"), Some(&"keys"));
    for gone in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    ] {
        assert!(!vars.contains_key(gone), "{gone} survived: {stdout}");
    }
}

#[test]
fn exec_of_a_missing_command_exits_127_and_says_so() {
    let home = static_home();
    let (out, _, stderr) = run(&mut home.ssoenv(["exec", "keys", "--", "no-such-command-ssoenv"]));
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr.contains("command not found: no-such-command-ssoenv"),
        "{stderr}"
    );
    let (out, _, stderr) = run(&mut home.ssoenv(["exec", "keys"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("ssoenv exec PROFILE -- COMMAND"),
        "{stderr}"
    );
}

#[test]
fn credential_process_prints_the_contract() {
    let home = static_home();
    let (out, stdout, stderr) = run(&mut home.ssoenv(["credential-process", "--profile", "keys"]));
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert_eq!(json["AccessKeyId"], "AKIAKEYS");
    assert_eq!(json["SecretAccessKey"], "secret/with+chars");
}

#[test]
fn whoami_reports_local_state_and_verifies_with_sts() {
    let setup = Setup::new(&[]);
    let (out, stdout, _) = run(&mut setup.ssoenv(["whoami", "dev"]));
    assert_eq!(out.status.code(), Some(4), "login needed");
    assert!(
        stdout.contains("sso session  sandbox: not logged in: run `ssoenv login dev`"),
        "{stdout}"
    );
    setup.login("dev");
    let (out, stdout, stderr) =
        run(&mut setup.ssoenv(["whoami", "--profile", "dev", "--json", "--verify"]));
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["account_id"], "111111111111");
    assert_eq!(
        json["account_name"], "sandbox-dev",
        "names come from ListAccounts at login"
    );
    assert_eq!(json["role"], "Developer");
    assert_eq!(json["sso_status"], "valid");
    assert!(json["sso_seconds_left"].as_i64().unwrap() > 7 * 3600);
    assert!(
        json["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::111111111111:assumed-role/"),
        "{json}"
    );
    // The active profile comes from the environment when none is named.
    let (_, stdout, _) = run(setup.ssoenv(["whoami"]).env("AWS_PROFILE", "readonly"));
    assert!(stdout.starts_with("profile      readonly\n"), "{stdout}");
}

#[test]
fn every_command_takes_the_profile_aws_default_profile_names() {
    let home = static_home();
    let with_default = |args: &[&str]| {
        run(home
            .ssoenv(args)
            .env("AWS_DEFAULT_PROFILE", "keys")
            .env("SHELL", "/bin/bash"))
    };
    let (out, stdout, stderr) = with_default(&["env"]);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("export AWS_PROFILE=keys\n"), "{stdout}");
    let (out, stdout, stderr) = with_default(&["credential-process"]);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("\"AccessKeyId\": \"AKIAKEYS\""), "{stdout}");
    let (_, stdout, _) = with_default(&["prompt", "--format", "{profile} {region}"]);
    assert_eq!(stdout, "keys eu-central-1\n");
    let (_, stdout, _) = with_default(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows[0]["name"], "keys");
    assert_eq!(rows[0]["default"], true);
    // AWS_PROFILE still wins over it, and SSOENV_PROFILE over both.
    let (_, stdout, _) = run(home
        .ssoenv(["prompt", "--format", "{profile}"])
        .env("AWS_DEFAULT_PROFILE", "keys")
        .env("AWS_PROFILE", "other"));
    assert_eq!(
        stdout, "",
        "an unknown AWS_PROFILE shows nothing, not the default"
    );
}

#[test]
fn the_prompt_of_a_profile_without_account_or_role_shows_its_name_and_no_dangling_separator() {
    let home = static_home();
    let (out, stdout, stderr) = run(home.ssoenv(["prompt"]).env("AWS_PROFILE", "keys"));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "keys eu-central-1\n");
}

#[test]
fn a_profile_without_credentials_says_what_it_has_instead() {
    let home = Home::new();
    home.write_config("[profile p]\nregion = eu-west-1\noutput = json\n");
    let (out, _, stderr) = run(&mut home.ssoenv(["exec", "p", "--", "true"]));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "profile `p` did not contain credential information (it sets only `region`, `output`)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("role_arn`:"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:1", home.config_path().display())),
        "{stderr}"
    );
}
