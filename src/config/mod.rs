//! The AWS shared config model: `~/.aws/config` and `~/.aws/credentials`, parsed and merged by the
//! AWS SDKs' rules (`parse`), found where the SDKs look (`location`), and each profile resolved to
//! what it is (`profile`).
//!
//! `model` holds the merged sections, `error` what can be wrong with them, `source` and `files`
//! how the files are read and loaded, `chain` the steps that produce a profile's credentials.

pub mod chain;
pub mod error;
pub mod files;
pub mod location;
pub mod model;
pub mod parse;
pub mod profile;
pub mod scan;
pub mod source;
pub mod sync_block;

pub use error::ConfigError;
pub use files::{AwsConfig, ConfigFiles};
pub use location::Locations;
pub use model::{Origin, ProfileSet, Properties, Property, Section};
pub use profile::{Profile, ProfileKind, RoleSource, SsoSession};
pub use source::SourceFile;
