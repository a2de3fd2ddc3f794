//! `ssoenv console` (issue 14): federation sign-in URLs the sandbox accepts for the profile's
//! account and role, destinations, the access portal's shortcut without the network, the opener
//! receiving the URL (and nothing else seeing it), static keys through moto's
//! GetFederationToken, and the profiles that cannot open a console.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

use crate::common::moto::Moto;
use crate::common::sandbox::http;
use crate::common::setup::{Browser, Setup};
use crate::common::{Home, SEED_CONFIG, run};

/// `ssoenv console ARGS` against the setup's sandbox, its federation endpoint included.
fn console(setup: &Setup, args: &[&str]) -> Command {
    let mut cmd = setup.ssoenv(std::iter::once("console").chain(args.iter().copied()));
    cmd.env("AWS_ENDPOINT_URL_SIGNIN", &setup.sandbox.url);
    cmd
}

/// Runs it, checks it succeeded, and returns stdout; stderr must hold no sign-in token.
fn printed(cmd: &mut Command) -> String {
    let (out, stdout, stderr) = run(cmd);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("SigninToken") && !stderr.contains("sandbox-signin-"),
        "{stderr}"
    );
    stdout
}

/// The query of a printed URL, as name → value.
fn query(url: &str) -> BTreeMap<String, String> {
    let parsed = url::Url::parse(url.trim()).unwrap_or_else(|e| panic!("{url}: {e}"));
    parsed.query_pairs().into_owned().collect()
}

/// Follows a sign-in URL as a browser would: the sandbox's `login` must redirect to its console
/// page, whose text comes back.
fn follow(url: &str) -> String {
    let (status, head, body) = http("GET", url.trim(), "");
    assert_eq!(status, 302, "{head}\n{body}");
    let location = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or(l.strip_prefix("Location: "))
        })
        .unwrap_or_else(|| panic!("no Location in {head}"));
    let base = url::Url::parse(url.trim()).unwrap();
    let (status, _, page) = http("GET", base.join(location).unwrap().as_str(), "");
    assert_eq!(status, 200, "{page}");
    page
}

#[test]
fn print_for_an_sso_profile_is_a_sign_in_the_sandbox_accepts_for_its_account_and_role() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let url = printed(&mut console(&setup, &["dev", "--print"]));
    assert_eq!(url.lines().count(), 1, "{url}");
    assert!(
        url.starts_with(&format!("{}/federation?", setup.sandbox.url)),
        "{url}"
    );
    let q = query(&url);
    assert_eq!(q["Action"], "login");
    assert_eq!(q["Issuer"], format!("{}/start", setup.sandbox.url));
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/console/home?region=eu-west-1"
    );
    assert!(q["SigninToken"].starts_with("sandbox-signin-"), "{url}");
    let page = follow(&url);
    assert!(page.contains("<code>111111111111</code>"), "{page}");
    assert!(page.contains("AWSReservedSSO_Developer_"), "{page}");
    assert_eq!(setup.sandbox.stats()["GetSigninToken"], 1);
}

#[test]
fn a_role_chain_signs_in_as_its_role_without_a_session_duration() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    // The sandbox refuses a SessionDuration for chained-role credentials, as the real service.
    let url = printed(&mut console(&setup, &["admin", "--print"]));
    let page = follow(&url);
    assert!(page.contains("<code>222222222222</code>"), "{page}");
    assert!(page.contains("role <code>Admin</code>"), "{page}");
}

#[test]
fn destinations_are_a_service_in_the_region_or_a_console_url_as_it_is() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let url = printed(&mut console(
        &setup,
        &["dev", "--print", "--destination", "s3"],
    ));
    let want = "https://console.aws.amazon.com/s3/home?region=eu-west-1";
    assert_eq!(query(&url)["Destination"], want);
    assert!(follow(&url).contains(want));
    let url = printed(&mut console(
        &setup,
        &[
            "dev",
            "--print",
            "--destination",
            "ec2",
            "--region",
            "ap-south-1",
        ],
    ));
    assert_eq!(
        query(&url)["Destination"],
        "https://console.aws.amazon.com/ec2/home?region=ap-south-1"
    );
    let full = "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions";
    let url = printed(&mut console(
        &setup,
        &["dev", "--print", "--destination", full],
    ));
    assert_eq!(query(&url)["Destination"], full);
    let (out, stdout, stderr) = run(&mut console(
        &setup,
        &["dev", "--print", "--destination", "https://example.com/"],
    ));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stdout.is_empty() && stderr.contains("--destination"),
        "{stderr}"
    );
}

/// Every endpoint on a port nothing listens on: whatever works with these needs no network.
fn dead_endpoints() -> Vec<(&'static str, String)> {
    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    [
        "AWS_ENDPOINT_URL_SSO",
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_SIGNIN",
    ]
    .into_iter()
    .map(|name| (name, dead.clone()))
    .collect()
}

/// The seed config (sso-session `corp` at `https://d-abc123.awsapps.com/start`) with `extra`, and
/// no token.
fn seed_home(extra: &str) -> Home {
    let home = Home::new();
    home.write_config(&format!("{SEED_CONFIG}{extra}"));
    home
}

#[test]
fn portal_needs_no_network_and_prints_the_documented_shortcut() {
    let (home, vars) = (seed_home(""), dead_endpoints());
    let out = printed(
        home.ssoenv(["console", "dev", "--portal", "--print"])
            .envs(vars.clone()),
    );
    assert_eq!(
        out,
        "https://d-abc123.awsapps.com/start/#/console?account_id=111111111111&role_name=Developer\n"
    );
    let out = printed(
        home.ssoenv([
            "console",
            "dev",
            "--portal",
            "--print",
            "--destination",
            "s3",
        ])
        .envs(vars.clone()),
    );
    assert_eq!(
        out,
        "https://d-abc123.awsapps.com/start/#/console?account_id=111111111111&role_name=Developer\
         &destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1\n"
    );
    // The shortcut is for SSO accounts and roles; a role chain signs in by federation.
    let (out, _, stderr) = run(home
        .ssoenv(["console", "admin", "--portal", "--print"])
        .envs(vars));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("drop --portal"), "{stderr}");
}

#[test]
fn an_sso_session_can_make_the_portal_the_default() {
    let config = SEED_CONFIG.replace(
        "sso_registration_scopes = sso:account:access\n",
        "sso_registration_scopes = sso:account:access\nssoenv_console_portal = true\n",
    );
    let home = Home::new();
    home.write_config(&config);
    let vars = dead_endpoints();
    let out = printed(
        home.ssoenv(["console", "readonly", "--print"])
            .envs(vars.clone()),
    );
    assert_eq!(
        out,
        "https://d-abc123.awsapps.com/start/#/console?account_id=111111111111&role_name=ReadOnly\n"
    );
    // --federation overrides it, and then needs a login.
    let (out, _, stderr) = run(home
        .ssoenv(["console", "readonly", "--print", "--federation"])
        .envs(vars));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("ssoenv login readonly"), "{stderr}");
}

#[test]
fn the_browser_receives_exactly_one_url_and_nothing_else_sees_it() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let browser = Browser::new(true);
    let (out, stdout, stderr) = run(console(&setup, &["admin"]).env("BROWSER", &browser.command));
    assert!(out.status.success(), "{stderr}");
    let url = browser.wait_for_call();
    assert!(
        query(&url)["SigninToken"].starts_with("sandbox-signin-"),
        "{url}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    assert!(!stderr.contains(&query(&url)["SigninToken"]), "{stderr}");
    // The browser followed it to the console page, and was asked once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while setup.sandbox.stats()["ConsoleLogin"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the browser never signed in"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(browser.calls(), vec![url]);
}

#[test]
fn a_profiles_own_browser_command_wins_over_browser() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let mine = Browser::new(false);
    let theirs = Browser::new(false);
    let config = setup.sandbox.config_text().replace(
        "[profile dev]\n",
        &format!("[profile dev]\nssoenv_console_browser = {}\n", mine.command),
    );
    setup.home.write_config(&config);
    let (out, stdout, stderr) = run(console(&setup, &["dev"]).env("BROWSER", &theirs.command));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let url = mine.wait_for_call();
    assert_eq!(query(&url)["Action"], "login");
    assert_eq!(mine.calls().len(), 1);
    assert!(theirs.calls().is_empty());
}

#[test]
fn with_no_browser_here_the_url_is_printed_on_stdout_only() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let probe_root = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(console(&setup, &["dev"])
        .env_remove("BROWSER")
        .env("SSOENV_PROBE_ROOT", probe_root.path()));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(query(&stdout)["Action"], "login");
    assert!(stderr.contains("no browser can open here"), "{stderr}");
    assert!(!stderr.contains("sandbox-signin-"), "{stderr}");
}

#[test]
fn a_refused_or_silent_sign_in_service_is_named_without_a_secret() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    // Role credentials cached first, so the injected faults hit the sign-in call.
    assert!(
        run(&mut setup.ssoenv(["exec", "dev", "--", "true"]))
            .0
            .status
            .success()
    );
    setup.sandbox.inject(0, 1);
    let (out, stdout, stderr) = run(&mut console(&setup, &["dev", "--print"]));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    setup.sandbox.arm("hang=1");
    let (out, _, stderr) = run(console(&setup, &["dev", "--print"]).env("SSOENV_TIMEOUT", "1"));
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    for secret_part in ["Session", "sessionKey", "federation?"] {
        assert!(!stderr.contains(secret_part), "{stderr}");
    }
}

#[test]
fn without_a_login_console_names_the_command_to_run() {
    let setup = Setup::new(&[]);
    let (out, stdout, stderr) = run(&mut console(&setup, &["dev", "--print"]));
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("`ssoenv login dev`"), "{stderr}");
}

#[test]
fn profiles_without_console_credentials_say_why() {
    let vars = dead_endpoints();
    let home = seed_home(
        "\n[profile tool]\ncredential_process = /bin/false\n\n\
         [profile web]\nrole_arn = arn:aws:iam::444444444444:role/Web\n\
         web_identity_token_file = /nonexistent\n\n\
         [profile signed-in]\nlogin_session = arn:aws:iam::444444444444:user/someone\n\n\
         [profile token-only]\nsso_session = corp\n\n\
         [profile plain]\nregion = eu-west-1\n",
    );
    for (profile, why) in [
        ("tool", "credential_process"),
        ("web", "web identity"),
        ("signed-in", "aws login"),
        ("token-only", "sso_account_id and sso_role_name"),
        ("plain", "holds no credentials"),
    ] {
        let (out, stdout, stderr) = run(home
            .ssoenv(["console", profile, "--print"])
            .envs(vars.clone()));
        assert_eq!(out.status.code(), Some(3), "{profile}: {stderr}");
        assert!(stdout.is_empty(), "{profile}: {stdout}");
        assert!(
            stderr.contains(&format!("profile `{profile}` cannot open the console"))
                && stderr.contains(why),
            "{profile}: {stderr}"
        );
    }
}

/// A sign-in federation endpoint that answers one `getSigninToken` and hands back the request's
/// query, for credentials the sandbox did not issue (moto's).
fn one_shot_signin() -> (String, std::thread::JoinHandle<BTreeMap<String, String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        reader.read_line(&mut line).unwrap();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
        }
        let body = r#"{"SigninToken":"from-the-test"}"#;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let target = line.split(' ').nth(1).unwrap().to_string();
        query(&format!("http://x{target}"))
    });
    (url, handle)
}

#[test]
fn static_keys_sign_in_through_get_federation_token() {
    let moto = Moto::start();
    let home = Home::new();
    home.write_config("[profile user]\nregion = eu-west-1\n");
    home.write_credentials(
        "[user]\naws_access_key_id = AKIACONSOLETEST00001\n\
         aws_secret_access_key = long-term-secret\n",
    );
    let (signin, request) = one_shot_signin();
    let (out, stdout, stderr) = run(home
        .ssoenv(["console", "user", "--print"])
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .env("AWS_ENDPOINT_URL_SIGNIN", &signin));
    assert!(out.status.success(), "{stderr}");
    let q = request.join().unwrap();
    assert_eq!(q["Action"], "getSigninToken");
    // A federated user's session lasts as GetFederationToken said: no SessionDuration.
    assert!(!q.contains_key("SessionDuration"), "{q:?}");
    let session: serde_json::Value = serde_json::from_str(&q["Session"]).unwrap();
    // moto's federated-user credentials (its fixed example values), never the long-term keys.
    assert_eq!(session["sessionId"], "AKIAIOSFODNN7EXAMPLE");
    assert_ne!(session["sessionKey"], "long-term-secret");
    assert!(
        session["sessionToken"]
            .as_str()
            .unwrap()
            .starts_with("AQoDYXdz"),
        "{session}"
    );
    assert_eq!(query(&stdout)["SigninToken"], "from-the-test");
}

#[test]
fn the_sandbox_serves_the_whole_flow_to_its_child() {
    let out = Command::new(crate::common::ssoenv_bin())
        .args(["sandbox", "--", "sh", "-c"])
        // The sandbox's browser signs in on its own time: wait for it (up to 10 s).
        .arg(
            "ssoenv login dev >/dev/null 2>&1 && ssoenv console admin || exit 1
             for _ in $(seq 50); do
                 s=$(curl -s \"$AWS_ENDPOINT_URL_SIGNIN/_sandbox/stats\")
                 case $s in *'\"ConsoleLogin\":1'*) break ;; esac
                 sleep 0.2
             done
             printf '%s\\n' \"$s\"",
        )
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(stats["GetSigninToken"], 1, "{stats}");
    assert_eq!(stats["ConsoleLogin"], 1, "{stats}");
}

#[test]
fn the_sandbox_accepts_only_keys_it_issued_and_no_session_duration_for_chained_roles() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    let token_status = |profile: &str, duration: Option<&str>, tamper: bool| {
        let (out, stdout, stderr) = run(&mut setup.ssoenv(["credential-process", profile]));
        assert!(out.status.success(), "{stderr}");
        let creds: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let secret = creds["SecretAccessKey"].as_str().unwrap();
        let session = serde_json::json!({
            "sessionId": creds["AccessKeyId"],
            "sessionKey": if tamper { format!("{secret}x") } else { secret.to_string() },
            "sessionToken": creds["SessionToken"],
        });
        let mut url = url::Url::parse(&format!("{}/federation", setup.sandbox.url)).unwrap();
        url.query_pairs_mut()
            .append_pair("Action", "getSigninToken");
        if let Some(d) = duration {
            url.query_pairs_mut().append_pair("SessionDuration", d);
        }
        url.query_pairs_mut()
            .append_pair("Session", &session.to_string());
        http("GET", url.as_str(), "").0
    };
    assert_eq!(token_status("dev", Some("3600"), false), 200);
    assert_eq!(token_status("dev", Some("60"), false), 400);
    assert_eq!(token_status("dev", None, true), 400);
    assert_eq!(token_status("admin", None, false), 200);
    assert_eq!(token_status("admin", Some("3600"), false), 400);
}
