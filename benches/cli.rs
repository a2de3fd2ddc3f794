//! Whole-process timings of the commands with speed targets: `cargo bench --bench cli`.
//!
//! Each row runs the release binary many times against generated configs of 10, 1,000 and 10,000
//! profiles (with a token and cached role credentials in place, so nothing touches the network)
//! and prints the median and 90th percentile: these machines are noisy, so medians decide.
//! Timings live here, never in tests.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use ssoenv::pyjson::sha1_hex;

const RUNS: usize = 200;
const WARMUP: usize = 20;
const SIZES: [usize; 3] = [10, 1_000, 10_000];

struct Fixture {
    home: tempfile::TempDir,
    profiles: usize,
}

impl Fixture {
    fn new(profiles: usize) -> Self {
        let home = tempfile::tempdir().expect("temp home");
        let aws = home.path().join(".aws");
        std::fs::create_dir_all(aws.join("sso/cache")).expect("sso cache");
        std::fs::create_dir_all(aws.join("cli/cache")).expect("cli cache");
        let mut config = String::from(
            "[default]\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
             sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n",
        );
        for i in 0..profiles {
            let _ = write!(
                config,
                "[profile p{i}]\nsso_session = corp\nsso_account_id = {:012}\nsso_role_name = Role{}\n\
                 region = eu-west-1\noutput = json\n\n",
                100_000_000_000u64 + i as u64,
                i % 7
            );
        }
        std::fs::write(aws.join("config"), config).expect("config");
        // A token valid for a day, in the AWS CLI's format (key: sha1("corp")).
        let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
        let at = expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let token = format!(
            r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "t", "expiresAt": "{at}"}}"#
        );
        std::fs::write(
            aws.join("sso/cache")
                .join(format!("{}.json", sha1_hex("corp"))),
            token,
        )
        .expect("token");
        // Cached role credentials for the profile the rows use (key: botocore's SSO key).
        let key =
            sha1_hex(r#"{"accountId":"100000000000","roleName":"Role0","sessionName":"corp"}"#);
        let creds = format!(
            r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "AKIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{at}", "AccountId": "100000000000"}}}}"#
        );
        std::fs::write(aws.join("cli/cache").join(format!("{key}.json")), creds).expect("creds");
        Self { home, profiles }
    }

    fn command(&self, program: &Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }
}

/// Median and 90th percentile of `RUNS` runs, after a warm-up.
fn measure(mut make: impl FnMut() -> Command) -> Result<(Duration, Duration), String> {
    let mut samples = Vec::with_capacity(RUNS);
    for i in 0..WARMUP + RUNS {
        let mut cmd = make();
        let start = Instant::now();
        let status = cmd.status().map_err(|e| format!("spawn: {e}"))?;
        let elapsed = start.elapsed();
        if !status.success() {
            return Err(format!("{cmd:?} exited with {status}"));
        }
        if i >= WARMUP {
            samples.push(elapsed);
        }
    }
    samples.sort();
    Ok((samples[RUNS / 2], samples[RUNS * 9 / 10]))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Row<'a> {
    name: &'a str,
    args: &'a [&'a str],
    vars: &'a [(&'a str, &'a str)],
    /// The target median in ms per profile count, where the issue sets one.
    target: fn(usize) -> Option<f64>,
    /// Subtract the median of running `true` (for "at most N ms more than the command alone").
    relative_to_true: bool,
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need to honour.
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    // Cargo builds the binary for a bench with the bench profile, which is the release profile.
    // It is timed from a copy, as `cargo install` leaves it: measured here, the file the linker
    // has just written faults its pages in more slowly, adding ~0.5 ms to every start.
    let installed = tempfile::tempdir().expect("temp dir");
    let bin = installed.path().join("ssoenv");
    if let Err(e) = std::fs::copy(env!("CARGO_BIN_EXE_ssoenv"), &bin) {
        eprintln!("bench: cannot copy the binary: {e}");
        return ExitCode::FAILURE;
    }
    let true_bin = which("true");
    let rows: &[Row] = &[
        Row {
            name: "list",
            args: &["list"],
            vars: &[],
            target: |n| (n == 10_000).then_some(30.0),
            relative_to_true: false,
        },
        Row {
            name: "list --names",
            args: &["list", "--names"],
            vars: &[],
            target: |n| (n == 10_000).then_some(15.0),
            relative_to_true: false,
        },
        Row {
            name: "env p0 (profile mode)",
            args: &["env", "p0", "--shell", "bash"],
            vars: &[],
            target: |n| (n == 10).then_some(2.0),
            relative_to_true: false,
        },
        Row {
            name: "env p0 --credentials (cached)",
            args: &["env", "p0", "--credentials", "--shell", "bash"],
            vars: &[],
            target: |n| (n == 10).then_some(3.0),
            relative_to_true: false,
        },
        Row {
            name: "prompt (AWS_PROFILE=p0)",
            args: &["prompt"],
            vars: &[("AWS_PROFILE", "p0")],
            target: |n| match n {
                10 => Some(1.5),
                10_000 => Some(2.0),
                _ => None,
            },
            relative_to_true: false,
        },
        Row {
            name: "prompt (no profile active)",
            args: &["prompt"],
            vars: &[],
            target: |_| None,
            relative_to_true: false,
        },
        Row {
            name: "complete `ssoenv exec <TAB>`",
            args: &["--", "ssoenv", "exec", ""],
            vars: &[("COMPLETE", "fish")],
            target: |n| (n == 10_000).then_some(15.0),
            relative_to_true: false,
        },
        Row {
            name: "exec p0 -- true (minus `true`)",
            args: &["exec", "p0", "--", "true"],
            vars: &[],
            target: |n| (n == 10).then_some(3.0),
            relative_to_true: true,
        },
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<34} {:>8} {:>11} {:>9} {:>9}  verdict",
        "command", "profiles", "median ms", "p90 ms", "target"
    );
    let mut failed = false;
    for size in SIZES {
        let fixture = Fixture::new(size);
        let baseline = true_bin
            .as_ref()
            .and_then(|t| measure(|| fixture.command(t, &[], &[])).ok());
        // What any process costs here, for reading the rows against.
        if let Some((median, p90)) = baseline {
            let _ = writeln!(
                out,
                "{:<34} {:>8} {:>11.2} {:>9.2}",
                "process start (`true`)",
                fixture.profiles,
                ms(median),
                ms(p90)
            );
        }
        if size == 10 {
            endpoint_row(&fixture, &bin, &mut out, &mut failed);
        }
        for row in rows {
            let (median, p90) = match measure(|| fixture.command(&bin, row.args, row.vars)) {
                Ok(m) => m,
                Err(e) => {
                    let _ = writeln!(out, "{:<34} {:>8}  error: {e}", row.name, fixture.profiles);
                    failed = true;
                    continue;
                }
            };
            let (median, p90) = match (row.relative_to_true, baseline) {
                (true, Some((base, _))) => (median.saturating_sub(base), p90.saturating_sub(base)),
                _ => (median, p90),
            };
            let target = (row.target)(size);
            let verdict = match target {
                Some(t) if ms(median) <= t => "ok",
                Some(_) => "SLOW",
                None => "",
            };
            let target = target.map_or(String::new(), |t| format!("≤ {t}"));
            let _ = writeln!(
                out,
                "{:<34} {:>8} {:>11.2} {:>9.2} {:>9}  {verdict}",
                row.name,
                fixture.profiles,
                ms(median),
                ms(p90),
                target
            );
        }
    }
    println!("{out}");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The credential endpoint (`serve p0`) answering a cached request: a client loop on one
/// keep-alive connection, each request timed from write to the end of its body.
fn endpoint_row(fixture: &Fixture, bin: &Path, out: &mut String, failed: &mut bool) {
    const TARGET_MS: f64 = 1.0;
    let name = "endpoint: cached request (serve)";
    match time_endpoint(fixture, bin) {
        Ok((median, p90)) => {
            let verdict = if ms(median) <= TARGET_MS {
                "ok"
            } else {
                "SLOW"
            };
            let _ = writeln!(
                out,
                "{name:<34} {:>8} {:>11.3} {:>9.3} {:>9}  {verdict}",
                fixture.profiles,
                ms(median),
                ms(p90),
                format!("≤ {TARGET_MS}")
            );
        }
        Err(e) => {
            let _ = writeln!(out, "{name:<34} {:>8}  error: {e}", fixture.profiles);
            *failed = true;
        }
    }
}

fn time_endpoint(fixture: &Fixture, bin: &Path) -> Result<(Duration, Duration), String> {
    let mut serve = fixture.command(bin, &["serve", "p0", "--shell", "bash"], &[]);
    let mut serve = serve
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let result = (|| {
        let mut lines = BufReader::new(serve.stdout.take().ok_or("no stdout")?).lines();
        let (mut url, mut token) = (None, None);
        while url.is_none() || token.is_none() {
            let line = lines
                .next()
                .ok_or("serve printed no URL")?
                .map_err(|e| e.to_string())?;
            let value = |l: &str| {
                l.split_once('=')
                    .map(|(_, v)| v.trim_matches('\'').to_string())
            };
            if line.starts_with("export AWS_CONTAINER_CREDENTIALS_FULL_URI=") {
                url = value(&line);
            } else if line.starts_with("export AWS_CONTAINER_AUTHORIZATION_TOKEN=") {
                token = value(&line);
            }
        }
        let (url, token) = (url.unwrap_or_default(), token.unwrap_or_default());
        let rest = url.strip_prefix("http://").ok_or("not an http URL")?;
        let (authority, path) = rest.split_at(rest.find('/').ok_or("no path")?);
        let stream = TcpStream::connect(authority).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
        let mut writer = stream;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: {token}\r\n\r\n");
        let mut samples = Vec::with_capacity(RUNS * 10);
        for i in 0..(WARMUP + RUNS) * 10 {
            let start = Instant::now();
            writer
                .write_all(request.as_bytes())
                .map_err(|e| e.to_string())?;
            let mut length = 0;
            let mut status = String::new();
            reader.read_line(&mut status).map_err(|e| e.to_string())?;
            if !status.contains(" 200 ") {
                return Err(format!("the endpoint answered {status:?}"));
            }
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).map_err(|e| e.to_string())?;
                if header == "\r\n" {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().map_err(|_| "bad content-length")?;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).map_err(|e| e.to_string())?;
            if i >= WARMUP * 10 {
                samples.push(start.elapsed());
            }
        }
        samples.sort();
        Ok((samples[samples.len() / 2], samples[samples.len() * 9 / 10]))
    })();
    let _ = serve.kill();
    let _ = serve.wait();
    result
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
