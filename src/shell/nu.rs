//! nushell: data, not a script. nushell cannot evaluate text a command prints, so `ssoenv env
//! --shell nu` prints one JSON object on one line, which the hook's `def --env` function reads
//! with `from json` and applies with the two commands nushell has for it:
//!
//! ```text
//! {"hide":["AWS_ACCESS_KEY_ID","SSOENV_PROFILE"],"load":{"AWS_PROFILE":"dev","AWS_REGION":"eu-west-1"}}
//! ```
//!
//! ```nu
//! let change = (ssoenv env dev --shell nu | from json)
//! hide-env --ignore-errors ...$change.hide
//! load-env $change.load
//! ```
//!
//! - `hide` lists the names to remove, `load` maps the names to set to their values; a name is in
//!   at most one of them. Each name's last change wins, so hiding first and then loading leaves
//!   the same environment as applying the changes in order would. `--ignore-errors`: hiding a
//!   variable that is not set is not an error, as with every other shell.
//! - Values are JSON strings: `"` and `\` are escaped with a backslash, newline, tab, carriage
//!   return, backspace and form feed as `\n` `\t` `\r` `\b` `\f`, every other control character
//!   below U+0020 as `\u00XX`; everything else (DEL, non-ASCII, U+2019) is written as it is. No
//!   value is ever parsed as nushell code, so no nushell syntax needs escaping.
//! - Names are identifiers already, so they need no escaping either. ssoenv never sets or hides
//!   `PATH` (which nushell keeps as a list, and `load-env` would turn into a string).
//!
//! [`Shell::quote`] (for the path of ssoenv in the hook, which *is* nushell code) writes a raw
//! string, `r#'…'#`, with one more `#` than the longest run of `#` after a `'` in the value: the
//! only way a raw string ends, so nothing inside needs escaping.

use std::borrow::Cow;

use super::syntax::Shell;
use crate::env::EnvChange;

pub(super) struct Nu;

impl Shell for Nu {
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str> {
        let mut longest = 0;
        for (i, _) in value.match_indices('\'') {
            let run = value[i + 1..].bytes().take_while(|&b| b == b'#').count();
            longest = longest.max(run);
        }
        let hashes = "#".repeat(longest + 1);
        Cow::Owned(format!("r{hashes}'{value}'{hashes}"))
    }

    /// One entry of the `load` record.
    fn set_env(&self, name: &str, value: &str) -> String {
        format!("\"{name}\":{}", json_string(value))
    }

    /// One entry of the `hide` list.
    fn unset_env(&self, name: &str) -> String {
        format!("\"{name}\"")
    }

    fn hook(&self) -> &'static str {
        include_str!("../../shell/ssoenv.nu")
    }

    fn script(&self, changes: &[EnvChange]) -> String {
        // Each name's last change, in the order of those last changes.
        let mut last: Vec<&EnvChange> = Vec::new();
        for change in changes.iter().rev() {
            if !last.iter().any(|c| c.name() == change.name()) {
                last.push(change);
            }
        }
        last.reverse();
        let mut hide = Vec::new();
        let mut load = Vec::new();
        for change in last {
            match change {
                EnvChange::Set(name, value) => load.push(self.set_env(name, value)),
                EnvChange::Unset(name) => hide.push(self.unset_env(name)),
            }
        }
        format!(
            "{{\"hide\":[{}],\"load\":{{{}}}}}\n",
            hide.join(","),
            load.join(",")
        )
    }
}

fn json_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &str) -> String {
        Nu.script(&[EnvChange::Set("V".into(), value.into())])
    }

    fn load(json_value: &str) -> String {
        format!("{{\"hide\":[],\"load\":{{\"V\":{json_value}}}}}\n")
    }

    #[test]
    fn plain_words_are_json_strings() {
        assert_eq!(set("eu-west-1"), load(r#""eu-west-1""#));
    }

    #[test]
    fn o_brien() {
        assert_eq!(set("O'Brien"), load(r#""O'Brien""#));
    }

    #[test]
    fn empty() {
        assert_eq!(set(""), load(r#""""#));
    }

    #[test]
    fn double_quotes() {
        assert_eq!(set(r#"say "hi""#), load(r#""say \"hi\"""#));
    }

    #[test]
    fn trailing_backslash() {
        assert_eq!(set(r"a\"), load(r#""a\\""#));
    }

    #[test]
    fn dollar_and_parentheses() {
        assert_eq!(set("$env.HOME (id)"), load(r#""$env.HOME (id)""#));
    }

    #[test]
    fn backtick() {
        assert_eq!(set("`id`"), load(r#""`id`""#));
    }

    #[test]
    fn newline() {
        assert_eq!(set("a\nb\n"), load(r#""a\nb\n""#));
    }

    #[test]
    fn tab() {
        assert_eq!(set("a\tb"), load(r#""a\tb""#));
    }

    #[test]
    fn e_acute() {
        assert_eq!(set("é"), load("\"é\""));
    }

    #[test]
    fn typographic_apostrophe() {
        assert_eq!(set("O’Brien"), load("\"O’Brien\""));
    }

    #[test]
    fn control_bytes() {
        assert_eq!(
            set("\x01\x08\x0c\r\x1b[31m\x7f"),
            load("\"\\u0001\\b\\f\\r\\u001b[31m\x7f\"")
        );
    }

    #[test]
    fn unsets_go_in_hide_and_the_last_change_of_a_name_wins() {
        let changes = [
            EnvChange::Set("A".into(), "1".into()),
            EnvChange::Unset("B".into()),
            EnvChange::Unset("A".into()),
            EnvChange::Set("B".into(), "2".into()),
            EnvChange::Set("C".into(), "3".into()),
            EnvChange::Unset("D".into()),
        ];
        assert_eq!(
            Nu.script(&changes),
            "{\"hide\":[\"A\",\"D\"],\"load\":{\"B\":\"2\",\"C\":\"3\"}}\n"
        );
    }

    #[test]
    fn no_changes_is_an_empty_change() {
        assert_eq!(Nu.script(&[]), "{\"hide\":[],\"load\":{}}\n");
    }

    #[test]
    fn raw_strings_outlast_any_quote_and_hashes() {
        assert_eq!(Nu.quote("/usr/bin/ssoenv"), "r#'/usr/bin/ssoenv'#");
        assert_eq!(Nu.quote("/it's/$x"), "r#'/it's/$x'#");
        assert_eq!(Nu.quote("/a'##b/'#"), "r###'/a'##b/'#'###");
    }
}
