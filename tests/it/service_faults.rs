//! A service that misbehaves on purpose (issue 17): it hangs, answers garbage, revokes a token,
//! fails for everyone at once; a cache folder that cannot be written; a config so large that a
//! second parse would show. Each case runs the real binary against `ssoenv sandbox`.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::run;
use crate::common::sandbox::http_with_headers;
use crate::common::setup::{Setup, cli_cache, read_token, set_expiry, token_path};

/// The secret-looking values of the sandbox's garbage answers all start with this.
const GARBAGE: &str = "sandbox-garbage-secret";

/// Logs in to dev, then makes its token expired but refreshable, with no cached credentials:
/// the next `exec dev` must call CreateToken first.
fn needing_a_refresh(setup: &Setup) {
    setup.login("dev");
    set_expiry(&token_path(setup), -1);
    let _ = std::fs::remove_dir_all(cli_cache(setup));
}

fn exec(setup: &Setup, profile: &str, vars: &[(&str, &str)]) -> Command {
    let mut cmd = setup.ssoenv([
        "exec",
        profile,
        "--",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID\"",
    ]);
    cmd.envs(vars.iter().copied());
    cmd
}

/// Runs `cmd` to its end; returns what it printed and how long it took.
fn timed(cmd: &mut Command) -> (Output, String, Duration) {
    let start = Instant::now();
    let (out, _, stderr) = run(cmd);
    (out, stderr, start.elapsed())
}

#[test]
fn exec_against_a_hanging_service_ends_at_the_deadline_and_so_does_a_process_waiting_for_it() {
    let setup = Setup::new(&[]);
    needing_a_refresh(&setup);
    setup.sandbox.arm("hang=1000");
    let deadline = [("SSOENV_TIMEOUT", "2")];
    let start = Instant::now();
    let spawn = || {
        exec(&setup, "dev", &deadline)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn();
    // The second one queues on the lock the first holds while its refresh hangs.
    std::thread::sleep(Duration::from_millis(300));
    let second = spawn();
    for (name, child) in [("first", first), ("second", second)] {
        let out = child.wait_with_output().unwrap();
        let elapsed = start.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{name}: {stderr}");
        assert!(
            stderr.contains("CreateToken") && stderr.contains("timed out"),
            "{name}: {stderr}"
        );
        // A 2 s deadline each; generous room for a loaded machine, nowhere near "forever".
        assert!(elapsed < Duration::from_secs(15), "{name} took {elapsed:?}");
    }
    assert!(setup.sandbox.stats()["injected"]["hang"].as_u64().unwrap() >= 1);
}

#[test]
fn a_slow_answer_within_the_deadline_is_waited_for() {
    let setup = Setup::new(&[]);
    needing_a_refresh(&setup);
    setup.sandbox.arm("slow=1&delay_ms=1500");
    let (out, stderr, _) = timed(&mut exec(&setup, "dev", &[("SSOENV_TIMEOUT", "20")]));
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn malformed_answers_name_the_operation_and_print_no_secret() {
    let setup = Setup::new(&[]);
    // CreateToken (refresh)
    needing_a_refresh(&setup);
    setup.sandbox.arm("garbage=1");
    let (out, stderr, _) = timed(&mut exec(&setup, "dev", &[]));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("CreateToken"), "{stderr}");
    assert!(stderr.contains("`expiresIn` is not a number"), "{stderr}");
    assert!(!stderr.contains(GARBAGE), "a secret on stderr: {stderr}");
    assert!(
        stderr.lines().count() <= 2,
        "not one readable line: {stderr}"
    );

    // AssumeRole, on top of dev's credentials
    setup.login("dev");
    let (out, _, stderr) = run(&mut exec(&setup, "dev", &[]));
    assert!(out.status.success(), "{stderr}");
    setup.sandbox.arm("garbage=1");
    let (out, stderr, _) = timed(&mut exec(&setup, "admin", &[]));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("AssumeRole"), "{stderr}");
    assert!(!stderr.contains(GARBAGE), "a secret on stderr: {stderr}");

    // GetRoleCredentials, with a valid token
    let _ = std::fs::remove_dir_all(cli_cache(&setup));
    setup.sandbox.arm("garbage=1");
    let (out, stderr, _) = timed(&mut exec(&setup, "dev", &[]));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("GetRoleCredentials"), "{stderr}");
    assert!(
        stderr.contains("`roleCredentials.expiration` is not a number"),
        "{stderr}"
    );
    assert!(!stderr.contains(GARBAGE), "a secret on stderr: {stderr}");
}

#[test]
fn a_transport_failure_is_one_readable_line() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let _ = std::fs::remove_dir_all(cli_cache(&setup));
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (out, stderr, _) = timed(&mut exec(&setup, "dev", &[("AWS_ENDPOINT_URL_SSO", &url)]));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
    assert!(stderr.len() < 300, "a debug dump: {stderr}");
}

#[test]
fn a_token_the_service_revoked_is_repaired_by_the_login_ssoenv_suggests() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let _ = std::fs::remove_dir_all(cli_cache(&setup));
    let (_, token) = read_token(&token_path(&setup));
    let access_token = token["accessToken"].as_str().unwrap();
    let (status, _, body) = http_with_headers(
        "POST",
        &format!("{}/logout", setup.sandbox.url),
        &format!("x-amz-sso_bearer_token: {access_token}\r\n"),
        "",
    );
    assert_eq!(status, 200, "{body}");

    let (out, stderr, _) = timed(&mut exec(&setup, "dev", &[]));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("ssoenv login dev"), "{stderr}");
    assert!(!stderr.contains(access_token), "the token on stderr");

    // The prompt and whoami agree with the service: no time left.
    let (_, expiry, _) = run(setup
        .ssoenv(["prompt", "--format", "{expiry}"])
        .env("AWS_PROFILE", "dev"));
    assert!(
        matches!(expiry.trim(), "" | "login" | "expired"),
        "the prompt still shows time left: {expiry}"
    );
    let (_, whoami, _) = run(&mut setup.ssoenv(["whoami", "dev", "--json"]));
    let whoami: serde_json::Value = serde_json::from_str(&whoami).unwrap();
    assert_ne!(whoami["sso_status"], "valid", "{whoami}");
    // The file is still one the AWS CLI reads.
    crate::common::setup::assert_cli_format(&read_token(&token_path(&setup)).0);

    // `login dev` logs in again rather than "already logged in", and exec works.
    let stderr = setup.login("dev");
    assert!(!stderr.contains("already logged in"), "{stderr}");
    let (out, stdout, stderr) = run(&mut exec(&setup, "dev", &[]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.trim().starts_with("ASIA"), "{stdout}");
}

#[test]
fn twenty_processes_behind_a_failing_service_share_one_refresh_and_fail_together() {
    let setup = Setup::new(&[]);
    needing_a_refresh(&setup);
    setup.sandbox.arm("fail=1000");
    setup.sandbox.reset_stats();
    let start = Instant::now();
    let children: Vec<_> = (0..20)
        .map(|_| {
            exec(&setup, "dev", &[])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{stderr}");
        assert!(stderr.contains("CreateToken"), "{stderr}");
    }
    let elapsed = start.elapsed();
    let stats = setup.sandbox.stats();
    let refreshes = stats["CreateToken"]["refresh_token"].as_u64().unwrap();
    // One refresh is up to 3 attempts; twenty processes each retrying would be 60.
    assert!(refreshes <= 6, "{refreshes} refresh calls: {stats}");
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
}

#[test]
fn an_unwritable_credential_cache_warns_and_the_command_still_gets_its_credentials() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let cache = cli_cache(&setup);
    let _ = std::fs::remove_dir_all(&cache);
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    // A regular file where the folder belongs: no one, root included, can write into it.
    std::fs::write(&cache, "not a folder").unwrap();
    let (out, stdout, stderr) = run(&mut exec(&setup, "dev", &[]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.trim().starts_with("ASIA"), "{stdout}");
    assert!(stderr.contains("cannot cache the credentials"), "{stderr}");
}

#[test]
fn a_networked_exec_with_100000_profiles_does_not_parse_the_config_again() {
    let setup = Setup::new(&[]);
    let mut config = setup.sandbox.config_text();
    for i in 0..100_000 {
        config.push_str(&format!(
            "[profile p{i}]\nsso_session = sandbox\nsso_account_id = {i:012}\n\
             sso_role_name = Role{i}\nregion = us-east-1\n"
        ));
    }
    setup.home.write_config(&config);
    setup.login("dev");
    let _ = std::fs::remove_dir_all(cli_cache(&setup));
    setup.sandbox.reset_stats();
    let (out, stderr, elapsed) = timed(&mut exec(&setup, "dev", &[]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(setup.sandbox.stats()["GetRoleCredentials"], 1);
    // Measured: 0.18 s (debug build) now, 8.3 s when the SDK parsed the file again.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}
