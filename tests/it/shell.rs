//! Integration tests: what ssoenv prints, evaluated by the real bash, zsh, fish, nushell and elvish.
//!
//! Values go through the same path as `asp`: the rendered script is captured into a variable,
//! evaluated, and a child process (`env -0`) reports what it inherited, byte for byte. The hooks
//! are loaded in strict mode, linted, and driven against a stand-in for ssoenv that records how
//! it was called, so `asp` and its completion are tested apart from the `env` command.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ssoenv::shell::{EnvChange, ShellError, ShellKind, init, render};

use crate::common::shell::{
    ELVISH_EDITOR, Interactive, assert_completions, hostile_value, readme_snippet, strict_shell,
    v_vars, with_hook,
};
use crate::common::{Home, run};

const REAL_SHELLS: [ShellKind; 3] = [ShellKind::Bash, ShellKind::Zsh, ShellKind::Fish];

/// Evaluates the script in `file` the way `asp` does, then lists the exported environment.
fn eval_then_env(kind: ShellKind) -> &'static str {
    match kind {
        ShellKind::Bash | ShellKind::Zsh => {
            r#"script="$(cat -- "$SCRIPT_FILE")"; eval "$script"; env -0"#
        }
        ShellKind::Fish => {
            "set -l script (cat -- $SCRIPT_FILE | string collect)\n\
             builtin printf '%s' $script | builtin source -\n\
             env -0"
        }
        ShellKind::Nu => {
            "let change = (open --raw $env.SCRIPT_FILE | from json)\n\
             hide-env --ignore-errors ...$change.hide\n\
             load-env $change.load\n\
             ^env -0"
        }
        ShellKind::Elvish => "eval (slurp < $E:SCRIPT_FILE)\nenv -0",
        ShellKind::Powershell => unreachable!("PowerShell is pinned by exact-string tests only"),
        ShellKind::Sh => unreachable!("POSIX sh has no hook; its round trips are in ship.rs"),
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
    v_vars(&out.stdout)
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
    let batch = prop::collection::vec(hostile_value(), 200);
    let result = runner.run(&batch, |values| {
        let changes: Vec<EnvChange> = values
            .iter()
            .enumerate()
            .map(|(i, v)| EnvChange::Set(format!("V_{i}").into(), v.clone()))
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
fn any_value_round_trips_through_nu() {
    values_round_trip(ShellKind::Nu);
}

#[test]
fn any_value_round_trips_through_elvish() {
    values_round_trip(ShellKind::Elvish);
}

/// Names that are reserved words or builtins somewhere are just names to `export`, `set -gx`,
/// `set-env` and `load-env`.
#[test]
fn reserved_words_are_names_like_any_other() {
    let home = Home::new();
    let names = [
        "if", "then", "fi", "function", "end", "def", "let", "fn", "var", "set", "true", "null",
        "nil", "in", "not", "and", "or", "export",
    ];
    for kind in [
        ShellKind::Bash,
        ShellKind::Zsh,
        ShellKind::Fish,
        ShellKind::Nu,
        ShellKind::Elvish,
    ] {
        let changes: Vec<EnvChange> = names
            .iter()
            .map(|n| EnvChange::Set(format!("V_{n}").into(), (*n).to_string()))
            .chain(
                names
                    .iter()
                    .map(|n| EnvChange::Set((*n).into(), (*n).to_string())),
            )
            .collect();
        let seen = exported(kind, &home, &changes);
        for n in names {
            assert_eq!(
                seen.get(&format!("V_{n}")).map(Vec::as_slice),
                Some(n.as_bytes()),
                "{kind:?}"
            );
        }
    }
}

#[test]
fn unset_removes_variables_and_tolerates_missing_ones() {
    let home = Home::new();
    for kind in [
        ShellKind::Bash,
        ShellKind::Zsh,
        ShellKind::Fish,
        ShellKind::Nu,
        ShellKind::Elvish,
    ] {
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
        ShellKind::Nu,
        ShellKind::Elvish,
    ] {
        for name in ["", "1A", "A-B", "A B", "$(id)", "A;B", "É"] {
            let set = render(kind, &[EnvChange::Set(name.into(), "v".into())]);
            assert!(matches!(set, Err(ShellError::InvalidName(n)) if n == name));
            let unset = render(kind, &[EnvChange::Unset(name.into())]);
            assert!(matches!(unset, Err(ShellError::InvalidName(n)) if n == name));
        }
    }
}

/// What `ssoenv init SHELL` prints, from the real binary.
fn init_output(home: &Home, kind: ShellKind, extra: &[&str]) -> String {
    let (out, stdout, stderr) = run(home.ssoenv(["init", kind.name()]).args(extra));
    assert!(
        out.status.success() && stderr.is_empty(),
        "{kind:?}: {stderr}"
    );
    stdout
}

#[test]
fn init_scripts_load_silently_in_strict_mode() {
    let home = Home::new();
    for kind in REAL_SHELLS {
        for extra in [&[][..], &["--cmd", "awsp"][..]] {
            let hook = init_output(&home, kind, extra);
            let name = extra.get(1).unwrap_or(&"asp");
            let check = match kind {
                ShellKind::Fish => format!("functions -q {name} __ssoenv_complete_cmd"),
                _ => format!("typeset -f {name} __ssoenv_complete_cmd >/dev/null"),
            };
            assert_eq!(
                with_hook(kind, &home, &hook, &check),
                (String::new(), String::new(), 0),
                "{kind:?} {extra:?}"
            );
        }
    }
}

#[test]
fn nu_and_elvish_hooks_load_silently_in_strict_mode() {
    let home = Home::new();
    for extra in [&[][..], &["--cmd", "awsp"][..]] {
        let name = extra.get(1).unwrap_or(&"asp");
        let nu = init_output(&home, ShellKind::Nu, extra);
        let check = format!(
            "if (which {name} __ssoenv_profiles | length) != 2 {{ error make {{msg: missing}} }}"
        );
        assert_eq!(
            with_hook(ShellKind::Nu, &home, &nu, &check),
            (String::new(), String::new(), 0),
            "{extra:?}"
        );
        let elvish = init_output(&home, ShellKind::Elvish, extra);
        // With the stand-in editor, the hook registers completion for both commands.
        let check = format!(
            "var _ = ${name}~\n\
             if (not-eq [(keys $edit:completion:arg-completer | order)] [(order [ssoenv {name}])]) {{ fail registered }}"
        );
        assert_eq!(
            with_hook(ShellKind::Elvish, &home, &elvish, &check),
            (String::new(), String::new(), 0),
            "{extra:?}"
        );
        // Without an editor (elvish -c, a script) it loads, silently, and registers nothing.
        let out = strict_shell(ShellKind::Elvish, home.path(), "eval $E:HOOK")
            .env("HOOK", &elvish)
            .output()
            .expect("elvish");
        assert_eq!(
            (
                out.status.code(),
                out.stdout.as_slice(),
                out.stderr.as_slice()
            ),
            (Some(0), &b""[..], &b""[..]),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_zsh_hook_registers_completion_once_compinit_has_run() {
    let home = Home::new();
    let hook = init_output(&home, ShellKind::Zsh, &[]);
    let without = with_hook(
        ShellKind::Zsh,
        &home,
        &hook,
        "\\builtin print -r -- ${+_comps}",
    );
    assert_eq!(without, ("0\n".to_string(), String::new(), 0));
    let dump = home.path().join(".zcompdump");
    let out = strict_shell(
        ShellKind::Zsh,
        home.path(),
        "autoload -Uz compinit && compinit -u -d \"$DUMP\"\neval \"$HOOK\"\n\
         print -r -- $_comps[ssoenv] $_comps[asp]",
    )
    .env("HOOK", &hook)
    .env("DUMP", &dump)
    .output()
    .expect("run zsh");
    assert_eq!(
        (
            String::from_utf8_lossy(&out.stdout).as_ref(),
            String::from_utf8_lossy(&out.stderr).as_ref()
        ),
        ("__ssoenv_complete __ssoenv_complete_cmd\n", "")
    );
}

#[test]
fn the_bash_hook_passes_shellcheck() {
    let home = Home::new();
    let hook = init_output(&home, ShellKind::Bash, &[]);
    let mut child = Command::new("shellcheck")
        .args(["--enable=all", "-s", "bash", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("shellcheck");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), hook.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("shellcheck");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_fish_hook_is_left_unchanged_by_fish_indent() {
    let home = Home::new();
    let hook = init_output(&home, ShellKind::Fish, &[]);
    let mut child = Command::new("fish_indent")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("fish_indent");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), hook.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("fish_indent");
    assert_eq!(String::from_utf8_lossy(&out.stdout), hook);
}

#[test]
fn init_refuses_a_function_name_that_is_not_an_identifier() {
    let home = Home::new();
    for name in ["a-b", "1asp", "", "asp;id"] {
        let (out, stdout, stderr) = run(&mut home.ssoenv(["init", "bash", "--cmd", name]));
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_eq!(stdout, "");
        assert_eq!(
            stderr,
            format!(
                "ssoenv: `{name}` cannot name the shell function (letters, digits and `_`, not starting with a digit)\n"
            )
        );
    }
}

#[test]
fn the_powershell_hook_quotes_the_exe_and_names_the_function() {
    let hook = init(
        ShellKind::Powershell,
        Path::new("C:\\Users\\O'Brien\\bin\\ssoenv.exe"),
        "awsp",
    )
    .expect("init");
    let exe = "'C:\\Users\\O''Brien\\bin\\ssoenv.exe'";
    for line in [
        "function global:awsp {".to_string(),
        format!("    $script = & {exe} @arguments | Out-String"),
        format!("        & {exe} -- @Words 2>$null | ForEach-Object {{"),
        "Register-ArgumentCompleter -CommandName 'awsp' -ParameterName 'Name' -ScriptBlock {"
            .to_string(),
        "# awsp [-c|-Credentials] [-y|-Yes] [PROFILE]: switch this shell to PROFILE".to_string(),
    ] {
        assert!(
            hook.lines().any(|l| l == line),
            "missing {line:?} in\n{hook}"
        );
    }
    assert!(
        hook.lines()
            .any(|l| l == format!("$Env:_SSOENV_HOOK = \"powershell $PID awsp 1 \" + {exe}")),
        "{hook}"
    );
    assert!(!hook.contains("__SSOENV_"), "{hook}");
    assert_eq!(hook.matches(exe).count(), 5);
}

#[test]
fn every_hook_names_the_exe_only_through_its_quoting() {
    let exe = Path::new("/opt/it's here/$(id)/ssoenv");
    let cases = [
        (
            ShellKind::Bash,
            r"\builtin command '/opt/it'\''s here/$(id)/ssoenv'",
        ),
        (
            ShellKind::Zsh,
            r"\builtin command '/opt/it'\''s here/$(id)/ssoenv'",
        ),
        (ShellKind::Fish, r"command '/opt/it\'s here/$(id)/ssoenv'"),
        (ShellKind::Powershell, "& '/opt/it''s here/$(id)/ssoenv'"),
        (ShellKind::Nu, "^r#'/opt/it's here/$(id)/ssoenv'#"),
        (ShellKind::Elvish, "'/opt/it''s here/$(id)/ssoenv'"),
    ];
    for (kind, call) in cases {
        let hook = init(kind, exe, "asp").expect("init");
        assert!(!hook.contains("__SSOENV_"), "{kind:?}");
        // Each hook also names it, quoted the same way, in the marker `ssoenv doctor` reads.
        let quoted = call.trim_start_matches(r"\builtin command ");
        let quoted = quoted
            .trim_start_matches("command ")
            .trim_start_matches("& ");
        let quoted = quoted.trim_start_matches('^');
        let marker = hook
            .lines()
            .find(|l| l.contains("_SSOENV_HOOK") && l.contains("/opt/it"))
            .unwrap_or_else(|| panic!("{kind:?}: no marker"));
        assert!(marker.contains(quoted), "{kind:?}: {marker}");
        // elvish's call is the quoted path alone, so its marker counts as one more call.
        let calls = hook.matches(call).count() - usize::from(marker.contains(call));
        assert_eq!(hook.matches("/opt/it").count(), calls + 1, "{kind:?}");
        // asp and completion; nushell's second completion call; the prompt-time refresh and
        // segment in the shells that keep them.
        let want = match kind {
            ShellKind::Elvish => 2,
            ShellKind::Nu => 3,
            _ => 4,
        };
        assert_eq!(calls, want, "{kind:?}\n{hook}");
    }
}

/// A stand-in for ssoenv in a folder whose name needs quoting: it records every call, answers
/// completion requests with two profiles, fails for the profile `broken` after printing a
/// line that must never be evaluated, and otherwise prints `script`.
struct FakeSsoenv {
    dir: tempfile::TempDir,
}

impl FakeSsoenv {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("it's here")).expect("mkdir");
        let fake = Self { dir };
        let script = r#"#!/bin/sh
dir=$(dirname "$0")
if [ -n "${COMPLETE-}" ]; then
    printf '%s %s %s\n' "$COMPLETE" "${_CLAP_COMPLETE_INDEX-none}" "$*" >>"$dir/completions"
    case $COMPLETE in
    bash) printf 'dev\nprod' ;;
    zsh) printf 'dev:111111111111 Developer\nprod:222222222222 Admin' ;;
    nu) printf '[{"value":"dev","description":"111111111111 Developer"},{"value":"prod","description":"222222222222 Admin"}]\n' ;;
    *) printf 'dev\t111111111111 Developer\nprod\t222222222222 Admin\n' ;;
    esac
    exit 0
fi
printf '%s\n' "$*" >>"$dir/calls"
case "$*" in
*--profile=broken*)
    printf 'export LEAKED=1\n'
    printf 'ssoenv: login required: run ssoenv login broken\n' >&2
    exit 4
    ;;
esac
cat "$dir/script"
"#;
        let exe = fake.exe();
        std::fs::write(&exe, script).expect("write fake");
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        fake
    }

    fn exe(&self) -> PathBuf {
        self.dir.path().join("it's here").join("ssoenv")
    }

    fn set_script(&self, text: &str) {
        std::fs::write(self.dir.path().join("it's here/script"), text).expect("write script");
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("it's here").join(name)).unwrap_or_default()
    }
}

#[test]
fn asp_switches_clears_and_leaves_the_shell_alone_on_failure() {
    let posix = r#"export AWS_SECRET_ACCESS_KEY=old
asp dev
echo "profile=$(printenv AWS_PROFILE)"
echo "secret=$(printenv AWS_SECRET_ACCESS_KEY || echo gone)"
asp -c dev
asp --credentials dev
asp
asp broken || echo "broken=$?"
echo "leaked=${LEAKED-no}"
asp a b || echo "usage=$?"
asp -x || echo "usage=$?"
"#;
    let fish = r#"set -gx AWS_SECRET_ACCESS_KEY old
asp dev
echo profile=(printenv AWS_PROFILE)
echo secret=(printenv AWS_SECRET_ACCESS_KEY; or echo gone)
asp -c dev
asp --credentials dev
asp
asp broken; or echo "broken=$status"
echo leaked=(set -q LEAKED; and echo yes; or echo no)
asp a b; or echo "usage=$status"
asp -x; or echo "usage=$status"
"#;
    let home = Home::new();
    for kind in REAL_SHELLS {
        let fake = FakeSsoenv::new();
        fake.set_script(
            &render(
                kind,
                &[
                    EnvChange::Set("AWS_PROFILE".into(), "it's dev".into()),
                    EnvChange::Unset("AWS_SECRET_ACCESS_KEY".into()),
                ],
            )
            .expect("render"),
        );
        let hook = init(kind, &fake.exe(), "asp").expect("init");
        let body = if kind == ShellKind::Fish { fish } else { posix };
        let (stdout, stderr, code) = with_hook(kind, &home, &hook, body);
        assert_eq!(
            (stdout.as_str(), code),
            (
                "profile=it's dev\nsecret=gone\nbroken=4\nleaked=no\nusage=2\nusage=2\n",
                0
            ),
            "{kind:?}: {stderr}"
        );
        assert_eq!(
            stderr,
            "ssoenv: login required: run ssoenv login broken\n\
             usage: asp [-c|--credentials] [-y|--yes] [PROFILE]\n\
             usage: asp [-c|--credentials] [-y|--yes] [PROFILE]\n",
            "{kind:?}"
        );
        assert_eq!(fake.log("calls"), asp_calls(kind), "{kind:?}");
    }
}

/// nushell and elvish report failure their own way: an error (with ssoenv's exit status in
/// `LAST_EXIT_CODE`) or an exception (with it in `exit-status`), which stops a script unless caught.
#[test]
fn asp_in_nu_and_elvish_switches_clears_and_leaves_the_shell_alone_on_failure() {
    let nu = r#"$env.AWS_SECRET_ACCESS_KEY = 'old'
asp dev
print $"profile=($env.AWS_PROFILE)"
print $"secret=($env.AWS_SECRET_ACCESS_KEY? | default gone)"
asp -c dev
asp --credentials dev
asp
try { asp broken } catch { print $"broken=($env.LAST_EXIT_CODE)" }
print $"leaked=($env.LEAKED? | default no)"
"#;
    let elvish = r#"set-env AWS_SECRET_ACCESS_KEY old
asp dev
echo profile=$E:AWS_PROFILE
echo secret=(if (has-env AWS_SECRET_ACCESS_KEY) { put $E:AWS_SECRET_ACCESS_KEY } else { put gone })
asp -c dev
asp --credentials dev
asp
try { asp broken } catch e { echo broken=$e[reason][exit-status] }
echo leaked=(if (has-env LEAKED) { put yes } else { put no })
try { asp a b } catch e { echo (to-string $e[reason][content]) }
try { asp -x } catch e { echo (to-string $e[reason][content]) }
"#;
    let usage = "usage: asp [-c|--credentials] [-y|--yes] [PROFILE]\n";
    let home = Home::new();
    for (kind, body, extra) in [
        (ShellKind::Nu, nu, String::new()),
        (ShellKind::Elvish, elvish, usage.repeat(2)),
    ] {
        let fake = FakeSsoenv::new();
        fake.set_script(
            &render(
                kind,
                &[
                    EnvChange::Set("AWS_PROFILE".into(), "it's dev".into()),
                    EnvChange::Unset("AWS_SECRET_ACCESS_KEY".into()),
                ],
            )
            .expect("render"),
        );
        let hook = init(kind, &fake.exe(), "asp").expect("init");
        let (stdout, stderr, code) = with_hook(kind, &home, &hook, body);
        assert_eq!(
            (stdout.as_str(), code),
            (
                format!("profile=it's dev\nsecret=gone\nbroken=4\nleaked=no\n{extra}").as_str(),
                0
            ),
            "{kind:?}: {stderr}"
        );
        assert_eq!(
            stderr, "ssoenv: login required: run ssoenv login broken\n",
            "{kind:?}"
        );
        assert_eq!(fake.log("calls"), asp_calls(kind), "{kind:?}");
    }
    // nushell checks the call against asp's signature before anything runs.
    let fake = FakeSsoenv::new();
    let hook = init(ShellKind::Nu, &fake.exe(), "asp").expect("init");
    for bad in ["asp a b", "asp -x"] {
        let (stdout, stderr, code) = with_hook(ShellKind::Nu, &home, &hook, bad);
        assert_eq!((stdout.as_str(), code), ("", 1), "{bad}: {stderr}");
        assert!(
            stderr.contains("`asp`") || stderr.contains("Usage: asp"),
            "{bad}: {stderr}"
        );
    }
    assert_eq!(fake.log("calls"), "");
}

/// Prints what a nushell completer returned as `VALUE<TAB>DESCRIPTION` lines.
const NU_SHOW: &str = "def show [] { each {|c| $\"($c.value)\\t($c.description? | default '')\\n\" } | str join | print --no-newline }\n";

#[test]
fn asp_completes_profile_names_with_their_descriptions() {
    let home = Home::new();
    let fake = FakeSsoenv::new();
    let cases = [
        (
            ShellKind::Bash,
            "COMP_WORDS=(asp d); COMP_CWORD=1; __ssoenv_complete_cmd asp d asp\n\
             \\builtin printf '%s\\n' \"${COMPREPLY[@]}\"\n\
             COMP_WORDS=(asp -c ''); COMP_CWORD=2; __ssoenv_complete_cmd asp '' -c\n\
             \\builtin printf '%s\\n' \"${COMPREPLY[@]}\"\n\
             COMP_WORDS=(asp dev ''); COMP_CWORD=2; __ssoenv_complete_cmd asp '' dev\n\
             \\builtin printf 'after a profile: %s\\n' \"${#COMPREPLY[@]}\"\n",
            "dev\nprod\ndev\nprod\nafter a profile: 0\n",
        ),
        (
            ShellKind::Zsh,
            "words=(asp d); CURRENT=2; PREFIX=d; __ssoenv_complete_cmd\n\
             words=(asp -c ''); CURRENT=3; PREFIX=''; __ssoenv_complete_cmd\n\
             words=(asp dev ''); CURRENT=3; PREFIX=''; __ssoenv_complete_cmd || true\n",
            "dev:111111111111 Developer\nprod:222222222222 Admin\n\
             dev:111111111111 Developer\nprod:222222222222 Admin\n",
        ),
        (
            ShellKind::Fish,
            "builtin complete -C 'asp d'\nbuiltin complete -C 'asp -c '\nbuiltin complete -C 'asp dev '\n",
            "dev\t111111111111 Developer\n\
             dev\t111111111111 Developer\nprod\t222222222222 Admin\n",
        ),
        // nushell calls asp's argument completer with the line so far, and filters what it
        // returns by the word itself.
        (
            ShellKind::Nu,
            &format!(
                "{NU_SHOW}__ssoenv_profiles 'asp d' | show\n__ssoenv_profiles 'asp -c ' | show\n\
                 __ssoenv_profiles 'asp -' | show\n"
            ),
            "dev\t111111111111 Developer\nprod\t222222222222 Admin\n\
             dev\t111111111111 Developer\nprod\t222222222222 Admin\n",
        ),
        (
            ShellKind::Elvish,
            "$edit:completion:arg-completer[asp] asp d\n\
             $edit:completion:arg-completer[asp] asp -c ''\n\
             $edit:completion:arg-completer[asp] asp dev ''\n",
            "dev\tdev  111111111111 Developer\nprod\tprod  222222222222 Admin\n\
             dev\tdev  111111111111 Developer\nprod\tprod  222222222222 Admin\n",
        ),
    ];
    assert_completions(&home, &cases, |kind| {
        init(kind, &fake.exe(), "asp").expect("init")
    });
    assert_eq!(
        fake.log("completions"),
        "bash 3 -- ssoenv env -- d\nbash 3 -- ssoenv env -- \n\
         zsh 3 -- ssoenv env -- d\nzsh 3 -- ssoenv env -- \n\
         fish none -- ssoenv env -- d\nfish none -- ssoenv env -- \n\
         nu none -- ssoenv env -- d\nnu none -- ssoenv env -- \n\
         nu none -- ssoenv env -- d\nnu none -- ssoenv env -- \n"
    );
}

#[test]
fn ssoenv_completes_through_its_own_engine() {
    let home = Home::new();
    let cases = [
        (
            ShellKind::Bash,
            "COMP_WORDS=(ssoenv en); COMP_CWORD=1; __ssoenv_complete ssoenv en ssoenv\n\
             \\builtin printf '%s\\n' \"${COMPREPLY[@]}\"\n\
             COMP_WORDS=(ssoenv env --shell f); COMP_CWORD=3; __ssoenv_complete ssoenv f --shell\n\
             \\builtin printf '%s\\n' \"${COMPREPLY[@]}\"\n",
            "env\nfish\n",
        ),
        (
            ShellKind::Zsh,
            "words=(ssoenv en); CURRENT=2; __ssoenv_complete\n\
             words=(ssoenv env --shell f); CURRENT=4; __ssoenv_complete\n",
            "env:Print a script that the shell evaluates to switch profile\nfish\n",
        ),
        (
            ShellKind::Fish,
            "builtin complete -C 'ssoenv en'\nbuiltin complete -C 'ssoenv env --shell f'\n",
            "env\tPrint a script that the shell evaluates to switch profile\nfish\n",
        ),
        (
            ShellKind::Nu,
            &format!(
                "{NU_SHOW}do $env.config.completions.external.completer [ssoenv en] | show\n\
                 do $env.config.completions.external.completer [ssoenv env --shell f] | show\n\
                 if (do $env.config.completions.external.completer [ls '']) != null {{ print chained }}\n"
            ),
            "env\tPrint a script that the shell evaluates to switch profile\nfish\t\n",
        ),
        (
            ShellKind::Elvish,
            "$edit:completion:arg-completer[ssoenv] ssoenv en\n\
             $edit:completion:arg-completer[ssoenv] ssoenv env --shell f\n",
            "env\tenv  Print a script that the shell evaluates to switch profile\nfish\tfish\n",
        ),
    ];
    assert_completions(&home, &cases, |kind| init_output(&home, kind, &[]));
}

const TWO_PROFILES: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\n\
    sso_role_name = Developer\nregion = eu-west-1\n\n[profile prod]\nsso_session = corp\n\
    sso_account_id = 222222222222\nsso_role_name = Admin\n\n[sso-session corp]\n\
    sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";

/// A valid token for the sso-session `corp`, as `aws sso login` caches it, so `asp`'s `--login`
/// finds nothing to do.
fn write_corp_token(home: &Home) {
    let token = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": "token",
        "expiresAt": "2099-01-01T00:00:00Z",
    });
    home.write_session_token("corp", &token.to_string());
}

#[test]
fn asp_drives_the_real_env_command() {
    let posix = r#"export AWS_SECRET_ACCESS_KEY=stale
asp dev
env | grep -E '^(AWS_|SSOENV_)' | sort || true
asp nosuch || echo "status=$?"
env | grep -E '^(AWS_|SSOENV_)' | sort || true
asp
env | grep -E '^(AWS_|SSOENV_)' || echo cleared
"#;
    let fish = r#"set -gx AWS_SECRET_ACCESS_KEY stale
asp dev
env | string match -r '^(?:AWS_|SSOENV_).*' | sort
asp nosuch; or echo "status=$status"
env | string match -r '^(?:AWS_|SSOENV_).*' | sort
asp
env | string match -qr '^(?:AWS_|SSOENV_)'; or echo cleared
"#;
    for kind in REAL_SHELLS {
        let body = if kind == ShellKind::Fish { fish } else { posix };
        assert_asp_drives_env(kind, body);
    }
}

/// Runs `body` (stale key set, `asp dev`, list, `asp nosuch`, list, `asp`, check cleared) in
/// `kind` with the real hook: the switch clears the stale key, the unknown profile changes
/// nothing and returns 3 with one line on stderr, and `asp` alone clears everything.
fn assert_asp_drives_env(kind: ShellKind, body: &str) {
    let home = Home::new();
    home.write_config(TWO_PROFILES);
    write_corp_token(&home);
    let switched = "AWS_DEFAULT_REGION=eu-west-1\nAWS_PROFILE=dev\nAWS_REGION=eu-west-1\n";
    let hook = init_output(&home, kind, &[]);
    let (stdout, stderr, code) = with_hook(kind, &home, &hook, body);
    assert_eq!(
        (stdout, code),
        (format!("{switched}status=3\n{switched}cleared\n"), 0),
        "{kind:?}: {stderr}"
    );
    assert!(
        stderr.starts_with("ssoenv: ") && stderr.contains("nosuch") && stderr.lines().count() == 1,
        "{kind:?}: {stderr}"
    );
}

#[test]
fn asp_in_nu_and_elvish_drives_the_real_env_command() {
    let list = "env | grep -E '^(AWS_|SSOENV_)' | sort";
    let none = "env | grep -qE '^(AWS_|SSOENV_)' || echo cleared";
    let nu = format!(
        "$env.AWS_SECRET_ACCESS_KEY = 'stale'\nasp dev\n^sh -c r#'{list}'#\n\
         try {{ asp nosuch }} catch {{ print $\"status=($env.LAST_EXIT_CODE)\" }}\n\
         ^sh -c r#'{list}'#\nasp\n^sh -c r#'{none}'#\n"
    );
    let (list, none) = (list.replace('\'', "''"), none.replace('\'', "''"));
    let elvish = format!(
        "set-env AWS_SECRET_ACCESS_KEY stale\nasp dev\nsh -c '{list}'\n\
         try {{ asp nosuch }} catch e {{ echo status=$e[reason][exit-status] }}\n\
         sh -c '{list}'\nasp\nsh -c '{none}'\n"
    );
    assert_asp_drives_env(ShellKind::Nu, &nu);
    assert_asp_drives_env(ShellKind::Elvish, &elvish);
}

/// The README's prompt snippets for nushell and elvish, run in the real shells: the right prompt
/// shows the active profile's segment, and nothing without one.
#[test]
fn the_readme_prompt_snippets_for_nu_and_elvish_show_the_segment() {
    let snippet = |fence: &str| readme_snippet("## The prompt segment", fence);
    let home = Home::new();
    home.write_config(TWO_PROFILES);
    write_corp_token(&home);
    let cases = [
        (
            ShellKind::Nu,
            format!(
                "{}\nprint (do $env.PROMPT_COMMAND_RIGHT)\n$env.AWS_PROFILE = 'dev'\nprint (do $env.PROMPT_COMMAND_RIGHT)\n",
                snippet("```nu\n")
            ),
        ),
        (
            ShellKind::Elvish,
            format!(
                "{ELVISH_EDITOR}{}\nvar p = [($edit:rprompt)]\necho (count $p) $@p\n\
                 set-env AWS_PROFILE dev\nset p = [($edit:rprompt)]\necho (count $p) $@p\n",
                snippet("```elvish\n")
            )
            .replace("var edit: = (ns [", "var edit: = (ns [&rprompt=$nil "),
        ),
    ];
    for (kind, script) in cases {
        let out = strict_shell(kind, home.path(), &script)
            .env("PATH", crate::common::path_with_bin())
            .output()
            .expect("run shell");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let want = match kind {
            ShellKind::Nu => "\n111111111111/Developer eu-west-1 ",
            _ => "0\n1 111111111111/Developer eu-west-1 ",
        };
        assert!(
            out.status.success() && stdout.starts_with(want) && stderr.is_empty(),
            "{kind:?}: {stdout:?} {stderr}"
        );
    }
}

#[test]
fn asp_completes_the_real_profile_names_with_account_and_role() {
    let home = Home::new();
    home.write_config(TWO_PROFILES);
    let cases = [
        (
            ShellKind::Bash,
            "COMP_WORDS=(asp ''); COMP_CWORD=1; __ssoenv_complete_cmd asp '' asp\n\
             \\builtin printf '%s\\n' \"${COMPREPLY[@]}\"\n\
             COMP_WORDS=(asp -c p); COMP_CWORD=2; __ssoenv_complete_cmd asp p -c\n\
             \\builtin printf '%s\\n' \"${COMPREPLY[@]}\"\n",
            "dev\nprod\nprod\n",
        ),
        (
            ShellKind::Zsh,
            "words=(asp ''); CURRENT=2; PREFIX=''; __ssoenv_complete_cmd\n\
             words=(asp -c p); CURRENT=3; PREFIX=p; __ssoenv_complete_cmd\n",
            "dev:111111111111 Developer\nprod:222222222222 Admin\nprod:222222222222 Admin\n",
        ),
        (
            ShellKind::Fish,
            "builtin complete -C 'asp '\nbuiltin complete -C 'asp -c p'\n",
            "dev\t111111111111 Developer\nprod\t222222222222 Admin\nprod\t222222222222 Admin\n",
        ),
        (
            ShellKind::Nu,
            &format!(
                "{NU_SHOW}__ssoenv_profiles 'asp ' | show\n__ssoenv_profiles 'asp -c p' | show\n"
            ),
            "dev\t111111111111 Developer\nprod\t222222222222 Admin\nprod\t222222222222 Admin\n",
        ),
        (
            ShellKind::Elvish,
            "$edit:completion:arg-completer[asp] asp ''\n\
             $edit:completion:arg-completer[asp] asp -c p\n",
            "dev\tdev  111111111111 Developer\nprod\tprod  222222222222 Admin\n\
             prod\tprod  222222222222 Admin\n",
        ),
    ];
    assert_completions(&home, &cases, |kind| init_output(&home, kind, &[]));
}

#[test]
fn asp_keeps_the_keys_out_of_a_trace_and_leaves_tracing_on() {
    let cases = [
        (
            ShellKind::Bash,
            "set -x\nasp -c dev\nasp broken || true\n[[ $- == *x* ]] && echo still tracing\n",
        ),
        (
            ShellKind::Zsh,
            "set -x\nasp -c dev\nasp broken || true\n[[ -o xtrace ]] && echo still tracing\n",
        ),
        (
            ShellKind::Fish,
            "set -g fish_trace 1\nasp -c dev\nasp broken\nset -q fish_trace; and echo still tracing\n",
        ),
    ];
    let home = Home::new();
    for (kind, body) in cases {
        let fake = FakeSsoenv::new();
        let changes = [EnvChange::Set(
            "AWS_SECRET_ACCESS_KEY".into(),
            "wJalrXUtnFEMI".into(),
        )];
        fake.set_script(&render(kind, &changes).expect("render"));
        let hook = init(kind, &fake.exe(), "asp").expect("init");
        let (stdout, stderr, code) = with_hook(kind, &home, &hook, body);
        assert_eq!(
            (stdout.as_str(), code),
            ("still tracing\n", 0),
            "{kind:?}: {stderr}"
        );
        assert!(!stderr.contains("wJalrXUtnFEMI"), "{kind:?}: {stderr}");
        assert!(stderr.contains("asp"), "{kind:?} traced nothing: {stderr}");
    }
}

/// TAB in a real interactive shell completes `asp` with profile names and `ssoenv` with its
/// subcommands, and the completed `asp` line switches profile.
fn tab_completes_in_an_interactive(kind: ShellKind) {
    let home = Home::new();
    home.write_config(TWO_PROFILES);
    write_corp_token(&home);
    let shell = Interactive::start(kind, &home);
    shell.complete("ssoenv wh", "> ssoenv whoami");
    shell.complete("asp -c p", "> asp -c prod");
    shell.complete("asp p", "> asp prod");
    shell.send(&["Enter", "C-u", "echo \"[$AWS_PROFILE]\"", "Enter"]);
    shell.wait_for("the switched profile", |screen| screen.contains("[prod]"));
    shell.send(&["C-l"]);
    match kind {
        // bash lists the names on a second TAB, without descriptions.
        ShellKind::Bash => {
            shell.send(&["C-u", "asp ", "Tab", "Tab"]);
            shell.wait_for("the names", |s| s.contains("dev") && s.contains("prod"));
        }
        _ => {
            shell.complete("asp ", "111111111111 Developer");
            shell.wait_for("both descriptions", |s| s.contains("222222222222 Admin"));
        }
    }
}

#[test]
fn tab_completes_in_an_interactive_bash() {
    tab_completes_in_an_interactive(ShellKind::Bash);
}

#[test]
fn tab_completes_in_an_interactive_zsh() {
    tab_completes_in_an_interactive(ShellKind::Zsh);
}

#[test]
fn tab_completes_in_an_interactive_fish() {
    tab_completes_in_an_interactive(ShellKind::Fish);
}

/// What the `asp` scripts above ask of ssoenv, in order: `dev`, `-c dev`, `--credentials dev`,
/// nothing (clear), `broken`.
fn asp_calls(kind: ShellKind) -> String {
    let sh = kind.name();
    format!(
        "env --shell {sh} --login --profile=dev\n\
         env --shell {sh} --login --credentials --profile=dev\n\
         env --shell {sh} --login --credentials --profile=dev\n\
         env --shell {sh} --unset\n\
         env --shell {sh} --login --profile=broken\n"
    )
}
