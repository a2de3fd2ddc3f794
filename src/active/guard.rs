//! Guarded profiles: the ones where a command in the wrong shell costs most (production). A
//! profile is guarded by `ssoenv_guard = true` in its own section or in the `[sso-session]` it
//! logs in through (the AWS tools ignore keys they do not know), or by a line of ssoenv's own
//! guard file that matches its name or account. The prompt shows it (`{guard}`, `--guard-format`)
//! and switching to it asks first ([`confirm`]).

use std::fmt;
use std::path::PathBuf;

use super::error::ActiveError;
use super::selected::Selected;
use crate::config::{Origin, ProfileSet, Section};
use crate::env::Env;
use crate::fsutil;
use crate::report::Reporter;

/// The key, in a `[profile]` or an `[sso-session]`: `true` guards it; `false` in a profile
/// un-guards it whatever its session or a pattern says.
pub const KEY: &str = "ssoenv_guard";

/// The guard file in ssoenv's settings folder ([`Env::config_dir`]): one glob a line
/// ([`glob_match`]), matched against the profile's name and its account id; `#` starts a comment.
pub const FILE: &str = "guard";

/// Where the guard file is.
pub fn file(env: &Env) -> Option<PathBuf> {
    Some(env.config_dir()?.join(FILE))
}

/// Why a profile is guarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `ssoenv_guard = true` in the profile's own section.
    Profile(Origin),
    /// `ssoenv_guard = true` in the `[sso-session NAME]` it logs in through.
    SsoSession { name: String, origin: Origin },
    /// A line of the guard file matched its name or account.
    Pattern { pattern: String, file: PathBuf },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Profile(origin) => write!(f, "{KEY} at {origin}"),
            Reason::SsoSession { name, origin } => {
                write!(f, "{KEY} of [sso-session {name}] at {origin}")
            }
            Reason::Pattern { pattern, file } => {
                write!(f, "pattern `{pattern}` in {}", file.display())
            }
        }
    }
}

/// Whether the profile `name` is guarded, and why. `session` is the `[sso-session]` it logs in
/// through (directly or at the root of its role chain), `account` its account id. Reads only the
/// sections given and the guard file: cheap enough for the prompt.
pub fn reason(
    env: &Env,
    set: &ProfileSet,
    name: &str,
    session: Option<&str>,
    account: Option<&str>,
) -> Option<Reason> {
    let key = |section: Option<&Section>| {
        let property = section?.property(KEY)?;
        Some((
            !property.value.trim().eq_ignore_ascii_case("false"),
            property.origin.clone(),
        ))
    };
    if let Some((on, origin)) = key(set.profiles.get(name)) {
        return on.then_some(Reason::Profile(origin));
    }
    if let Some(session) = session
        && let Some((on, origin)) = key(set.sso_sessions.get(session))
    {
        return on.then(|| Reason::SsoSession {
            name: session.to_string(),
            origin,
        });
    }
    let file = file(env)?;
    let text = fsutil::read_regular(&file).ok()?;
    let text = String::from_utf8_lossy(&text);
    let pattern = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|p| !p.is_empty())
        .find(|p| glob_match(p, name) || account.is_some_and(|a| glob_match(p, a)))?;
    Some(Reason::Pattern {
        pattern: pattern.to_string(),
        file,
    })
}

/// A shell glob (`*` any run of characters, `?` one, `[…]` one of a set), by the `glob` crate's
/// rules; a pattern it cannot read (an unclosed `[`) stands for itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).map_or(pattern == text, |glob| glob.matches(text))
}

impl Selected {
    /// Whether this profile is guarded, and why.
    pub fn guard(&self, env: &Env) -> Option<Reason> {
        let session = self.sso_session().ok();
        let session = session.as_ref().and_then(|s| s.name.as_deref());
        reason(
            env,
            &self.config.set,
            &self.profile.name,
            session,
            self.profile.account_id(),
        )
    }
}

/// The one confirmation before acting on a guarded profile (`env`, `asp`, `exec`, and any
/// command that switches to or opens a profile): nothing for a profile that is not guarded or
/// with `yes`; a one-line notice and no question without a person at the terminal (CI, a
/// script); else the question on stderr, answered by typing the profile's name or `y`. Anything
/// else is [`ActiveError::Refused`]: the caller has changed nothing yet and stops.
pub fn confirm(
    env: &Env,
    report: &Reporter,
    selected: &Selected,
    yes: bool,
) -> Result<(), ActiveError> {
    if yes {
        return Ok(());
    }
    let Some(reason) = selected.guard(env) else {
        return Ok(());
    };
    let name = &selected.profile.name;
    let what = describe(selected);
    if !env.person_at_terminal() {
        report.say(&format!(
            "ssoenv: {name} is guarded{what}: going ahead without a question (no terminal; --yes silences this)\n"
        ));
        return Ok(());
    }
    let question =
        format!("ssoenv: {name} is guarded{what} by {reason}.\nType {name} or y to go on: ");
    match report.ask(&question) {
        Some(answer) if accepts(&answer, name) => Ok(()),
        _ => Err(ActiveError::Refused {
            profile: name.clone(),
        }),
    }
}

/// ` (account 111111111111, role Admin)`, or as much of it as the profile says.
fn describe(selected: &Selected) -> String {
    let parts: Vec<String> = [
        selected
            .profile
            .account_id()
            .map(|a| format!("account {a}")),
        selected.profile.role_name().map(|r| format!("role {r}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// The profile's own name, or `y` / `yes` (any case).
fn accepts(answer: &str, profile: &str) -> bool {
    answer == profile || answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_patterns_are_shell_globs() {
        for (pattern, text) in [
            ("prod", "prod"),
            ("prod*", "prod"),
            ("prod*", "prod-admin"),
            ("*-admin", "prod-admin"),
            ("*prod*", "eu-prod-1"),
            ("1111????????", "111122223333"),
            ("*", ""),
            ("a*b*c", "aXbYbc"),
            ("prod-[ab]", "prod-b"),
            ("[", "["),
        ] {
            assert!(glob_match(pattern, text), "{pattern} ~ {text}");
        }
        for (pattern, text) in [
            ("prod", "prod2"),
            ("prod", "pro"),
            ("?", ""),
            ("*-admin", "admin"),
            ("a*b*c", "aXbY"),
        ] {
            assert!(!glob_match(pattern, text), "{pattern} !~ {text}");
        }
    }

    #[test]
    fn the_answer_is_the_profile_name_or_yes() {
        for yes in ["prod", "y", "Y", "yes", "YES"] {
            assert!(accepts(yes, "prod"), "{yes}");
        }
        for no in ["", "n", "no", "Prod", "dev", "prod "] {
            assert!(!accepts(no, "prod"), "{no:?}");
        }
    }

    fn set(text: &str) -> ProfileSet<'static> {
        let file = crate::config::SourceFile::new("/c", text);
        ProfileSet::parse(Some(&file), None).unwrap().into_owned()
    }

    #[test]
    fn the_profile_key_wins_then_the_session_key_then_the_guard_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "# production\nprod*\n  2222* # by account\n",
        )
        .unwrap();
        let env = Env::from_map([("SSOENV_CONFIG_DIR", dir.path())]);
        let set = set("[sso-session corp]\nssoenv_guard = true\n\
                       [profile a]\nssoenv_guard = True\n\
                       [profile b]\nssoenv_guard = false\n\
                       [profile prod-x]\nssoenv_guard = false\n\
                       [profile c]\n");
        let reason = |name, session, account| reason(&env, &set, name, session, account);
        assert!(matches!(reason("a", None, None), Some(Reason::Profile(o)) if o.line == 4));
        assert_eq!(reason("b", Some("corp"), Some("222200000000")), None);
        assert_eq!(reason("prod-x", None, None), None, "false un-guards");
        assert!(matches!(
            reason("c", Some("corp"), None),
            Some(Reason::SsoSession { name, .. }) if name == "corp"
        ));
        assert_eq!(reason("c", None, Some("111100000000")), None);
        let by_account = reason("c", None, Some("222200000000")).unwrap();
        assert_eq!(
            by_account.to_string(),
            format!("pattern `2222*` in {}", dir.path().join(FILE).display())
        );
        assert!(matches!(
            reason("prod-y", None, None),
            Some(Reason::Pattern { pattern, .. }) if pattern == "prod*"
        ));
        assert_eq!(reason("dev", None, None), None);
    }
}
