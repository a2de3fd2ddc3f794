//! Time as the AWS tools write it and as people read it: the one timestamp form every AWS writer
//! and reader agrees on, a lenient parser for what they write, and compact durations.

use jiff::{SignedDuration, Timestamp};

/// `%Y-%m-%dT%H:%M:%SZ`: how the AWS CLI writes every cached expiry, and the RFC 3339 form with `Z`
/// that `AWS_CREDENTIAL_EXPIRATION` and `credential_process` carry. Sub-seconds are truncated.
pub const CLI_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// `t` in [`CLI_FORMAT`].
pub fn cli_time(t: Timestamp) -> String {
    t.strftime(CLI_FORMAT).to_string()
}

/// Parses the timestamps every AWS writer produces: RFC 3339 with `Z` or an offset, with or
/// without fractions, and botocore's `%Y-%m-%dT%H:%M:%S%Z` (`…UTC`).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let naive = text
        .strip_suffix("UTC")
        .or_else(|| text.strip_suffix("GMT"))?;
    format!("{}Z", naive.trim_end()).parse().ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_every_writer_parse() {
        let want: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        for text in [
            "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00.000Z",
            "2030-01-01T00:00:00+00:00",
            "2030-01-01T01:00:00+01:00",
            "2030-01-01T00:00:00UTC",
        ] {
            assert_eq!(parse_timestamp(text), Some(want), "{text}");
        }
        assert_eq!(parse_timestamp("soon"), None);
    }

    #[test]
    fn the_cli_form_truncates_sub_seconds() {
        let t: Timestamp = "2030-01-01T00:00:00.999Z".parse().unwrap();
        assert_eq!(cli_time(t), "2030-01-01T00:00:00Z");
    }

    #[test]
    fn durations_are_compact() {
        assert_eq!(human(SignedDuration::from_secs(30)), "<1m");
        assert_eq!(human(SignedDuration::from_mins(45)), "45m");
        assert_eq!(human(SignedDuration::from_mins(65)), "1h05m");
        assert_eq!(human(SignedDuration::from_hours(51)), "2d3h");
    }
}
