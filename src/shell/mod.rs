//! Everything ssoenv prints for a shell to evaluate: one small module per shell, each with its
//! quoting rules written down and pinned by exact tests.
//!
//! What should change is a list of [`EnvChange`]s (the one change type, from `crate::env`), and
//! [`render`] writes it for the user's shell:
//!
//! ```
//! use ssoenv::shell::{EnvChange, ShellKind, render};
//!
//! let script = render(
//!     ShellKind::Bash,
//!     &[
//!         EnvChange::Set("AWS_PROFILE".into(), "O'Brien".into()),
//!         EnvChange::Unset("AWS_SESSION_TOKEN".into()),
//!     ],
//! )
//! .unwrap();
//! assert_eq!(script, "export AWS_PROFILE='O'\\''Brien'\nunset -v AWS_SESSION_TOKEN\n");
//! ```
//!
//! A change is refused, and nothing at all is rendered, when its name is not an identifier
//! (`[A-Za-z_][A-Za-z0-9_]*`) or its value holds a NUL byte (no environment can carry one): a
//! half-applied script would leave the shell in a state nobody asked for.
//!
//! [`init`] prints the hook (`shell/ssoenv.*` at the crate root): the profile-switching function
//! and tab completion. The hooks ask the binary itself for completions through clap_complete's
//! `COMPLETE` protocol instead of evaluating its registration script at start-up, so loading the
//! hook costs no extra process and works before zsh's compinit or under `set -u`.

mod elvish;
mod fish;
mod nu;
mod posix;
mod pwsh;
mod syntax;

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use syntax::Shell;

use crate::env::Env;
pub use crate::env::EnvChange;

/// The shells ssoenv prints scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    #[value(alias = "nushell")]
    Nu,
    Elvish,
    /// POSIX sh (dash, ksh, busybox ash): bash's quoting, which is POSIX; no hook.
    #[value(alias = "dash", alias = "ash", alias = "ksh")]
    Sh,
}

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(
        "cannot tell the shell from $SHELL ({0}); pass --shell bash, zsh, fish, powershell, nu or elvish (or sh for dash, ksh, busybox sh)"
    )]
    Unknown(String),
    #[error(
        "ssoenv has no hook for POSIX sh, which has no completion to register; \
         use bash, zsh, fish or powershell, or evaluate `ssoenv env --shell sh PROFILE` yourself"
    )]
    NoHook,
    #[error(
        "`{0}` is not a valid variable name (letters, digits and `_`, not starting with a digit)"
    )]
    InvalidName(String),
    #[error("the value for {0} contains a NUL byte, which no environment variable can hold")]
    NulInValue(String),
    #[error(
        "`{0}` cannot name the shell function (letters, digits and `_`, not starting with a digit)"
    )]
    InvalidCommandName(String),
    #[error("the path of ssoenv ({}) is not UTF-8, so no shell hook can name it", .0.display())]
    NonUtf8Exe(PathBuf),
    #[error(
        "the {0} hook keeps no prompt segment; `--for-hook` is for bash, zsh, fish and powershell \
         (use `ssoenv prompt` in the prompt itself)"
    )]
    NoPromptHook(&'static str),
}

/// The script that applies `changes` in order, one command a line, for `kind` to evaluate.
pub fn render(kind: ShellKind, changes: &[EnvChange]) -> Result<String, ShellError> {
    for change in changes {
        check_name(change.name())?;
        if let EnvChange::Set(name, value) = change
            && value.contains('\0')
        {
            return Err(ShellError::NulInValue(name.to_string()));
        }
    }
    Ok(kind.shell().script(changes))
}

/// The script that a prompt hook evaluates to keep its state: `changes` to the environment (the
/// segment, exported so that tools such as starship see it), then each of `lists` as a list
/// variable in the shell's own global scope, not exported. Refused for a shell whose hook keeps
/// no such state.
pub fn hook_state(
    kind: ShellKind,
    changes: &[EnvChange],
    lists: &[(&str, Vec<String>)],
) -> Result<String, ShellError> {
    let mut script = render(kind, changes)?;
    for (name, values) in lists {
        check_name(name)?;
        if values.iter().any(|v| v.contains('\0')) {
            return Err(ShellError::NulInValue(name.to_string()));
        }
        let line = kind
            .shell()
            .set_list(name, values)
            .ok_or(ShellError::NoPromptHook(kind.name()))?;
        script.push_str(&line);
        script.push('\n');
    }
    Ok(script)
}

/// `[A-Za-z_][A-Za-z0-9_]*`: the names every one of our shells accepts bare, so a name never needs
/// quoting and can never smuggle in syntax.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The hook for `kind`: a function named `cmd` that runs `exe env …` and evaluates what it prints,
/// and tab completion for it and for `ssoenv`. `exe` should be absolute (`current_exe()`), so the
/// hook never depends on `PATH` or recurses into a function of the same name.
pub fn init(kind: ShellKind, exe: &Path, cmd: &str) -> Result<String, ShellError> {
    if !is_identifier(cmd) {
        return Err(ShellError::InvalidCommandName(cmd.to_string()));
    }
    let exe = exe
        .to_str()
        .ok_or_else(|| ShellError::NonUtf8Exe(exe.to_path_buf()))?;
    let shell = kind.shell();
    if shell.hook().is_empty() {
        return Err(ShellError::NoHook);
    }
    // The exe goes in last, so a path that happens to contain a placeholder stays as it is.
    let parts: Vec<String> = shell
        .hook()
        .split("__SSOENV_EXE__")
        .map(|part| part.replace("__SSOENV_CMD__", cmd))
        .collect();
    Ok(parts.join(&shell.quote(exe)))
}

fn check_name(name: &str) -> Result<(), ShellError> {
    if is_identifier(name) {
        Ok(())
    } else {
        Err(ShellError::InvalidName(name.to_string()))
    }
}

impl ShellKind {
    /// The user's shell, from the file name in `$SHELL` (`/usr/bin/zsh`, `/bin/bash`,
    /// `C:\...\pwsh.exe`); `-bash` (a login shell's spelling) counts too.
    pub fn from_env(env: &Env) -> Result<ShellKind, ShellError> {
        let Some(shell) = env.var("SHELL") else {
            return Err(ShellError::Unknown("not set".to_string()));
        };
        let file = shell.rsplit(['/', '\\']).next().unwrap_or_default();
        let file = file.strip_prefix('-').unwrap_or(file);
        let file = file.strip_suffix(".exe").unwrap_or(file);
        match file {
            "bash" => Ok(ShellKind::Bash),
            "zsh" => Ok(ShellKind::Zsh),
            "fish" => Ok(ShellKind::Fish),
            "pwsh" | "powershell" => Ok(ShellKind::Powershell),
            "nu" | "nushell" => Ok(ShellKind::Nu),
            "elvish" => Ok(ShellKind::Elvish),
            "sh" | "dash" | "ash" | "ksh" | "ksh93" | "mksh" | "busybox" => Ok(ShellKind::Sh),
            _ => Err(ShellError::Unknown(shell)),
        }
    }

    /// The name the command line uses for this shell (`--shell NAME`, `ssoenv init NAME`).
    pub fn name(self) -> &'static str {
        match self {
            ShellKind::Bash => "bash",
            ShellKind::Zsh => "zsh",
            ShellKind::Fish => "fish",
            ShellKind::Powershell => "powershell",
            ShellKind::Nu => "nu",
            ShellKind::Elvish => "elvish",
            ShellKind::Sh => "sh",
        }
    }

    fn shell(self) -> &'static dyn Shell {
        match self {
            ShellKind::Bash => &posix::BASH,
            ShellKind::Zsh => &posix::ZSH,
            ShellKind::Fish => &fish::Fish,
            ShellKind::Powershell => &pwsh::Pwsh,
            ShellKind::Nu => &nu::Nu,
            ShellKind::Elvish => &elvish::Elvish,
            ShellKind::Sh => &posix::SH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(shell: &str) -> Result<ShellKind, ShellError> {
        ShellKind::from_env(&Env::from_map([("SHELL", shell)]))
    }

    #[test]
    fn shell_is_told_from_the_file_name_in_shell() {
        assert_eq!(detect("/usr/bin/zsh").unwrap(), ShellKind::Zsh);
        assert_eq!(detect("/bin/bash").unwrap(), ShellKind::Bash);
        assert_eq!(detect("-bash").unwrap(), ShellKind::Bash);
        assert_eq!(detect("/usr/local/bin/fish").unwrap(), ShellKind::Fish);
        assert_eq!(detect("pwsh").unwrap(), ShellKind::Powershell);
        assert_eq!(
            detect("/opt/microsoft/powershell/7/pwsh").unwrap(),
            ShellKind::Powershell
        );
        assert_eq!(
            detect(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe").unwrap(),
            ShellKind::Powershell
        );
        assert_eq!(detect("/usr/bin/nu").unwrap(), ShellKind::Nu);
        assert_eq!(detect("/usr/bin/elvish").unwrap(), ShellKind::Elvish);
        for sh in [
            "/bin/sh",
            "/usr/bin/dash",
            "/bin/ksh",
            "/bin/mksh",
            "/bin/ash",
            "/bin/busybox",
        ] {
            assert_eq!(detect(sh).unwrap(), ShellKind::Sh, "{sh}");
        }
    }

    #[test]
    fn an_unknown_or_missing_shell_names_the_choices() {
        let err = detect("/bin/tcsh").unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot tell the shell from $SHELL (/bin/tcsh); pass --shell bash, zsh, fish, powershell, nu or elvish (or sh for dash, ksh, busybox sh)"
        );
        assert!(matches!(detect("/bin/bash/"), Err(ShellError::Unknown(_))));
        let unset = ShellKind::from_env(&Env::from_map::<&str, &str>([])).unwrap_err();
        assert!(unset.to_string().contains("(not set)"), "{unset}");
    }

    #[test]
    fn identifiers_are_letters_digits_and_underscores_not_led_by_a_digit() {
        for good in ["A", "_", "AWS_PROFILE", "a1", "_9"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "É", "A;B", "A\n", "$A"] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn invalid_names_are_refused_for_every_shell_and_nothing_is_rendered() {
        for kind in ShellKind::value_variants() {
            let set = [
                EnvChange::Set("OK".into(), "v".into()),
                EnvChange::Set("X;rm -rf /".into(), "v".into()),
            ];
            assert!(
                matches!(render(*kind, &set), Err(ShellError::InvalidName(n)) if n == "X;rm -rf /")
            );
            let unset = [EnvChange::Unset("1X".into())];
            assert!(matches!(
                render(*kind, &unset),
                Err(ShellError::InvalidName(_))
            ));
        }
    }

    #[test]
    fn a_value_with_nul_is_refused() {
        for kind in ShellKind::value_variants() {
            let set = [EnvChange::Set("X".into(), "a\0b".into())];
            assert!(matches!(render(*kind, &set), Err(ShellError::NulInValue(n)) if n == "X"));
        }
    }

    #[test]
    fn init_fills_in_the_exe_quoted_and_the_function_name() {
        for kind in ShellKind::value_variants()
            .iter()
            .filter(|k| **k != ShellKind::Sh)
        {
            let hook = init(*kind, Path::new("/x/__SSOENV_CMD__/ssoenv"), "awsp").unwrap();
            assert!(!hook.contains("__SSOENV_EXE__"), "{kind:?}");
            assert!(hook.contains("/x/__SSOENV_CMD__/ssoenv"), "{kind:?}");
            assert!(hook.contains("awsp"), "{kind:?}");
            assert!(matches!(
                init(*kind, Path::new("/x/ssoenv"), "a b"),
                Err(ShellError::InvalidCommandName(n)) if n == "a b"
            ));
        }
    }

    #[test]
    fn init_for_posix_sh_is_refused_with_the_shells_that_have_a_hook() {
        let err = init(ShellKind::Sh, Path::new("/x/ssoenv"), "asp").unwrap_err();
        assert!(matches!(err, ShellError::NoHook));
        assert!(err.to_string().contains("env --shell sh"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn init_refuses_an_exe_path_that_is_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let exe = Path::new(std::ffi::OsStr::from_bytes(b"/x/\xff/ssoenv"));
        assert!(matches!(
            init(ShellKind::Bash, exe, "asp"),
            Err(ShellError::NonUtf8Exe(_))
        ));
    }

    #[test]
    fn render_applies_changes_in_order_one_a_line() {
        let changes = [
            EnvChange::Unset("A".into()),
            EnvChange::Set("B".into(), "b c".into()),
        ];
        assert_eq!(
            render(ShellKind::Zsh, &changes).unwrap(),
            "unset -v A\nexport B='b c'\n"
        );
        assert_eq!(
            render(ShellKind::Fish, &changes).unwrap(),
            "set -e -g A\nset -gx B 'b c'\n"
        );
        assert_eq!(
            render(ShellKind::Powershell, &changes).unwrap(),
            "Remove-Item -LiteralPath 'Env:/A' -ErrorAction SilentlyContinue\n$Env:B = 'b c'\n"
        );
        assert_eq!(render(ShellKind::Bash, &[]).unwrap(), "");
    }
}
