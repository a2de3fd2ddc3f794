//! Integration tests: `ssoenv login` / `logout` and silent refresh, end to end against the real
//! `ssoenv sandbox` process. ssoenv is pointed at it only through `AWS_ENDPOINT_URL_SSO(_OIDC)`
//! and a throw-away HOME; the browser is a script that fetches the URL with curl, as a person's
//! browser would.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::sandbox::Sandbox;
use crate::common::{Home, run, succeeded};

/// sha1("sandbox"): the token file of the sandbox's sso-session.
const SESSION_KEY: &str = "9ed037b84943c4caa3a520e48a5540181c46c98c";

struct Setup {
    home: Home,
    sandbox: Sandbox,
}

impl Setup {
    fn new(sandbox_args: &[&str]) -> Self {
        let sandbox = Sandbox::start(sandbox_args);
        let home = Home::new();
        home.write_config(&sandbox.config_text());
        let browser = home.path().join("browser.sh");
        std::fs::write(&browser, "#!/bin/sh\nexec curl -sSL -o /dev/null \"$1\"\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Setup { home, sandbox }
    }

    fn ssoenv(&self, args: &[&str]) -> Command {
        let mut cmd = self.home.ssoenv(args);
        cmd.envs(self.sandbox.endpoint_env())
            .env("BROWSER", self.home.path().join("browser.sh"))
            .stdin(Stdio::null());
        cmd
    }

    fn cache_dir(&self) -> PathBuf {
        self.home.path().join(".aws/sso/cache")
    }

    fn token_path(&self) -> PathBuf {
        self.cache_dir().join(format!("{SESSION_KEY}.json"))
    }

    fn token(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.token_path()).unwrap()).unwrap()
    }

    fn login_ok(&self, args: &[&str]) -> String {
        let (out, _, stderr) = run(&mut self.ssoenv(args));
        assert!(out.status.success(), "{args:?}: {stderr}");
        stderr
    }
}

fn count(stats: &Value, path: &[&str]) -> u64 {
    path.iter().fold(stats, |v, k| &v[*k]).as_u64().unwrap_or(0)
}

/// The CLI's timestamp format, second precision, `Z`.
fn is_cli_time(s: &str) -> bool {
    s.len() == 20
        && s.ends_with('Z')
        && jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%SZ", s).is_ok()
}

#[test]
fn pkce_login_writes_the_cli_format_and_a_second_login_opens_no_browser() {
    let s = Setup::new(&[]);
    let stderr = s.login_ok(&["login", "dev"]);
    assert!(
        stderr.contains(&format!(
            "Successfully logged into Start URL: {}/start",
            s.sandbox.url
        )),
        "{stderr}"
    );
    let stats = s.sandbox.stats();
    assert_eq!(count(&stats, &["Authorize"]), 1);
    assert_eq!(count(&stats, &["CreateToken", "authorization_code"]), 1);

    let raw = std::fs::read_to_string(s.token_path()).unwrap();
    assert!(raw.starts_with("{\"startUrl\": \""), "{raw}");
    assert!(!raw.ends_with('\n'));
    let token = s.token();
    let keys: Vec<&str> = token
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut expected = vec![
        "accessToken",
        "clientId",
        "clientSecret",
        "expiresAt",
        "refreshToken",
        "region",
        "registrationExpiresAt",
        "startUrl",
    ];
    expected.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert!(is_cli_time(token["expiresAt"].as_str().unwrap()));
    assert!(is_cli_time(
        token["registrationExpiresAt"].as_str().unwrap()
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.token_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // One login serves every profile of the session: no browser, no request.
    s.sandbox.reset_stats();
    let stderr = s.login_ok(&["login", "readonly"]);
    assert!(stderr.contains("already logged in"), "{stderr}");
    assert_eq!(count(&s.sandbox.stats(), &["Authorize"]), 0);
    // --force logs in anyway, reusing the cached registration.
    s.login_ok(&["login", "dev", "--force"]);
    let stats = s.sandbox.stats();
    assert_eq!(count(&stats, &["Authorize"]), 1);
    assert_eq!(count(&stats, &["RegisterClient"]), 0);
}

#[test]
fn device_flow_for_a_legacy_profile_and_with_use_device_code() {
    let s = Setup::new(&[]);
    let stderr = s.login_ok(&["login", "prod"]);
    assert!(
        stderr.contains("Successfully logged into Start URL"),
        "{stderr}"
    );
    let stats = s.sandbox.stats();
    assert_eq!(count(&stats, &["StartDeviceAuthorization"]), 1);
    assert!(count(&stats, &["CreateToken", "device_code"]) >= 1);
    let legacy_key = sha1_hex(&format!("{}/start", s.sandbox.url));
    let legacy: Value = serde_json::from_str(
        &std::fs::read_to_string(s.cache_dir().join(format!("{legacy_key}.json"))).unwrap(),
    )
    .unwrap();
    assert!(legacy["accessToken"].is_string());
    assert!(legacy.get("refreshToken").is_none(), "{legacy}");

    s.login_ok(&["login", "--sso-session", "sandbox", "--use-device-code"]);
    assert_eq!(count(&s.sandbox.stats(), &["StartDeviceAuthorization"]), 2);
    assert!(s.token()["accessToken"].is_string());
}

#[test]
fn no_browser_prints_the_url_and_code_to_stderr_only() {
    use std::io::{BufRead, BufReader};
    let s = Setup::new(&[]);
    let mut child = s
        .ssoenv(&["login", "prod", "--no-browser"])
        .env("BROWSER", "/bin/false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let device = format!("{}/device", s.sandbox.url);
    let mut seen = String::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Act as the person who reads the URL and opens it elsewhere.
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with(&device) {
            let status = Command::new("curl")
                .args(["-sSL", "-o", "/dev/null", &line])
                .status()
                .unwrap();
            assert!(status.success());
        }
        if line.contains("Successfully logged into") {
            break;
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{seen}");
    assert!(out.stdout.is_empty());
    assert!(seen.contains("Then enter the code:"), "{seen}");
    assert!(!seen.contains("/bin/false"), "{seen}");
    assert_eq!(count(&s.sandbox.stats(), &["Verify"]), 1);
}

#[test]
fn a_denied_device_authorization_fails_and_writes_nothing() {
    let s = Setup::new(&[]);
    let deny = s.home.path().join("deny.sh");
    std::fs::write(
        &deny,
        "#!/bin/sh\nexec curl -sSL -o /dev/null \"$1&action=deny\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&deny, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (out, stdout, stderr) = run(s.ssoenv(&["login", "prod"]).env("BROWSER", &deny));
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(stdout, "");
    let tokens = std::fs::read_dir(s.cache_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("accessToken")))
        .count();
    assert_eq!(tokens, 0, "only the registration may be cached");
}

#[test]
fn throttled_and_failed_requests_are_retried() {
    // The SDK's standard retry makes three attempts per call.
    let s = Setup::new(&["--throttle", "1", "--fail", "1"]);
    s.login_ok(&["login", "dev"]);
    let stats = s.sandbox.stats();
    assert_eq!(count(&stats, &["injected", "throttle"]), 1);
    assert_eq!(count(&stats, &["injected", "fail"]), 1);
    assert!(s.token()["accessToken"].is_string());
}

/// Makes the cached token expire in a minute: inside the refresh window, still refreshable.
fn age_token(s: &Setup) {
    set_expiry(s, 60);
}

fn set_expiry(s: &Setup, secs_from_now: i64) {
    let raw = std::fs::read_to_string(s.token_path()).unwrap();
    let old = s.token()["expiresAt"].as_str().unwrap().to_string();
    let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(secs_from_now))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    std::fs::write(s.token_path(), raw.replace(&old, &soon)).unwrap();
}

#[test]
fn twenty_processes_make_exactly_one_refresh() {
    let s = Setup::new(&[]);
    s.login_ok(&["login", "dev"]);
    age_token(&s);
    twenty_at_once(&s);
}

fn twenty_at_once(s: &Setup) {
    let before = s.token()["accessToken"].as_str().unwrap().to_string();
    s.sandbox.reset_stats();
    let children: Vec<_> = (0..20)
        .map(|i| {
            let profile = if i % 2 == 0 { "dev" } else { "readonly" };
            s.ssoenv(&["credential-process", profile])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        succeeded(child);
    }
    assert_eq!(
        count(&s.sandbox.stats(), &["CreateToken", "refresh_token"]),
        1
    );
    let token = s.token();
    assert_ne!(token["accessToken"].as_str().unwrap(), before);
    assert!(token["refreshToken"].is_string());
    assert!(is_cli_time(token["expiresAt"].as_str().unwrap()));
}

#[test]
fn login_refreshes_silently_instead_of_opening_a_browser() {
    let s = Setup::new(&[]);
    s.login_ok(&["login", "dev"]);
    age_token(&s);
    s.sandbox.reset_stats();
    let stderr = s.login_ok(&["login", "dev"]);
    assert!(stderr.contains("refreshed"), "{stderr}");
    let stats = s.sandbox.stats();
    assert_eq!(count(&stats, &["CreateToken", "refresh_token"]), 1);
    assert_eq!(count(&stats, &["Authorize"]), 0);
}

#[test]
fn a_failed_refresh_of_an_expired_token_is_a_service_error_and_a_revoked_one_needs_login() {
    use std::io::{Read, Write};
    let s = Setup::new(&[]);
    s.login_ok(&["login", "dev"]);
    set_expiry(&s, -60);
    // Three 500s use up the SDK's attempts: the session may be fine, so no "log in" advice.
    s.sandbox.inject(0, 3);
    let (out, _, stderr) = run(&mut s.ssoenv(&["credential-process", "dev"]));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    // Revoke the session (Logout revokes the refresh token issued with the access token).
    let token = s.token()["accessToken"].as_str().unwrap().to_string();
    let authority = s.sandbox.url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "POST /logout HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         x-amz-sso_bearer_token: {token}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (out, _, stderr) = run(&mut s.ssoenv(&["credential-process", "dev"]));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("ssoenv login"), "{stderr}");
}

#[test]
fn a_corrupt_token_file_is_named_and_replaced_by_the_next_login() {
    let s = Setup::new(&[]);
    std::fs::create_dir_all(s.cache_dir()).unwrap();
    std::fs::write(
        s.token_path(),
        "{\"accessToken\": \"abc\", \"expiresAt\": \"20",
    )
    .unwrap();
    let (out, _, stderr) = run(&mut s.ssoenv(&["credential-process", "dev"]));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains(SESSION_KEY), "{stderr}");
    assert!(stderr.contains("ssoenv login"), "{stderr}");
    let stderr = s.login_ok(&["login", "dev"]);
    assert!(stderr.contains(SESSION_KEY), "{stderr}");
    assert!(s.token()["accessToken"].is_string());
    let (out, _, stderr) = run(&mut s.ssoenv(&["credential-process", "dev"]));
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn logout_revokes_and_deletes_the_token_and_its_role_credentials() {
    let s = Setup::new(&[]);
    s.login_ok(&["login", "dev"]);
    let (out, _, stderr) = run(&mut s.ssoenv(&["credential-process", "dev"]));
    assert!(out.status.success(), "{stderr}");
    let cli_cache = s.home.path().join(".aws/cli/cache");
    let role_file = cli_cache.join(format!(
        "{}.json",
        ssoenv::sso::role_credentials_cache_key(
            &ssoenv::config::SsoSession {
                name: Some("sandbox".into()),
                start_url: format!("{}/start", s.sandbox.url).into(),
                region: "us-east-1".into(),
                registration_scopes: Some("sso:account:access".into()),
            },
            "111111111111",
            "Developer",
        )
    ));
    assert!(role_file.exists(), "no role credentials cached");
    let registrations = std::fs::read_dir(s.cache_dir()).unwrap().count() - 1;

    let (out, _, stderr) = run(&mut s.ssoenv(&["logout", "readonly"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(count(&s.sandbox.stats(), &["Logout"]), 1);
    assert!(!s.token_path().exists());
    assert!(!role_file.exists());
    assert_eq!(
        std::fs::read_dir(s.cache_dir()).unwrap().count(),
        registrations,
        "registrations stay"
    );
    let (out, _, _) = run(&mut s.ssoenv(&["credential-process", "dev"]));
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn logout_all_clears_every_token_and_sso_credential() {
    let s = Setup::new(&[]);
    s.login_ok(&["login", "dev"]);
    s.login_ok(&["login", "prod"]);
    let (out, _, stderr) = run(&mut s.ssoenv(&["logout", "--all"]));
    assert!(out.status.success(), "{stderr}");
    for entry in std::fs::read_dir(s.cache_dir()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("accessToken"), "{text}");
    }
}

fn sha1_hex(s: &str) -> String {
    ssoenv::pyjson::sha1_hex(s)
}
