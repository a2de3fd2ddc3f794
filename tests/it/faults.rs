//! Nothing hangs, nothing crashes: files other tools put in our way (#17).

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::common::{Home, run};

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn a_fifo_as_the_config_or_token_file_never_blocks_the_prompt() {
    let home = Home::new();
    mkfifo(&home.config_path());
    let started = Instant::now();
    let (out, stdout, stderr) = run(home.ssoenv(["prompt"]).env("AWS_PROFILE", "dev"));
    assert!(out.status.success(), "{stderr}");
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    assert!(started.elapsed() < Duration::from_secs(5));
    // Any other command names the file and what is wrong with it.
    let (out, _, stderr) = run(&mut home.ssoenv(["env", "dev", "--shell", "bash"]));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: not a regular file",
            home.config_path().display()
        )),
        "{stderr}"
    );

    std::fs::remove_file(home.config_path()).unwrap();
    home.write_config(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    mkfifo(&cache.join(format!("{}.json", ssoenv::pyjson::sha1_hex("corp"))));
    let (out, stdout, stderr) = run(home.ssoenv(["prompt"]).env("AWS_PROFILE", "dev"));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        (stdout.as_str(), stderr.as_str()),
        ("111111111111/Dev login\n", "")
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // A command with a person to tell says which file is wrong, and how.
    let (out, _, stderr) = run(&mut home.ssoenv(["whoami", "dev"]));
    assert_eq!(out.status.code(), Some(4), "no usable token: {stderr}");
    assert!(
        stderr.contains("cannot read the SSO cache file"),
        "{stderr}"
    );
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn an_unreadable_token_file_is_named_with_the_reason() {
    if unsafe { libc::geteuid() } == 0 {
        // root reads through permissions; the FIFO case above covers the message.
        return;
    }
    let home = Home::new();
    home.write_config(
        "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n",
    );
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let token = cache.join(format!("{}.json", ssoenv::pyjson::sha1_hex("corp")));
    std::fs::write(&token, "{}").unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let (_, _, stderr) = run(&mut home.ssoenv(["exec", "dev", "--", "true"]));
    assert!(stderr.contains("Permission denied"), "{stderr}");
}

/// `aws configure set`, editors and Python's `open('w')` truncate and rewrite the config in place.
/// A reader that mapped the file died of SIGBUS when a page it held vanished.
#[test]
fn a_config_rewritten_in_place_while_prompts_read_it_never_crashes_them() {
    let home = Home::new();
    let mut text = String::new();
    for i in 0..45_000 {
        text.push_str(&format!(
            "[profile p{i}]\nregion = eu-west-1\nsso_account_id = {i:012}\nsso_role_name = R\n\
             sso_session = corp\n\n"
        ));
    }
    text.push_str("[sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n");
    assert!(text.len() > 4_000_000);
    home.write_config(&text);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                let mut file = std::fs::File::create(home.config_path()).unwrap();
                for chunk in text.as_bytes().chunks(64 * 1024) {
                    file.write_all(chunk).unwrap();
                }
            }
        });
        for i in 0..200 {
            let profile = format!("p{}", 44_999 - i);
            let out = home
                .ssoenv(["prompt", "--format", "{profile}"])
                .env("AWS_PROFILE", &profile)
                .output()
                .unwrap();
            assert_eq!(out.status.signal(), None, "prompt {i} was killed");
            assert!(out.status.success(), "prompt {i}: {:?}", out.status);
            let shown = String::from_utf8_lossy(&out.stdout);
            assert!(shown.is_empty() || shown.trim() == profile, "{shown}");
        }
        stop.store(true, Ordering::Relaxed);
    });
}
