//! A selective parse for hot paths such as the shell prompt, which needs one profile out of a
//! config that may hold ten thousand. Section headers are the only lines that start with `[`, so
//! `memchr` jumps from header to header; a section that is not wanted is never split into lines,
//! converted or validated. Wanted sections go through the same `FileParser` as a full parse, so
//! they merge exactly as `ProfileSet::parse` would merge them.

use std::collections::BTreeMap;

use memchr::{memchr, memchr_iter};

use super::parse::{
    FileKind, FileParser, Target, body, classify, header_inner, is_identifier_byte, strip_cr, text,
};
use super::{ConfigError, ProfileSet, SourceFile};

impl ProfileSet {
    /// Like [`ProfileSet::parse`], but materialises only the named profiles, every sso-session and
    /// every `[services]` section. Skipped sections are not read at all: a syntax error or warning
    /// in one of them goes unseen. The text before the first header is always checked.
    pub fn parse_selected(
        config: Option<&SourceFile>,
        credentials: Option<&SourceFile>,
        profiles: &[&str],
    ) -> Result<Self, ConfigError> {
        let mut set = ProfileSet::default();
        if let Some(file) = config {
            scan(FileKind::Config, file, profiles, &mut set)?;
        }
        if let Some(file) = credentials {
            scan(FileKind::Credentials, file, profiles, &mut set)?;
        }
        Ok(set)
    }
}

fn scan(
    kind: FileKind,
    file: &SourceFile,
    profiles: &[&str],
    set: &mut ProfileSet,
) -> Result<(), ConfigError> {
    let bytes = body(file);
    let mut parser = FileParser::new(kind, &file.path, set);
    let mut lines = LineCounter { offset: 0, line: 1 };
    let mut feed = |start: usize, end: usize| {
        let line = lines.line_at(bytes, start);
        parser.feed(&text(bytes.get(start..end).unwrap_or_default()), line)
    };
    // The start of the section being kept, if any; the text before the first header counts as one.
    let mut kept = Some(0);
    let headers = memchr_iter(b'[', bytes)
        .filter(|&at| at == 0 || at.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'\n'));
    for at in headers {
        if let Some(start) = kept.take() {
            feed(start, at)?;
        }
        if wanted(kind, bytes, at, profiles) {
            kept = Some(at);
        }
    }
    if let Some(start) = kept {
        feed(start, bytes.len())?;
    }
    parser.finish();
    Ok(())
}

/// Whether the section whose header starts at `at` is one the caller wants (or a malformed header
/// the parser must report).
fn wanted(kind: FileKind, bytes: &[u8], at: usize, profiles: &[&str]) -> bool {
    let after = bytes.get(at + 1..).unwrap_or_default();
    // Nearly every header is `[profile NAME]` (config) or `[NAME]` (credentials). When the name
    // starts right there, it runs to the first byte that cannot be in a name, so a section whose
    // text does not begin with a wanted name so delimited is skipped without reading its line.
    let plain = match kind {
        FileKind::Config => after.strip_prefix(b"profile "),
        FileKind::Credentials => Some(after),
    };
    if let Some(rest) = plain.filter(|r| r.first().is_some_and(|&b| is_identifier_byte(b))) {
        let starts_with_wanted = profiles.iter().any(|p| {
            rest.starts_with(p.as_bytes())
                && !rest.get(p.len()).is_some_and(|&b| is_identifier_byte(b))
        });
        if !starts_with_wanted {
            return false;
        }
    }
    let end = memchr(b'\n', after).map_or(bytes.len(), |i| at + 1 + i);
    let line = text(bytes.get(at..end).unwrap_or_default());
    // A malformed header is kept so the parser reports it.
    header_inner(strip_cr(&line)).is_none_or(|inner| match classify(kind, inner) {
        Target::Profile(name) => profiles.contains(&name),
        Target::BareDefault => profiles.contains(&"default"),
        Target::SsoSession(_) | Target::Services(_) => true,
        Target::Ignored(_) => false,
    })
}

/// Line numbers for byte offsets, counted only as far as a kept section needs.
struct LineCounter {
    offset: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        if let Some(gap) = bytes.get(self.offset..offset) {
            self.line += memchr_iter(b'\n', gap).count();
            self.offset = offset;
        }
        self.line
    }
}

/// What completion and `list --names` need of a profile: its name, and the few keys a
/// description is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub sso_account_id: Option<String>,
    pub sso_role_name: Option<String>,
    pub role_arn: Option<String>,
    pub sso_session: Option<String>,
}

const SUMMARY_KEYS: [&str; 4] = ["sso_account_id", "sso_role_name", "role_arn", "sso_session"];

/// Every profile name (by the same header rules as a full parse) with a [`Summary`], reading
/// each property line only far enough to see whether it is one of four keys. Much cheaper than
/// [`ProfileSet::parse`] on a large config: nothing else is split, converted or allocated. The
/// descriptions are best effort (a value continued onto the next line is cut at its first line);
/// the names are exact.
pub fn summaries(
    config: Option<&SourceFile>,
    credentials: Option<&SourceFile>,
) -> BTreeMap<String, Summary> {
    let mut out = BTreeMap::new();
    for (kind, file) in [
        (FileKind::Config, config),
        (FileKind::Credentials, credentials),
    ] {
        if let Some(file) = file {
            summarize(kind, body(file), &mut out);
        }
    }
    out
}

fn summarize(kind: FileKind, bytes: &[u8], out: &mut BTreeMap<String, Summary>) {
    // The section being read is collected here and merged once at its end: a map lookup per
    // property line would cost more than the whole scan.
    let mut current: Option<(String, Summary)> = None;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &bytes[start..end];
        if line.first() == Some(&b'[') {
            if let Some((name, summary)) = current.take() {
                merge(out, name, summary);
            }
            let line = text(line);
            current = header_inner(strip_cr(&line)).and_then(|inner| match classify(kind, inner) {
                Target::Profile(name) => Some((name.to_string(), Summary::default())),
                Target::BareDefault => Some(("default".to_string(), Summary::default())),
                _ => None,
            });
        } else if let Some((_, summary)) = current.as_mut()
            && let Some((key, value)) = summary_property(line)
        {
            let slot = match key {
                0 => &mut summary.sso_account_id,
                1 => &mut summary.sso_role_name,
                2 => &mut summary.role_arn,
                _ => &mut summary.sso_session,
            };
            *slot = Some(value);
        }
        start = end + 1;
    }
    if let Some((name, summary)) = current {
        merge(out, name, summary);
    }
}

/// Duplicate sections merge, later values winning, as in a full parse.
fn merge(out: &mut BTreeMap<String, Summary>, name: String, summary: Summary) {
    let entry = out.entry(name).or_default();
    for (slot, value) in [
        (&mut entry.sso_account_id, summary.sso_account_id),
        (&mut entry.sso_role_name, summary.sso_role_name),
        (&mut entry.role_arn, summary.role_arn),
        (&mut entry.sso_session, summary.sso_session),
    ] {
        if value.is_some() {
            *slot = value;
        }
    }
}

/// `key = value` for one of [`SUMMARY_KEYS`] (by index), keys matched case-insensitively.
fn summary_property(line: &[u8]) -> Option<(usize, String)> {
    let first = *line.first()?;
    // Continuation lines start with whitespace; comments and blanks cannot be a key.
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let eq = memchr(b'=', line)?;
    let key = line.get(..eq)?.trim_ascii();
    let index = SUMMARY_KEYS
        .iter()
        .position(|k| key.eq_ignore_ascii_case(k.as_bytes()))?;
    let value = text(line.get(eq + 1..)?).into_owned();
    let value = value.trim();
    // In a value, a comment starts at whitespace followed by `#` or `;`.
    let cut = value
        .char_indices()
        .find(|&(i, c)| (c == '#' || c == ';') && value[..i].ends_with([' ', '\t']))
        .map_or(value.len(), |(i, _)| i);
    Some((index, value[..cut].trim_end().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_agree_with_a_full_parse() {
        let config = SourceFile::new(
            "/h/.aws/config",
            "[default]\nregion = x\n[profile a]\nSSO_Account_Id = 1 # note\nsso_role_name=R\n\
             [profile bad name]\nsso_account_id = 9\n[sso-session s]\nsso_region = y\n\
             [profile b]\nrole_arn = arn:aws:iam::2:role/B\n  continued = no\nsso_session = s\n",
        );
        let credentials = SourceFile::new("/h/.aws/credentials", "[c]\naws_access_key_id = k\n");
        let got = summaries(Some(&config), Some(&credentials));
        let full = ProfileSet::parse(Some(&config), Some(&credentials)).unwrap();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            full.profiles.keys().collect::<Vec<_>>()
        );
        for (name, summary) in &got {
            let section = &full.profiles[name];
            // A continued value is cut at its first line, as documented.
            let first = |key: &str| section.get(key).and_then(|v| v.lines().next());
            let got = [
                &summary.sso_account_id,
                &summary.sso_role_name,
                &summary.role_arn,
                &summary.sso_session,
            ];
            for (key, value) in SUMMARY_KEYS.iter().zip(got) {
                assert_eq!(value.as_deref(), first(key), "{name} {key}");
            }
        }
    }
}
