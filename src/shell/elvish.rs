//! elvish: `set-env NAME 'VALUE'` and `unset-env NAME`.
//!
//! Quoting: every value goes in single quotes. Inside them elvish has no escape sequences at all:
//! the only special character is `'` itself, written twice (`''`). Newlines, tabs, carriage
//! returns, other control characters, DEL and UTF-8 stand for themselves, so values round-trip
//! exactly; `$`, backticks, backslashes and parentheses mean nothing there.
//!
//! `set-env` and `unset-env` are builtins that change the process environment (what `$E:NAME`
//! reads and children inherit); `unset-env` of a variable that is not set is not an error.

use std::borrow::Cow;

use super::syntax::Shell;

pub(super) struct Elvish;

impl Shell for Elvish {
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str> {
        Cow::Owned(format!("'{}'", value.replace('\'', "''")))
    }

    fn set_env(&self, name: &str, value: &str) -> String {
        format!("set-env {name} {}", self.quote(value))
    }

    fn unset_env(&self, name: &str) -> String {
        format!("unset-env {name}")
    }

    fn hook(&self) -> &'static str {
        include_str!("../../shell/ssoenv.elv")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &str) -> String {
        Elvish.set_env("V", value)
    }

    #[test]
    fn plain_words_are_quoted_too() {
        assert_eq!(set("eu-west-1"), "set-env V 'eu-west-1'");
    }

    #[test]
    fn o_brien() {
        assert_eq!(set("O'Brien"), "set-env V 'O''Brien'");
    }

    #[test]
    fn empty() {
        assert_eq!(set(""), "set-env V ''");
    }

    #[test]
    fn trailing_backslash() {
        assert_eq!(set(r"a\"), r"set-env V 'a\'");
    }

    #[test]
    fn dollar() {
        assert_eq!(set("$E:HOME"), "set-env V '$E:HOME'");
    }

    #[test]
    fn backtick() {
        assert_eq!(set("`id`"), "set-env V '`id`'");
    }

    #[test]
    fn newline() {
        assert_eq!(set("a\nb\n"), "set-env V 'a\nb\n'");
    }

    #[test]
    fn tab() {
        assert_eq!(set("a\tb"), "set-env V 'a\tb'");
    }

    #[test]
    fn e_acute() {
        assert_eq!(set("é"), "set-env V 'é'");
    }

    #[test]
    fn typographic_apostrophe() {
        assert_eq!(set("O’Brien"), "set-env V 'O’Brien'");
    }

    #[test]
    fn control_bytes() {
        assert_eq!(set("\x01\x1b[31m\r\x7f"), "set-env V '\x01\x1b[31m\r\x7f'");
    }

    #[test]
    fn a_quote_at_either_end() {
        assert_eq!(set("'a'"), "set-env V '''a'''");
    }

    #[test]
    fn unset() {
        assert_eq!(Elvish.unset_env("V"), "unset-env V");
    }
}
