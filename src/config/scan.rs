//! A selective parse for hot paths such as the shell prompt, which needs one profile out of a
//! config that may hold ten thousand. Section headers are the only lines that start with `[`, so
//! `memmem` jumps from one `\n[` to the next; a section that is not wanted is never split into
//! lines, converted or validated. Wanted sections go through the same `FileParser` as a full parse,
//! so they merge exactly as `ProfileSet::parse` would merge them.

use memchr::{memchr, memchr_iter, memmem};

use super::parse::{FileKind, FileParser, Target, body, classify, header_inner, strip_cr};
use super::{ConfigError, ProfileSet, SourceFile};

impl ProfileSet {
    /// Like [`ProfileSet::parse`], but materialises only the named profiles, every sso-session and
    /// every `[services]` section. Skipped sections are not read at all: a syntax error or warning
    /// in one of them goes unseen, and the text before the first header is always checked.
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

fn wanted(kind: FileKind, target: Target<'_>, profiles: &[&str]) -> bool {
    match target {
        Target::Profile(name) => profiles.contains(&name),
        Target::BareDefault => profiles.contains(&"default"),
        Target::SsoSession(_) | Target::Services(_) => kind == FileKind::Config,
        Target::Ignored(_) => false,
    }
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

fn scan(
    kind: FileKind,
    file: &SourceFile,
    profiles: &[&str],
    set: &mut ProfileSet,
) -> Result<(), ConfigError> {
    let bytes = body(file);
    let finder = memmem::Finder::new(b"\n[");
    // The start of the first header at or after `from`'s line break, or the end of the text.
    let next_header = |from: usize| {
        bytes
            .get(from..)
            .and_then(|rest| finder.find(rest))
            .map_or(bytes.len(), |i| from + i + 1)
    };
    let mut parser = FileParser::new(kind, &file.path, set);
    let first = if bytes.first() == Some(&b'[') {
        0
    } else {
        next_header(0)
    };
    parser.feed(
        &String::from_utf8_lossy(bytes.get(..first).unwrap_or_default()),
        1,
    )?;
    let mut lines = LineCounter { offset: 0, line: 1 };
    let mut start = first;
    while let Some(rest) = bytes.get(start..).filter(|r| !r.is_empty()) {
        let header_end = memchr(b'\n', rest).unwrap_or(rest.len());
        let end = next_header(start + header_end);
        let header = String::from_utf8_lossy(rest.get(..header_end).unwrap_or_default());
        // A malformed header is kept so the parser reports it.
        let keep = header_inner(strip_cr(&header))
            .is_none_or(|inner| wanted(kind, classify(kind, inner), profiles));
        if keep {
            let line = lines.line_at(bytes, start);
            let section = bytes.get(start..end).unwrap_or_default();
            parser.feed(&String::from_utf8_lossy(section), line)?;
        }
        start = end;
    }
    parser.finish();
    Ok(())
}
