//! The shared-config parser, written by hand to the AWS SDKs' rules (the smithy-rs profile-parser
//! suite in `tests/data/conformance/` is its specification).
//!
//! Why not an INI crate such as `rust-ini`: the AWS format only looks like INI. An indented line
//! continues the value above it, and under an empty value (`s3 =`) the indented lines are
//! sub-properties that must each be `name = value`; `#` and `;` start a comment anywhere in a
//! section header but only after whitespace in a value; `[profile default]` beats `[default]`;
//! the credentials file takes names without a prefix; and every error must name the file and line
//! with the SDKs' wording. A generic INI reader can express none of this, so the parser is a small
//! line-by-line state machine whose sections borrow their names, keys and values from the text.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use memchr::{memchr_iter, memchr2};

use super::error::ConfigError;
use super::model::{Origin, ProfileSet, Properties, Property, Section};
use super::source::{BYTE_ORDER_MARK, SourceFile};

/// Which file a text comes from: their section headers follow different rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Config,
    Credentials,
}

/// What a section header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// `[profile NAME]` in the config file, `[NAME]` in the credentials file.
    Profile(&'a str),
    /// `[default]` in the config file: dropped when `[profile default]` exists.
    BareDefault,
    SsoSession(&'a str),
    Services(&'a str),
    Ignored(Ignored<'a>),
}

/// Why a section is skipped; the SDKs skip these with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ignored<'a> {
    InvalidName {
        prefix: Option<&'a str>,
        name: &'a str,
    },
    /// `[NAME]` in the config file (other than `[default]`).
    NoPrefix(&'a str),
    UnknownPrefix {
        prefix: &'a str,
        name: &'a str,
    },
    /// `[PREFIX NAME]` in the credentials file.
    PrefixInCredentials {
        prefix: &'a str,
        name: &'a str,
    },
    /// A section the AWS CLI itself reads (`[plugins]`, `[preview]`): not ours, not a mistake.
    CliSection,
}

impl Ignored<'_> {
    fn warning(&self) -> Option<String> {
        Some(match *self {
            Ignored::InvalidName { prefix, name } => {
                let header = match prefix {
                    Some(p) => format!("[{p} {name}]"),
                    None => format!("[{name}]"),
                };
                format!(
                    "section {header} ignored: a name may only use letters, digits and _-/.%@:+"
                )
            }
            Ignored::NoPrefix(name) => format!(
                "section [{name}] ignored: in the config file a profile is written [profile {name}] \
                 (only [default] goes without the prefix)"
            ),
            Ignored::UnknownPrefix { prefix, name } => format!(
                "section [{prefix} {name}] ignored: `{prefix}` is not a known kind of section \
                 (profile, sso-session, services)"
            ),
            Ignored::PrefixInCredentials { prefix, name } if prefix == PROFILE => format!(
                "section [{prefix} {name}] ignored: in the credentials file a profile is written [{name}]"
            ),
            Ignored::PrefixInCredentials { prefix, name } => format!(
                "section [{prefix} {name}] ignored: it belongs in the config file, not the credentials file"
            ),
            Ignored::CliSection => return None,
        })
    }
}

const PROFILE: &str = "profile";
const DEFAULT: &str = "default";

/// The SDKs count only space and tab as whitespace in these files.
pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_ws(s: &str) -> &str {
    let (start, end) = ws_bounds(s.as_bytes());
    s.get(start..end).unwrap_or("")
}

/// Where the text between leading and trailing whitespace starts and ends.
fn ws_bounds(bytes: &[u8]) -> (usize, usize) {
    let start = bytes.iter().position(|&b| !is_ws(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_ws(b))
        .map_or(start, |i| i + 1);
    (start, end)
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(is_ws)
}

/// `[A-Za-z0-9_\-/.%@:+]+`: the SDKs' rule for section names and keys.
fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_identifier_byte)
}

pub(crate) fn is_identifier_byte(b: u8) -> bool {
    IDENTIFIER_BYTES[usize::from(b)]
}

/// Which bytes [`is_identifier_byte`] accepts, as a table: every key and name of a file is
/// checked byte by byte.
const IDENTIFIER_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+');
        b += 1;
    }
    table
};

/// Bytes as text. Invalid UTF-8 becomes U+FFFD; no sequence spans a line break, so converting a
/// file line by line or section by section gives the same text as converting it whole.
pub(crate) fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Trims a section header line and cuts off its comment, which `#` or `;` start anywhere.
fn strip_header_comment(line: &str) -> &str {
    let line = trim_ws(line);
    match memchr2(b'#', b';', line.as_bytes()).and_then(|i| line.get(..i)) {
        Some(kept) => trim_ws(kept),
        None => line,
    }
}

/// A line without its Windows `\r`.
pub(crate) fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// A file's text without its byte-order mark.
pub(crate) fn body(file: &SourceFile) -> &[u8] {
    let bytes = file.bytes();
    bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes)
}

/// The text between the brackets of a header line, or `None` when the line is no proper header.
pub(crate) fn header_inner(line: &str) -> Option<&str> {
    strip_header_comment(line)
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
}

/// Classifies the inside of `[...]`: `PREFIX NAME` splits at the first whitespace.
pub(crate) fn classify(kind: FileKind, inner: &str) -> Target<'_> {
    let inner = trim_ws(inner);
    let (prefix, name) = match inner.find([' ', '\t']) {
        Some(i) => (
            inner.get(..i).unwrap_or(inner),
            trim_ws(inner.get(i..).unwrap_or("")),
        ),
        None => {
            return match kind {
                FileKind::Config if inner == DEFAULT => Target::BareDefault,
                FileKind::Config if inner == "plugins" || inner == "preview" => {
                    Target::Ignored(Ignored::CliSection)
                }
                FileKind::Config => Target::Ignored(Ignored::NoPrefix(inner)),
                FileKind::Credentials if is_identifier(inner) => Target::Profile(inner),
                FileKind::Credentials => Target::Ignored(Ignored::InvalidName {
                    prefix: None,
                    name: inner,
                }),
            };
        }
    };
    if kind == FileKind::Credentials {
        return Target::Ignored(Ignored::PrefixInCredentials { prefix, name });
    }
    if !is_identifier(name) {
        return Target::Ignored(Ignored::InvalidName {
            prefix: Some(prefix),
            name,
        });
    }
    match prefix {
        PROFILE => Target::Profile(name),
        "sso-session" => Target::SsoSession(name),
        "services" => Target::Services(name),
        _ => Target::Ignored(Ignored::UnknownPrefix { prefix, name }),
    }
}

/// Which map of the `ProfileSet` the open section goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Profile,
    BareDefault,
    SsoSession,
    Services,
    Discard,
}

/// The section being read: its properties are collected here and merged when it ends, so a
/// section costs one map lookup, not one per line.
struct Open<'a> {
    slot: Slot,
    section: Section<'a>,
}

/// The last property read: indented lines below it still extend it.
struct Pending<'a> {
    key: Cow<'a, str>,
    property: Property<'a>,
    /// Defined with an empty value, so indented lines are `name = value` sub-properties.
    nested: bool,
}

/// Reads one file into a `ProfileSet`, line by line.
pub(crate) struct FileParser<'s, 'a> {
    kind: FileKind,
    path: &'s Arc<Path>,
    set: &'s mut ProfileSet<'a>,
    open: Option<Open<'a>>,
    pending: Option<Pending<'a>>,
    bare_default: Option<Section<'a>>,
    saw_profile_default: bool,
    /// Profiles read so far, merged into the set at the end (see [`merge_all`]).
    profiles: Vec<Section<'a>>,
    /// What the open section's properties are read into (see [`Properties::take_to_fit`]).
    buffer: Properties<'a>,
    /// The text being fed, when the set may borrow from it (see [`FileParser::keep`]).
    source: &'a str,
}

impl<'s, 'a> FileParser<'s, 'a> {
    pub(crate) fn new(kind: FileKind, path: &'s Arc<Path>, set: &'s mut ProfileSet<'a>) -> Self {
        Self {
            kind,
            path,
            set,
            open: None,
            pending: None,
            bare_default: None,
            saw_profile_default: false,
            profiles: Vec::new(),
            buffer: Properties::default(),
            source: "",
        }
    }

    /// Reads `text`, whose first line is line `first_line` of the file. `text` must start at the
    /// beginning of a line. What the set keeps borrows from borrowed text; of text converted
    /// with replacement characters (a temporary), it keeps copies.
    pub(crate) fn feed(
        &mut self,
        text: Cow<'a, str>,
        first_line: usize,
    ) -> Result<(), ConfigError> {
        self.source = match text {
            Cow::Borrowed(text) => text,
            Cow::Owned(_) => "",
        };
        let mut start = 0;
        for (i, end) in memchr_iter(b'\n', text.as_bytes())
            .chain(std::iter::once(text.len()))
            .enumerate()
        {
            let line = text.get(start..end).unwrap_or_default();
            self.line(strip_cr(line), first_line + i)?;
            start = end + 1;
        }
        self.source = "";
        Ok(())
    }

    /// `part`, a slice of the text being fed, as the set keeps it: borrowed from `source` where it
    /// lies inside it, else copied. A slice of a temporary copy is never taken for one of
    /// `source`: its offset from `source` falls outside it, so `get` finds nothing.
    fn keep(&self, part: &str) -> Cow<'a, str> {
        let at = (part.as_ptr() as usize).wrapping_sub(self.source.as_ptr() as usize);
        match self.source.get(at..at.wrapping_add(part.len())) {
            Some(inside) => Cow::Borrowed(inside),
            None => Cow::Owned(part.to_owned()),
        }
    }

    /// A key as the set keeps it: lower-case, as the SDKs match keys case-insensitively.
    fn key(&self, key: &str) -> Cow<'a, str> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            self.keep(key)
        }
    }

    /// Ends the file: merges what is still open and applies the `[default]` rule.
    pub(crate) fn finish(mut self) {
        self.close_section();
        merge_all(&mut self.set.profiles, std::mem::take(&mut self.profiles));
        if let Some(default) = self.bare_default.take() {
            if self.saw_profile_default {
                self.set.warnings.push(format!(
                    "{}: section [default] ignored: [profile default] in the same file takes priority",
                    default.origin
                ));
            } else {
                merge(&mut self.set.profiles, default);
            }
        }
    }

    fn origin(&self, line: usize) -> Origin {
        Origin {
            file: Arc::clone(self.path),
            line,
        }
    }

    fn error(&self, line: usize, message: impl Into<String>) -> ConfigError {
        ConfigError::Syntax {
            origin: self.origin(line),
            message: message.into(),
        }
    }

    fn line(&mut self, line: &str, n: usize) -> Result<(), ConfigError> {
        match line.as_bytes().first() {
            None | Some(b'#' | b';') => Ok(()),
            Some(b'[') => self.header(line, n),
            Some(&b) if is_ws(b) => {
                if is_blank(line) {
                    Ok(())
                } else {
                    self.continuation(line, n)
                }
            }
            Some(_) => self.property(line, n),
        }
    }

    fn header(&mut self, line: &str, n: usize) -> Result<(), ConfigError> {
        let inner = header_inner(line).ok_or_else(|| {
            self.error(
                n,
                "Profile definition must end with ']': close the section header, as in \
                 [profile NAME], and keep comments after the ']'",
            )
        })?;
        self.close_section();
        let (slot, name) = match classify(self.kind, inner) {
            Target::Profile(name) => {
                if self.kind == FileKind::Config && name == DEFAULT {
                    self.saw_profile_default = true;
                }
                (Slot::Profile, name)
            }
            Target::BareDefault => (Slot::BareDefault, DEFAULT),
            Target::SsoSession(name) => (Slot::SsoSession, name),
            Target::Services(name) => (Slot::Services, name),
            Target::Ignored(why) => {
                if let Some(w) = why.warning() {
                    let w = format!("{}: {w}", self.origin(n));
                    self.set.warnings.push(w);
                }
                (Slot::Discard, "")
            }
        };
        self.open = Some(Open {
            slot,
            section: Section {
                name: self.keep(name),
                properties: std::mem::take(&mut self.buffer),
                origin: self.origin(n),
            },
        });
        Ok(())
    }

    fn no_section(&self, n: usize) -> ConfigError {
        let example = match self.kind {
            FileKind::Config => "[profile NAME] or [default]",
            FileKind::Credentials => "[NAME]",
        };
        self.error(
            n,
            format!(
                "Expected a profile definition before this line: put a section header such as \
                 {example} above it"
            ),
        )
    }

    fn property(&mut self, line: &str, n: usize) -> Result<(), ConfigError> {
        if self.open.is_none() {
            return Err(self.no_section(n));
        }
        let (key, value) = split_property(line).map_err(|e| self.error(n, e.message(None)))?;
        self.flush_property();
        self.pending = Some(Pending {
            key: self.key(key),
            nested: value.is_empty(),
            property: Property {
                value: self.keep(value),
                origin: self.origin(n),
            },
        });
        Ok(())
    }

    fn continuation(&mut self, line: &str, n: usize) -> Result<(), ConfigError> {
        let Some(open) = self.open.as_ref() else {
            return Err(self.no_section(n));
        };
        let keep = open.slot != Slot::Discard;
        let Some(mut pending) = self.pending.take() else {
            return Err(self.error(
                n,
                "Expected a property definition, found continuation: an indented line continues \
                 the property above it; remove the indentation or put a `name = value` line first",
            ));
        };
        if pending.nested {
            // Checked here, read from the text when asked (see [`Property::sub_properties`]).
            let (k, _) =
                split_property(line).map_err(|e| self.error(n, e.message(Some(&pending.key))))?;
            if !is_identifier(k) && keep {
                self.set.warnings.push(format!(
                    "{}: sub-property `{k}` of `{}` ignored: a name may only use letters, digits \
                     and _-/.%@:+",
                    self.origin(n),
                    pending.key
                ));
            }
        }
        let value = pending.property.value.to_mut();
        value.push('\n');
        value.push_str(trim_ws(line));
        self.pending = Some(pending);
        Ok(())
    }

    /// Stores the pending property in the open section (a later one with the same key wins).
    fn flush_property(&mut self) {
        let (Some(p), Some(open)) = (self.pending.take(), self.open.as_mut()) else {
            return;
        };
        if open.slot == Slot::Discard {
            return;
        }
        if is_identifier(&p.key) {
            open.section.properties.insert(p.key, p.property);
        } else {
            self.set.warnings.push(format!(
                "{}: key `{}` in {} `{}` ignored: a key may only use letters, digits and _-/.%@:+",
                p.property.origin,
                p.key,
                label(open.slot),
                open.section.name
            ));
        }
    }

    fn close_section(&mut self) {
        self.flush_property();
        let Some(mut open) = self.open.take() else {
            return;
        };
        let mut read = std::mem::take(&mut open.section.properties);
        open.section.properties = read.take_to_fit();
        self.buffer = read;
        let map = match open.slot {
            Slot::Profile => {
                self.profiles.push(open.section);
                return;
            }
            Slot::SsoSession => &mut self.set.sso_sessions,
            Slot::Services => &mut self.set.services,
            Slot::BareDefault => {
                match &mut self.bare_default {
                    Some(d) => d.properties.extend(open.section.properties),
                    None => self.bare_default = Some(open.section),
                }
                return;
            }
            Slot::Discard => return,
        };
        merge(map, open.section);
    }
}

fn label(slot: Slot) -> &'static str {
    match slot {
        Slot::Profile | Slot::BareDefault | Slot::Discard => "profile",
        Slot::SsoSession => "sso-session",
        Slot::Services => "services",
    }
}

/// Merges a section into an earlier one of the same name: its values win, the first header stays
/// the section's origin.
fn merge<'a>(map: &mut BTreeMap<Cow<'a, str>, Section<'a>>, section: Section<'a>) {
    // One search rather than a lookup and then an insert.
    match map.entry(section.name.clone()) {
        Entry::Occupied(mut existing) => existing.get_mut().properties.extend(section.properties),
        Entry::Vacant(slot) => {
            slot.insert(section);
        }
    }
}

/// Merges a file's profiles, in file order, into `map`. A large config has thousands of
/// profiles: sorting them once and building the map from sorted entries compares far fewer
/// names than inserting them one by one into a tree.
fn merge_all<'a>(map: &mut BTreeMap<Cow<'a, str>, Section<'a>>, mut sections: Vec<Section<'a>>) {
    if !map.is_empty() {
        for section in sections {
            merge(map, section);
        }
        return;
    }
    // A stable sort keeps duplicates in file order, so the later one's values win.
    sections.sort_by(|a, b| a.name.cmp(&b.name));
    sections.dedup_by(|later, earlier| {
        let same = later.name == earlier.name;
        if same {
            earlier
                .properties
                .extend(std::mem::take(&mut later.properties));
        }
        same
    });
    *map = sections.into_iter().map(|s| (s.name.clone(), s)).collect();
}

/// What is wrong with a `name = value` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropertyError {
    NoEquals,
    NoName,
}

impl PropertyError {
    /// The SDKs' wording, then what to do; `parent` is set for a sub-property.
    fn message(self, parent: Option<&str>) -> String {
        match (self, parent) {
            (PropertyError::NoEquals, None) => "Expected an '=' sign defining a property: write \
                 `name = value`, or start the line with # to make it a comment"
                .to_owned(),
            (PropertyError::NoName, None) => {
                "Property did not have a name: write `name = value`".to_owned()
            }
            (PropertyError::NoEquals, Some(parent)) => format!(
                "Expected an '=' sign defining a sub-property: the indented lines under `{parent} =` \
                 must each be `name = value`"
            ),
            (PropertyError::NoName, Some(parent)) => {
                format!("Sub-property did not have a name: write `name = value` under `{parent} =`")
            }
        }
    }
}

impl Property<'_> {
    /// The sub-properties of a property written with an empty value and indented `name = value`
    /// lines under it: names lower-case, values without their comment, names the SDKs reject
    /// left out (the parse warned of them). Read from the value's text: almost no property has
    /// any, and keeping an empty map in every property cost a sixth of a large config's memory.
    pub fn sub_properties(&self) -> BTreeMap<String, String> {
        let Some(lines) = self.value.strip_prefix('\n') else {
            return BTreeMap::new();
        };
        lines
            .split('\n')
            .filter_map(|line| split_property(line).ok())
            .filter(|(name, _)| is_identifier(name))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect()
    }
}

/// Splits `name = value # comment` into a trimmed name and value.
fn split_property(line: &str) -> Result<(&str, &str), PropertyError> {
    let (key, value) = property_bounds(line.as_bytes())?;
    Ok((line.get(key).unwrap_or(""), line.get(value).unwrap_or("")))
}

/// Where the trimmed name and value of `name = value # comment` lie. In a property, `#` and `;`
/// start a comment only after whitespace, so `value;x` keeps its `;`; an `=` in the comment does
/// not count. Byte loops rather than `memchr`: this runs for every property of a file, and lines
/// are so short that `memchr`'s set-up cost half as much again (measured).
fn property_bounds(line: &[u8]) -> Result<(Range<usize>, Range<usize>), PropertyError> {
    // Leading whitespace does not make a `#` right after it a comment.
    let start = line.iter().position(|&b| !is_ws(b)).unwrap_or(line.len());
    let mut eq = None;
    let mut after_ws = false;
    for (i, &b) in line.iter().enumerate().skip(start) {
        match b {
            b'#' | b';' if after_ws => break,
            b'=' => {
                eq = Some(i);
                break;
            }
            _ => {}
        }
        after_ws = is_ws(b);
    }
    let eq = eq.ok_or(PropertyError::NoEquals)?;
    let key = trimmed(line, 0..eq);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((key, value_bounds(line, eq)))
}

/// Where the trimmed value after the `=` at `eq` lies, without its comment.
pub(crate) fn value_bounds(line: &[u8], eq: usize) -> Range<usize> {
    let mut end = line.len();
    let mut after_ws = false;
    for (i, &b) in line.iter().enumerate().skip(eq + 1) {
        if after_ws && (b == b'#' || b == b';') {
            end = i;
            break;
        }
        after_ws = is_ws(b);
    }
    trimmed(line, eq + 1..end)
}

/// `range` of `line` without its leading and trailing whitespace.
fn trimmed(line: &[u8], range: Range<usize>) -> Range<usize> {
    let (s, e) = ws_bounds(line.get(range.clone()).unwrap_or_default());
    range.start + s..range.start + e
}

impl<'a> ProfileSet<'a> {
    /// Parses and merges the config and credentials files (`None` for a missing file) by the AWS
    /// SDKs' rules. Credentials-file values override config-file values.
    pub fn parse(
        config: Option<&'a SourceFile>,
        credentials: Option<&'a SourceFile>,
    ) -> Result<Self, ConfigError> {
        let mut set = ProfileSet::default();
        for (kind, file) in [
            (FileKind::Config, config),
            (FileKind::Credentials, credentials),
        ] {
            let Some(file) = file else { continue };
            let mut parser = FileParser::new(kind, &file.path, &mut set);
            parser.feed(text(body(file)), 1)?;
            parser.finish();
        }
        Ok(set)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::*;

    fn config(text: &str) -> SourceFile {
        SourceFile::new("/h/.aws/config", text)
    }

    fn credentials(text: &str) -> SourceFile {
        SourceFile::new("/h/.aws/credentials", text)
    }

    fn parse(cfg: &str) -> ProfileSet<'static> {
        ProfileSet::parse(Some(&config(cfg)), None)
            .unwrap()
            .into_owned()
    }

    fn syntax_error(cfg: &str) -> (usize, String) {
        match ProfileSet::parse(Some(&config(cfg)), None) {
            Err(ConfigError::Syntax { origin, message }) => {
                assert_eq!(&*origin.file, Path::new("/h/.aws/config"));
                (origin.line, message)
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn values_remember_the_file_and_line_that_set_them() {
        let cfg =
            config("# top\n[profile a]\nregion = eu-west-1\n\n[profile a]\nregion = us-east-1\n");
        let creds = credentials("[a]\naws_access_key_id = AKIA\n");
        let set = ProfileSet::parse(Some(&cfg), Some(&creds)).unwrap();
        let a = &set.profiles["a"];
        assert_eq!(a.origin.line, 2, "a section's origin is its first header");
        assert_eq!(a.property("region").unwrap().origin.line, 6);
        let key = a.property("aws_access_key_id").unwrap();
        assert_eq!(key.origin.to_string(), "/h/.aws/credentials:2");
    }

    #[test]
    fn credentials_values_override_config_values() {
        let cfg = config("[profile a]\nregion = eu-west-1\noutput = json\n");
        let creds = credentials("[a]\nregion = us-east-1\n");
        let set = ProfileSet::parse(Some(&cfg), Some(&creds)).unwrap();
        assert_eq!(set.profiles["a"].get("region"), Some("us-east-1"));
        assert_eq!(set.profiles["a"].get("output"), Some("json"));
    }

    #[test]
    fn keys_are_lower_case_and_looked_up_case_insensitively() {
        let set = parse("[profile a]\nSSO_Region = eu-west-1\n");
        assert!(set.profiles["a"].properties.get("sso_region").is_some());
        assert_eq!(set.profiles["a"].get("SSO_REGION"), Some("eu-west-1"));
    }

    #[test]
    fn windows_line_endings_leave_no_carriage_return() {
        let set = parse("[profile a]\r\nregion = eu-west-1\r\nx = 1 # c\r\ny = 2\r");
        let a = &set.profiles["a"];
        assert_eq!(a.get("region"), Some("eu-west-1"));
        assert_eq!(a.get("x"), Some("1"));
        assert_eq!(a.get("y"), Some("2"));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_header() {
        let set = parse("\u{feff}[profile a]\nregion = eu-west-1\n");
        assert_eq!(set.profiles["a"].get("region"), Some("eu-west-1"));
    }

    #[test]
    fn sections_borrow_from_valid_text_and_copy_from_replaced_text() {
        let file = config("[profile a]\nregion = eu-west-1\nOutput = json\n");
        let set = ProfileSet::parse(Some(&file), None).unwrap();
        let a = &set.profiles["a"];
        assert!(matches!(a.name, Cow::Borrowed("a")));
        let region = &a.property("region").unwrap().value;
        assert!(matches!(region, Cow::Borrowed("eu-west-1")), "{region:?}");
        let keys: Vec<_> = a.properties.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            ["region", "output"],
            "keys are lower-cased copies where needed"
        );

        let lossy = SourceFile::new("/h/.aws/config", "");
        let mut set = ProfileSet::default();
        let mut parser = FileParser::new(FileKind::Config, &lossy.path, &mut set);
        let text = String::from_utf8_lossy(b"[profile b]\nregion = \xe9u\n");
        parser.feed(text, 1).unwrap();
        parser.finish();
        let b = &set.profiles["b"];
        assert!(matches!(b.name, Cow::Owned(_)));
        assert_eq!(b.get("region"), Some("\u{fffd}u"));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let file = SourceFile::new("/h/.aws/config", "");
        let bytes = b"[profile a]\nname = caf\xe9\n[profile b]\n";
        let mut set = ProfileSet::default();
        let mut parser = FileParser::new(FileKind::Config, &file.path, &mut set);
        parser.feed(String::from_utf8_lossy(bytes), 1).unwrap();
        parser.finish();
        assert_eq!(set.profiles["a"].get("name"), Some("caf\u{fffd}"));
        assert!(set.profiles.contains_key("b"));
    }

    #[test]
    fn sub_properties_are_parsed_with_comments_stripped() {
        let set = parse(
            "[services local]\ns3 =\n  endpoint_url = http://localhost:9000 # minio\n  \
             Region = eu-west-1\n[profile a]\nservices = local\n",
        );
        let s3 = set.services["local"].property("s3").unwrap();
        assert_eq!(
            s3.value,
            "\nendpoint_url = http://localhost:9000 # minio\nRegion = eu-west-1"
        );
        assert_eq!(
            s3.sub_properties().get("endpoint_url").map(String::as_str),
            Some("http://localhost:9000")
        );
        assert_eq!(
            s3.sub_properties().get("region").map(String::as_str),
            Some("eu-west-1")
        );
        assert_eq!(set.profiles["a"].get("services"), Some("local"));
    }

    #[test]
    fn sso_sessions_are_their_own_namespace() {
        let set = parse(
            "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n\
             [profile corp]\nsso_session = corp\n",
        );
        assert_eq!(
            set.sso_sessions["corp"].get("sso_start_url"),
            Some("https://x.awsapps.com/start")
        );
        assert_eq!(set.profiles["corp"].get("sso_session"), Some("corp"));
    }

    #[test]
    fn skipped_sections_and_keys_are_warned_about_with_file_and_line() {
        let cfg = config(
            "[profile ok]\nin valid = 1\n[prod]\nx = 1\n[profile bad name]\n[sso-sesion s]\n\
             [default]\nregion = a\n[profile default]\n[plugins]\nx = y\n",
        );
        let creds = credentials("[profile c]\n[sso-session s]\n");
        let set = ProfileSet::parse(Some(&cfg), Some(&creds)).unwrap();
        let w = set.warnings.join("\n");
        for expected in [
            "/h/.aws/config:2: key `in valid` in profile `ok` ignored",
            "/h/.aws/config:3: section [prod] ignored: in the config file a profile is written [profile prod]",
            "/h/.aws/config:5: section [profile bad name] ignored",
            "/h/.aws/config:6: section [sso-sesion s] ignored",
            "/h/.aws/config:7: section [default] ignored: [profile default]",
            "/h/.aws/credentials:1: section [profile c] ignored: in the credentials file a profile is written [c]",
            "/h/.aws/credentials:2: section [sso-session s] ignored: it belongs in the config file",
        ] {
            assert!(w.contains(expected), "missing {expected:?} in\n{w}");
        }
        assert_eq!(set.warnings.len(), 7, "[plugins] is the AWS CLI's: {w}");
        assert_eq!(set.profiles["default"].get("region"), None);
    }

    #[test]
    fn invalid_sub_property_names_stay_in_the_text_but_not_the_map() {
        let set = parse("[profile a]\ns3 =\n  ok = 1\n  bad key = 2\n");
        let s3 = set.profiles["a"].property("s3").unwrap();
        assert_eq!(s3.value, "\nok = 1\nbad key = 2");
        assert_eq!(s3.sub_properties().len(), 1);
        assert_eq!(
            set.warnings,
            [
                "/h/.aws/config:4: sub-property `bad key` of `s3` ignored: a name may only use \
              letters, digits and _-/.%@:+"
            ]
        );
    }

    #[test]
    fn a_bare_default_is_used_when_there_is_no_prefixed_one() {
        let set = parse("[default]\nregion = a\n[default]\noutput = json\n");
        assert_eq!(set.profiles["default"].get("region"), Some("a"));
        assert_eq!(set.profiles["default"].get("output"), Some("json"));
        assert!(set.warnings.is_empty());
    }

    #[test]
    fn syntax_errors_name_the_line_and_say_what_to_do() {
        let cases = [
            (
                "\n[profile a\n",
                2,
                "Profile definition must end with ']'",
                "close",
            ),
            (
                "# c\nregion = a\n",
                2,
                "Expected a profile definition",
                "[profile NAME]",
            ),
            (
                "[profile a]\n\nregion\n",
                3,
                "Expected an '=' sign defining a property",
                "name = value",
            ),
            (
                "[profile a]\n= x\n",
                2,
                "Property did not have a name",
                "name = value",
            ),
            (
                "[profile a]\n  x\n",
                2,
                "Expected a property definition, found continuation",
                "indent",
            ),
            (
                "[profile a]\ns3 =\n  x = 1\n  y\n",
                4,
                "Expected an '=' sign defining a sub-property",
                "`s3 =`",
            ),
            (
                "[profile a]\ns3 =\n  = 1\n",
                3,
                "Sub-property did not have a name",
                "`s3 =`",
            ),
        ];
        for (text, line, sdk, advice) in cases {
            let (got_line, message) = syntax_error(text);
            assert_eq!(got_line, line, "{text:?}: {message}");
            assert!(message.contains(sdk), "{text:?}: {message}");
            assert!(message.contains(advice), "{text:?}: {message}");
        }
        let creds = credentials("x = 1\n");
        let err = ProfileSet::parse(None, Some(&creds))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/h/.aws/credentials:1: Expected a profile definition"),
            "{err}"
        );
        assert!(err.contains("[NAME]"), "{err}");
    }

    #[test]
    fn parse_selected_keeps_only_the_named_profiles_and_every_session() {
        let mut text = String::from("# generated\n");
        for i in 0..200 {
            text.push_str(&format!(
                "[profile p{i}]\nsso_session = s{}\nsso_account_id = {i:012}\n\n",
                i % 3
            ));
            if i % 50 == 0 {
                text.push_str(&format!(
                    "[sso-session s{}]\nsso_region = eu-west-1\n",
                    i / 50
                ));
            }
        }
        text.push_str("[default]\nregion = us-east-1\n");
        let cfg = config(&text);
        let creds = credentials("[p7]\naws_access_key_id = A\n[p8]\nx = 1\n");
        let full = ProfileSet::parse(Some(&cfg), Some(&creds)).unwrap();
        let part = ProfileSet::parse_selected(Some(&cfg), Some(&creds), &["p7", "p150", "default"])
            .unwrap();
        assert_eq!(
            part.profiles.keys().collect::<Vec<_>>(),
            ["default", "p150", "p7"]
        );
        for name in ["p7", "p150", "default"] {
            assert_eq!(part.profiles[name], full.profiles[name]);
        }
        assert_eq!(part.sso_sessions, full.sso_sessions);
        assert_eq!(
            part.profiles["p150"].origin.line,
            full.profiles["p150"].origin.line
        );
    }

    #[test]
    fn parse_selected_reports_errors_in_kept_sections_only() {
        let cfg = config("[profile a]\nbroken\n[profile b]\nregion = x\n");
        assert!(ProfileSet::parse_selected(Some(&cfg), None, &["b"]).is_ok());
        let err = ProfileSet::parse_selected(Some(&cfg), None, &["a"]).unwrap_err();
        assert!(err.to_string().starts_with("/h/.aws/config:2: "), "{err}");
    }

    #[test]
    fn a_large_file_parses_like_text_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("[profile p{i}]\nregion = eu-west-{i}\n"));
        }
        assert!(text.len() as u64 >= crate::config::source::MAP_THRESHOLD);
        std::fs::write(&path, &text).unwrap();
        let large = SourceFile::read(&path).unwrap().unwrap();
        assert_eq!(large.bytes(), text.as_bytes());
        let part = ProfileSet::parse_selected(Some(&large), None, &["p1999"]).unwrap();
        assert_eq!(part.profiles["p1999"].get("region"), Some("eu-west-1999"));
        assert_eq!(part.profiles["p1999"].origin.line, 3999);
        let missing = dir.path().join("none");
        assert!(SourceFile::read(&missing).unwrap().is_none());
    }

    /// Mostly true: a line is broken (no `]`, no `=`) one time in forty.
    fn intact() -> impl Strategy<Value = bool> {
        prop::bool::weighted(39.0 / 40.0)
    }

    /// A block of a near-valid file (a header, a property with its indented lines, a comment or a
    /// stray indented line), as lines; some are broken.
    fn block() -> impl Strategy<Value = Vec<String>> {
        let ws = prop::sample::select(vec!["", " ", "\t", " \t "]);
        let name = prop::sample::select(vec![
            "a", "ab", "B", "default", "in valid", "", "x.y@z", "é", "a]b", "s3",
        ]);
        let key = prop::sample::select(vec!["a", "Region", "in valid", "x.y@z", "s3", "é"]);
        let prefix = prop::sample::select(vec![
            "profile ",
            "profile\t",
            "sso-session ",
            "services ",
            "",
            "other ",
            "profile",
        ]);
        let comment = prop::sample::select(vec!["", " # c", "; c", "#", " ;x=y"]);
        let value = prop::sample::select(vec!["", "v", "a=b", "x # c", "y;z", "[v]", "\u{1f600}"]);
        let indented = (
            prop::sample::select(vec![" ", "\t", "  "]),
            key.clone(),
            intact(),
            value.clone(),
        )
            .prop_map(|(w, k, eq, v)| format!("{w}{k}{}{v}", if eq { " = " } else { "" }))
            .boxed();
        let header = (
            ws.clone(),
            prefix,
            name,
            ws.clone(),
            intact(),
            comment.clone(),
        )
            .prop_map(|(w, p, n, w2, close, c)| {
                vec![format!("[{w}{p}{n}{w2}{}{c}", if close { "]" } else { "" })]
            });
        let property = (
            (key, ws.clone(), intact(), ws, value, comment),
            prop::collection::vec(indented.clone(), 0..3),
        )
            .prop_map(|((k, w, eq, w2, v, c), more)| {
                let mut lines = vec![format!("{k}{w}{}{w2}{v}{c}", if eq { "=" } else { "" })];
                lines.extend(more);
                lines
            });
        prop_oneof![
            4 => header,
            10 => property,
            1 => indented.prop_map(|l| vec![l]),
            4 => prop::sample::select(vec!["# c", ";", "", " \t"]).prop_map(|l| vec![l.to_owned()]),
        ]
    }

    /// A file that opens with a header, so most files get past the first line.
    pub(in crate::config) fn near_valid() -> impl Strategy<Value = String> {
        let first = prop::sample::select(vec!["[profile a]", "[default]", "[B]", "[services s3]"]);
        (first, prop::collection::vec(block(), 0..16), any::<bool>()).prop_map(
            |(first, blocks, crlf)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                format!("{first}{eol}{}", blocks.concat().join(eol))
            },
        )
    }

    /// Random bytes, weighted towards the ones the grammar cares about.
    pub(in crate::config) fn noise() -> impl Strategy<Value = String> {
        let byte = prop_oneof![
            prop::sample::select(b"[]=#; \t\r\n\nap".to_vec()),
            any::<u8>(),
        ];
        prop::collection::vec(byte, 0..400).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    pub(in crate::config) const NAMES: [&str; 7] =
        ["a", "B", "default", "x.y@z", "s3", "in valid", "ab"];

    /// No panic; an error names a line of the file it is in; `parse_selected` agrees with `parse`.
    fn check(cfg_text: &str, creds_text: &str) -> Result<(), TestCaseError> {
        let (cfg, creds) = (config(cfg_text), credentials(creds_text));
        let full = ProfileSet::parse(Some(&cfg), Some(&creds));
        match &full {
            Err(e @ ConfigError::Syntax { origin, .. }) => {
                let text = if *origin.file == *cfg.path {
                    cfg_text
                } else {
                    creds_text
                };
                let lines = text.split('\n').count();
                prop_assert!((1..=lines).contains(&origin.line), "{e} ({lines} lines)");
                let needle = format!(":{}:", origin.line);
                prop_assert!(e.to_string().contains(&needle), "{} lacks {}", e, needle);
            }
            Err(e) => prop_assert!(false, "not a syntax error: {e}"),
            Ok(_) => {}
        }
        for n in 0..NAMES.len() {
            let selection = &NAMES[n..];
            let part = ProfileSet::parse_selected(Some(&cfg), Some(&creds), selection);
            match (&full, part) {
                (Ok(full), Ok(part)) => {
                    let want: BTreeMap<_, _> = full
                        .profiles
                        .iter()
                        .filter(|(k, _)| selection.contains(&k.as_ref()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    prop_assert_eq!(&part.profiles, &want);
                    prop_assert_eq!(&part.sso_sessions, &full.sso_sessions);
                    prop_assert_eq!(&part.services, &full.services);
                }
                (Ok(_), Err(e)) => prop_assert!(false, "only parse_selected failed: {e}"),
                (Err(_), _) => {}
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(cfg in noise(), creds in noise()) {
            check(&cfg, &creds)?;
        }

        #[test]
        fn near_valid_files_parse_or_fail_with_a_line(cfg in near_valid(), creds in near_valid()) {
            check(&cfg, &creds)?;
        }
    }
}
