//! The prompt segment: what it shows about the active profile, and how a `--format` is filled in.

use jiff::{SignedDuration, Timestamp};

use crate::time::human;

/// The segment when `--format` is not given: account, role, region and time left.
pub const DEFAULT_FORMAT: &str = "{account}/{role} {region} {expiry}";

/// The default for a profile that names neither account nor role (static keys, a process, web
/// identity without them): its name is then what tells the user where they are.
pub const NAMELESS_FORMAT: &str = "{profile} {region} {expiry}";
/// What `{guard}` shows for a guarded profile (nothing otherwise).
pub const GUARD_MARK: &str = "guarded";

/// What the segment shows about the active profile.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub profile: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    pub expiry: Expiry,
    /// The profile is guarded (`active::guard`): `{guard}` shows, `--guard-format` applies.
    pub guarded: bool,
}

impl Segment {
    /// The format used when `--format` is not given.
    pub fn default_format(&self) -> &'static str {
        if self.account_id.is_none() && self.role.is_none() {
            NAMELESS_FORMAT
        } else {
            DEFAULT_FORMAT
        }
    }

    /// The format this segment is rendered with: `guard_format` for a guarded profile when
    /// given, else `format`, else [`Segment::default_format`].
    pub fn format<'a>(&self, format: Option<&'a str>, guard_format: Option<&'a str>) -> &'a str {
        match guard_format {
            Some(guard_format) if self.guarded => guard_format,
            _ => format.unwrap_or(self.default_format()),
        }
    }
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

/// Time left until `at`, or `Expired`.
pub fn expiry_at(at: Timestamp, now: Timestamp) -> Expiry {
    let left = at.duration_since(now);
    if left.is_positive() {
        Expiry::Left(left)
    } else {
        Expiry::Expired
    }
}

/// A piece of a format: literal text, or a placeholder's value (empty when unknown to the state).
enum Piece<'a> {
    Text(&'a str),
    Value(Option<String>),
}

/// Fills in `format`; `None` when it names an unknown placeholder or an unclosed brace.
///
/// Text between placeholders is a separator: its non-space characters belong to the values they
/// join, so they are left out when a placeholder next to them is empty (`{account}/{role}` for a
/// profile with neither prints no lone `/`). Spaces are then folded, so empty placeholders leave
/// no doubled or trailing spaces behind.
pub fn render(format: &str, segment: &Segment) -> Option<String> {
    let mut pieces = Vec::new();
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let close = rest[open..].find('}')? + open;
        pieces.push(Piece::Value(value(&rest[open + 1..close], segment)?));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    let empty = |piece: Option<&Piece>| matches!(piece, Some(Piece::Value(v)) if v.as_deref().is_none_or(str::is_empty));
    let mut out = String::with_capacity(format.len() + 32);
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Value(v) => out.push_str(v.as_deref().unwrap_or_default()),
            Piece::Text(text) => {
                let beside_empty =
                    empty(i.checked_sub(1).and_then(|p| pieces.get(p))) || empty(pieces.get(i + 1));
                if beside_empty {
                    // Keep the spaces (they separate the values further out), drop the rest.
                    out.extend(text.chars().filter(|c| *c == ' '));
                } else {
                    out.push_str(text);
                }
            }
        }
    }
    Some(
        out.split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A placeholder's value; `None` (the outer one) for an unknown placeholder.
fn value(name: &str, segment: &Segment) -> Option<Option<String>> {
    Some(match name {
        "profile" => Some(segment.profile.clone()),
        "account" => segment
            .account_name
            .clone()
            .or_else(|| segment.account_id.clone()),
        "account_id" => segment.account_id.clone(),
        "account_name" => segment.account_name.clone(),
        "role" => segment.role.clone(),
        "region" => segment.region.clone(),
        "guard" => segment.guarded.then(|| GUARD_MARK.to_string()),
        "expiry" => match &segment.expiry {
            Expiry::Left(left) => Some(human(*left)),
            Expiry::Expired => Some("expired".to_string()),
            Expiry::LoggedOut => Some("login".to_string()),
            Expiry::Refreshable | Expiry::Unknown => None,
        },
        _ => return None,
    })
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
            guarded: false,
        }
    }

    #[test]
    fn the_default_format_shows_account_role_region_and_time_left() {
        assert_eq!(
            render(DEFAULT_FORMAT, &segment()).unwrap(),
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
    fn a_separator_belongs_to_the_values_it_joins() {
        let mut s = segment();
        s.account_id = None;
        s.role = None;
        assert_eq!(
            render(DEFAULT_FORMAT, &s).unwrap(),
            "eu-west-1 7h59m",
            "no dangling `/` for a profile without account or role"
        );
        assert_eq!(
            render(s.default_format(), &s).unwrap(),
            "dev eu-west-1 7h59m",
            "by default a profile without account or role is shown by name"
        );
        s.role = Some("Developer".into());
        assert_eq!(
            render(DEFAULT_FORMAT, &s).unwrap(),
            "Developer eu-west-1 7h59m"
        );
        s.account_id = Some("1".into());
        s.role = None;
        assert_eq!(render(DEFAULT_FORMAT, &s).unwrap(), "1 eu-west-1 7h59m");
        s.region = None;
        assert_eq!(render("[{region}] {profile}", &s).unwrap(), "dev");
        assert_eq!(render("{profile} | {region}", &s).unwrap(), "dev");
        assert_eq!(render("aws:{profile}", &s).unwrap(), "aws:dev");
    }

    #[test]
    fn guard_shows_only_for_a_guarded_profile() {
        let mut s = segment();
        assert_eq!(render("{guard} {profile}", &s).unwrap(), "dev");
        s.guarded = true;
        assert_eq!(render("{guard} {profile}", &s).unwrap(), "guarded dev");
        assert_eq!(render("[{guard}] {profile}", &s).unwrap(), "[guarded] dev");
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
}
