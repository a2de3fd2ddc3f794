//! `ssoenv prompt` for every mode and token state: local files only, and silence on any error.

use jiff::{SignedDuration, Timestamp};

use crate::common::setup::cli_time;
use crate::common::{Home, SEED_CONFIG, run};

/// Writes the `corp` session's token in the AWS CLI's format, expiring `in_` from now.
fn write_token(home: &Home, expires_in: SignedDuration, refreshable: bool) {
    let at = cli_time(Timestamp::now() + expires_in);
    let refresh = if refreshable {
        let reg = cli_time(Timestamp::now() + SignedDuration::from_hours(24 * 80));
        format!(
            r#", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "{reg}", "refreshToken": "r""#
        )
    } else {
        String::new()
    };
    home.write_session_token(
        "corp",
        &format!(
            r#"{{"startUrl": "https://d-abc123.awsapps.com/start", "region": "us-east-1", "accessToken": "t", "expiresAt": "{at}"{refresh}}}"#
        ),
    );
}

fn prompt(home: &Home, vars: &[(&str, &str)], args: &[&str]) -> String {
    let (out, stdout, stderr) = run(home
        .ssoenv(["prompt"])
        .args(args)
        .envs(vars.iter().copied()));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr, "",
        "the prompt must never write to the terminal's stderr"
    );
    stdout
}

fn seeded() -> Home {
    let home = Home::new();
    home.write_config(SEED_CONFIG);
    home
}

#[test]
fn nothing_at_all_without_an_active_profile() {
    let home = seeded();
    write_token(&home, SignedDuration::from_hours(8), false);
    assert_eq!(prompt(&home, &[], &[]), "");
}

#[test]
fn profile_mode_shows_the_sessions_time_left() {
    let home = seeded();
    write_token(&home, SignedDuration::from_mins(8 * 60 - 1), false);
    let text = prompt(&home, &[("AWS_PROFILE", "dev")], &[]);
    assert!(
        text == "111111111111/Developer eu-west-1 7h58m\n"
            || text == "111111111111/Developer eu-west-1 7h57m\n",
        "{text}"
    );
    // The environment's region wins over the profile's; AWS_DEFAULT_PROFILE counts too.
    let text = prompt(
        &home,
        &[
            ("AWS_DEFAULT_PROFILE", "readonly"),
            ("AWS_REGION", "ap-south-1"),
        ],
        &["--format", "{profile}:{role}@{region}"],
    );
    assert_eq!(text, "readonly:ReadOnly@ap-south-1\n");
}

#[test]
fn a_refreshable_session_is_not_shown_as_expired() {
    let home = seeded();
    write_token(&home, SignedDuration::from_mins(-30), true);
    assert_eq!(
        prompt(&home, &[("AWS_PROFILE", "dev")], &[]),
        "111111111111/Developer eu-west-1\n"
    );
}

#[test]
fn an_expired_or_absent_session_says_so() {
    let home = seeded();
    assert_eq!(
        prompt(
            &home,
            &[("AWS_PROFILE", "dev")],
            &["--format", "{role} {expiry}"]
        ),
        "Developer login\n"
    );
    write_token(&home, SignedDuration::from_mins(-30), false);
    assert_eq!(
        prompt(
            &home,
            &[("AWS_PROFILE", "dev")],
            &["--format", "{role} {expiry}"]
        ),
        "Developer expired\n"
    );
}

#[test]
fn credentials_mode_shows_the_credentials_time_left_and_account() {
    let home = seeded();
    write_token(&home, SignedDuration::from_hours(8), false);
    let exp =
        cli_time(Timestamp::now() + SignedDuration::from_mins(42) + SignedDuration::from_secs(30));
    let vars = [
        ("SSOENV_PROFILE", "admin"),
        ("AWS_ACCESS_KEY_ID", "ASIAX"),
        ("AWS_CREDENTIAL_EXPIRATION", exp.as_str()),
        ("AWS_ACCOUNT_ID", "333333333333"),
        ("AWS_REGION", "eu-north-1"),
    ];
    assert_eq!(
        prompt(&home, &vars, &[]),
        "333333333333/OrgAdmin eu-north-1 42m\n"
    );
}

#[test]
fn account_names_from_a_login_replace_ids() {
    let home = seeded();
    write_token(&home, SignedDuration::from_hours(2), false);
    let state = home.path().join(".cache/ssoenv");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(
        state.join("account-names.json"),
        r#"{"111111111111": "corp-dev"}"#,
    )
    .unwrap();
    let text = prompt(
        &home,
        &[("AWS_PROFILE", "dev")],
        &["--format", "{account} ({account_id})"],
    );
    assert_eq!(text, "corp-dev (111111111111)\n");
}

#[test]
fn errors_print_nothing_and_exit_zero() {
    let home = Home::new();
    home.write_config("[profile dev\nsso_session = corp\n");
    assert_eq!(prompt(&home, &[("AWS_PROFILE", "dev")], &[]), "");
    let home = seeded();
    assert_eq!(
        prompt(&home, &[("AWS_PROFILE", "no-such-profile")], &[]),
        ""
    );
    assert_eq!(
        prompt(&home, &[("AWS_PROFILE", "dev")], &["--format", "{nope}"]),
        ""
    );
    let empty = Home::new();
    assert_eq!(prompt(&empty, &[("AWS_PROFILE", "dev")], &[]), "");
}
