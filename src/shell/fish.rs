//! fish: `set -gx NAME VALUE` and `set -e -g NAME`.
//!
//! Quoting:
//! - A non-empty value made only of `A-Z a-z 0-9 _ + , . / : @ = -` is written bare (`%` and `~`
//!   are left out: fish expands `%self` and `~` at the start of a word).
//! - Anything else goes in single quotes, where fish treats only `\` and `'` specially, so both
//!   are escaped with a backslash. The POSIX `'\''` trick is wrong here: fish would read `\'`
//!   inside the next quoted part. Newlines, tabs and control bytes are kept as they are.
//!
//! A value starting with `-` needs nothing more: `set` stops reading options at the name.
//!
//! `-g` on both: the variable lives in this session's global scope. `set -e` without a scope would
//! erase a universal variable the user set once for every fish session, for good.

use std::borrow::Cow;

use super::syntax::Shell;

pub(super) struct Fish;

impl Shell for Fish {
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str> {
        if is_bare(value) {
            return Cow::Borrowed(value);
        }
        let mut out = String::with_capacity(value.len() + 2);
        out.push('\'');
        for c in value.chars() {
            if matches!(c, '\\' | '\'') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('\'');
        Cow::Owned(out)
    }

    fn set_env(&self, name: &str, value: &str) -> String {
        format!("set -gx {name} {}", self.quote(value))
    }

    fn set_list(&self, name: &str, values: &[String]) -> Option<String> {
        let words: Vec<_> = values.iter().map(|v| self.quote(v)).collect();
        Some(
            format!("set -g {name} {}", words.join(" "))
                .trim_end()
                .to_string(),
        )
    }

    fn hook(&self) -> &'static str {
        include_str!("../../shell/ssoenv.fish")
    }

    fn unset_env(&self, name: &str) -> String {
        format!("set -e -g {name}")
    }
}

fn is_bare(value: &str) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'+' | b',' | b'.' | b'/' | b':' | b'@' | b'=' | b'-'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &str) -> String {
        Fish.set_env("V", value)
    }

    #[test]
    fn safe_words_stay_bare() {
        assert_eq!(set("eu-west-1"), "set -gx V eu-west-1");
        assert_eq!(
            set("AKIA/x+y=z:1,2.3@h_-"),
            "set -gx V AKIA/x+y=z:1,2.3@h_-"
        );
        assert_eq!(set("-n"), "set -gx V -n");
    }

    #[test]
    fn o_brien() {
        assert_eq!(set("O'Brien"), r"set -gx V 'O\'Brien'");
    }

    #[test]
    fn empty() {
        assert_eq!(set(""), "set -gx V ''");
    }

    #[test]
    fn trailing_backslash() {
        assert_eq!(set(r"a\"), r"set -gx V 'a\\'");
    }

    #[test]
    fn dollar() {
        assert_eq!(set("$HOME"), "set -gx V '$HOME'");
    }

    #[test]
    fn backtick() {
        assert_eq!(set("`id`"), "set -gx V '`id`'");
    }

    #[test]
    fn newline() {
        assert_eq!(set("a\nb\n"), "set -gx V 'a\nb\n'");
    }

    #[test]
    fn tab() {
        assert_eq!(set("a\tb"), "set -gx V 'a\tb'");
    }

    #[test]
    fn e_acute() {
        assert_eq!(set("é"), "set -gx V 'é'");
    }

    #[test]
    fn typographic_apostrophe() {
        assert_eq!(set("O’Brien"), "set -gx V 'O’Brien'");
    }

    #[test]
    fn control_bytes() {
        assert_eq!(set("\x01\x1b[31m\x7f"), "set -gx V '\x01\x1b[31m\x7f'");
    }

    #[test]
    fn percent_tilde_and_braces_are_quoted() {
        assert_eq!(set("%self"), "set -gx V '%self'");
        assert_eq!(set("~"), "set -gx V '~'");
        assert_eq!(set("{a,b}"), "set -gx V '{a,b}'");
    }

    #[test]
    fn unset_is_global_only() {
        assert_eq!(Fish.unset_env("V"), "set -e -g V");
    }
}
