//! Integration tests: what ssoenv prints, evaluated by the real bash, zsh and fish.
//!
//! Values go through the same path as `asp`: the rendered script is captured into a variable,
//! evaluated, and a child process (`env -0`) reports what it inherited, byte for byte.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ssoenv::shell::{EnvChange, ShellError, ShellKind, render};

use crate::common::Home;

/// A real shell in strict mode, with a clean environment around a throw-away HOME.
pub fn strict_shell(kind: ShellKind, home: &Path, script: &str) -> Command {
    let mut cmd = match kind {
        ShellKind::Bash => {
            let mut c = Command::new("bash");
            c.args(["--noprofile", "--norc", "-e", "-u", "-o", "pipefail", "-c"]);
            c
        }
        ShellKind::Zsh => {
            let mut c = Command::new("zsh");
            c.args(["--no-rcs", "-e", "-u", "-o", "pipefail", "-c"]);
            c
        }
        ShellKind::Fish => {
            let mut c = Command::new("fish");
            c.args(["--no-config", "--private", "-c"]);
            c
        }
        ShellKind::Powershell => unreachable!("PowerShell is pinned by exact-string tests only"),
    };
    cmd.arg(script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LC_ALL", "C.UTF-8");
    cmd
}

/// Evaluates the script in `file` the way `asp` does, then lists the exported environment.
fn eval_then_env(kind: ShellKind) -> &'static str {
    match kind {
        ShellKind::Bash | ShellKind::Zsh => {
            r#"script="$(cat -- "$SCRIPT_FILE")"; eval "$script"; env -0"#
        }
        ShellKind::Fish => {
            "set -l script (cat -- $SCRIPT_FILE | string collect); eval $script; env -0"
        }
        ShellKind::Powershell => unreachable!("PowerShell is pinned by exact-string tests only"),
    }
}

/// The variables named `V_*` that a child process of `kind` sees after evaluating `changes`.
fn exported(kind: ShellKind, home: &Home, changes: &[EnvChange]) -> BTreeMap<String, Vec<u8>> {
    let script = render(kind, changes).expect("render");
    let file = home.path().join("script");
    std::fs::write(&file, script).expect("write script");
    let out = strict_shell(kind, home.path(), eval_then_env(kind))
        .env("SCRIPT_FILE", &file)
        .output()
        .expect("run shell");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{kind:?} failed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|b| *b == 0)
        .filter(|entry| entry.starts_with(b"V_"))
        .filter_map(|entry| {
            let eq = entry.iter().position(|b| *b == b'=')?;
            let name = String::from_utf8(entry[..eq].to_vec()).ok()?;
            Some((name, entry[eq + 1..].to_vec()))
        })
        .collect()
}

/// Characters that have broken shell quoting somewhere: quotes of every kind, expansion and glob
/// characters, history `!`, whitespace, control bytes (not NUL), and UTF-8 of every width.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            '\'', '"', '\\', '$', '`', '!', '\n', '\t', '\r', ' ', '*', '?', '~', '#', ';', '&',
            '|', '(', ')', '{', '}', '[', ']', '<', '>', '=', '%', '^', ',', '-', ':', '@', 'é',
            '‘', '’', '‚', '‛', '“', '€', '𝄞', '\u{a0}', '\u{feff}',
        ]),
        2 => prop_oneof![(1u8..0x20).prop_map(char::from), Just('\x7f')],
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0'),
        3 => prop::char::range('a', 'z'),
    ]
}

/// A value of up to 20 tricky characters, sometimes ending in a backslash.
fn tricky_value() -> impl Strategy<Value = String> {
    (prop::collection::vec(tricky_char(), 0..20), any::<bool>()).prop_map(|(chars, backslash)| {
        let mut value: String = chars.into_iter().collect();
        if backslash {
            value.push('\\');
        }
        value
    })
}

/// 40 batches of 200 values: 8,000 round trips per shell, one shell process per batch.
fn values_round_trip(kind: ShellKind) {
    let home = Home::new();
    let config = Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let batch = prop::collection::vec(tricky_value(), 200);
    let result = runner.run(&batch, |values| {
        let changes: Vec<EnvChange> = values
            .iter()
            .enumerate()
            .map(|(i, v)| EnvChange::Set(format!("V_{i}"), v.clone()))
            .collect();
        let seen = exported(kind, &home, &changes);
        for (i, value) in values.iter().enumerate() {
            let got = seen.get(&format!("V_{i}"));
            prop_assert_eq!(
                got.map(|g| String::from_utf8_lossy(g).into_owned()),
                Some(value.clone()),
                "V_{} in {:?}",
                i,
                kind
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{kind:?}: {e}");
    }
}

#[test]
fn any_value_round_trips_through_bash() {
    values_round_trip(ShellKind::Bash);
}

#[test]
fn any_value_round_trips_through_zsh() {
    values_round_trip(ShellKind::Zsh);
}

#[test]
fn any_value_round_trips_through_fish() {
    values_round_trip(ShellKind::Fish);
}

#[test]
fn unset_removes_variables_and_tolerates_missing_ones() {
    let home = Home::new();
    for kind in [ShellKind::Bash, ShellKind::Zsh, ShellKind::Fish] {
        let changes = [
            EnvChange::Set("V_KEEP".into(), "kept".into()),
            EnvChange::Set("V_GONE".into(), "it's here".into()),
            EnvChange::Unset("V_GONE".into()),
            EnvChange::Unset("V_NEVER_SET".into()),
        ];
        let seen = exported(kind, &home, &changes);
        assert_eq!(
            seen,
            BTreeMap::from([("V_KEEP".to_string(), b"kept".to_vec())]),
            "{kind:?}"
        );
    }
}

#[test]
fn invalid_names_are_refused_before_any_shell_sees_them() {
    for kind in [
        ShellKind::Bash,
        ShellKind::Zsh,
        ShellKind::Fish,
        ShellKind::Powershell,
    ] {
        for name in ["", "1A", "A-B", "A B", "$(id)", "A;B", "É"] {
            let set = render(kind, &[EnvChange::Set(name.into(), "v".into())]);
            assert!(matches!(set, Err(ShellError::InvalidName(n)) if n == name));
            let unset = render(kind, &[EnvChange::Unset(name.into())]);
            assert!(matches!(unset, Err(ShellError::InvalidName(n)) if n == name));
        }
    }
}
