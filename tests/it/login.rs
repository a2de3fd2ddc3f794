//! `ssoenv login`, silent refresh, logout and the shared caches, driven through the real binary
//! against `ssoenv sandbox` (reached only through the `AWS_ENDPOINT_URL_*` variables and a temp
//! HOME), with a `BROWSER` script that records what it is asked to open, as a person's browser
//! would. The one suite for these behaviours (it absorbed the twin tests of the former sso.rs).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use ssoenv::pyjson::sha1_hex;

use crate::common::sandbox::http_with_headers;
use crate::common::setup::{
    Browser, CLI_KEYS, Setup, assert_cli_format, cli_cache, cli_time, legacy_token_path,
    read_token, set_expiry, sso_cache, token_path,
};
use crate::common::{run, succeeded};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A query parameter of `url`, decoded.
fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Waits for `child` with a time limit (killing it past that); returns its exit code, stdout and
/// stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String, String) {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A GET whose answer does not matter (the server may stop while answering).
fn poke(url: &str) {
    let _ = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "--max-time", "5", url])
        .status();
}

/// Fetches `url` as a browser would: following redirects, failing on an error status.
fn browse(url: &str) {
    let status = Command::new("curl")
        .args(["-sSfL", "-o", "/dev/null", "--max-time", "10", url])
        .status()
        .unwrap();
    assert!(status.success(), "fetching {url}");
}

fn stat(setup: &Setup, path: &[&str]) -> u64 {
    let stats = setup.sandbox.stats();
    let mut v = &stats;
    for p in path {
        v = &v[*p];
    }
    v.as_u64().unwrap_or_else(|| panic!("{path:?} in {stats}"))
}

fn refreshes(setup: &Setup) -> u64 {
    stat(setup, &["CreateToken", "refresh_token"])
}

fn credential_process(setup: &Setup, profile: &str) -> (Option<i32>, String, String) {
    let (out, stdout, stderr) = run(&mut setup.ssoenv(["credential-process", profile]));
    (out.status.code(), stdout, stderr)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The AWS CLI's registration cache key for the sandbox's sso-session (reference §1.5).
fn session_registration_path(setup: &Setup) -> PathBuf {
    let args = format!(
        r#"{{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "sandbox", "startUrl": "{}/start", "tool": "botocore"}}"#,
        setup.sandbox.url
    );
    sso_cache(setup).join(format!("{}.json", sha1_hex(&args)))
}

fn legacy_registration_path(setup: &Setup) -> PathBuf {
    let args = format!(
        r#"{{"region": "us-east-1", "scopes": null, "session_name": null, "startUrl": "{}/start", "tool": "botocore"}}"#,
        setup.sandbox.url
    );
    sso_cache(setup).join(format!("{}.json", sha1_hex(&args)))
}

fn login_with(setup: &Setup, browser: &Browser, args: &[&str]) -> String {
    let (out, stdout, stderr) = run(setup
        .ssoenv(std::iter::once("login").chain(args.iter().copied()))
        .env("BROWSER", &browser.command));
    assert!(out.status.success(), "login {args:?}: {stderr}");
    assert_eq!(stdout, "", "login prints nothing on stdout");
    stderr
}

#[test]
fn pkce_login_writes_the_clis_token_reuses_the_registration_and_a_second_login_opens_no_browser() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let stderr = login_with(&setup, &browser, &["dev"]);
    assert!(
        stderr.contains(&format!(
            "Successfully logged into Start URL: {}/start",
            setup.sandbox.url
        )),
        "{stderr}"
    );
    let calls = browser.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with(&format!(
            "{}/authorize?response_type=code&",
            setup.sandbox.url
        )),
        "{}",
        calls[0]
    );
    assert_eq!(
        query_param(&calls[0], "code_challenge_method").as_deref(),
        Some("S256")
    );

    let path = token_path(&setup);
    let (text, token) = read_token(&path);
    assert_cli_format(&text);
    assert_eq!(
        token.as_object().unwrap().len(),
        CLI_KEYS.len(),
        "every key the CLI writes: {text}"
    );
    assert_eq!(token["startUrl"], format!("{}/start", setup.sandbox.url));
    assert_eq!(token["region"], "us-east-1");
    assert!(token["refreshToken"].is_string(), "{text}");
    let expires: Timestamp = token["expiresAt"].as_str().unwrap().parse().unwrap();
    let left = expires.duration_since(Timestamp::now());
    assert!(
        left > SignedDuration::from_hours(7) && left <= SignedDuration::from_hours(8),
        "{left:?}"
    );
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&sso_cache(&setup)), 0o700);

    // The registration sits under the AWS CLI's key, in its PKCE shape.
    let registration_path = session_registration_path(&setup);
    let (reg_text, registration) = read_token(&registration_path);
    assert_eq!(registration["clientId"], token["clientId"], "{reg_text}");
    assert_eq!(registration["clientSecret"], token["clientSecret"]);
    assert_eq!(registration["expiresAt"], token["registrationExpiresAt"]);
    assert_eq!(
        registration["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(mode(&registration_path), 0o600);
    assert_eq!(json_files(&sso_cache(&setup)).len(), 2);

    let stats = setup.sandbox.stats();
    assert_eq!(stats["RegisterClient"], 1, "{stats}");
    assert_eq!(stats["Authorize"], 1);
    assert_eq!(stats["CreateToken"]["authorization_code"], 1);

    // --force logs in again, with the cached registration.
    login_with(&setup, &browser, &["dev", "--force"]);
    let (text2, token2) = read_token(&path);
    assert_cli_format(&text2);
    assert_ne!(token2["accessToken"], token["accessToken"]);
    assert_eq!(token2["clientId"], token["clientId"]);
    assert_eq!(browser.calls().len(), 2);
    let stats = setup.sandbox.stats();
    assert_eq!(stats["RegisterClient"], 1, "{stats}");
    assert_eq!(stats["CreateToken"]["authorization_code"], 2);

    // While the token is valid, a login of any profile of the session says so and opens no
    // browser.
    for profile in ["dev", "readonly"] {
        let stderr = login_with(&setup, &browser, &[profile]);
        assert!(stderr.contains("already logged in"), "{profile}: {stderr}");
    }
    assert_eq!(browser.calls().len(), 2);
    assert_eq!(read_token(&path).0, text2, "the token is left alone");
    let stats = setup.sandbox.stats();
    assert_eq!(stats["CreateToken"]["authorization_code"], 2, "{stats}");
    assert_eq!(stats["Authorize"], 2);
}

#[test]
fn the_device_flow_serves_legacy_profiles_and_use_device_code() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let stderr = login_with(&setup, &browser, &["prod"]);
    assert!(
        stderr.contains("Successfully logged into Start URL"),
        "{stderr}"
    );
    let stats = setup.sandbox.stats();
    assert_eq!(stats["StartDeviceAuthorization"], 1, "{stats}");
    assert!(stats["CreateToken"]["device_code"].as_u64().unwrap() >= 1);
    let calls = browser.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].starts_with(&format!("{}/device?user_code=", setup.sandbox.url)),
        "{calls:?}"
    );
    let (text, token) = read_token(&legacy_token_path(&setup));
    assert_cli_format(&text);
    assert_eq!(token["startUrl"], format!("{}/start", setup.sandbox.url));
    assert!(token["accessToken"].is_string(), "{text}");
    // Legacy logins get no refresh token, and a device-flow registration (no grant types).
    assert!(token.get("refreshToken").is_none(), "{text}");
    let (reg_text, registration) = read_token(&legacy_registration_path(&setup));
    assert!(registration.get("grantTypes").is_none(), "{reg_text}");
    assert_eq!(registration["clientId"], token["clientId"]);
    assert!(!token_path(&setup).exists());

    login_with(&setup, &browser, &["dev", "--use-device-code"]);
    let calls = browser.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].contains("/device?user_code="), "{calls:?}");
    let (text, token) = read_token(&token_path(&setup));
    assert_cli_format(&text);
    assert!(token["refreshToken"].is_string(), "{text}");
    // The sso-session named on its own takes the device flow too.
    login_with(
        &setup,
        &browser,
        &["--sso-session", "sandbox", "--use-device-code", "--force"],
    );
    let (text, again) = read_token(&token_path(&setup));
    assert_cli_format(&text);
    assert_ne!(again["accessToken"], token["accessToken"]);
    assert!(browser.calls()[2].contains("/device?user_code="));
    let stats = setup.sandbox.stats();
    assert_eq!(stats["StartDeviceAuthorization"], 3, "{stats}");
    assert_eq!(stats["Verify"], 3);
    assert_eq!(stats["Authorize"], 0);
    assert_eq!(stats["CreateToken"]["authorization_code"], 0);
    // Two flows, two registrations: a device-flow one per start URL and one for the session.
    assert_eq!(stats["RegisterClient"], 2);

    for (profile, account) in [("prod", "222222222222"), ("dev", "111111111111")] {
        let (code, stdout, stderr) = credential_process(&setup, profile);
        assert_eq!(code, Some(0), "{profile}: {stderr}");
        let creds: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(creds["AccountId"], account);
    }
}

/// Reads a child's stderr on a thread, line by line, so the test can wait with a time limit.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects lines until one is a URL; returns the lines so far.
fn until_url(rx: &mpsc::Receiver<String>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no URL on stderr: {lines:?}"));
        let done = line.starts_with("http://");
        lines.push(line);
        if done {
            return lines;
        }
    }
}

/// `ssoenv login PROFILE --no-browser`, with its stderr lines arriving on a channel.
fn no_browser_login(
    setup: &Setup,
    browser: &Browser,
    profile: &str,
) -> (Child, mpsc::Receiver<String>) {
    let mut child = setup
        .ssoenv(["login", profile, "--no-browser"])
        .env("BROWSER", &browser.command)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = stderr_lines(&mut child);
    (child, rx)
}

#[test]
fn no_browser_prints_the_url_and_code_to_stderr_only_and_completes_when_opened_elsewhere() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);

    // PKCE: the URL alone.
    let (child, rx) = no_browser_login(&setup, &browser, "dev");
    let lines = until_url(&rx);
    let url = lines.last().unwrap().clone();
    assert!(url.contains("/authorize?"), "{lines:?}");
    browse(&url);
    let (code, stdout, _) = finish(child, Duration::from_secs(20));
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "", "the URL goes to stderr only");
    assert!(token_path(&setup).exists());

    // Device flow: the URL and the code.
    let (child, rx) = no_browser_login(&setup, &browser, "prod");
    let mut lines = until_url(&rx);
    let url = lines.last().unwrap().clone();
    let user_code = query_param(&url, "user_code").expect("user_code in the URL");
    browse(&url);
    let (code, stdout, _) = finish(child, Duration::from_secs(20));
    // The reader thread ends at the pipe's end, so this has every line.
    lines.extend(rx.iter());
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(stdout, "", "the URL and code go to stderr only");
    assert!(
        lines.iter().any(|l| l.contains("Then enter the code:")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.trim() == user_code),
        "the code {user_code} is not on stderr: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains(&browser.command)),
        "the browser is not mentioned: {lines:?}"
    );
    assert!(legacy_token_path(&setup).exists());
    assert!(browser.calls().is_empty(), "--no-browser opened a browser");
    assert_eq!(setup.sandbox.stats()["Verify"], 1);
}

/// Starts `login dev` with a browser that does not follow the URL; returns the child, the URL,
/// and the loopback callback's base.
fn pending_pkce_login(setup: &Setup, browser: &Browser) -> (Child, String, String) {
    let child = setup
        .ssoenv(["login", "dev"])
        .env("BROWSER", &browser.command)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = browser.wait_for_call();
    let redirect = query_param(&url, "redirect_uri").expect("redirect_uri");
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"),
        "{redirect}"
    );
    (child, url, redirect)
}

#[test]
fn a_mismatched_or_refused_callback_fails_cleanly() {
    let setup = Setup::new(&[]);

    let browser = Browser::new(false);
    let (child, url, redirect) = pending_pkce_login(&setup, &browser);
    let state = query_param(&url, "state").unwrap();
    // A stray request does not end the login; a wrong state does.
    poke(&format!("{redirect}/../favicon.ico"));
    poke(&format!("{redirect}?code=stolen&state=not-{state}"));
    let (code, _, stderr) = finish(child, Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("State parameter does not match"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!token_path(&setup).exists());

    let browser = Browser::new(false);
    let (child, url, redirect) = pending_pkce_login(&setup, &browser);
    let state = query_param(&url, "state").unwrap();
    poke(&format!(
        "{redirect}?error=access_denied&error_description=no&state={state}"
    ));
    let (code, _, stderr) = finish(child, Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!token_path(&setup).exists());
    assert_eq!(
        setup.sandbox.stats()["CreateToken"]["authorization_code"],
        0
    );
}

#[test]
fn an_expired_token_is_refreshed_once_and_kept_in_the_clis_format() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let path = token_path(&setup);
    set_expiry(&path, -5);
    let (_, before) = read_token(&path);
    setup.sandbox.reset_stats();

    let (code, stdout, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(0), "{stderr}");
    let creds: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(creds["Version"], 1);
    assert_eq!(refreshes(&setup), 1);
    assert_eq!(stat(&setup, &["GetRoleCredentials"]), 1);

    let (text, after) = read_token(&path);
    assert_cli_format(&text);
    assert_eq!(mode(&path), 0o600);
    assert_ne!(after["accessToken"], before["accessToken"]);
    assert_ne!(after["refreshToken"], before["refreshToken"], "rotated");
    for same in [
        "startUrl",
        "region",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
    ] {
        assert_eq!(after[same], before[same], "{same}");
    }
    let expires: Timestamp = after["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(expires > Timestamp::now() + SignedDuration::from_hours(7));
}

fn spawn_quiet(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn twenty_processes_refresh_once_and_fetch_each_role_once() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    set_expiry(&token_path(&setup), -5);
    setup.sandbox.reset_stats();

    let children: Vec<(&str, Child)> = (0..20)
        .map(|i| {
            let profile = if i % 2 == 0 { "dev" } else { "readonly" };
            let args: Vec<&str> = if i % 4 < 2 {
                vec!["credential-process", profile]
            } else {
                vec!["exec", profile, "--", "true"]
            };
            (profile, spawn_quiet(setup.ssoenv(args)))
        })
        .collect();
    let mut keys = std::collections::BTreeMap::<&str, Vec<String>>::new();
    for (profile, child) in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{profile}: {stderr}");
        if let Ok(creds) = serde_json::from_slice::<Value>(&out.stdout) {
            keys.entry(profile)
                .or_default()
                .push(creds["AccessKeyId"].as_str().unwrap().to_string());
        }
    }
    let stats = setup.sandbox.stats();
    assert_eq!(stats["CreateToken"]["refresh_token"], 1, "{stats}");
    assert_eq!(stats["GetRoleCredentials"], 2, "{stats}");
    // Every process of a profile got the same (cached) credentials.
    for (profile, ids) in &keys {
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{profile}: {ids:?}");
    }
    assert_ne!(keys["dev"][0], keys["readonly"][0]);
    assert_eq!(json_files(&cli_cache(&setup)).len(), 2);

    // A token a minute from expiry, inside the refresh window but still valid, is refreshed
    // once too (role credentials dropped, so every process needs the token).
    let path = token_path(&setup);
    set_expiry(&path, 1);
    std::fs::remove_dir_all(cli_cache(&setup)).unwrap();
    let (_, before) = read_token(&path);
    setup.sandbox.reset_stats();
    let children: Vec<Child> = (0..20)
        .map(|i| {
            let profile = if i % 2 == 0 { "dev" } else { "readonly" };
            spawn_quiet(setup.ssoenv(["credential-process", profile]))
        })
        .collect();
    for child in children {
        succeeded(child);
    }
    assert_eq!(refreshes(&setup), 1);
    let (text, after) = read_token(&path);
    assert_cli_format(&text);
    assert_ne!(after["accessToken"], before["accessToken"]);
    assert!(after["refreshToken"].is_string(), "{text}");
}

#[test]
fn concurrent_logins_open_one_browser() {
    let setup = Setup::new(&[]);
    let browser = Browser::new(true);
    let children: Vec<Child> = (0..5)
        .map(|i| {
            let mut cmd = if i % 2 == 0 {
                setup.ssoenv(["env", "dev", "--login", "--shell", "bash"])
            } else {
                setup.ssoenv([
                    "env",
                    "readonly",
                    "--credentials",
                    "--login",
                    "--shell",
                    "bash",
                ])
            };
            cmd.env("BROWSER", &browser.command);
            spawn_quiet(cmd)
        })
        .collect();
    for child in children {
        assert!(succeeded(child).contains("export "));
    }
    assert_eq!(browser.calls().len(), 1, "{:?}", browser.calls());
    let stats = setup.sandbox.stats();
    assert_eq!(stats["CreateToken"]["authorization_code"], 1, "{stats}");
    assert_eq!(stats["RegisterClient"], 1, "{stats}");
    assert!(
        stats["GetRoleCredentials"].as_u64().unwrap() <= 1,
        "{stats}"
    );
}

#[test]
fn logout_revokes_and_removes_what_came_from_the_session() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    for profile in ["dev", "readonly", "admin"] {
        let (code, _, stderr) = credential_process(&setup, profile);
        assert_eq!(code, Some(0), "{profile}: {stderr}");
    }
    // dev's role credentials sit under the AWS CLI's cache key.
    let role_file = cli_cache(&setup).join(format!(
        "{}.json",
        ssoenv::credentials::cache::sso_key(
            &ssoenv::config::SsoSession {
                name: Some("sandbox".into()),
                start_url: format!("{}/start", setup.sandbox.url).into(),
                region: "us-east-1".into(),
                registration_scopes: Some("sso:account:access".into()),
            },
            "111111111111",
            "Developer",
        )
    ));
    assert!(role_file.exists(), "no role credentials cached");
    // Two SSO role credentials and the role assumed on top of dev.
    assert_eq!(json_files(&cli_cache(&setup)).len(), 3);
    // Someone else's entry, not from this session, stays.
    let foreign = cli_cache(&setup).join("foreign.json");
    std::fs::write(&foreign, r#"{"Credentials": {"AccessKeyId": "A"}}"#).unwrap();
    let registration = session_registration_path(&setup);
    assert!(registration.exists());

    // Logging out through any profile of the session ends it for all of them.
    let (out, _, stderr) = run(&mut setup.ssoenv(["logout", "readonly"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(setup.sandbox.stats()["Logout"], 1);
    assert!(!token_path(&setup).exists());
    assert!(!role_file.exists());
    assert_eq!(json_files(&cli_cache(&setup)), vec![foreign]);
    assert_eq!(
        json_files(&sso_cache(&setup)),
        vec![registration],
        "the registration is kept"
    );

    let (code, stdout, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("ssoenv login dev"), "{stderr}");
}

#[test]
fn logout_all_removes_every_token_and_every_sso_credential() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    setup.login("prod");
    for profile in ["dev", "prod", "admin"] {
        let (code, _, stderr) = credential_process(&setup, profile);
        assert_eq!(code, Some(0), "{profile}: {stderr}");
    }
    let (out, _, stderr) = run(&mut setup.ssoenv(["logout", "--all"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(setup.sandbox.stats()["Logout"], 2);
    // Only the two registrations are left in the SSO cache.
    let left: Vec<PathBuf> = json_files(&sso_cache(&setup));
    let mut registrations = vec![
        session_registration_path(&setup),
        legacy_registration_path(&setup),
    ];
    registrations.sort();
    assert_eq!(left, registrations);
    for path in &left {
        let (text, _) = read_token(path);
        assert!(!text.contains("accessToken"), "{text}");
    }
    // No `ProviderType: "sso"` entry is left; the AssumeRole entry is not one.
    for path in json_files(&cli_cache(&setup)) {
        let (text, value) = read_token(&path);
        assert_ne!(value["ProviderType"], "sso", "{text}");
    }
    for profile in ["dev", "prod"] {
        let (code, _, stderr) = credential_process(&setup, profile);
        assert_eq!(code, Some(4), "{profile}: {stderr}");
        assert!(
            stderr.contains(&format!("ssoenv login {profile}")),
            "{stderr}"
        );
    }
}

#[test]
fn corrupt_caches_warn_and_a_login_repairs_them() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(0), "{stderr}");
    let entries = json_files(&cli_cache(&setup));
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];

    // A garbage credentials entry: a warning naming it, then fetched and written again.
    std::fs::write(entry, b"\x00garbage{").unwrap();
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr.matches(&entry.display().to_string()).count(),
        1,
        "one warning naming the file: {stderr}"
    );
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (_, value) = read_token(entry);
    assert_eq!(value["ProviderType"], "sso");

    // A truncated token: login needed, with a warning naming the file.
    let path = token_path(&setup);
    let (text, _) = read_token(&path);
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    std::fs::remove_file(entry).unwrap();
    let (code, stdout, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.matches(&path.display().to_string()).count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("ssoenv login dev"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The next login names it, and replaces it.
    let stderr = setup.login("dev");
    assert!(
        stderr.contains(&ssoenv::pyjson::sha1_hex("sandbox")),
        "{stderr}"
    );
    let (text, token) = read_token(&path);
    assert_cli_format(&text);
    assert!(token["accessToken"].is_string(), "{text}");
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn throttling_and_server_errors_are_retried() {
    // The SDK's standard retry makes three attempts per call: a login gets through one
    // throttled and one failed request.
    let setup = Setup::new(&["--throttle", "1", "--fail", "1"]);
    setup.login("dev");
    let stats = setup.sandbox.stats();
    assert_eq!(stats["injected"]["throttle"], 1, "{stats}");
    assert_eq!(stats["injected"]["fail"], 1, "{stats}");
    assert!(read_token(&token_path(&setup)).1["accessToken"].is_string());
    setup.sandbox.reset_stats();
    setup.sandbox.inject(2, 0);
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(0), "{stderr}");
    let stats = setup.sandbox.stats();
    assert_eq!(stats["GetRoleCredentials"], 3, "{stats}");
    assert_eq!(stats["injected"]["throttle"], 2);

    setup.sandbox.reset_stats();
    setup.sandbox.inject(0, 2);
    let (code, _, stderr) = credential_process(&setup, "readonly");
    assert_eq!(code, Some(0), "{stderr}");
    let stats = setup.sandbox.stats();
    assert_eq!(stats["GetRoleCredentials"], 3, "{stats}");
    assert_eq!(stats["injected"]["fail"], 2);

    // A refresh is retried too.
    set_expiry(&token_path(&setup), -1);
    std::fs::remove_dir_all(cli_cache(&setup)).unwrap();
    setup.sandbox.reset_stats();
    setup.sandbox.inject(1, 0);
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(refreshes(&setup), 2, "one throttled, one served");
}

#[test]
fn a_denied_device_authorization_fails_and_writes_nothing() {
    let setup = Setup::new(&[]);
    let deny = Browser::with(false, "curl -sSL -o /dev/null \"$1&action=deny\"");
    let (out, stdout, stderr) = run(setup
        .ssoenv(["login", "prod"])
        .env("BROWSER", &deny.command));
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(deny.calls().len(), 1);
    let tokens = json_files(&sso_cache(&setup))
        .iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("accessToken")))
        .count();
    assert_eq!(tokens, 0, "only the registration may be cached");
}

#[test]
fn login_refreshes_silently_instead_of_opening_a_browser() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    // A minute left: inside the refresh window, still refreshable.
    set_expiry(&token_path(&setup), 1);
    setup.sandbox.reset_stats();
    let browser = Browser::new(true);
    let stderr = login_with(&setup, &browser, &["dev"]);
    assert!(stderr.contains("refreshed"), "{stderr}");
    assert!(browser.calls().is_empty(), "{:?}", browser.calls());
    assert_eq!(refreshes(&setup), 1);
    assert_eq!(stat(&setup, &["Authorize"]), 0);
}

#[test]
fn a_failed_refresh_of_an_expired_token_is_a_service_error_and_a_revoked_one_needs_login() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    set_expiry(&token_path(&setup), -1);
    // Three 500s use up the SDK's attempts: the session may be fine, so no "log in" advice.
    setup.sandbox.inject(0, 3);
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(5), "{stderr}");
    // Revoke the session (Logout revokes the refresh token issued with the access token).
    let (_, token) = read_token(&token_path(&setup));
    let (status, _, body) = http_with_headers(
        "POST",
        &format!("{}/logout", setup.sandbox.url),
        &format!(
            "x-amz-sso_bearer_token: {}\r\n",
            token["accessToken"].as_str().unwrap()
        ),
        "",
    );
    assert_eq!(status, 200, "{body}");
    let (code, _, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("ssoenv login"), "{stderr}");
}

#[test]
fn a_token_the_service_does_not_know_means_login_needed() {
    let setup = Setup::new(&[]);
    let path = token_path(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let expires = cli_time(Timestamp::now() + SignedDuration::from_hours(1));
    std::fs::write(
        &path,
        format!(
            r#"{{"startUrl": "{}/start", "region": "us-east-1", "accessToken": "made-up", "expiresAt": "{expires}"}}"#,
            setup.sandbox.url
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = credential_process(&setup, "dev");
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("ssoenv login dev"), "{stderr}");
    assert_eq!(setup.sandbox.stats()["GetRoleCredentials"], 1);
}

#[test]
fn no_secret_reaches_an_argv_or_stderr() {
    let setup = Setup::new(&[]);
    let browser = Browser::with(
        true,
        "printf '%s\\n' \"$0\" \"$@\" >> \"$DIR/argv\"; ps -eo args >> \"$DIR/ps\"",
    );
    let mut stderrs = vec![login_with(&setup, &browser, &["dev"])];
    let (_, login_token) = read_token(&token_path(&setup));
    let mut run_one = |args: &[&str]| {
        let (out, stdout, stderr) = run(&mut setup.ssoenv(args));
        stderrs.push(stderr);
        (out, stdout)
    };
    let (out, stdout) = run_one(&["credential-process", "dev"]);
    assert!(out.status.success());
    assert!(!stdout.contains(login_token["accessToken"].as_str().unwrap()));
    // A refresh, and a forced login on top: more secrets, and more stderr to check.
    set_expiry(&token_path(&setup), -1);
    let (out, _) = run_one(&["credential-process", "readonly"]);
    assert!(out.status.success());
    let (_, refreshed) = read_token(&token_path(&setup));
    stderrs.push(login_with(&setup, &browser, &["dev", "--force"]));
    let (_, last) = read_token(&token_path(&setup));
    // Error output: usage errors, an unknown profile, a login needed.
    for args in [
        &["credential-process", "dev", "--bogus"][..],
        &["login", "--help"],
        &["credential-process", "nosuch"],
        &["login", "--sso-session", "nosuch"],
    ] {
        let (out, stdout, stderr) = run(&mut setup.ssoenv(args));
        assert!(!out.status.success() || args[1] == "--help", "{args:?}");
        stderrs.push(stderr);
        stderrs.push(stdout);
    }
    let (_, registration) = read_token(&session_registration_path(&setup));

    let mut secrets = Vec::new();
    for token in [&login_token, &refreshed, &last] {
        for key in ["accessToken", "refreshToken", "clientSecret"] {
            secrets.push(token[key].as_str().unwrap().to_string());
        }
    }
    secrets.push(registration["clientSecret"].as_str().unwrap().to_string());
    let argv = std::fs::read_to_string(browser.dir().join("argv")).unwrap();
    let ps = std::fs::read_to_string(browser.dir().join("ps")).unwrap();
    assert!(argv.contains("/authorize?"), "{argv}");
    assert!(ps.contains("login dev"), "the ps snapshot saw ssoenv: {ps}");
    for secret in &secrets {
        assert!(secret.len() >= 16, "{secret}");
        assert!(
            !argv.contains(secret.as_str()),
            "a secret in the browser's argv"
        );
        assert!(!ps.contains(secret.as_str()), "a secret in ps");
        for stderr in &stderrs {
            assert!(!stderr.contains(secret.as_str()), "a secret in: {stderr}");
        }
    }
}

#[test]
fn a_profiles_endpoint_url_serves_login_and_credentials_without_endpoint_variables() {
    let setup = Setup::new(&[]);
    // The service is reachable only through profile dev's own `endpoint_url`, as the AWS CLI
    // reads it for `--profile dev`.
    let config = setup.sandbox.config_text().replacen(
        "[profile dev]\n",
        &format!("[profile dev]\nendpoint_url = {}\n", setup.sandbox.url),
        1,
    );
    setup.home.write_config(&config);
    let vars: Vec<(String, String)> = setup
        .vars()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("AWS_ENDPOINT_URL"))
        .collect();
    let ssoenv = |args: &[&str]| {
        let mut cmd = setup.home.ssoenv(args);
        cmd.envs(vars.iter().map(|(k, v)| (k, v)));
        run(&mut cmd)
    };
    let (out, _, stderr) = ssoenv(&["login", "dev"]);
    assert!(out.status.success(), "{stderr}");
    let (out, stdout, stderr) = ssoenv(&[
        "exec",
        "dev",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID\"",
    ]);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.trim().is_empty(), "no credentials: {stdout}");
}
