//! Integration tests: what a user gets from installing ssoenv — the binary the default build
//! makes, what `--version` says, the sandbox demo run from a build tree, and POSIX `sh` (dash,
//! busybox ash) as a shell for `ssoenv env`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ssoenv::shell::{EnvChange, ShellKind, render};

use crate::common::shell::{hostile_value, v_vars};
use crate::common::{Home, run, ssoenv_bin};

/// The ELF header fields that tell a static, position-dependent executable: `e_type` and the
/// program headers' types.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn elf_type_and_segments(bytes: &[u8]) -> (u16, Vec<u32>) {
    let u16_at = |at: usize| u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(bytes[4], 2, "not a 64-bit ELF file");
    let phoff = u64_at(32) as usize;
    let phentsize = u16_at(54) as usize;
    let phnum = u16_at(56) as usize;
    let segments = (0..phnum).map(|i| u32_at(phoff + i * phentsize)).collect();
    (u16_at(16), segments)
}

/// What `cargo test` built here, with no target named (no `--target`, no `build.target`), is the
/// fast binary: `ET_EXEC` (not PIE), no `PT_INTERP` (no dynamic loader), no `PT_DYNAMIC`.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[test]
fn the_default_build_on_x86_64_linux_is_static_and_position_dependent() {
    const ET_EXEC: u16 = 2;
    const PT_DYNAMIC: u32 = 2;
    const PT_INTERP: u32 = 3;
    let exe = ssoenv_bin();
    assert!(
        !exe.components()
            .any(|c| c.as_os_str() == "x86_64-unknown-linux-gnu"),
        "{} was built with a target named; the default build is the one to check",
        exe.display()
    );
    let (kind, segments) = elf_type_and_segments(&std::fs::read(exe).unwrap());
    assert_eq!(kind, ET_EXEC, "{} is not position-dependent", exe.display());
    assert!(
        !segments.contains(&PT_INTERP) && !segments.contains(&PT_DYNAMIC),
        "{} is dynamically linked: segments {segments:?}",
        exe.display()
    );
}

/// The commit, when the build could ask git: `ssoenv 0.1.0 (1a2b3c4)`; else the version alone.
#[test]
fn version_names_the_commit_it_was_built_from() {
    let (out, stdout, stderr) = run(Command::new(ssoenv_bin()).arg("--version"));
    assert!(out.status.success(), "{stderr}");
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(manifest_dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let in_checkout = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| Path::new(&top).canonicalize().ok() == manifest_dir.canonicalize().ok());
    let version = env!("CARGO_PKG_VERSION");
    match git(&["rev-parse", "--short", "HEAD"]).filter(|_| in_checkout) {
        Some(commit) => assert_eq!(stdout, format!("ssoenv {version} ({commit})\n")),
        None => assert_eq!(stdout, format!("ssoenv {version}\n")),
    }
}

/// The README's demo, run by a binary that is not on `PATH` (as from `target/debug`): the
/// sandboxed shell's `ssoenv` is the sandbox's own.
#[test]
fn a_sandboxed_command_runs_this_ssoenv_when_it_is_not_on_path() {
    let home = Home::new();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink("/bin/sh", bin.join("sh")).unwrap();
    let script = r#"ssoenv login dev >/dev/null 2>&1 && ssoenv exec dev -- sh -c 'printf "%s %s" "$SSOENV_PROFILE" "$AWS_ACCOUNT_ID"'"#;
    let (out, stdout, stderr) = run(home
        .ssoenv(["sandbox", "--", "sh", "-c", script])
        .env("PATH", &bin));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "dev 111111111111");
}

/// POSIX shells that Debian and Alpine users have as `/bin/sh`, each in strict mode.
fn posix_shells() -> [(&'static str, Command); 2] {
    let dash = {
        let mut c = Command::new("dash");
        c.args(["-e", "-u", "-c"]);
        c
    };
    let busybox = {
        let mut c = Command::new("busybox");
        c.args(["sh", "-e", "-u", "-c"]);
        c
    };
    [("dash", dash), ("busybox sh", busybox)]
}

/// The variables named `V_*` that a child of `shell` sees after it evaluates `script` as `asp`
/// does (captured into a variable, then `eval`), byte for byte.
fn exported_by(
    name: &str,
    mut shell: Command,
    home: &Home,
    script: &str,
) -> BTreeMap<String, Vec<u8>> {
    let file = home.path().join("script");
    std::fs::write(&file, script).expect("write script");
    let out = shell
        .arg(r#"script="$(cat -- "$SCRIPT_FILE")"; eval "$script"; env -0"#)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LC_ALL", "C.UTF-8")
        .env("SCRIPT_FILE", &file)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{name} failed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    v_vars(&out.stdout)
}

/// 20 batches of 200 hostile values per shell, each batch one shell process, then an unset of
/// half of them: every value arrives byte for byte, every unset variable is gone.
#[test]
fn any_value_round_trips_through_dash_and_busybox_sh() {
    let home = Home::new();
    for (name, _) in posix_shells() {
        let config = Config {
            cases: 20,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let batch = prop::collection::vec(hostile_value(), 200);
        let result = runner.run(&batch, |values| {
            let mut changes: Vec<EnvChange> = values
                .iter()
                .enumerate()
                .map(|(i, v)| EnvChange::Set(format!("V_{i}").into(), v.clone()))
                .collect();
            changes.extend(
                (0..values.len())
                    .step_by(2)
                    .map(|i| EnvChange::Unset(format!("V_{i}").into())),
            );
            changes.push(EnvChange::Unset("V_NEVER_SET".into()));
            let script = render(ShellKind::Sh, &changes).expect("render");
            let shell = posix_shells()
                .into_iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1;
            let seen = exported_by(name, shell, &home, &script);
            for (i, value) in values.iter().enumerate() {
                let want = (i % 2 == 1).then(|| value.clone());
                let got = seen
                    .get(&format!("V_{i}"))
                    .map(|g| String::from_utf8_lossy(g).into_owned());
                prop_assert_eq!(got, want, "V_{} in {}", i, name);
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{name}: {e}");
        }
    }
}

/// `SHELL=/bin/sh` (or dash, ksh, busybox) is told apart: `ssoenv env` prints the POSIX form,
/// the same as `--shell sh`, and dash and busybox sh apply it.
#[test]
fn env_detects_posix_sh_from_shell_and_sh_applies_it() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\n");
    let env = |shell_var: &str, extra: &[&str]| {
        let (out, stdout, stderr) = run(home
            .ssoenv(["env", "dev"].iter().chain(extra))
            .env("SHELL", shell_var));
        assert!(
            out.status.success(),
            "SHELL={shell_var} {extra:?}: {stderr}"
        );
        stdout
    };
    let told = env("/bin/bash", &["--shell", "sh"]);
    assert!(told.contains("export AWS_PROFILE=dev\n"), "{told}");
    for shell_var in [
        "/bin/sh",
        "/usr/bin/dash",
        "/bin/ksh",
        "/bin/busybox",
        "-sh",
    ] {
        assert_eq!(env(shell_var, &[]), told, "SHELL={shell_var}");
    }
    let script = told.replace("AWS_PROFILE", "V_PROFILE");
    for (name, shell) in posix_shells() {
        let seen = exported_by(name, shell, &home, &script);
        assert_eq!(
            seen.get("V_PROFILE").map(Vec::as_slice),
            Some(&b"dev"[..]),
            "{name}"
        );
    }
}

/// POSIX sh has no completion to register: `ssoenv init sh` says what to do instead.
#[test]
fn init_sh_is_refused_with_what_to_do_instead() {
    let home = Home::new();
    let (out, stdout, stderr) = run(&mut home.ssoenv(["init", "sh"]));
    assert!(!out.status.success());
    assert_eq!(stdout, "");
    assert!(stderr.contains("env --shell sh"), "{stderr}");
}
