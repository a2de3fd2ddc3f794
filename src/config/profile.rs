//! What each profile is: SSO (via an sso-session or legacy keys), a role on top of another
//! profile, static keys, `credential_process`, or none of these.

use super::{ConfigError, Origin, ProfileSet, Section};

/// The IAM Identity Center session a profile logs in through. One login serves every profile of
/// the same session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// The `[sso-session NAME]`; `None` for a legacy profile with `sso_start_url` in it.
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes`, as configured (`None` when absent: it is part of cache keys).
    pub registration_scopes: Option<Vec<String>>,
}

impl SsoSession {
    /// What the token cache key is the sha1 of: the session name, else the start URL.
    pub fn cache_identifier(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }
}

/// Where a role profile's source credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSource {
    Profile(String),
    /// `credential_source` (Environment, Ec2InstanceMetadata, EcsContainer).
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileKind {
    /// Role credentials from IAM Identity Center.
    Sso {
        session: SsoSession,
        account_id: String,
        role_name: String,
    },
    /// An sso-session reference without account or role: it logs in, but yields no credentials.
    SsoToken { session: SsoSession },
    /// `role_arn` assumed with credentials from `source`.
    AssumeRole {
        role_arn: String,
        source: RoleSource,
        role_session_name: Option<String>,
        external_id: Option<String>,
        duration_seconds: Option<i32>,
    },
    /// `aws_access_key_id` / `aws_secret_access_key` (/ `aws_session_token`).
    Static,
    /// `credential_process`.
    Process { command: String },
    /// `web_identity_token_file` with `role_arn`.
    WebIdentity { role_arn: String },
    /// Configuration only (region, output, …).
    NoCredentials,
}

/// A resolved profile: its kind and everything else it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub kind: ProfileKind,
    pub region: Option<String>,
    pub section: Section,
}

pub fn resolve(_set: &ProfileSet, name: &str) -> Result<Profile, ConfigError> {
    let _: Option<Origin> = None;
    Err(ConfigError::UnknownProfile {
        name: name.to_string(),
        config: Default::default(),
        suggestions: vec![],
    })
}

pub fn closest_names(_set: &ProfileSet, _name: &str) -> Vec<String> {
    vec![]
}
