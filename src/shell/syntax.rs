//! The one small trait every shell module implements.

use std::borrow::Cow;

use crate::env::EnvChange;

/// What each shell module provides: its quoting, its two environment commands and its hook. Names
/// reach these already checked by `is_identifier`, values already free of NUL.
pub(super) trait Shell {
    /// `value` as one word that evaluates to exactly `value`.
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str>;
    /// The command that sets and exports `name`.
    fn set_env(&self, name: &str, value: &str) -> String;
    /// The command that removes `name` from the environment.
    fn unset_env(&self, name: &str) -> String;
    /// The command that sets `name` to the list `values` in the shell's own global scope, not
    /// exported (a prompt hook's state); `None` for a shell without a prompt hook that keeps one.
    fn set_list(&self, _name: &str, _values: &[String]) -> Option<String> {
        None
    }
    /// The hook script, with `__SSOENV_EXE__` where the quoted path of ssoenv goes and
    /// `__SSOENV_CMD__` where the function's name goes.
    fn hook(&self) -> &'static str;
    /// The whole script for `changes` (checked already): by default one command a line, in order.
    /// A shell that cannot evaluate text (nushell) writes data for its hook to apply instead.
    fn script(&self, changes: &[EnvChange]) -> String {
        let mut script = String::new();
        for change in changes {
            match change {
                EnvChange::Set(name, value) => script.push_str(&self.set_env(name, value)),
                EnvChange::Unset(name) => script.push_str(&self.unset_env(name)),
            }
            script.push('\n');
        }
        script
    }
}
