//! The AWS shared config model: `~/.aws/config` and `~/.aws/credentials`, parsed and merged by the
//! AWS SDKs' rules (`parse`), found where the SDKs look (`location`), and each profile resolved to
//! what it is (`profile`).

pub mod location;
pub mod parse;
pub mod profile;
pub mod scan;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::env::Env;

pub use location::Locations;
pub use profile::{Profile, ProfileKind, RoleSource, SsoSession};

/// Where a section or value was written: file and 1-based line, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<Path>,
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One `key = value`. For a property with sub-properties, `value` is the raw text the SDK suites
/// expect (`"\nname = value"`), which [`Property::sub_properties`] reads. A continued value
/// keeps its lines joined by `\n`. A value is borrowed from the file's text wherever it can be
/// (see [`ProfileSet`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property<'a> {
    pub value: Cow<'a, str>,
    pub origin: Origin,
}

impl Property<'_> {
    pub fn into_owned(self) -> Property<'static> {
        Property {
            value: Cow::Owned(self.value.into_owned()),
            origin: self.origin,
        }
    }
}

/// A section's properties in the order their keys first appear; setting a key again replaces
/// its value in place. A section holds a handful of keys, so a short vector searched linearly is
/// both faster and half the memory of a tree map: at ten thousand profiles that is 5 MB and
/// thousands of page faults less.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties<'a>(Vec<(Cow<'a, str>, Property<'a>)>);

impl<'a> Properties<'a> {
    pub fn get(&self, key: &str) -> Option<&Property<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, p)| p)
    }

    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, property: Property<'a>) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => *existing = property,
            None => self.0.push((key, property)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Property<'a>)> {
        self.0.iter().map(|(k, p)| (k.as_ref(), p))
    }

    /// The properties, moved into a vector of their exact size; `self` is left empty but keeps
    /// its capacity. The parser reads every section into one buffer and keeps each at its size:
    /// one allocation a section, not a growing vector and a shrink.
    pub(crate) fn take_to_fit(&mut self) -> Self {
        Self(self.0.drain(..).collect())
    }

    pub fn into_owned(self) -> Properties<'static> {
        Properties(
            self.0
                .into_iter()
                .map(|(k, p)| (Cow::Owned(k.into_owned()), p.into_owned()))
                .collect(),
        )
    }
}

impl<'a, K: Into<Cow<'a, str>>> Extend<(K, Property<'a>)> for Properties<'a> {
    fn extend<I: IntoIterator<Item = (K, Property<'a>)>>(&mut self, iter: I) {
        for (key, property) in iter {
            self.insert(key, property);
        }
    }
}

impl<'a, K: Into<Cow<'a, str>>> FromIterator<(K, Property<'a>)> for Properties<'a> {
    fn from_iter<I: IntoIterator<Item = (K, Property<'a>)>>(iter: I) -> Self {
        let mut properties = Properties::default();
        properties.extend(iter);
        properties
    }
}

impl<'a> IntoIterator for Properties<'a> {
    type Item = (Cow<'a, str>, Property<'a>);
    type IntoIter = std::vec::IntoIter<Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A `[profile NAME]`, `[sso-session NAME]` or `[services NAME]` section after merging. Keys are
/// lower-case (the SDKs match them case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    pub name: Cow<'a, str>,
    pub properties: Properties<'a>,
    /// The first header that defined this section.
    pub origin: Origin,
}

impl<'a> Section<'a> {
    /// A property's value, by (case-insensitive) key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key).map(|p| p.value.as_ref())
    }

    pub fn property(&self, key: &str) -> Option<&Property<'a>> {
        match self.properties.get(key) {
            Some(p) => Some(p),
            None if key.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.properties.get(&key.to_ascii_lowercase())
            }
            None => None,
        }
    }

    pub fn into_owned(self) -> Section<'static> {
        Section {
            name: Cow::Owned(self.name.into_owned()),
            properties: self.properties.into_owned(),
            origin: self.origin,
        }
    }
}

/// A file's path and contents, as handed to the parser. The contents are bytes: the parser
/// converts what it reads as UTF-8, replacing invalid bytes, so a stray one hides no profile.
#[derive(Debug)]
pub struct SourceFile {
    pub path: Arc<Path>,
    contents: Contents,
}

#[derive(Debug)]
enum Contents {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

/// Below this size a copy costs less than setting up a mapping and faulting its pages in.
const MAP_THRESHOLD: u64 = 64 * 1024;

impl SourceFile {
    /// A file from text already in memory (tests, or a caller that read it itself).
    pub fn new(path: impl AsRef<Path>, contents: impl Into<String>) -> Self {
        Self {
            path: Arc::from(path.as_ref()),
            contents: Contents::Owned(contents.into().into_bytes()),
        }
    }

    /// Reads a file; `None` when it does not exist (the SDKs treat that as empty).
    pub fn read(path: &Path) -> Result<Option<Self>, ConfigError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(Self {
                path: Arc::from(path),
                contents: Contents::Owned(bytes),
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(read_error(path, source)),
        }
    }

    /// Maps a large file into memory instead of copying it: for a 1.4 MB config, reading it costs
    /// several times what `ProfileSet::parse_selected` then spends on it. Small files, and files
    /// that cannot be mapped (pipes, some network file systems), are read. `None` when the file
    /// does not exist.
    pub fn map(path: &Path) -> Result<Option<Self>, ConfigError> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_error(path, source)),
        };
        let large = file
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() >= MAP_THRESHOLD);
        if large {
            // SAFETY: the map is read-only and dropped with this value. If another process
            // truncates the file while it is mapped, reading the lost pages faults (SIGBUS):
            // `aws configure set` rewrites the file in place, but a parse takes microseconds, and
            // this is the same risk ripgrep accepts for the same speed. Every caller reads the
            // whole file, so its pages are mapped in one call rather than faulted in one by one.
            if let Ok(map) = unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
                return Ok(Some(Self {
                    path: Arc::from(path),
                    contents: Contents::Mapped(map),
                }));
            }
        }
        Self::read(path)
    }

    /// The raw contents.
    pub fn bytes(&self) -> &[u8] {
        match &self.contents {
            Contents::Owned(b) => b,
            Contents::Mapped(m) => m,
        }
    }
}

fn read_error(path: &Path, source: io::Error) -> ConfigError {
    ConfigError::Read {
        path: path.to_owned(),
        source,
    }
}

/// Both files parsed and merged: credentials-file values override config-file values. Names,
/// keys and values borrow from the files' text (`'a`), so parsing ten thousand profiles copies
/// almost nothing; [`ProfileSet::into_owned`] makes a set that outlives the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet<'a> {
    pub profiles: BTreeMap<Cow<'a, str>, Section<'a>>,
    pub sso_sessions: BTreeMap<Cow<'a, str>, Section<'a>>,
    pub services: BTreeMap<Cow<'a, str>, Section<'a>>,
    /// What was skipped, each naming file and line: invalid names and keys, sections without a
    /// prefix in the config file or with one in the credentials file, `[default]` beaten by
    /// `[profile default]`.
    pub warnings: Vec<String>,
}

impl ProfileSet<'_> {
    pub fn into_owned(self) -> ProfileSet<'static> {
        fn owned(
            sections: BTreeMap<Cow<'_, str>, Section<'_>>,
        ) -> BTreeMap<Cow<'static, str>, Section<'static>> {
            sections
                .into_iter()
                .map(|(name, section)| (Cow::Owned(name.into_owned()), section.into_owned()))
                .collect()
        }
        ProfileSet {
            profiles: owned(self.profiles),
            sso_sessions: owned(self.sso_sessions),
            services: owned(self.services),
            warnings: self.warnings,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file's syntax is wrong at this line.
    #[error("{origin}: {message}")]
    Syntax { origin: Origin, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot tell where the AWS config lives: set HOME (or AWS_CONFIG_FILE)")]
    NoHome,
    #[error("{}", unknown_profile_message(.name, .config, .suggestions))]
    UnknownProfile {
        name: String,
        config: PathBuf,
        suggestions: Vec<String>,
    },
    /// A profile or sso-session whose keys do not fit together.
    #[error("{origin}: {section} `{name}`, key `{key}`: {message}")]
    Invalid {
        section: &'static str,
        name: String,
        key: String,
        origin: Origin,
        message: String,
    },
}

fn unknown_profile_message(name: &str, config: &Path, suggestions: &[String]) -> String {
    let mut msg = format!("profile `{name}` is not in {}", config.display());
    if !suggestions.is_empty() {
        let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
        msg.push_str(&format!("; did you mean {}?", list.join(", ")));
    }
    msg.push_str(" (run `ssoenv list` to see them all)");
    msg
}

/// The config and credentials files, mapped but not parsed: what the hot paths start from.
#[derive(Debug)]
pub struct ConfigFiles {
    pub locations: Locations,
    /// `None` for a file that does not exist.
    pub config: Option<SourceFile>,
    pub credentials: Option<SourceFile>,
}

impl ConfigFiles {
    /// Maps both files (see [`SourceFile::map`]).
    pub fn map(env: &Env) -> Result<Self, ConfigError> {
        let locations = Locations::from_env(env)?;
        Ok(Self {
            config: SourceFile::map(&locations.config)?,
            credentials: SourceFile::map(&locations.credentials)?,
            locations,
        })
    }

    /// Both files parsed and merged, borrowing their text (see [`ProfileSet::parse`]).
    pub fn parse(&self) -> Result<ProfileSet<'_>, ConfigError> {
        ProfileSet::parse(self.config.as_ref(), self.credentials.as_ref())
    }

    /// Every profile name, sorted, with the keys completion describes it by, from a scan that
    /// splits no section (see [`scan::summaries`]).
    pub fn summaries(&self) -> Vec<(Cow<'_, str>, scan::Summary<'_>)> {
        scan::summaries(self.config.as_ref(), self.credentials.as_ref())
    }
}

/// The config and credentials files, read and merged.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub locations: Locations,
    pub set: ProfileSet<'static>,
}

impl AwsConfig {
    /// Maps both files (a missing file counts as empty) and parses them.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let files = ConfigFiles::map(env)?;
        let set = files.parse()?.into_owned();
        Ok(Self {
            locations: files.locations,
            set,
        })
    }

    /// Like [`AwsConfig::load`], but for hot paths (the prompt): maps the files and materialises
    /// only these profiles plus every sso-session and services section (see
    /// [`ProfileSet::parse_selected`]).
    pub fn load_selected(env: &Env, profiles: &[&str]) -> Result<Self, ConfigError> {
        let files = ConfigFiles::map(env)?;
        let set = ProfileSet::parse_selected(
            files.config.as_ref(),
            files.credentials.as_ref(),
            profiles,
        )?
        .into_owned();
        Ok(Self {
            locations: files.locations,
            set,
        })
    }

    /// What one profile needs — it, the profiles its `source_profile` chain names, and every
    /// sso-session — without materialising the rest of a large config. A chain is followed by
    /// parsing again with the newly named profiles; chains are short, and each selective parse
    /// only scans section headers.
    pub fn load_for(env: &Env, name: &str) -> Result<Self, ConfigError> {
        let mut wanted = vec![name.to_string()];
        loop {
            let names: Vec<&str> = wanted.iter().map(String::as_str).collect();
            let loaded = Self::load_selected(env, &names)?;
            let missing: Vec<String> = loaded
                .set
                .profiles
                .values()
                .filter_map(|s| s.get("source_profile"))
                .filter(|p| !wanted.iter().any(|w| w == p))
                .map(str::to_string)
                .collect();
            if missing.is_empty() {
                return Ok(loaded);
            }
            wanted.extend(missing);
        }
    }

    /// Resolves a profile, or says it is unknown and offers the closest names.
    pub fn profile(&self, name: &str) -> Result<Profile, ConfigError> {
        profile::resolve(&self.set, name).map_err(|e| match e {
            ConfigError::UnknownProfile { name, .. } => ConfigError::UnknownProfile {
                suggestions: profile::closest_names(&self.set, &name),
                name,
                config: self.locations.config.clone(),
            },
            e => e,
        })
    }
}
