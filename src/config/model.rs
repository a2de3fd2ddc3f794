//! The merged model of both files: sections of properties, each remembering where it was
//! written. Names, keys and values borrow from the files' text wherever they can.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

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

#[cfg(test)]
pub(crate) mod fixtures {
    //! Sets built from the JSON shape of the SDKs' suites, for the unit tests of this folder.

    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Arc;

    use serde_json::{Value, json};

    use super::{Origin, ProfileSet, Property, Section};

    pub(crate) fn section(name: &str, props: &serde_json::Map<String, Value>) -> Section<'static> {
        let origin = Origin {
            file: Arc::from(Path::new("config")),
            line: 1,
        };
        Section {
            name: name.to_string().into(),
            properties: props
                .iter()
                .map(|(k, v)| {
                    let value = v.as_str().unwrap_or_default().to_string().into();
                    (
                        k.clone(),
                        Property {
                            value,
                            origin: origin.clone(),
                        },
                    )
                })
                .collect(),
            origin,
        }
    }

    pub(crate) fn set_from(input: &Value) -> ProfileSet<'static> {
        let sections = |key: &str| -> BTreeMap<Cow<'static, str>, Section<'static>> {
            input[key]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(n, p)| (n.clone().into(), section(n, p.as_object().unwrap())))
                        .collect()
                })
                .unwrap_or_default()
        };
        ProfileSet {
            profiles: sections("profiles"),
            sso_sessions: sections("sso_sessions"),
            ..Default::default()
        }
    }

    pub(crate) fn parse_set(profiles: Value, sessions: Value) -> ProfileSet<'static> {
        set_from(&json!({ "profiles": profiles, "sso_sessions": sessions }))
    }
}
