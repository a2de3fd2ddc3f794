//! Integration tests: `ssoenv sandbox` as the AWS SDKs (Rust and botocore) see it, and as a
//! wrapper around a command.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sso::error::ProvideErrorMetadata;
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use serde_json::Value;

use crate::common::sandbox::{Sandbox, http};
use crate::common::sdk::{
    Registered, now_secs, oidc_client, role_credentials, sso_client, sts_as, sts_client,
};
use crate::common::setup::Setup;
use crate::common::{Home, run, ssoenv_bin};

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `ssoenv sandbox --browse URL`, as `BROWSER` runs it.
fn browse(url: &str) -> (bool, String) {
    let (out, _, stderr) = run(Command::new(ssoenv_bin()).args(["sandbox", "--browse", url]));
    (out.status.success(), stderr)
}

#[tokio::test]
async fn the_rust_sdk_runs_a_device_login_and_uses_the_token() {
    let sandbox = Sandbox::start(&[]);
    let client = Registered::new(&sandbox.url, true).await;
    let days = (client.secret_expires_at - now_secs()) / 86400;
    assert!((89..=90).contains(&days), "{days} days");

    let device = client.start_device_authorization().await;
    let verification = device.verification_uri_complete().unwrap();
    assert!(verification.starts_with(&sandbox.url), "{verification}");
    assert!(verification.ends_with(device.user_code().unwrap()));
    assert!(device.interval() >= 1 && device.expires_in() > 0);

    let pending = client.device_token(&device).await.unwrap_err();
    assert!(
        matches!(pending, CreateTokenError::AuthorizationPendingException(_)),
        "{pending:?}"
    );
    let (ok, stderr) = browse(verification);
    assert!(ok, "{stderr}");
    let token = client.device_token(&device).await.unwrap();
    assert_eq!(token.token_type(), Some("Bearer"));
    assert_eq!(token.expires_in(), 28800);
    let again = client.device_token(&device).await.unwrap_err();
    assert!(
        matches!(again, CreateTokenError::InvalidGrantException(_)),
        "a device code is redeemed once: {again:?}"
    );

    let first_refresh = token.refresh_token().unwrap();
    let refreshed = client.refresh(first_refresh).await.unwrap();
    assert_ne!(refreshed.access_token(), token.access_token());
    assert_ne!(refreshed.refresh_token().unwrap(), first_refresh);
    let spent = client.refresh(first_refresh).await.unwrap_err();
    assert!(
        matches!(spent, CreateTokenError::InvalidGrantException(_)),
        "{spent:?}"
    );
    let bad_client = client
        .refresh_with("wrong", refreshed.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(bad_client, CreateTokenError::InvalidClientException(_)),
        "{bad_client:?}"
    );
    let access = refreshed.access_token().unwrap();

    let denied = client.start_device_authorization().await;
    let deny_url = format!(
        "{}&action=deny",
        denied.verification_uri_complete().unwrap()
    );
    assert_eq!(http("GET", &deny_url, "").0, 200);
    let refused = client.device_token(&denied).await.unwrap_err();
    assert!(refused.is_access_denied_exception(), "{refused:?}");

    let sso = sso_client(&sandbox.url);
    let creds = role_credentials(&sso, access, "111111111111", "Developer")
        .await
        .unwrap();
    let left = creds.expiration() / 1000 - now_secs();
    assert!((3500..=3600).contains(&left), "{left}");
    let no_access = role_credentials(&sso, access, "222222222222", "Developer")
        .await
        .unwrap_err();
    assert_eq!(no_access.code(), Some("ForbiddenException"));

    sandbox.reset_stats();
    let accounts: Vec<_> = sso
        .list_accounts()
        .access_token(access)
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let ids: Vec<_> = accounts.iter().filter_map(|a| a.account_id()).collect();
    assert_eq!(ids, ["111111111111", "222222222222", "333333333333"]);
    assert_eq!(accounts[0].account_name(), Some("sandbox-dev"));
    assert_eq!(sandbox.stats()["ListAccounts"], 3, "one call per page");
    let roles = sso
        .list_account_roles()
        .access_token(access)
        .account_id("111111111111")
        .send()
        .await
        .unwrap();
    let roles: Vec<_> = roles
        .role_list()
        .iter()
        .filter_map(|r| r.role_name())
        .collect();
    assert_eq!(roles, ["Developer", "ReadOnly"]);

    // A role chain on top of the SSO credentials, as `role_arn` + `source_profile` makes.
    let sts = sts_as(&sandbox.url, &creds);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("111111111111"));
    assert!(
        me.arn()
            .unwrap()
            .starts_with("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_"),
        "{me:?}"
    );
    let assumed = sts
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Admin")
        .role_session_name("it-session")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assumed.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::222222222222:assumed-role/Admin/it-session"
    );
    let chained = assumed.credentials().unwrap();
    let left = chained.expiration().secs() - now_secs();
    assert!((850..=900).contains(&left), "{left}");
    let admin = sts_client(
        &sandbox.url,
        chained.access_key_id(),
        chained.secret_access_key(),
        chained.session_token(),
    );
    let me = admin.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("222222222222"));
    let stranger = sts_client(&sandbox.url, "AKIANOTISSUED", "x", "y")
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Some("InvalidClientTokenId"));

    sso.logout().access_token(access).send().await.unwrap();
    let after = role_credentials(&sso, access, "111111111111", "Developer")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(after.is_unauthorized_exception(), "{after:?}");
    let stats = sandbox.stats();
    assert_eq!(stats["Logout"], 1);
    assert_eq!(stats["AssumeRole"], 1);
}

/// A loopback callback server like the AWS CLI's: answers one request with 200 and hands back
/// its request line.
fn callback_server() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        let request = String::from_utf8_lossy(&buf[..n]).into_owned();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .unwrap();
        request.lines().next().unwrap_or_default().to_string()
    });
    (port, handle)
}

#[tokio::test]
async fn the_rust_sdk_redeems_an_authorization_code_with_pkce() {
    let sandbox = Sandbox::start(&[]);
    let oidc = oidc_client(&sandbox.url);
    let registration = oidc
        .register_client()
        .client_name("botocore-client-sandbox")
        .client_type("public")
        .grant_types("authorization_code")
        .grant_types("refresh_token")
        .redirect_uris("http://127.0.0.1/oauth/callback")
        .issuer_url(format!("{}/start", sandbox.url))
        .scopes("sso:account:access")
        .send()
        .await
        .unwrap();
    let (client_id, secret) = (
        registration.client_id().unwrap(),
        registration.client_secret().unwrap(),
    );
    let verifier = "a".repeat(64);
    let challenge = ssoenv::sandbox::oidc::pkce_challenge(&verifier);
    let redirect = "http://127.0.0.1:55555/oauth/callback";
    let authorize = |state: &str| {
        format!(
            "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&state={state}\
             &code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge={challenge}",
            sandbox.url, "http%3A%2F%2F127.0.0.1%3A55555%2Foauth%2Fcallback"
        )
    };
    let (status, head, _) = http("GET", &authorize("s-1"), "");
    assert_eq!(status, 302);
    let location = url::Url::parse(header(&head, "location").unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect), "{location}");
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["state"], "s-1");
    let code = query["code"].clone();

    let redeem = |code: String, verifier: String| {
        oidc.create_token()
            .client_id(client_id)
            .client_secret(secret)
            .grant_type("authorization_code")
            .redirect_uri(redirect)
            .code_verifier(verifier)
            .code(code)
            .send()
    };
    let token = redeem(code.clone(), verifier.clone()).await.unwrap();
    assert!(token.access_token().is_some() && token.refresh_token().is_some());
    let reused = redeem(code, verifier.clone()).await.unwrap_err();
    assert!(matches!(
        reused.into_service_error(),
        CreateTokenError::InvalidGrantException(_)
    ));

    let (_, head, _) = http("GET", &authorize("s-2"), "");
    let location = url::Url::parse(header(&head, "location").unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let wrong = redeem(code, "b".repeat(64)).await.unwrap_err();
    assert!(matches!(
        wrong.into_service_error(),
        CreateTokenError::InvalidGrantException(_)
    ));

    // The sandbox's browser follows the redirect to the client's loopback callback.
    let (port, callback) = callback_server();
    let url = authorize("s-3").replace("55555", &port.to_string());
    let (ok, stderr) = browse(&url);
    assert!(ok, "{stderr}");
    let request_line = callback.join().unwrap();
    assert!(
        request_line.starts_with("GET /oauth/callback?code=") && request_line.contains("state=s-3"),
        "{request_line}"
    );

    let (status, _, _) = http(
        "GET",
        &authorize("s-4").replace("client_id=", "client_id=unknown"),
        "",
    );
    assert_eq!(status, 400, "never redirect for an unknown client");
    let (ok, _) = browse("https://example.com/");
    assert!(!ok, "the sandbox browser stays on this machine");
    assert_eq!(sandbox.stats()["Authorize"], 4);
    assert_eq!(sandbox.stats()["CreateToken"]["authorization_code"], 3);
}

#[tokio::test]
async fn injected_throttling_and_failures_are_retried_by_the_sdk() {
    let sandbox = Sandbox::start(&["--throttle", "2", "--auto-approve"]);
    let client = Registered::new(&sandbox.url, false).await;
    let stats = sandbox.stats();
    assert_eq!(stats["RegisterClient"], 3);
    assert_eq!(stats["injected"]["throttle"], 2);

    sandbox.inject(0, 1);
    let device = client.start_device_authorization().await;
    assert_eq!(sandbox.stats()["StartDeviceAuthorization"], 2);
    let token = client.device_token(&device).await.unwrap();
    assert!(
        token.refresh_token().is_none(),
        "a client without scopes (a legacy profile) gets no refresh token"
    );

    let sso = sso_client(&sandbox.url);
    sandbox.inject(1, 1);
    let creds = role_credentials(
        &sso,
        token.access_token().unwrap(),
        "222222222222",
        "ReadOnly",
    )
    .await
    .unwrap();
    assert_eq!(sandbox.stats()["GetRoleCredentials"], 3);

    let sts = sts_as(&sandbox.url, &creds);
    sandbox.inject(1, 0);
    sts.get_caller_identity().send().await.unwrap();
    assert_eq!(sandbox.stats()["GetCallerIdentity"], 2);

    sandbox.inject(3, 0);
    let exhausted = sso
        .list_accounts()
        .access_token(token.access_token().unwrap())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(exhausted.is_too_many_requests_exception(), "{exhausted:?}");
    let stats = sandbox.stats();
    assert_eq!(stats["ListAccounts"], 3);
    assert_eq!(stats["injected"]["throttle"], 2 + 1 + 1 + 3);
    assert_eq!(stats["injected"]["fail"], 2);
}

#[test]
fn botocore_talks_to_the_sandbox() {
    let sandbox = Sandbox::start(&[]);
    let script = r#"
import json, sys, urllib.request
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

url = sys.argv[1]
session = botocore.session.get_session()
unsigned = Config(signature_version=UNSIGNED)
oidc = session.create_client("sso-oidc", region_name="us-east-1", endpoint_url=url, config=unsigned)
reg = oidc.register_client(clientName="botocore-client-sandbox", clientType="public",
                           scopes=["sso:account:access"])
dev = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                      startUrl=url + "/start")
def create():
    return oidc.create_token(grantType="urn:ietf:params:oauth:grant-type:device_code",
                             clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                             deviceCode=dev["deviceCode"])
try:
    create()
    pending = False
except oidc.exceptions.AuthorizationPendingException:
    pending = True
urllib.request.urlopen(dev["verificationUriComplete"]).read()
token = create()
sso = session.create_client("sso", region_name="us-east-1", endpoint_url=url, config=unsigned)
creds = sso.get_role_credentials(roleName="ReadOnly", accountId="222222222222",
                                 accessToken=token["accessToken"])["roleCredentials"]
pages = sso.get_paginator("list_accounts").paginate(accessToken=token["accessToken"],
                                                      PaginationConfig={"PageSize": 1})
accounts = [a["accountId"] for page in pages for a in page["accountList"]]
try:
    sso.list_account_roles(accessToken="nonsense", accountId="111111111111")
    unauthorized = False
except sso.exceptions.UnauthorizedException:
    unauthorized = True
sts = session.create_client("sts", region_name="us-east-1", endpoint_url=url,
                            aws_access_key_id=creds["accessKeyId"],
                            aws_secret_access_key=creds["secretAccessKey"],
                            aws_session_token=creds["sessionToken"])
me = sts.get_caller_identity()
print(json.dumps({"pending": pending, "refresh": "refreshToken" in token,
                  "expiration": creds["expiration"], "accounts": accounts,
                  "unauthorized": unauthorized, "account": me["Account"]}))
"#;
    let (out, stdout, stderr) = run(Command::new("python3")
        .args(["-c", script, &sandbox.url])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN"));
    assert!(out.status.success(), "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(got["pending"], true, "{got}");
    assert_eq!(got["refresh"], true);
    assert!(got["expiration"].as_i64().unwrap() > now_secs() * 1000);
    assert_eq!(
        got["accounts"],
        serde_json::json!(["111111111111", "222222222222", "333333333333"])
    );
    assert_eq!(got["unauthorized"], true);
    assert_eq!(got["account"], "222222222222");
    let stats = sandbox.stats();
    assert_eq!(stats["CreateToken"]["device_code"], 2);
    assert_eq!(stats["Verify"], 1);
    assert_eq!(stats["ListAccounts"], 3);
}

#[test]
fn a_wrapped_command_sees_the_sandbox_profiles_and_nothing_of_the_callers() {
    let home = Home::new();
    home.write_config("[profile mine]\nregion = ap-south-1\n");
    let (out, stdout, stderr) = run(home
        .ssoenv([
            "sandbox",
            "--",
            "sh",
            "-c",
            "echo $AWS_CONFIG_FILE; echo ${AWS_PROFILE-none} $HOME; echo $BROWSER; \
             echo $AWS_ENDPOINT_URL_SSO_OIDC; cat \"$AWS_CONFIG_FILE\"",
        ])
        .env("AWS_PROFILE", "mine"));
    assert!(out.status.success(), "{stderr}");
    let mut lines = stdout.lines();
    let config = PathBuf::from(lines.next().unwrap());
    let (profile, child_home) = lines.next().unwrap().split_once(' ').unwrap();
    assert_eq!(profile, "none");
    assert_eq!(config, PathBuf::from(child_home).join(".aws/config"));
    assert_ne!(PathBuf::from(child_home), home.path());
    let browser = lines.next().unwrap();
    let words = shell_words::split(browser).unwrap();
    assert_eq!(words[1..], ["sandbox", "--browse"], "{browser}");
    assert_eq!(PathBuf::from(&words[0]), ssoenv_bin(), "{browser}");
    let endpoint = lines.next().unwrap();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    for want in [
        "[sso-session sandbox]",
        &format!("sso_start_url = {endpoint}/start"),
        "[profile dev]",
        "[profile readonly]",
        "[profile prod]",
        "role_arn = arn:aws:iam::222222222222:role/Admin",
    ] {
        assert!(stdout.contains(want), "{want} missing from:\n{stdout}");
    }
    assert!(!config.exists(), "the temp home is removed afterwards");
    assert_eq!(
        std::fs::read_to_string(home.config_path()).unwrap(),
        "[profile mine]\nregion = ap-south-1\n"
    );
}

#[test]
fn a_wrapped_command_s_exit_status_is_passed_on() {
    let home = Home::new();
    let (out, _, _) = run(&mut home.ssoenv(["sandbox", "--", "sh", "-c", "exit 7"]));
    assert_eq!(out.status.code(), Some(7));
    let (out, _, _) = run(&mut home.ssoenv(["sandbox", "--", "sh", "-c", "kill -TERM $$"]));
    assert_eq!(out.status.code(), Some(128 + 15));
    let (out, _, stderr) = run(&mut home.ssoenv(["sandbox", "--", "no-such-command-ssoenv"]));
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr.contains("command not found: no-such-command-ssoenv"),
        "{stderr}"
    );
}

#[test]
fn the_browser_variable_can_be_kept() {
    let home = Home::new();
    let (out, stdout, _) = run(home
        .ssoenv(["sandbox", "--", "sh", "-c", "echo ${BROWSER-unset}"])
        .env("SSOENV_SANDBOX_KEEP_BROWSER", "1"));
    assert!(out.status.success());
    assert_eq!(stdout.trim(), "unset");
}

#[test]
fn botocore_resolves_the_sandbox_profiles_including_the_role_chain() {
    let setup = Setup::new(&["--auto-approve"]);
    setup.home.write_credentials("");
    // Logs in as `aws sso login` would (token cache keyed by sha1 of the session name), then lets
    // botocore's own providers resolve an SSO profile and the role chain on top of it.
    let script = r#"
import datetime, hashlib, json, os, sys
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

url = sys.argv[1]
oidc = botocore.session.get_session().create_client(
    "sso-oidc", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
reg = oidc.register_client(clientName="botocore-client-sandbox", clientType="public",
                           scopes=["sso:account:access"])
dev = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                      startUrl=url + "/start")
token = oidc.create_token(grantType="urn:ietf:params:oauth:grant-type:device_code",
                          clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                          deviceCode=dev["deviceCode"])
# Five minutes left: botocore must refresh the token (with the refresh token) before using it.
now = datetime.datetime.now(datetime.timezone.utc)
stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
cache = os.path.expanduser("~/.aws/sso/cache")
os.makedirs(cache)
path = os.path.join(cache, hashlib.sha1(b"sandbox").hexdigest() + ".json")
with open(path, "w") as f:
    json.dump({"startUrl": url + "/start", "region": "us-east-1",
               "accessToken": token["accessToken"],
               "expiresAt": stamp(now + datetime.timedelta(minutes=5)),
               "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
               "registrationExpiresAt": stamp(now + datetime.timedelta(days=30)),
               "refreshToken": token["refreshToken"]}, f)
out = {}
for profile in ["dev", "admin"]:
    sts = botocore.session.Session(profile=profile).create_client("sts")
    out[profile] = sts.get_caller_identity()["Arn"]
with open(path) as f:
    out["refreshed"] = json.load(f)["accessToken"] != token["accessToken"]
print(json.dumps(out))
"#;
    let mut python = Command::new("python3");
    python.args(["-c", script, &setup.sandbox.url]);
    let (out, stdout, stderr) = run(setup.aws_env(&mut python));
    assert!(out.status.success(), "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    let dev = got["dev"].as_str().unwrap();
    assert!(
        dev.starts_with("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_"),
        "{dev}"
    );
    let admin = got["admin"].as_str().unwrap();
    assert!(
        admin.starts_with("arn:aws:sts::222222222222:assumed-role/Admin/"),
        "{admin}"
    );
    assert_eq!(got["refreshed"], true, "botocore wrote the refreshed token");
    let stats = setup.sandbox.stats();
    assert_eq!(stats["GetRoleCredentials"], 2);
    assert_eq!(stats["AssumeRole"], 1);
    assert_eq!(stats["CreateToken"]["refresh_token"], 1);
}

#[test]
fn without_a_command_it_prints_exports_and_serves_until_terminated() {
    use std::io::BufRead;
    let home = Home::new();
    let ready = home.path().join("ready");
    let mut child = home
        .ssoenv(["sandbox", "--ready-file"])
        .arg(&ready)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let lines: Vec<String> = stdout
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.starts_with("export BROWSER="))
        .collect();
    // The exports are POSIX shell words (bare where safe, else quoted).
    let export = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .map(|v| shell_words::split(v).unwrap().concat())
    };
    assert_eq!(export("HOME"), None, "{lines:?}");
    let sandbox_home = PathBuf::from(export("SSOENV_SANDBOX_HOME").unwrap());
    assert_eq!(
        PathBuf::from(export("AWS_CONFIG_FILE").unwrap()),
        sandbox_home.join(".aws/config")
    );
    let url = export("AWS_ENDPOINT_URL_SSO_OIDC").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(std::fs::read_to_string(&ready).unwrap(), url);
    assert!(sandbox_home.join(".aws/config").is_file());
    let (status, _, _) = http("GET", &format!("{url}/start"), "");
    assert_eq!(status, 200);
    // SAFETY: the child has not been waited for, so the pid is still ours.
    unsafe {
        libc::kill(libc::pid_t::try_from(child.id()).unwrap(), libc::SIGTERM);
    }
    assert!(child.wait().unwrap().success());
    assert!(
        !sandbox_home.exists(),
        "the temp home is removed on SIGTERM"
    );
    assert!(
        !home.path().join(".aws/sso").exists(),
        "the real ~/.aws is untouched"
    );
}

#[tokio::test]
async fn short_lifetimes_expire_tokens_and_credentials() {
    // Long enough to use the token once on a loaded machine, short enough to wait out.
    let sandbox = Sandbox::start(&[
        "--auto-approve",
        "--token-ttl",
        "3",
        "--credentials-ttl",
        "3",
    ]);
    let client = Registered::new(&sandbox.url, true).await;
    let device = client.start_device_authorization().await;
    let token = client.device_token(&device).await.unwrap();
    assert_eq!(token.expires_in(), 3);
    let sso = sso_client(&sandbox.url);
    let creds = role_credentials(
        &sso,
        token.access_token().unwrap(),
        "111111111111",
        "ReadOnly",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let expired = role_credentials(
        &sso,
        token.access_token().unwrap(),
        "111111111111",
        "ReadOnly",
    )
    .await
    .unwrap_err()
    .into_service_error();
    assert!(expired.is_unauthorized_exception(), "{expired:?}");
    let sts = sts_as(&sandbox.url, &creds);
    let err = sts.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"));
    // An expired access token can still be refreshed: that is what refresh tokens are for.
    client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();
}

#[test]
fn signals_reach_the_wrapped_command() {
    use std::io::BufRead;
    let home = Home::new();
    let mut child = home
        .ssoenv([
            "sandbox",
            "--",
            "sh",
            "-c",
            "trap 'exit 3' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: the child has not been waited for, so the pid is still ours.
    unsafe {
        libc::kill(libc::pid_t::try_from(child.id()).unwrap(), libc::SIGTERM);
    }
    assert_eq!(child.wait().unwrap().code(), Some(3));
}
