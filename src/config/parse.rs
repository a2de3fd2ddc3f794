//! The shared-config parser, written by hand to the AWS SDKs' rules (the smithy-rs profile-parser
//! suite in `tests/data/conformance/` is its specification).
//!
//! Why not an INI crate such as `rust-ini`: the AWS format only looks like INI. An indented line
//! continues the value above it, and under an empty value (`s3 =`) the indented lines are
//! sub-properties that must each be `name = value`; `#` and `;` start a comment anywhere in a
//! section header but only after whitespace in a value; `[profile default]` beats `[default]`;
//! the credentials file takes names without a prefix; and every error must name the file and line
//! with the SDKs' wording. A generic INI reader can express none of this, so the parser is a small
//! line-by-line state machine that borrows the text and allocates only what it keeps.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use memchr::{memchr, memchr2, memchr2_iter};

use super::{ConfigError, Origin, ProfileSet, Property, Section, SourceFile};

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
fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(is_ws)
}

/// `[A-Za-z0-9_\-/.%@:+]+`: the SDKs' rule for section names and keys.
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-/.%@:+".contains(&b))
}

/// Trims a line and cuts off its comment. In a section header `#` and `;` start a comment
/// anywhere; in a property they must follow whitespace, so `value;x` keeps its `;`.
fn strip_comment(line: &str, anywhere: bool) -> &str {
    let line = trim_ws(line);
    let bytes = line.as_bytes();
    let cut = if anywhere {
        memchr2(b'#', b';', bytes)
    } else {
        memchr2_iter(b'#', b';', bytes).find(|&i| {
            i.checked_sub(1)
                .and_then(|j| bytes.get(j))
                .is_some_and(|&b| is_ws(b))
        })
    };
    match cut.and_then(|i| line.get(..i)) {
        Some(kept) => trim_ws(kept),
        None => line,
    }
}

/// A line without its Windows `\r`.
pub(crate) fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// Files saved by some Windows editors start with a byte-order mark; it is not part of the text.
pub(crate) fn body(file: &SourceFile) -> &[u8] {
    let bytes = file.bytes();
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The text between the brackets of a header line, or `None` when the line is no proper header.
pub(crate) fn header_inner(line: &str) -> Option<&str> {
    strip_comment(line, true)
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
struct Open {
    slot: Slot,
    section: Section,
}

/// The last property read: indented lines below it still extend it.
struct Pending {
    key: String,
    property: Property,
    /// Defined with an empty value, so indented lines are `name = value` sub-properties.
    nested: bool,
}

/// Reads one file into a `ProfileSet`, line by line.
pub(crate) struct FileParser<'s> {
    kind: FileKind,
    path: &'s Arc<Path>,
    set: &'s mut ProfileSet,
    open: Option<Open>,
    pending: Option<Pending>,
    bare_default: Option<Section>,
    saw_profile_default: bool,
}

impl<'s> FileParser<'s> {
    pub(crate) fn new(kind: FileKind, path: &'s Arc<Path>, set: &'s mut ProfileSet) -> Self {
        Self {
            kind,
            path,
            set,
            open: None,
            pending: None,
            bare_default: None,
            saw_profile_default: false,
        }
    }

    /// Reads `text`, whose first line is line `first_line` of the file. `text` must start at the
    /// beginning of a line.
    pub(crate) fn feed(&mut self, text: &str, first_line: usize) -> Result<(), ConfigError> {
        for (i, line) in text.split('\n').enumerate() {
            self.line(strip_cr(line), first_line + i)?;
        }
        Ok(())
    }

    /// Ends the file: merges what is still open and applies the `[default]` rule.
    pub(crate) fn finish(mut self) {
        self.close_section();
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
                name: name.to_owned(),
                properties: BTreeMap::new(),
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
                "Expected a profile definition before this line: start the section with a header \
                 such as {example}"
            ),
        )
    }

    fn property(&mut self, line: &str, n: usize) -> Result<(), ConfigError> {
        if self.open.is_none() {
            return Err(self.no_section(n));
        }
        let (key, value) = split_property(line).map_err(|e| self.error(n, e.message(None)))?;
        self.flush_property();
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            key.to_ascii_lowercase()
        } else {
            key.to_owned()
        };
        self.pending = Some(Pending {
            key,
            nested: value.is_empty(),
            property: Property {
                value: value.to_owned(),
                sub_properties: BTreeMap::new(),
                origin: self.origin(n),
            },
        });
        Ok(())
    }

    fn continuation(&mut self, line: &str, n: usize) -> Result<(), ConfigError> {
        if self.open.is_none() {
            return Err(self.no_section(n));
        }
        let Some(pending) = self.pending.as_ref() else {
            return Err(self.error(
                n,
                "Expected a property definition, found continuation: an indented line continues \
                 the property above it; remove the indentation or put a `name = value` line first",
            ));
        };
        let sub = if pending.nested {
            let (k, v) =
                split_property(line).map_err(|e| self.error(n, e.message(Some(&pending.key))))?;
            Some((k, v))
        } else {
            None
        };
        let warning = match sub {
            Some((k, _)) if !is_identifier(k) => Some(format!(
                "{}: sub-property `{k}` of `{}` ignored: a name may only use letters, digits and _-/.%@:+",
                self.origin(n),
                pending.key
            )),
            _ => None,
        };
        let discard = self.open.as_ref().is_none_or(|o| o.slot == Slot::Discard);
        if let Some(w) = warning.filter(|_| !discard) {
            self.set.warnings.push(w);
        }
        if let Some(pending) = self.pending.as_mut() {
            let value = &mut pending.property.value;
            value.push('\n');
            value.push_str(trim_ws(line));
            if let Some((k, v)) = sub.filter(|(k, _)| is_identifier(k)) {
                pending
                    .property
                    .sub_properties
                    .insert(k.to_ascii_lowercase(), v.to_owned());
            }
        }
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
        let Some(open) = self.open.take() else {
            return;
        };
        let map = match open.slot {
            Slot::Profile => &mut self.set.profiles,
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
fn merge(map: &mut BTreeMap<String, Section>, section: Section) {
    match map.get_mut(&section.name) {
        Some(existing) => existing.properties.extend(section.properties),
        None => {
            map.insert(section.name.clone(), section);
        }
    }
}

/// What is wrong with a `name = value` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PropertyError {
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

/// Splits `name = value # comment` into a trimmed name and value.
fn split_property(line: &str) -> Result<(&str, &str), PropertyError> {
    let line = strip_comment(line, false);
    let eq = memchr(b'=', line.as_bytes()).ok_or(PropertyError::NoEquals)?;
    let (key, value) = (
        trim_ws(line.get(..eq).unwrap_or("")),
        trim_ws(line.get(eq + 1..).unwrap_or("")),
    );
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((key, value))
}

impl ProfileSet {
    /// Parses and merges the config and credentials files (`None` for a missing file) by the AWS
    /// SDKs' rules. Credentials-file values override config-file values.
    pub fn parse(
        config: Option<&SourceFile>,
        credentials: Option<&SourceFile>,
    ) -> Result<Self, ConfigError> {
        let mut set = ProfileSet::default();
        for (kind, file) in [
            (FileKind::Config, config),
            (FileKind::Credentials, credentials),
        ] {
            let Some(file) = file else { continue };
            let mut parser = FileParser::new(kind, &file.path, &mut set);
            parser.feed(&String::from_utf8_lossy(body(file)), 1)?;
            parser.finish();
        }
        Ok(set)
    }
}
