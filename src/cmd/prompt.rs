//! `ssoenv prompt`: the compact account/role/region/expiry segment. It runs before every prompt,
//! so it reads only the environment and, when a profile is active, the one config section and
//! token file it needs — never the network, never an async runtime — and on any error it prints
//! nothing and exits 0: a prompt must never break.

use std::io::Write;

use jiff::{SignedDuration, Timestamp};

use crate::cli::PromptArgs;
use crate::env::Env;
use crate::error::Error;

/// What the segment shows about the active profile.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub profile: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    pub expiry: Expiry,
}

/// How long the active credentials or SSO session last.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum Expiry {
    Left(SignedDuration),
    Expired,
    /// The access token is (nearly) expired but will be refreshed silently: not "expired".
    Refreshable,
    /// No token at all for the profile's SSO session.
    LoggedOut,
    #[default]
    Unknown,
}

/// Fills in `format`; `None` when it names an unknown placeholder or an unclosed brace. Empty
/// placeholders leave no doubled or trailing spaces behind.
pub fn render(format: &str, segment: &Segment) -> Option<String> {
    let mut out = String::with_capacity(format.len() + 32);
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let name = &rest[open + 1..close];
        let value = match name {
            "profile" => Some(segment.profile.clone()),
            "account" => segment
                .account_name
                .clone()
                .or_else(|| segment.account_id.clone()),
            "account_id" => segment.account_id.clone(),
            "account_name" => segment.account_name.clone(),
            "role" => segment.role.clone(),
            "region" => segment.region.clone(),
            "expiry" => match &segment.expiry {
                Expiry::Left(left) => Some(human(*left)),
                Expiry::Expired => Some("expired".to_string()),
                Expiry::LoggedOut => Some("login".to_string()),
                Expiry::Refreshable | Expiry::Unknown => None,
            },
            _ => return None,
        };
        out.push_str(value.as_deref().unwrap_or_default());
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(
        out.split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// `45m`, `7h59m`, `2d3h`; under a minute is `<1m`.
pub fn human(left: SignedDuration) -> String {
    let minutes = left.as_secs() / 60;
    match minutes {
        m if m < 1 => "<1m".to_string(),
        m if m < 60 => format!("{m}m"),
        m if m < 24 * 60 => format!("{}h{:02}m", m / 60, m % 60),
        m => format!("{}d{}h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}

/// Time left until `at`, or `Expired`.
pub fn expiry_at(at: Timestamp, now: Timestamp) -> Expiry {
    let left = at.duration_since(now);
    if left.is_positive() {
        Expiry::Left(left)
    } else {
        Expiry::Expired
    }
}

pub fn run(args: PromptArgs, env: &Env, out: &mut dyn Write) -> Result<(), Error> {
    let Some(segment) = super::status::segment(env, Timestamp::now()) else {
        return Ok(());
    };
    if let Some(text) = render(&args.format, &segment).filter(|t| !t.is_empty()) {
        // A closed terminal is not worth an error either.
        let _ = writeln!(out, "{text}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment() -> Segment {
        Segment {
            profile: "dev".into(),
            account_id: Some("111111111111".into()),
            account_name: None,
            role: Some("Developer".into()),
            region: Some("eu-west-1".into()),
            expiry: Expiry::Left(SignedDuration::from_mins(479)),
        }
    }

    #[test]
    fn the_default_format_shows_account_role_region_and_time_left() {
        assert_eq!(
            render(crate::cli::DEFAULT_PROMPT_FORMAT, &segment()).unwrap(),
            "111111111111/Developer eu-west-1 7h59m"
        );
    }

    #[test]
    fn the_account_name_wins_when_known() {
        let mut s = segment();
        s.account_name = Some("sandbox-dev".into());
        assert_eq!(
            render("{account} ({account_id}) {profile}", &s).unwrap(),
            "sandbox-dev (111111111111) dev"
        );
    }

    #[test]
    fn empty_placeholders_leave_no_gaps_and_refreshable_is_not_expired() {
        let mut s = segment();
        s.region = None;
        s.expiry = Expiry::Refreshable;
        assert_eq!(
            render("{account}/{role} {region} {expiry}", &s).unwrap(),
            "111111111111/Developer"
        );
        s.expiry = Expiry::Expired;
        assert_eq!(render("{role} {expiry}", &s).unwrap(), "Developer expired");
    }

    #[test]
    fn unknown_placeholders_and_broken_braces_render_nothing() {
        assert_eq!(render("{nope}", &segment()), None);
        assert_eq!(render("{role", &segment()), None);
        assert_eq!(
            render("no placeholders", &segment()).unwrap(),
            "no placeholders"
        );
    }

    #[test]
    fn durations_are_compact() {
        assert_eq!(human(SignedDuration::from_secs(30)), "<1m");
        assert_eq!(human(SignedDuration::from_mins(45)), "45m");
        assert_eq!(human(SignedDuration::from_mins(65)), "1h05m");
        assert_eq!(human(SignedDuration::from_hours(51)), "2d3h");
    }
}
