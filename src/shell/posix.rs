//! bash, zsh and POSIX sh: `export NAME=VALUE` and `unset -v NAME`.
//!
//! Quoting:
//! - A non-empty value made only of `A-Z a-z 0-9 _ % + , . / : @ = -`, not starting with `=`, is
//!   written bare. None of these is special to either shell: no globbing, no expansion, no tilde
//!   (`~` is left out since bash expands it after `:` in assignments), and a leading `=` is left
//!   out because zsh's EQUALS option expands `=cmd` to a path.
//! - Anything else is wrapped in single quotes, and each `'` becomes `'\''` (close, an escaped
//!   quote, reopen). Inside single quotes bash and zsh keep every other byte as it is, newlines,
//!   tabs, control bytes and UTF-8 included, so values round-trip exactly.
//!
//! Single quotes were chosen over `$'…'`: they mean the same in bash, zsh and POSIX `sh`, while
//! the escapes of `$'…'` differ between them (`\c`, `\u` depends on the locale in bash). zsh's
//! RC_QUOTES option (`''` inside quotes is a quote) cannot misread the output: a closing quote we
//! write is always followed by `\` or the end of the word.
//!
//! `unset -v` rather than `unset`: bash's plain `unset` removes a function of that name when no
//! variable has it.

use std::borrow::Cow;

use super::syntax::Shell;

/// bash and zsh quote alike and differ only in their hooks.
pub(super) struct Posix {
    hook: &'static str,
}

pub(super) const BASH: Posix = Posix {
    hook: include_str!("../../shell/ssoenv.bash"),
};

pub(super) const ZSH: Posix = Posix {
    hook: include_str!("../../shell/ssoenv.zsh"),
};

/// POSIX sh has `export`, `unset -v` and these quotes, but no completion: no hook.
pub(super) const SH: Posix = Posix { hook: "" };

impl Shell for Posix {
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str> {
        if is_bare(value) {
            return Cow::Borrowed(value);
        }
        let mut out = String::with_capacity(value.len() + 2);
        out.push('\'');
        out.push_str(&value.replace('\'', r"'\''"));
        out.push('\'');
        Cow::Owned(out)
    }

    fn set_env(&self, name: &str, value: &str) -> String {
        format!("export {name}={}", self.quote(value))
    }

    fn unset_env(&self, name: &str) -> String {
        format!("unset -v {name}")
    }

    fn set_list(&self, name: &str, values: &[String]) -> Option<String> {
        // POSIX sh has no arrays, and no hook to keep them.
        if self.hook.is_empty() {
            return None;
        }
        let words: Vec<_> = values.iter().map(|v| self.quote(v)).collect();
        Some(format!("{name}=({})", words.join(" ")))
    }

    fn hook(&self) -> &'static str {
        self.hook
    }
}

fn is_bare(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('=')
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'%' | b'+' | b',' | b'.' | b'/' | b':' | b'@' | b'=' | b'-'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &str) -> String {
        BASH.set_env("V", value)
    }

    #[test]
    fn safe_words_stay_bare() {
        assert_eq!(set("eu-west-1"), "export V=eu-west-1");
        assert_eq!(
            set("AKIA/x+y=z:1,2.3@h%4_-"),
            "export V=AKIA/x+y=z:1,2.3@h%4_-"
        );
    }

    #[test]
    fn o_brien() {
        assert_eq!(set("O'Brien"), r"export V='O'\''Brien'");
    }

    #[test]
    fn only_quotes() {
        assert_eq!(set("''"), r"export V=''\'''\'''");
    }

    #[test]
    fn empty() {
        assert_eq!(set(""), "export V=''");
    }

    #[test]
    fn trailing_backslash() {
        assert_eq!(set(r"a\"), r"export V='a\'");
    }

    #[test]
    fn dollar() {
        assert_eq!(set("$HOME"), "export V='$HOME'");
    }

    #[test]
    fn backtick() {
        assert_eq!(set("`id`"), "export V='`id`'");
    }

    #[test]
    fn newline() {
        assert_eq!(set("a\nb\n"), "export V='a\nb\n'");
    }

    #[test]
    fn tab() {
        assert_eq!(set("a\tb"), "export V='a\tb'");
    }

    #[test]
    fn e_acute() {
        assert_eq!(set("é"), "export V='é'");
    }

    #[test]
    fn typographic_apostrophe() {
        assert_eq!(set("O’Brien"), "export V='O’Brien'");
    }

    #[test]
    fn control_bytes() {
        assert_eq!(set("\x01\x1b[31m\x7f"), "export V='\x01\x1b[31m\x7f'");
    }

    #[test]
    fn tilde_and_leading_equals_are_quoted() {
        assert_eq!(set("~/x"), "export V='~/x'");
        assert_eq!(set("a:~"), "export V='a:~'");
        assert_eq!(set("=ls"), "export V='=ls'");
    }

    #[test]
    fn glob_and_history_characters_are_quoted() {
        assert_eq!(set("*"), "export V='*'");
        assert_eq!(set("!!"), "export V='!!'");
        assert_eq!(set("a b"), "export V='a b'");
    }

    #[test]
    fn unset_leaves_functions_alone() {
        assert_eq!(BASH.unset_env("V"), "unset -v V");
    }
}
