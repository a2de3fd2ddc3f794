//! Loading: the two files found (`location`), read (`source`), then scanned or parsed and
//! merged; what every command starts from.

use std::borrow::Cow;

use super::error::ConfigError;
use super::location::Locations;
use super::model::{ProfileSet, Section};
use super::parse::FileKind;
use super::profile::{self, Profile, SsoSession};
use super::scan;
use super::source::SourceFile;
use crate::env::Env;

/// The config and credentials files, read but not parsed: what the hot paths start from.
#[derive(Debug)]
pub struct ConfigFiles {
    pub locations: Locations,
    /// `None` for a file that does not exist.
    pub config: Option<SourceFile>,
    pub credentials: Option<SourceFile>,
}

impl ConfigFiles {
    /// Reads both files (see [`SourceFile::read`]).
    pub fn read(env: &Env) -> Result<Self, ConfigError> {
        let locations = Locations::from_env(env)?;
        Ok(Self {
            config: SourceFile::read(&locations.config)?,
            credentials: SourceFile::read(&locations.credentials)?,
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
    /// Reads both files (a missing file counts as empty) and parses them.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let files = ConfigFiles::read(env)?;
        let set = files.parse()?.into_owned();
        Ok(Self {
            locations: files.locations,
            set,
        })
    }

    /// Like [`AwsConfig::load`], but for hot paths (the prompt): reads only these profiles plus
    /// every sso-session and services section, in chunks, and parses them (see
    /// [`scan::read_selected`], [`ProfileSet::parse_selected`]).
    pub fn load_selected(env: &Env, profiles: &[&str]) -> Result<Self, ConfigError> {
        let locations = Locations::from_env(env)?;
        let config = scan::read_selected(&locations.config, FileKind::Config, profiles)?;
        let credentials =
            scan::read_selected(&locations.credentials, FileKind::Credentials, profiles)?;
        let set = ProfileSet::parse_sections(config.as_ref(), credentials.as_ref())?.into_owned();
        Ok(Self { locations, set })
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

    /// The `[sso-session NAME]`, for `--sso-session NAME`.
    /// The AWS CLI's `sso_use_device_code = true` (any case), in the profile or in the
    /// `[sso-session]` it names: log in with the device flow.
    pub fn use_device_code(&self, profile: Option<&str>, session: Option<&str>) -> bool {
        let on = |section: Option<&Section>| {
            section
                .and_then(|s| s.get("sso_use_device_code"))
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        };
        on(profile.and_then(|p| self.set.profiles.get(p)))
            || on(session.and_then(|s| self.set.sso_sessions.get(s)))
    }

    pub fn named_session(&self, name: &str) -> Result<SsoSession<'static>, ConfigError> {
        profile::sso_session(&self.set, name)?
            .map(SsoSession::into_owned)
            .ok_or_else(|| ConfigError::UnknownSession {
                name: name.to_string(),
                config: self.locations.config.clone(),
            })
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
