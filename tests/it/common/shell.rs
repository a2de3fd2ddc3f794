//! Real shells in strict mode around a throw-away HOME, hooks loaded into them the way an rc
//! file does, the check that a shell's completion offers exactly what it should, and interactive
//! shells driven through tmux.

use std::path::{Path, PathBuf};
use std::process::Command;

use ssoenv::shell::ShellKind;

use super::{Home, ssoenv_bin};

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
        // nushell has no `set -e`: a failing command already stops the script; pipefail makes a
        // failure anywhere in a pipeline count, and type annotations are checked at run time.
        ShellKind::Nu => {
            let mut c = Command::new("nu");
            c.args([
                "--no-config-file",
                "--no-std-lib",
                "--experimental-options",
                "[pipefail, enforce-runtime-annotations]",
                "-c",
            ]);
            c
        }
        // elvish is strict by nature: a failing command raises an exception that ends the script.
        ShellKind::Elvish => {
            let mut c = Command::new("elvish");
            c.args(["-norc", "-c"]);
            c
        }
        ShellKind::Powershell => unreachable!("PowerShell is pinned by exact-string tests only"),
        ShellKind::Sh => unreachable!("POSIX sh has no hook; its round trips are in ship.rs"),
    };
    cmd.arg(script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LC_ALL", "C.UTF-8");
    cmd
}

/// Aliases and functions that shadow every command the hooks use, defined before the hook is
/// loaded and left in place: the hooks must work through them. (A function called `builtin`
/// would defeat any hook; no shell offers a way around that.)
pub fn hostile(kind: ShellKind) -> String {
    let (functions, aliases): (&[&str], &[&str]) = match kind {
        ShellKind::Bash => (
            &[
                "local", "eval", "command", "shift", "printf", "read", "compopt", "complete",
            ],
            &["builtin", "return"],
        ),
        ShellKind::Zsh => (
            &["local", "emulate", "eval", "command", "shift", "print"],
            &["builtin", "return", "compdef", "_describe"],
        ),
        ShellKind::Fish => {
            let names = [
                "printf",
                "contains",
                "count",
                "source",
                "complete",
                "commandline",
            ];
            return names
                .iter()
                .map(|f| format!("function {f}; echo HIJACKED; end\n"))
                .collect();
        }
        ShellKind::Nu | ShellKind::Elvish => return String::new(),
        ShellKind::Powershell => unreachable!("PowerShell is pinned by exact-string tests only"),
        ShellKind::Sh => unreachable!("POSIX sh has no hook; its round trips are in ship.rs"),
    };
    let mut text = String::from(if kind == ShellKind::Bash {
        "shopt -s expand_aliases\n"
    } else {
        ""
    });
    for f in functions {
        text.push_str(&format!("function {f} {{ echo HIJACKED; }}\n"));
    }
    for a in functions.iter().chain(aliases) {
        text.push_str(&format!("alias {a}='echo HIJACKED'\n"));
    }
    text
}

/// elvish has no line editor under `-c`, so no `edit:` namespace: this stand-in gives the hook one
/// to register with, whose `complex-candidate` prints `VALUE<TAB>DISPLAY` lines.
pub const ELVISH_EDITOR: &str = "var edit: = (ns [&completion:=(ns [&arg-completer=[&]]) \
    &add-var~={|name value| } &complex-candidate~={|value &display=''| echo $value\"\t\"$display }])\n";

/// Runs `body` in `kind` after loading `hook` from the `HOOK` variable, as the rc-file line does,
/// with the [`hostile`] aliases and functions in place throughout. nushell sources the hook from
/// a file, as its autoload directory does; elvish evaluates hook and body together (what `eval`
/// defines is not visible to code compiled before it), with [`ELVISH_EDITOR`] in place.
pub fn with_hook(kind: ShellKind, home: &Home, hook: &str, body: &str) -> (String, String, i32) {
    let load = match kind {
        ShellKind::Fish => "builtin printf '%s' $HOOK | builtin source\n".to_string(),
        ShellKind::Nu => {
            let file = home.path().join("ssoenv-hook.nu");
            std::fs::write(&file, hook).expect("write hook");
            format!("source r#'{}'#\n", file.display())
        }
        ShellKind::Elvish => {
            format!("{ELVISH_EDITOR}eval $E:HOOK\"\\n\"$E:BODY\n")
        }
        _ => "\\builtin eval \"$HOOK\"\n".to_string(),
    };
    let script = if kind == ShellKind::Elvish {
        load
    } else {
        format!("{}{load}{body}", hostile(kind))
    };
    let out = strict_shell(kind, home.path(), &script)
        .env("HOOK", hook)
        .env("BODY", body)
        .output()
        .expect("run shell");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// zsh's `_describe` only runs inside the completion system; outside it, a stand-in prints the
/// `value:description` pairs it would have been given.
pub const ZSH_DESCRIBE: &str = "function _describe { \\builtin print -rl -- \"${(@P)3}\"; }\n";

/// Runs each `(shell, body, want)` after loading `hook(shell)`: the body prints what the shell's
/// completion offers, which must be exactly `want`, with nothing on stderr and status 0.
pub fn assert_completions(
    home: &Home,
    cases: &[(ShellKind, &str, &str)],
    hook: impl Fn(ShellKind) -> String,
) {
    for &(kind, body, want) in cases {
        let body = if kind == ShellKind::Zsh {
            format!("{ZSH_DESCRIBE}{body}")
        } else {
            body.to_string()
        };
        let (stdout, stderr, code) = with_hook(kind, home, &hook(kind), &body);
        assert_eq!(
            (stdout.as_str(), stderr.as_str(), code),
            (want, "", 0),
            "{kind:?}"
        );
    }
}

/// Characters that have broken shell quoting somewhere: quotes of every kind, expansion and glob
/// characters, history `!`, whitespace, control bytes (not NUL), and UTF-8 of every width.
fn hostile_char() -> impl proptest::strategy::Strategy<Value = char> {
    use proptest::prelude::*;
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

/// A value of up to 20 such characters, sometimes ending in a backslash.
pub fn hostile_value() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    (prop::collection::vec(hostile_char(), 0..20), any::<bool>()).prop_map(|(chars, backslash)| {
        let mut value: String = chars.into_iter().collect();
        if backslash {
            value.push('\\');
        }
        value
    })
}

/// The `V_*` variables in `env -0` output, by name: what the round-trip tests compare.
pub fn v_vars(env0: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    env0.split(|b| *b == 0)
        .filter(|entry| entry.starts_with(b"V_"))
        .filter_map(|entry| {
            let eq = entry.iter().position(|b| *b == b'=')?;
            let name = String::from_utf8(entry[..eq].to_vec()).ok()?;
            Some((name, entry[eq + 1..].to_vec()))
        })
        .collect()
}

/// An interactive shell in a detached tmux session, for what only a real line editor does: TAB
/// through the shell's own completion system, menus and descriptions included.
pub struct Interactive {
    socket: PathBuf,
}

impl Interactive {
    /// Starts `kind` interactively with `home`, loading the hook from the real binary the way the
    /// README's rc-file line does, with `> ` as the prompt.
    pub fn start(kind: ShellKind, home: &Home) -> Self {
        Self::start_with(kind, home, &[])
    }

    /// [`Interactive::start`] with `vars` in the shell's environment as well.
    pub fn start_with(kind: ShellKind, home: &Home, vars: &[(String, String)]) -> Self {
        let dir = home.path();
        let (program, args): (&str, Vec<String>) = match kind {
            ShellKind::Bash => {
                let rc = dir.join(".bashrc");
                std::fs::write(&rc, "eval \"$(\"$SSOENV_BIN\" init bash)\"\nPS1='> '\n")
                    .expect("bashrc");
                let rc = rc.to_string_lossy().into_owned();
                (
                    "bash",
                    vec!["--noprofile".into(), "--rcfile".into(), rc, "-i".into()],
                )
            }
            ShellKind::Zsh => {
                let rc = "autoload -Uz compinit && compinit -u -d \"$HOME/.zcompdump\"\n\
                          eval \"$(\"$SSOENV_BIN\" init zsh)\"\nPS1='> '\n";
                std::fs::write(dir.join(".zshrc"), rc).expect("zshrc");
                ("zsh", vec!["-i".into()])
            }
            ShellKind::Fish => {
                let init = "\"$SSOENV_BIN\" init fish | source\nset -g fish_greeting\n\
                            function fish_prompt; echo -n '> '; end";
                (
                    "fish",
                    vec![
                        "--no-config".into(),
                        "--private".into(),
                        "-i".into(),
                        "-C".into(),
                        init.into(),
                    ],
                )
            }
            ShellKind::Powershell | ShellKind::Nu | ShellKind::Elvish | ShellKind::Sh => {
                unreachable!("only bash, zsh and fish are driven through tmux")
            }
        };
        let session = Self {
            socket: dir.join("tmux.sock"),
        };
        let mut start = session.tmux();
        start
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "30",
                program,
            ])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("ZDOTDIR", dir)
            .env("TERM", "xterm-256color")
            .env("LC_ALL", "C.UTF-8")
            .env("SSOENV_BIN", ssoenv_bin())
            .envs(vars.iter().map(|(k, v)| (k, v)));
        tmux_ok(&mut start);
        // capture-pane drops trailing blanks, so the prompt shows as a bare `>`.
        session.wait_for("the prompt", |screen| {
            screen.lines().any(|l| l.starts_with('>'))
        });
        session
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&self.socket);
        cmd
    }

    /// Types keys (tmux key names such as `Tab`, `Enter`, `C-u`, or literal text).
    pub fn send(&self, keys: &[&str]) {
        tmux_ok(self.tmux().arg("send-keys").args(keys));
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p"])
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (up to 20 s on a busy machine) until the screen satisfies `done`.
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never saw {what}:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Clears the line, types `text`, presses TAB and waits until the screen shows `want`.
    pub fn complete(&self, text: &str, want: &str) -> String {
        self.send(&["C-u", text, "Tab"]);
        self.wait_for(want, |screen| screen.contains(want))
    }
}

impl Drop for Interactive {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

/// A fenced snippet of the README: the first ```` ```LANG ```` block after `heading`.
pub fn readme_snippet(heading: &str, fence: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let section = readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading} in README"));
    let readme = &readme[section..];
    let start = readme
        .find(fence)
        .unwrap_or_else(|| panic!("no {fence} after {heading} in README"));
    let body = &readme[start + fence.len()..];
    body[..body.find("```").expect("closed fence")].to_string()
}

/// The programs (absolute paths) that `body` starts in `kind`, beyond what `setup` does alone,
/// counted by `strace -f -e trace=execve` around the strict shell with `vars` added.
pub fn count_execs(
    kind: ShellKind,
    home: &Home,
    setup: &str,
    body: &str,
    vars: &[(&str, &str)],
) -> Vec<String> {
    let execs = |script: &str| {
        let log = home.path().join("execve.log");
        let shell = strict_shell(kind, home.path(), script);
        let mut cmd = Command::new("strace");
        cmd.args(["-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o"])
            .arg(&log)
            .arg(shell.get_program())
            .args(shell.get_args())
            .env_clear()
            .envs(
                shell
                    .get_envs()
                    .filter_map(|(k, v)| Some((k.to_os_string(), v?.to_os_string()))),
            )
            .envs(vars.iter().copied());
        let out = cmd.output().expect("strace");
        assert!(
            out.status.success(),
            "{kind:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&log).expect("strace log");
        text.lines()
            .filter(|l| l.ends_with(" = 0"))
            .filter_map(|l| Some(l.split_once("execve(\"")?.1.split_once('"')?.0.to_string()))
            .collect::<Vec<_>>()
    };
    let mut alone = execs(setup);
    let mut all = execs(&format!("{setup}\n{body}"));
    all.retain(|program| match alone.iter().position(|p| p == program) {
        Some(i) => {
            alone.remove(i);
            false
        }
        None => true,
    });
    all
}

/// Runs a tmux command, failing the test with tmux's message when it fails.
fn tmux_ok(cmd: &mut Command) {
    let out = cmd.output().expect("tmux");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
