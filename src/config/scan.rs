//! A selective parse for hot paths such as the shell prompt, which needs one profile out of a
//! config that may hold ten thousand. Section headers are the only lines that start with `[`, so
//! `memchr` jumps from header to header; a section that is not wanted is never split into lines,
//! converted or validated. Wanted sections go through the same `FileParser` as a full parse, so
//! they merge exactly as `ProfileSet::parse` would merge them.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use memchr::{memchr, memchr_iter};

use super::error::ConfigError;
use super::model::ProfileSet;
use super::parse::{
    FileKind, FileParser, Target, body, classify, header_inner, is_identifier_byte, is_ws,
    strip_cr, text, value_bounds,
};
use super::source::{Sections, SourceFile};

impl<'a> ProfileSet<'a> {
    /// Like [`ProfileSet::parse`], but materialises only the named profiles, every sso-session and
    /// every `[services]` section. Skipped sections are not read at all: a syntax error or warning
    /// in one of them goes unseen. The text before the first header is always checked.
    pub fn parse_selected(
        config: Option<&'a SourceFile>,
        credentials: Option<&'a SourceFile>,
        profiles: &[&str],
    ) -> Result<Self, ConfigError> {
        let mut set = ProfileSet::default();
        if let Some(file) = config {
            let sections = select(FileKind::Config, body(file), profiles);
            feed(FileKind::Config, &file.path, sections, &mut set)?;
        }
        if let Some(file) = credentials {
            let sections = select(FileKind::Credentials, body(file), profiles);
            feed(FileKind::Credentials, &file.path, sections, &mut set)?;
        }
        Ok(set)
    }

    /// [`ProfileSet::parse_selected`] of files read by [`read_selected`] with the same names: the
    /// same set, or the same error on the same line.
    pub fn parse_sections(
        config: Option<&'a Sections>,
        credentials: Option<&'a Sections>,
    ) -> Result<Self, ConfigError> {
        let mut set = ProfileSet::default();
        if let Some(file) = config {
            feed(FileKind::Config, &file.path, file.iter(), &mut set)?;
        }
        if let Some(file) = credentials {
            feed(FileKind::Credentials, &file.path, file.iter(), &mut set)?;
        }
        Ok(set)
    }
}

/// Reads only the sections [`ProfileSet::parse_selected`] would parse of the file at `path`, in
/// chunks (see [`Sections::read`]): a large config is never held whole.
pub(crate) fn read_selected(
    path: &Path,
    kind: FileKind,
    profiles: &[&str],
) -> Result<Option<Sections>, ConfigError> {
    Sections::read(path, |header| wanted(kind, header, profiles))
}

/// Parses `sections`, each a part of the file with the line it starts on.
fn feed<'a>(
    kind: FileKind,
    path: &Arc<Path>,
    sections: impl IntoIterator<Item = (&'a [u8], usize)>,
    set: &mut ProfileSet<'a>,
) -> Result<(), ConfigError> {
    let mut parser = FileParser::new(kind, path, set);
    for (bytes, line) in sections {
        parser.feed(text(bytes), line)?;
    }
    parser.finish();
    Ok(())
}

/// The sections of `bytes` wanted (see [`wanted`]), with the lines they start on; the text before
/// the first header counts as one.
fn select<'b>(kind: FileKind, bytes: &'b [u8], profiles: &[&str]) -> Vec<(&'b [u8], usize)> {
    let mut lines = LineCounter { offset: 0, line: 1 };
    let mut out = Vec::new();
    let mut section = |start: usize, end: usize| {
        let line = lines.line_at(bytes, start);
        out.push((bytes.get(start..end).unwrap_or_default(), line));
    };
    // The start of the section being kept, if any.
    let mut kept = Some(0);
    let headers = memchr_iter(b'[', bytes)
        .filter(|&at| at == 0 || at.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'\n'));
    for at in headers {
        if let Some(start) = kept.take() {
            section(start, at);
        }
        if wanted(kind, bytes.get(at..).unwrap_or_default(), profiles) {
            kept = Some(at);
        }
    }
    if let Some(start) = kept {
        section(start, bytes.len());
    }
    out
}

/// Whether the section whose header starts `header` (the text from its `[`, to the end of the
/// line or beyond) is one the caller wants (or a malformed header the parser must report).
fn wanted(kind: FileKind, header: &[u8], profiles: &[&str]) -> bool {
    let after = header.get(1..).unwrap_or_default();
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
    let end = memchr(b'\n', header).unwrap_or(header.len());
    let line = text(header.get(..end).unwrap_or_default());
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

/// What completion and `list --names` need of a profile: the few keys a description is made of,
/// borrowed from the file's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary<'a> {
    pub sso_account_id: Option<Cow<'a, str>>,
    pub sso_role_name: Option<Cow<'a, str>>,
    pub role_arn: Option<Cow<'a, str>>,
    pub sso_session: Option<Cow<'a, str>>,
}

impl<'a> Summary<'a> {
    fn slot(&mut self, key: usize) -> &mut Option<Cow<'a, str>> {
        match key {
            0 => &mut self.sso_account_id,
            1 => &mut self.sso_role_name,
            2 => &mut self.role_arn,
            _ => &mut self.sso_session,
        }
    }

    /// Takes `later`'s values where it has them, as a later duplicate section does.
    fn update(&mut self, later: &mut Self) {
        for key in 0..SUMMARY_KEYS.len() {
            if let Some(value) = later.slot(key).take() {
                *self.slot(key) = Some(value);
            }
        }
    }
}

const SUMMARY_KEYS: [&str; 4] = ["sso_account_id", "sso_role_name", "role_arn", "sso_session"];

/// Every profile name (by the same header rules as a full parse), sorted, with a [`Summary`].
/// Each line is read only far enough to see whether it is a header or one of four keys; nothing
/// else is split, converted or copied, so this costs a fraction of [`ProfileSet::parse`] on a
/// large config. The descriptions are best effort (a value continued onto the next line is cut
/// at its first line); the names are exact.
pub fn summaries<'a>(
    config: Option<&'a SourceFile>,
    credentials: Option<&'a SourceFile>,
) -> Vec<(Cow<'a, str>, Summary<'a>)> {
    let mut all = Vec::new();
    for (kind, file) in [
        (FileKind::Config, config),
        (FileKind::Credentials, credentials),
    ] {
        if let Some(file) = file {
            summarize(kind, body(file), &mut all);
        }
    }
    // A stable sort keeps duplicates in file order, so the later section's values win the merge.
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1.update(&mut later.1);
        }
        same
    });
    all
}

fn summarize<'a>(kind: FileKind, bytes: &'a [u8], out: &mut Vec<(Cow<'a, str>, Summary<'a>)>) {
    // Whether the section being read is a profile (then it is the last entry of `out`).
    let mut in_profile = false;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &bytes[start..end];
        start = end + 1;
        match line.first() {
            Some(b'[') => {
                let name = profile_name(kind, line);
                in_profile = name.is_some();
                out.extend(name.map(|name| (name, Summary::default())));
            }
            // Each of the four keys starts with `s` or `r` (in any case); continuation lines,
            // comments, blanks and every other key are passed over without being split.
            Some(b's' | b'S' | b'r' | b'R') if in_profile => {
                if let (Some((key, value)), Some((_, summary))) =
                    (summary_property(line), out.last_mut())
                {
                    *summary.slot(key) = Some(value);
                }
            }
            _ => {}
        }
    }
}

/// The profile a header line opens, or `None` for any other section or a malformed header.
fn profile_name(kind: FileKind, line: &[u8]) -> Option<Cow<'_, str>> {
    // Nearly every header is a bare `[profile NAME]` (config) or `[NAME]` (credentials): when the
    // name's bytes run straight to the closing bracket at the end of the line, that is the name.
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_prefix(b"[").and_then(|l| l.strip_suffix(b"]"));
    let plain = match kind {
        FileKind::Config => inner.and_then(|i| i.strip_prefix(b"profile ")),
        FileKind::Credentials => inner,
    };
    if let Some(name) = plain.filter(|n| !n.is_empty() && n.iter().all(|&b| is_identifier_byte(b)))
    {
        return Some(text(name));
    }
    fn name(kind: FileKind, line: &str) -> Option<&str> {
        match classify(kind, header_inner(line)?) {
            Target::Profile(name) => Some(name),
            Target::BareDefault => Some("default"),
            _ => None,
        }
    }
    match text(line) {
        Cow::Borrowed(line) => name(kind, line).map(Cow::Borrowed),
        Cow::Owned(line) => name(kind, &line).map(|n| Cow::Owned(n.to_owned())),
    }
}

/// `key = value` for one of [`SUMMARY_KEYS`] (by index), keys matched case-insensitively and
/// values trimmed of whitespace and of a comment, as in a full parse.
fn summary_property(line: &[u8]) -> Option<(usize, Cow<'_, str>)> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // The line starts with its key (the caller saw no indentation): one of the four, followed by
    // `=` or whitespace, or the line is not split at all.
    let index = SUMMARY_KEYS.iter().position(|k| {
        line.get(..k.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(k.as_bytes()))
            && line.get(k.len()).is_some_and(|&b| b == b'=' || is_ws(b))
    })?;
    // Past the key only whitespace may stand before the `=`: the value is all that is split.
    let key_end = SUMMARY_KEYS.get(index)?.len();
    let eq = key_end + line.get(key_end..)?.iter().position(|&b| !is_ws(b))?;
    if line.get(eq) != Some(&b'=') {
        return None;
    }
    Some((index, text(line.get(value_bounds(line, eq))?)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::config::parse::tests::{NAMES, near_valid, noise};

    /// What [`read_selected`] makes of `text`, read `chunk` bytes at a time.
    fn chunked(path: &str, kind: FileKind, text: &[u8], chunk: usize, names: &[&str]) -> Sections {
        Sections::read_from(Arc::from(Path::new(path)), text, chunk, |header| {
            wanted(kind, header, names)
        })
        .unwrap()
    }

    /// The chunked selective read parses to exactly what `parse_selected` makes of the whole
    /// text: the same set and warnings, or the same error on the same line.
    fn same_as_whole(cfg: &str, creds: &str, bom: bool, chunk: usize) -> Result<(), TestCaseError> {
        let cfg = if bom {
            format!("\u{feff}{cfg}")
        } else {
            cfg.to_owned()
        };
        let (cfg_path, creds_path) = ("/h/.aws/config", "/h/.aws/credentials");
        let whole = (
            SourceFile::new(cfg_path, &cfg),
            SourceFile::new(creds_path, creds),
        );
        for n in 0..NAMES.len() {
            let names = &NAMES[n..];
            let expected = ProfileSet::parse_selected(Some(&whole.0), Some(&whole.1), names);
            let config = chunked(cfg_path, FileKind::Config, cfg.as_bytes(), chunk, names);
            let credentials = chunked(
                creds_path,
                FileKind::Credentials,
                creds.as_bytes(),
                chunk,
                names,
            );
            let got = ProfileSet::parse_sections(Some(&config), Some(&credentials));
            match (expected, got) {
                (Ok(expected), Ok(got)) => prop_assert_eq!(got, expected),
                (Err(expected), Err(got)) => {
                    prop_assert_eq!(got.to_string(), expected.to_string());
                }
                (expected, got) => prop_assert!(false, "{:?} but {:?}", expected, got),
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn chunked_reads_parse_like_the_whole_text(
            cfg in near_valid(),
            creds in near_valid(),
            bom in any::<bool>(),
            chunk in 1usize..64,
        ) {
            same_as_whole(&cfg, &creds, bom, chunk)?;
        }

        #[test]
        fn chunked_reads_of_random_bytes_parse_like_the_whole_text(
            cfg in noise(),
            creds in noise(),
            bom in any::<bool>(),
            chunk in 1usize..64,
        ) {
            same_as_whole(&cfg, &creds, bom, chunk)?;
        }
    }

    #[test]
    fn a_file_read_in_chunks_keeps_only_the_wanted_sections_and_their_lines() {
        let file = "# top\r\n[profile a]\r\nregion = [x]\r\n[profile b]\nregion = y\n\
                    [sso-session s]\nsso_region = z\n[profile a\n";
        let got = chunked(
            "/h/.aws/config",
            FileKind::Config,
            file.as_bytes(),
            3,
            &["a"],
        );
        let sections: Vec<_> = got
            .iter()
            .map(|(t, line)| (text(t).into_owned(), line))
            .collect();
        assert_eq!(
            sections,
            [
                ("# top\r\n".to_owned(), 1),
                ("[profile a]\r\nregion = [x]\r\n".to_owned(), 2),
                ("[sso-session s]\nsso_region = z\n".to_owned(), 6),
                ("[profile a\n".to_owned(), 8),
            ]
        );
    }

    #[test]
    fn summaries_agree_with_a_full_parse() {
        let config = SourceFile::new(
            "/h/.aws/config",
            "[default]\nregion = x\n[profile a]\nSSO_Account_Id = 1 # note\nsso_role_name=R\n\
             [profile bad name]\nsso_account_id = 9\n[sso-session s]\nsso_region = y\n\
             [profile b]\nrole_arn = arn:aws:iam::2:role/B\n  continued = no\nsso_session = s\n\
             [profile a]\r\nsso_role_name = R2 ;x\r\n[ profile  d ] # note\nsso_session = s\n\
             [profile e]\nsso_session x = s\nrole_arn=arn:aws:iam::3:role/E;x # y = z\n",
        );
        let credentials = SourceFile::new("/h/.aws/credentials", "[c]\naws_access_key_id = k\n");
        let got = summaries(Some(&config), Some(&credentials));
        let full = ProfileSet::parse(Some(&config), Some(&credentials)).unwrap();
        assert_eq!(
            got.iter()
                .map(|(name, _)| name.as_ref())
                .collect::<Vec<_>>(),
            full.profiles.keys().collect::<Vec<_>>()
        );
        for (name, summary) in &got {
            let section = &full.profiles[name.as_ref()];
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
