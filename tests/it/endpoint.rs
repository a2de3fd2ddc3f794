//! The loopback credential endpoint (`exec --server`, `serve`) against real SDKs: botocore, the
//! AWS SDK for JavaScript v3 and the Rust SDK's aws-config poll STS across several credential
//! lifetimes; the protocol's edges (token, path, login needed) and the parent's exit status.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::sandbox::{http, http_with_headers};
use crate::common::setup::Setup;
use crate::common::{helper_test, js_sdk, keep_pyenv, run};

/// Role credentials live this long in the sandbox, and the endpoint fetches new ones this long
/// before they expire (`SSOENV_REFRESH_WINDOW`): one fetch per 10 s of polling, so a run of
/// 48 s crosses more than three lifetimes and stays under a minute.
const LIFETIME: u64 = 15;
const WINDOW: u64 = 5;
const POLL_SECONDS: u64 = 48;
const POLL_EVERY_MS: u64 = 2000;

/// `ssoenv exec --server dev -- CMD…` with the short window, polling for [`POLL_SECONDS`];
/// output piped.
fn exec_server(setup: &Setup, command: &Command) -> Child {
    let mut exec = setup.ssoenv(["exec", "--server", "dev", "--"]);
    exec.arg(command.get_program())
        .args(command.get_args())
        .envs(
            command
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .env("SSOENV_REFRESH_WINDOW", WINDOW.to_string())
        .env("SSOENV_IT_SECONDS", POLL_SECONDS.to_string())
        .env("SSOENV_IT_EVERY_MS", POLL_EVERY_MS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    keep_pyenv(&mut exec);
    exec.spawn().expect("spawn ssoenv exec --server")
}

const BOTOCORE_LOOP: &str = r#"
import json, os, time
import botocore.session
sts = botocore.session.get_session().create_client("sts")
end = time.time() + float(os.environ["SSOENV_IT_SECONDS"])
every = float(os.environ["SSOENV_IT_EVERY_MS"]) / 1000
result = {"calls": 0, "failures": [], "keys": []}
while time.time() < end:
    try:
        sts.get_caller_identity()
        result["calls"] += 1
        key = sts._request_signer._credentials.get_frozen_credentials().access_key
        if key not in result["keys"]:
            result["keys"].append(key)
    except Exception as e:
        result["failures"].append(str(e))
    time.sleep(every)
print(json.dumps(result))
"#;

/// The variable that turns [`rust_sdk_loop_helper`] on.
const RUST_HELPER_VAR: &str = "SSOENV_IT_RUST_LOOP";

/// Run under `exec --server` as a child process of this test binary (aws-config reads the real
/// process environment): the Rust SDK's default chain polling STS.
#[test]
#[ignore = "a helper, run in a child process under exec --server"]
fn rust_sdk_loop_helper() {
    if std::env::var(RUST_HELPER_VAR).is_err() {
        return;
    }
    let var = |name: &str| std::env::var(name).unwrap().parse::<u64>().unwrap();
    let (seconds, every) = (var("SSOENV_IT_SECONDS"), var("SSOENV_IT_EVERY_MS"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        use aws_sdk_sts::config::ProvideCredentials;
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let sts = aws_sdk_sts::Client::new(&config);
        let provider = config.credentials_provider().unwrap();
        let end = Instant::now() + Duration::from_secs(seconds);
        let (mut calls, mut failures, mut keys) = (0, Vec::new(), Vec::<String>::new());
        while Instant::now() < end {
            match sts.get_caller_identity().send().await {
                Ok(_) => {
                    calls += 1;
                    let key = provider.provide_credentials().await.unwrap();
                    if !keys.iter().any(|k| k == key.access_key_id()) {
                        keys.push(key.access_key_id().to_string());
                    }
                }
                Err(e) => failures.push(format!("{e:?}")),
            }
            tokio::time::sleep(Duration::from_millis(every)).await;
        }
        serde_json::json!({"calls": calls, "failures": failures, "keys": keys})
    });
    println!("HELPER-RESULT {result}");
}

/// The client's JSON line, from anywhere in its stdout (the test harness adds its own lines).
fn client_result(name: &str, child: Child) -> Value {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name}: {stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.find("{\"calls\"").map(|i| &l[i..]))
        .unwrap_or_else(|| panic!("{name} printed no result: {stdout}\n{stderr}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {line}: {e}"))
}

#[test]
fn three_sdks_poll_sts_across_three_lifetimes_with_one_fetch_per_lifetime() {
    js_sdk();
    let ttl = LIFETIME.to_string();
    let setups: Vec<Setup> = (0..3)
        .map(|_| Setup::new(&["--credentials-ttl", &ttl]))
        .collect();
    for setup in &setups {
        setup.login("dev");
        setup.sandbox.reset_stats();
    }
    let mut python = Command::new("python3");
    python.args(["-c", BOTOCORE_LOOP]);
    let mut node = Command::new("node");
    node.arg(js_sdk().parent().unwrap().join("sts_loop.mjs"));
    let mut rust = helper_test("endpoint::rust_sdk_loop_helper");
    rust.env(RUST_HELPER_VAR, "1");
    let clients = [("botocore", python), ("javascript", node), ("rust", rust)];
    let started = Instant::now();
    let children: Vec<(&str, Child)> = clients
        .iter()
        .zip(&setups)
        .map(|((name, command), setup)| (*name, exec_server(setup, command)))
        .collect();
    let results: Vec<(&str, Value)> = children
        .into_iter()
        .map(|(name, child)| (name, client_result(name, child)))
        .collect();
    let elapsed = started.elapsed().as_secs();
    for ((name, result), setup) in results.iter().zip(&setups) {
        let calls = result["calls"].as_u64().unwrap();
        let keys = result["keys"].as_array().unwrap().len() as u64;
        let fetches = setup.sandbox.stats()["GetRoleCredentials"]
            .as_u64()
            .unwrap();
        // Shown when a later client fails, beside its own numbers.
        eprintln!("{name}: {calls} calls, {keys} keys, {fetches} fetches in {elapsed} s");
        assert_eq!(
            result["failures"],
            serde_json::json!([]),
            "{name}: {result}"
        );
        assert!(keys >= 3, "{name}: fewer than three keys: {result}");
        // One fetch at the start, then one per LIFETIME - WINDOW seconds of polling.
        let most = 1 + elapsed.div_ceil(LIFETIME - WINDOW);
        assert!(
            (keys..=most).contains(&fetches),
            "{name}: {fetches} GetRoleCredentials for {calls} calls in {elapsed} s: {result}"
        );
        assert!(
            calls >= 2 * fetches,
            "{name}: {calls} calls, {fetches} fetches"
        );
    }
}

/// Waits until `path` holds a line starting with `prefix`; returns that line.
fn wait_for_line(path: &Path, prefix: &str, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.starts_with(prefix)) {
            return line.to_string();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("ssoenv exited early ({status}): {text}");
        }
        assert!(
            Instant::now() < deadline,
            "no {prefix} in {}: {text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `curl` in bash after sourcing what `serve` printed: `STATUS BODY`.
fn curl_in_bash(exports: &Path, auth: &str) -> String {
    let script = format!(
        ". '{}' && curl -s -w ' %{{http_code}}' {auth} \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"",
        exports.display()
    );
    let (out, stdout, stderr) = run(Command::new("bash").args(["-c", &script]));
    assert!(out.status.success(), "{stderr}");
    let (body, status) = stdout.rsplit_once(' ').unwrap();
    format!("{status} {body}")
}

const GOOD_TOKEN: &str = "-H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\"";

fn wait_until_closed(port: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(format!("127.0.0.1:{port}")).is_ok() {
        assert!(Instant::now() < deadline, "port {port} still open");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serve_needs_the_token_never_logs_in_and_serves_once_logged_in_elsewhere() {
    let setup = Setup::new(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (exports, errors) = (dir.path().join("exports.sh"), dir.path().join("stderr"));
    let mut serve = setup
        .ssoenv(["serve", "dev", "--shell", "bash"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&exports).unwrap())
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    let uri = wait_for_line(
        &exports,
        "export AWS_CONTAINER_CREDENTIALS_FULL_URI=",
        &mut serve,
    );
    let url = uri
        .split_once('=')
        .unwrap()
        .1
        .trim_matches(|c| c == '\'' || c == '"');
    let (authority, path) = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .split_once('/')
        .unwrap();
    assert!(path.len() >= 40, "an unguessable path: {url}");

    // Not logged in: an error the SDKs show, one line on stderr however often they ask, and no
    // browser (BROWSER would log in through the sandbox).
    for _ in 0..3 {
        let answer = curl_in_bash(&exports, GOOD_TOKEN);
        assert!(answer.starts_with("403 "), "{answer}");
        let body: Value = serde_json::from_str(&answer[4..]).unwrap();
        assert_eq!(body["Code"], "LoginRequired", "{answer}");
        assert!(
            body["Message"]
                .as_str()
                .unwrap()
                .contains("ssoenv login dev")
        );
    }
    let mut python = Command::new("bash");
    python.args([
        "-c",
        &format!(
            ". '{}' && python3 -c 'import botocore.session as s; \
             s.get_session().create_client(\"sts\").get_caller_identity()'",
            exports.display()
        ),
    ]);
    let (out, _, stderr) = run(keep_pyenv(python.envs(setup.sandbox.endpoint_env())));
    assert!(!out.status.success());
    assert!(
        stderr.contains("ssoenv login dev"),
        "botocore shows why: {stderr}"
    );
    let told = std::fs::read_to_string(&errors).unwrap();
    assert_eq!(told.matches("ssoenv login dev").count(), 1, "{told}");
    assert!(
        !told.contains(&url[url.len() - 20..]),
        "no secret on stderr: {told}"
    );
    assert!(
        !setup.home.session_token_path("sandbox").exists(),
        "no login happened"
    );

    setup.login("dev");
    // Twenty clients at once, nothing cached yet: one fetch, one set of credentials for all.
    let token_line = wait_for_line(
        &exports,
        "export AWS_CONTAINER_AUTHORIZATION_TOKEN=",
        &mut serve,
    );
    let token = token_line.split_once('=').unwrap().1.trim_matches('\'');
    let auth = format!("Authorization: {token}\r\n");
    setup.sandbox.reset_stats();
    let keys: Vec<String> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| http_with_headers("GET", url, &auth, "")))
            .collect();
        clients
            .into_iter()
            .map(|c| {
                let (status, _, body) = c.join().unwrap();
                assert_eq!(status, 200, "{body}");
                let body: Value = serde_json::from_str(&body).unwrap();
                body["AccessKeyId"].as_str().unwrap().to_string()
            })
            .collect()
    });
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(setup.sandbox.stats()["GetRoleCredentials"], 1);
    let answer = curl_in_bash(&exports, GOOD_TOKEN);
    assert!(answer.starts_with("200 "), "{answer}");
    let body: Value = serde_json::from_str(&answer[4..]).unwrap();
    assert!(body["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(body["AccountId"], "111111111111");

    // Wrong or missing token: 401 and nothing else; the right token on another path: 404.
    for auth in ["-H 'Authorization: nope'", ""] {
        assert_eq!(curl_in_bash(&exports, auth), "401 ");
    }
    let (status, _, body) = http_with_headers(
        "GET",
        &format!("http://127.0.0.1:{authority}/other"),
        &auth,
        "",
    );
    assert_eq!((status, body.as_str()), (404, ""));
    assert_eq!(http("GET", url, "").0, 401);

    // SAFETY: the child has not been waited for, so the pid is still ours.
    unsafe { libc::kill(serve.id() as libc::pid_t, libc::SIGINT) };
    assert!(serve.wait().unwrap().success());
    wait_until_closed(authority);
}

/// `exec --server dev -- sh -c SCRIPT`, with the endpoint's URL written to a file by the child.
fn exec_sh(setup: &Setup, dir: &Path, script: &str) -> Child {
    setup
        .ssoenv(["exec", "--server", "dev", "--", "sh", "-c"])
        .arg(format!(
            "echo \"URL=$AWS_CONTAINER_CREDENTIALS_FULL_URI\" > '{}/url'; {script}",
            dir.display()
        ))
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

fn port_of(url_line: &str) -> String {
    let rest = url_line.strip_prefix("URL=http://127.0.0.1:").unwrap();
    rest.split_once('/').unwrap().0.to_string()
}

#[test]
fn exec_server_returns_the_childs_status_and_closes_the_port_when_it_ends() {
    let setup = Setup::new(&[]);
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("url");

    let mut child = exec_sh(&setup, dir.path(), "exit 7");
    assert_eq!(child.wait().unwrap().code(), Some(7));
    std::fs::remove_file(&url).unwrap();

    // A signal to ssoenv reaches the command; the command's death by it is ssoenv's status.
    let mut child = exec_sh(&setup, dir.path(), "exec sleep 30");
    let port = port_of(&wait_for_line(&url, "URL=", &mut child));
    assert!(TcpStream::connect(format!("127.0.0.1:{port}")).is_ok());
    // SAFETY: the child has not been waited for, so the pid is still ours.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(128 + libc::SIGTERM));
    wait_until_closed(&port);

    std::fs::remove_file(&url).unwrap();
    let mut child = exec_sh(&setup, dir.path(), "kill -KILL $$");
    let port = port_of(&wait_for_line(&url, "URL=", &mut child));
    assert_eq!(child.wait().unwrap().code(), Some(128 + libc::SIGKILL));
    wait_until_closed(&port);
}

#[test]
fn signals_reach_the_command_while_a_fetch_waits_for_another_process() {
    let setup = Setup::new(&[]);
    setup.login("dev");
    // Another process fetching dev's credentials holds their lock (`credentials-<cache key>`).
    let key = ssoenv::pyjson::sha1_hex(
        r#"{"accountId":"111111111111","roleName":"Developer","sessionName":"sandbox"}"#,
    );
    let locks = setup.home.path().join(".cache/ssoenv/locks");
    std::fs::create_dir_all(&locks).unwrap();
    let held = std::fs::File::create(locks.join(format!("credentials-{key}.lock"))).unwrap();
    held.lock().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let mut child = exec_sh(
        &setup,
        dir.path(),
        &format!(
            "trap 'echo > {d}/term; exit 3' TERM; \
             curl -s -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \
             \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\" > {d}/body & \
             echo > {d}/ready; while :; do sleep 0.05; done"
        ),
    );
    wait_for_line(&dir.path().join("ready"), "", &mut child);
    // Long enough for curl's request to reach the endpoint and wait on the lock.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: the child has not been waited for, so the pid is still ours.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !dir.path().join("term").exists() {
        assert!(
            Instant::now() < deadline,
            "SIGTERM never reached the command"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(held);
    assert_eq!(child.wait().unwrap().code(), Some(3));
}
