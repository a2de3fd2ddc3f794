//! A selective parse for hot paths such as the shell prompt, which needs one profile out of a
//! config that may hold ten thousand. Section headers are the only lines that start with `[`, so
//! `memchr` jumps from header to header; a section that is not wanted is never split into lines,
//! converted or validated. Wanted sections go through the same `FileParser` as a full parse, so
//! they merge exactly as `ProfileSet::parse` would merge them.

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
