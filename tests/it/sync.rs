//! `ssoenv sync` (issue 12) against the sandbox's generated organisation: native profiles in one
//! managed block, the user's text kept byte for byte, collisions, prune, dry-run, idempotence,
//! throttling, and the written file read by botocore and the Rust SDK.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use ssoenv::config::{ProfileSet, SourceFile};

use crate::common::sandbox::Sandbox;
use crate::common::setup::Setup;
use crate::common::{helper_test, run};

/// Eight generated accounts with two roles each, after the sandbox's three fixed accounts (five
/// roles): 21 assignments.
const ORG: &[&str] = &["--accounts", "8", "--roles-per-account", "2"];
const ASSIGNMENTS: usize = 21;

/// What the user wrote by hand, in CRLF: comments, an unknown key, a comment after a value.
const HAND_WRITTEN: &str = "; written by hand\r\n[profile mine]\r\noutput = json\r\n\
                            unknown_key = kept ; a comment after whitespace\r\n\r\n# the end\r\n";

/// The sandbox's config (sso-session `sandbox`, profiles dev, readonly, prod, admin) in CRLF,
/// with [`HAND_WRITTEN`] after it.
fn users_config(setup: &Setup) -> String {
    let ours = setup.sandbox.config_text().replace('\n', "\r\n");
    format!("# my AWS config\r\n{ours}{HAND_WRITTEN}")
}

/// A sandbox with [`ORG`], the user's config, and a login to its session.
fn logged_in() -> (Setup, String) {
    let setup = Setup::new(ORG);
    let text = users_config(&setup);
    setup.home.write_config(&text);
    setup.login("dev");
    (setup, text)
}

fn sync(setup: &Setup, args: &[&str]) -> (Output, String, String) {
    run(setup.ssoenv(["sync"]).args(args))
}

fn config(setup: &Setup) -> String {
    std::fs::read_to_string(setup.home.config_path()).unwrap()
}

/// The config as the SDKs' grammar reads it (`ProfileSet::parse` passes their parser suite).
fn parsed(text: &str) -> ProfileSet<'static> {
    let file = SourceFile::new("/config", text);
    ProfileSet::parse(Some(&file), None).unwrap().into_owned()
}

/// The profiles of the block of sso-session `sandbox`.
fn synced(text: &str) -> Vec<String> {
    let set = parsed(text);
    set.profiles
        .iter()
        .filter(|(name, s)| {
            s.get("sso_session") == Some("sandbox") && !["dev", "readonly"].contains(&name.as_ref())
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// Moves the file's mtime a day back, so a rewrite cannot go unseen within the clock's grain.
fn age(path: &Path) -> SystemTime {
    let old = SystemTime::now() - Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    mtime(path)
}

#[test]
fn a_first_sync_writes_native_profiles_and_keeps_the_users_text_byte_for_byte() {
    let (setup, before) = logged_in();
    let (out, stdout, stderr) = sync(&setup, &[]);
    assert!(out.status.success(), "{stderr}");
    // Without a terminal: no progress bar, only the summary.
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "ssoenv: synced sso-session sandbox into {}: 21 added, 0 updated, 0 removed, 0 stale, \
             0 unchanged, 0 skipped\n",
            setup.home.config_path().display()
        )
    );
    let after = config(&setup);
    assert!(
        after.starts_with(&before),
        "the user's bytes changed:\n{after}"
    );
    let block = &after[before.len()..];
    assert!(
        !block.replace("\r\n", "").contains('\n'),
        "the block is CRLF too"
    );
    assert!(block.starts_with("\r\n# BEGIN ssoenv sync sso-session=sandbox region=us-east-1"));
    assert!(block.ends_with("# END ssoenv sync sso-session=sandbox\r\n"));

    let set = parsed(&after);
    let names = synced(&after);
    assert_eq!(names.len(), ASSIGNMENTS, "{names:?}");
    for name in &names {
        let p = &set.profiles[name.as_str()];
        assert!(p.get("sso_account_id").is_some() && p.get("sso_role_name").is_some());
        // The [default] profile's region; never the legacy keys.
        assert_eq!(p.get("region"), Some("us-east-1"), "{name}");
        assert!(p.get("sso_start_url").is_none() && p.get("sso_region").is_none());
    }
    // Awkward names made valid, duplicates and all.
    for name in [
        "sandbox-dev.Developer",
        "Team-1-Production.AdministratorAccess",
        "Equipe-Donnees-2.ReadOnlyAccess",
        "Zurich-Strasse-5-AOU.AdministratorAccess",
        "Sales-Marketing-7.ReadOnlyAccess",
        "The-very-long-account-name-of-the-payments-platform-team-no.-4-EU.ReadOnlyAccess",
        "8.AdministratorAccess",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    assert_eq!(set.profiles["mine"].get("unknown_key"), Some("kept"));

    // `list` and the prompt show the account's name; completion offers the new profiles at once.
    let (_, listed, _) = run(&mut setup.ssoenv(["list", "--json"]));
    let rows: Value = serde_json::from_str(&listed).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Equipe-Donnees-2.ReadOnlyAccess")
        .unwrap();
    assert_eq!(row["account_name"], "Équipe Données 2");
    let (_, prompt, _) = run(setup
        .ssoenv(["prompt", "--format", "{account_name}"])
        .env("AWS_PROFILE", "Zurich-Strasse-5-AOU.AdministratorAccess"));
    assert_eq!(prompt.trim(), "Zürich Straße 5 – ÄÖÜ");
    let (_, candidates, _) = run(setup
        .ssoenv(["--", "ssoenv", "exec", "Team-1"])
        .env("COMPLETE", "fish"));
    assert!(
        candidates.contains("Team-1-Production.ReadOnlyAccess\t400000000000 ReadOnlyAccess"),
        "{candidates}"
    );
}

#[test]
fn a_sync_that_finds_nothing_new_leaves_the_file_untouched_and_a_hand_set_region_survives() {
    let (setup, _) = logged_in();
    assert!(sync(&setup, &[]).0.status.success());
    let path = setup.home.config_path();
    let edited = config(&setup).replacen(
        "sso_role_name = AdministratorAccess\r\nregion = us-east-1",
        "sso_role_name = AdministratorAccess\r\nregion = ap-south-1",
        1,
    );
    std::fs::write(&path, &edited).unwrap();
    let (out, _, stderr) = sync(&setup, &["--region", "eu-west-3"]);
    assert!(out.status.success(), "{stderr}");
    let after = config(&setup);
    assert_eq!(
        after.matches("region = ap-south-1").count(),
        1,
        "the hand edit survives"
    );
    assert_eq!(after.matches("region = eu-west-3").count(), ASSIGNMENTS - 1);
    assert!(
        stderr.contains(&format!("{} updated", ASSIGNMENTS - 1)),
        "{stderr}"
    );

    let before = age(&path);
    let (out, _, stderr) = sync(&setup, &["--region", "eu-west-3"]);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("{ASSIGNMENTS} unchanged")),
        "{stderr}"
    );
    assert_eq!(config(&setup), after);
    assert_eq!(
        mtime(&path),
        before,
        "a sync with nothing new must not rewrite the file"
    );
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let (setup, before) = logged_in();
    let path = setup.home.config_path();
    let then = age(&path);
    let (out, stdout, stderr) = sync(&setup, &["--dry-run"]);
    assert!(out.status.success(), "{stderr}");
    let name = path.display().to_string();
    assert!(
        stdout.starts_with(&format!("--- {name}\n+++ {name}\n@@ ")),
        "{stdout}"
    );
    assert!(stdout.contains("\n+[profile Team-1-Production.AdministratorAccess]\r\n"));
    assert!(stderr.contains("would sync"), "{stderr}");
    assert_eq!(config(&setup), before);
    assert_eq!(mtime(&path), then);
}

#[test]
fn a_profile_the_user_wrote_is_never_overwritten_and_the_warning_names_both() {
    let setup = Setup::new(ORG);
    let mut text = users_config(&setup);
    text.push_str("[profile Shared-Services.ReadOnlyAccess]\r\nregion = sa-east-1\r\n");
    setup.home.write_config(&text);
    setup.login("dev");
    let (out, _, stderr) = sync(&setup, &[]);
    assert!(out.status.success(), "{stderr}");
    let line = text.lines().count() - 1;
    let want = format!(
        "skipped profile `Shared-Services.ReadOnlyAccess` (account 400000000002, role \
         ReadOnlyAccess): the name is already taken by {}:{line}",
        setup.home.config_path().display()
    );
    assert!(stderr.contains(&want), "{stderr}");
    assert!(
        stderr.contains("20 added") && stderr.contains("1 skipped"),
        "{stderr}"
    );
    let after = config(&setup);
    assert!(after.starts_with(&text));
    assert_eq!(
        after
            .matches("[profile Shared-Services.ReadOnlyAccess]")
            .count(),
        1
    );
}

#[test]
fn roles_taken_away_stay_as_stale_until_prune_removes_them() {
    let (setup, before) = logged_in();
    assert!(sync(&setup, &[]).0.status.success());
    // The same user in a smaller organisation: four generated accounts fewer.
    let smaller = Sandbox::start(&["--accounts", "4", "--roles-per-account", "2"]);
    let against = |args: &[&str]| {
        let mut cmd = setup.ssoenv(args);
        cmd.envs(smaller.endpoint_env());
        run(&mut cmd)
    };
    // Its own client registration and token: the first sandbox's mean nothing to it.
    std::fs::remove_dir_all(setup.home.path().join(".aws/sso/cache")).unwrap();
    let (out, _, stderr) = against(&["login", "dev"]);
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = against(&["sync"]);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("8 stale") && stderr.contains("13 unchanged"),
        "{stderr}"
    );
    assert!(stderr.contains("--prune"), "{stderr}");
    assert_eq!(synced(&config(&setup)).len(), ASSIGNMENTS);
    let (out, _, stderr) = against(&["sync", "--prune"]);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("8 removed, 0 stale"), "{stderr}");
    let after = config(&setup);
    assert_eq!(synced(&after).len(), ASSIGNMENTS - 8);
    assert!(!after.contains("Sales-Marketing-7"));
    assert!(after.starts_with(&before));
}

#[test]
fn a_block_without_its_end_marker_is_refused_naming_the_line_and_nothing_is_written() {
    let (setup, _) = logged_in();
    assert!(sync(&setup, &[]).0.status.success());
    let broken: String = config(&setup)
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("# END ssoenv sync"))
        .collect();
    std::fs::write(setup.home.config_path(), &broken).unwrap();
    let begin = broken
        .lines()
        .position(|l| l.starts_with("# BEGIN ssoenv sync"))
        .unwrap()
        + 1;
    let (out, _, stderr) = sync(&setup, &[]);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let want = format!("{}:{begin}: ", setup.home.config_path().display());
    assert!(
        stderr.contains(&want) && stderr.contains("no `# END ssoenv sync` line"),
        "{stderr}"
    );
    assert_eq!(config(&setup), broken);
}

#[test]
fn throttling_slows_the_sync_down_and_does_not_fail_it() {
    let setup = Setup::new(&[
        "--accounts",
        "40",
        "--roles-per-account",
        "1",
        "--rate-limit",
        "10",
    ]);
    setup.login("dev");
    setup.sandbox.reset_stats();
    let (out, _, stderr) = sync(&setup, &[]);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("45 added"), "{stderr}");
    let stats = setup.sandbox.stats();
    assert!(stats["RateLimited"].as_u64().unwrap() > 0, "{stats}");
    assert_eq!(synced(&config(&setup)).len(), 45);
}

#[test]
fn throttling_beyond_the_time_budget_fails_saying_how_far_it_got() {
    let (setup, before) = logged_in();
    setup.sandbox.arm("throttle=1000000");
    let (out, _, stderr) = run(setup
        .ssoenv(["sync"])
        .env("SSOENV_SYNC_TIMEOUT", "2")
        .env("SSOENV_TIMEOUT", "20"));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("still throttled (TooManyRequestsException) after 2 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("listed the roles of 0 of 0 accounts"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(config(&setup), before);
}

#[test]
fn botocore_and_the_rust_sdk_load_the_written_file_and_resolve_a_synced_profile() {
    let (setup, _) = logged_in();
    assert!(sync(&setup, &[]).0.status.success());
    let names = synced(&config(&setup));
    let script = r#"
import json
import botocore.session
profiles = botocore.session.Session().available_profiles
synced = botocore.session.Session(profile="Team-1-Production.AdministratorAccess")
c = synced.get_credentials().get_frozen_credentials()
print(json.dumps({"profiles": profiles, "key": c.access_key}))
"#;
    let mut python = Command::new("python3");
    python.args(["-c", script]);
    let (out, stdout, stderr) = run(setup.aws_env(&mut python));
    assert!(out.status.success(), "python3: {stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    let seen: Vec<&str> = got["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for name in &names {
        assert!(
            seen.contains(&name.as_str()),
            "botocore does not see {name}: {seen:?}"
        );
    }
    assert!(got["key"].as_str().unwrap().starts_with("ASIA"), "{got}");

    // The Rust SDK's own loader, through interop's helper test run in a child process.
    let mut helper = helper_test("interop::aws_config_helper");
    setup.aws_env(&mut helper).env(
        "SSOENV_IT_AWS_CONFIG_PROFILE",
        "Equipe-Donnees-2.ReadOnlyAccess",
    );
    let (out, stdout, stderr) = run(&mut helper);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "HELPER-ARN arn:aws:sts::400000000001:assumed-role/AWSReservedSSO_ReadOnlyAccess_"
        ),
        "{stdout}"
    );
}

#[test]
fn the_session_is_the_only_one_else_the_active_profiles_else_an_error_listing_them() {
    let setup = Setup::new(ORG);
    let url = &setup.sandbox.url;
    let two = format!(
        "[sso-session a]\nsso_start_url = {url}/start\nsso_region = us-east-1\n\
         [sso-session b]\nsso_start_url = {url}/start\nsso_region = us-east-1\n\
         [profile pb]\nsso_session = b\nsso_account_id = 111111111111\nsso_role_name = Developer\n"
    );
    setup.home.write_config(&two);
    let (out, _, stderr) = sync(&setup, &[]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("several sso-sessions (a, b): name one with --sso-session NAME"),
        "{stderr}"
    );
    // The active profile's session; without a person at the terminal no login happens.
    let (out, _, stderr) = run(setup.ssoenv(["sync"]).env("AWS_PROFILE", "pb"));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("run `ssoenv login --sso-session b`"),
        "{stderr}"
    );
    let (out, _, stderr) = sync(&setup, &["--sso-session", "c"]);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("--start-url URL --sso-region REGION"),
        "{stderr}"
    );
    assert_eq!(config(&setup), two);
}

#[test]
fn a_brand_new_user_gets_the_session_and_every_profile_from_one_command_on_a_terminal() {
    // Slowed down so that the listing lasts long enough for its progress bar to be drawn (on a
    // terminal that names its TERM, as every real one does).
    let setup = Setup::new(&[
        "--accounts",
        "8",
        "--roles-per-account",
        "2",
        "--rate-limit",
        "4",
    ]);
    std::fs::remove_file(setup.home.config_path()).unwrap();
    let start_url = format!("{}/start", setup.sandbox.url);
    let args = [
        "sync",
        "--sso-session",
        "corp",
        "--start-url",
        &start_url,
        "--sso-region",
        "eu-west-1",
    ];
    // A folder that does not exist is a clear error (after the login, which is kept).
    let missing = setup.home.path().join("nope/config");
    let mut cmd = setup.on_a_terminal("curl -sSfL -o /dev/null", &args);
    let (out, stdout, _) = run(cmd.env("AWS_CONFIG_FILE", &missing));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "the folder {} does not exist",
            missing.parent().unwrap().display()
        )),
        "{stdout}"
    );
    assert!(!missing.exists());

    let mut cmd = setup.on_a_terminal("curl -sSfL -o /dev/null", &args);
    let (out, stdout, _) = run(cmd.env("TERM", "xterm"));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("21 added"), "{stdout}");
    assert!(
        stdout.contains("ssoenv: listing roles"),
        "a progress bar on the terminal: {stdout}"
    );
    let text = config(&setup);
    assert!(
        text.starts_with(&format!(
            "[sso-session corp]\nsso_start_url = {start_url}\nsso_region = eu-west-1\n\
         sso_registration_scopes = sso:account:access\n\n\
         # BEGIN ssoenv sync sso-session=corp region=eu-west-1 "
        )),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(setup.home.config_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_service_error_names_the_account_being_listed_and_nothing_is_written() {
    let (setup, before) = logged_in();
    setup.sandbox.arm("fail=1000&op=ListAccountRoles");
    let (out, _, stderr) = sync(&setup, &[]);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(
            "IAM Identity Center ListAccountRoles failed: InternalServerException: An internal \
             error occurred (account "
        ),
        "{stderr}"
    );
    assert_eq!(config(&setup), before);
    // Each call was tried max_attempts (3) times before giving up.
    assert!(setup.sandbox.stats()["injected"]["fail"].as_u64().unwrap() >= 3);
}
