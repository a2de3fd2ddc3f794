//! Everything ssoenv prints for a shell to evaluate: one small module per shell, each with its
//! quoting rules written down and pinned by exact tests.
//!
//! The `env` command describes what should change as a list of [`EnvChange`]s and [`render`]s it
//! for the user's shell:
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

mod fish;
mod posix;
mod pwsh;

use std::borrow::Cow;

use clap::ValueEnum;

use crate::env::Env;

/// The shells ssoenv prints scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
}

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("cannot tell the shell from $SHELL ({0}); pass --shell bash, zsh, fish or powershell")]
    Unknown(String),
    #[error(
        "`{0}` is not a valid variable name (letters, digits and `_`, not starting with a digit)"
    )]
    InvalidName(String),
    #[error("the value for {0} contains a NUL byte, which no environment variable can hold")]
    NulInValue(String),
}

/// One change to the shell's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChange {
    /// Set and export `NAME` to the value, byte for byte.
    Set(String, String),
    /// Remove `NAME` from the environment; not an error when it is not set.
    Unset(String),
}

/// The script that applies `changes` in order, one command a line, for `kind` to evaluate.
pub fn render(kind: ShellKind, changes: &[EnvChange]) -> Result<String, ShellError> {
    let shell = kind.shell();
    let mut script = String::new();
    for change in changes {
        let line = match change {
            EnvChange::Set(name, value) => {
                check_name(name)?;
                if value.contains('\0') {
                    return Err(ShellError::NulInValue(name.clone()));
                }
                shell.set_env(name, value)
            }
            EnvChange::Unset(name) => {
                check_name(name)?;
                shell.unset_env(name)
            }
        };
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

fn check_name(name: &str) -> Result<(), ShellError> {
    if is_identifier(name) {
        Ok(())
    } else {
        Err(ShellError::InvalidName(name.to_string()))
    }
}

/// What each shell module provides: its quoting and its two environment commands. Names reach
/// these already checked by [`is_identifier`], values already free of NUL.
trait Shell {
    /// `value` as one word that evaluates to exactly `value`.
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str>;
    /// The command that sets and exports `name`.
    fn set_env(&self, name: &str, value: &str) -> String;
    /// The command that removes `name` from the environment.
    fn unset_env(&self, name: &str) -> String;
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
        }
    }

    fn shell(self) -> &'static dyn Shell {
        match self {
            ShellKind::Bash | ShellKind::Zsh => &posix::Posix,
            ShellKind::Fish => &fish::Fish,
            ShellKind::Powershell => &pwsh::Pwsh,
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
    }

    #[test]
    fn an_unknown_or_missing_shell_names_the_choices() {
        let err = detect("/bin/tcsh").unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot tell the shell from $SHELL (/bin/tcsh); pass --shell bash, zsh, fish or powershell"
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
