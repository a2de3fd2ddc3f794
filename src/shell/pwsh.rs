//! PowerShell (Windows PowerShell 5.1 and `pwsh`): `$Env:NAME = 'VALUE'` and
//! `Remove-Item -LiteralPath 'Env:/NAME' -ErrorAction SilentlyContinue`.
//!
//! Quoting: every value goes in single quotes (a bare word on the right of `=` would be parsed as
//! a command). Inside them nothing expands; the only special characters are the quotes
//! themselves, and PowerShell counts the typographic single quotes U+2018–U+201B as quotes too, so
//! each of `'` `‘` `’` `‚` `‛` is doubled. Newlines and control characters are kept as they are.
//!
//! Removal uses `-LiteralPath`: `-Path` treats `*`, `?` and `[` as wildcards. Setting an empty
//! value removes the variable in PowerShell before 7.5, as Windows does; nothing we can change.

use std::borrow::Cow;

use super::syntax::Shell;

pub(super) struct Pwsh;

impl Shell for Pwsh {
    fn quote<'a>(&self, value: &'a str) -> Cow<'a, str> {
        let mut out = String::with_capacity(value.len() + 2);
        out.push('\'');
        for c in value.chars() {
            if is_single_quote(c) {
                out.push(c);
            }
            out.push(c);
        }
        out.push('\'');
        Cow::Owned(out)
    }

    fn set_env(&self, name: &str, value: &str) -> String {
        format!("$Env:{name} = {}", self.quote(value))
    }

    fn set_list(&self, name: &str, values: &[String]) -> Option<String> {
        let words: Vec<_> = values.iter().map(|v| self.quote(v)).collect();
        Some(format!("$global:{name} = @({})", words.join(", ")))
    }

    fn hook(&self) -> &'static str {
        include_str!("../../shell/ssoenv.ps1")
    }

    fn unset_env(&self, name: &str) -> String {
        format!("Remove-Item -LiteralPath 'Env:/{name}' -ErrorAction SilentlyContinue")
    }
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}'..='\u{201B}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &str) -> String {
        Pwsh.set_env("V", value)
    }

    #[test]
    fn plain_words_are_quoted_too() {
        assert_eq!(set("eu-west-1"), "$Env:V = 'eu-west-1'");
    }

    #[test]
    fn o_brien() {
        assert_eq!(set("O'Brien"), "$Env:V = 'O''Brien'");
    }

    #[test]
    fn empty() {
        assert_eq!(set(""), "$Env:V = ''");
    }

    #[test]
    fn trailing_backslash() {
        assert_eq!(set(r"a\"), r"$Env:V = 'a\'");
    }

    #[test]
    fn dollar() {
        assert_eq!(set("$HOME"), "$Env:V = '$HOME'");
    }

    #[test]
    fn backtick() {
        assert_eq!(set("`n"), "$Env:V = '`n'");
    }

    #[test]
    fn newline() {
        assert_eq!(set("a\nb\n"), "$Env:V = 'a\nb\n'");
    }

    #[test]
    fn tab() {
        assert_eq!(set("a\tb"), "$Env:V = 'a\tb'");
    }

    #[test]
    fn e_acute() {
        assert_eq!(set("é"), "$Env:V = 'é'");
    }

    #[test]
    fn typographic_apostrophe() {
        assert_eq!(set("O’Brien"), "$Env:V = 'O’’Brien'");
    }

    #[test]
    fn every_typographic_single_quote_is_doubled() {
        assert_eq!(
            set("\u{2018}\u{2019}\u{201A}\u{201B}"),
            "$Env:V = '\u{2018}\u{2018}\u{2019}\u{2019}\u{201A}\u{201A}\u{201B}\u{201B}'"
        );
        assert_eq!(set("“x”"), "$Env:V = '“x”'");
    }

    #[test]
    fn control_bytes() {
        assert_eq!(set("\x01\x1b[31m\x7f"), "$Env:V = '\x01\x1b[31m\x7f'");
    }

    #[test]
    fn removal_is_literal() {
        assert_eq!(
            Pwsh.unset_env("V"),
            "Remove-Item -LiteralPath 'Env:/V' -ErrorAction SilentlyContinue"
        );
    }
}
