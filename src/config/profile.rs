//! What each profile is: SSO (via an sso-session or legacy keys), a role on top of another
//! profile, static keys, `credential_process`, web identity, `login_session`, or none of these —
//! and, for a profile that yields credentials, the chain of steps that produces them (the AWS
//! SDKs' rules, pinned by their `assume-role-tests.json`).

use std::borrow::Cow;

use super::error::ConfigError;
use super::model::{Origin, ProfileSet, Section};

/// The IAM Identity Center session a profile logs in through. One login serves every profile of
/// the same session. Resolved from a [`ProfileSet`], it borrows the set's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession<'a> {
    /// The `[sso-session NAME]`; `None` for a legacy profile with `sso_start_url` in it.
    pub name: Option<Cow<'a, str>>,
    pub start_url: Cow<'a, str>,
    pub region: Cow<'a, str>,
    /// `sso_registration_scopes` as written, comma-separated (`None` when absent: it is part of
    /// cache keys); [`SsoSession::scopes`] splits it.
    pub registration_scopes: Option<Cow<'a, str>>,
}

impl SsoSession<'_> {
    /// What the token cache key is the sha1 of: the session name, else the start URL.
    pub fn cache_identifier(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    /// How messages name the session: "sso-session `NAME`", or a legacy profile's start URL.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("sso-session `{name}`"),
            None => self.start_url.to_string(),
        }
    }

    /// The registration scopes, trimmed, empty ones dropped.
    pub fn scopes(&self) -> Option<Vec<&str>> {
        let scopes = self.registration_scopes.as_deref()?;
        Some(
            scopes
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }

    pub fn into_owned(self) -> SsoSession<'static> {
        SsoSession {
            name: self.name.map(|n| Cow::Owned(n.into_owned())),
            start_url: Cow::Owned(self.start_url.into_owned()),
            region: Cow::Owned(self.region.into_owned()),
            registration_scopes: self.registration_scopes.map(|s| Cow::Owned(s.into_owned())),
        }
    }
}

/// Where a role profile's source credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSource {
    Profile(String),
    /// `credential_source` (Environment, Ec2InstanceMetadata, EcsContainer).
    Named(String),
}

/// One `role_arn` to assume, with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    /// The profile that names the role.
    pub profile: String,
    pub role_arn: String,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<i32>,
}

/// What a profile is. Its SSO values borrow from the set it was resolved from: `ssoenv list`
/// resolves every profile of a config that may hold ten thousand, nearly all of them SSO. A role
/// is copied, as it goes on into a [`Chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileKind<'a> {
    /// Role credentials from IAM Identity Center.
    Sso {
        session: SsoSession<'a>,
        account_id: Cow<'a, str>,
        role_name: Cow<'a, str>,
    },
    /// An sso-session reference without account or role: it logs in, but yields no credentials.
    SsoToken { session: SsoSession<'a> },
    /// `role_arn` assumed with credentials from `source`.
    AssumeRole {
        role: AssumeRole,
        source: RoleSource,
    },
    /// `aws_access_key_id` / `aws_secret_access_key` (/ `aws_session_token`).
    Static,
    /// `credential_process`.
    Process { command: Cow<'a, str> },
    /// `web_identity_token_file` with `role_arn`.
    WebIdentity { role_arn: Cow<'a, str> },
    /// `login_session`: the AWS CLI's `aws login` (console credentials), named by the signed-in
    /// identity's ARN.
    LoginSession { session: Cow<'a, str> },
    /// Configuration only (region, output, …).
    NoCredentials,
}

impl ProfileKind<'_> {
    /// The account of a profile of this kind with this section.
    pub fn account_id<'a>(&'a self, section: &'a Section) -> Option<&'a str> {
        match self {
            ProfileKind::Sso { account_id, .. } => Some(account_id),
            ProfileKind::AssumeRole { role, .. } => account_of_role_arn(&role.role_arn),
            ProfileKind::WebIdentity { role_arn } => account_of_role_arn(role_arn),
            ProfileKind::LoginSession { session } => account_of_role_arn(session),
            _ => section.get("aws_account_id"),
        }
    }

    /// The role name: the SSO permission set, or the last part of a role ARN.
    pub fn role_name(&self) -> Option<&str> {
        match self {
            ProfileKind::Sso { role_name, .. } => Some(role_name),
            ProfileKind::AssumeRole { role, .. } => role_name_of_arn(&role.role_arn),
            ProfileKind::WebIdentity { role_arn } => role_name_of_arn(role_arn),
            _ => None,
        }
    }

    /// A short word for tables and JSON.
    pub fn label(&self) -> &'static str {
        match self {
            ProfileKind::Sso { session, .. } if session.name.is_none() => "sso-legacy",
            ProfileKind::Sso { .. } => "sso",
            ProfileKind::SsoToken { .. } => "sso-token",
            ProfileKind::AssumeRole { .. } => "role",
            ProfileKind::Static => "static",
            ProfileKind::Process { .. } => "process",
            ProfileKind::WebIdentity { .. } => "web-identity",
            ProfileKind::LoginSession { .. } => "login-session",
            ProfileKind::NoCredentials => "none",
        }
    }

    pub fn into_owned(self) -> ProfileKind<'static> {
        let owned = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        match self {
            ProfileKind::Sso {
                session,
                account_id,
                role_name,
            } => ProfileKind::Sso {
                session: session.into_owned(),
                account_id: owned(account_id),
                role_name: owned(role_name),
            },
            ProfileKind::SsoToken { session } => ProfileKind::SsoToken {
                session: session.into_owned(),
            },
            ProfileKind::AssumeRole { role, source } => ProfileKind::AssumeRole { role, source },
            ProfileKind::Static => ProfileKind::Static,
            ProfileKind::Process { command } => ProfileKind::Process {
                command: owned(command),
            },
            ProfileKind::WebIdentity { role_arn } => ProfileKind::WebIdentity {
                role_arn: owned(role_arn),
            },
            ProfileKind::LoginSession { session } => ProfileKind::LoginSession {
                session: owned(session),
            },
            ProfileKind::NoCredentials => ProfileKind::NoCredentials,
        }
    }
}

/// A resolved profile: its kind and everything else it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub kind: ProfileKind<'static>,
    pub region: Option<String>,
    pub section: Section<'static>,
}

impl Profile {
    /// The account the profile's credentials belong to, when the config says it.
    pub fn account_id(&self) -> Option<&str> {
        self.kind.account_id(&self.section)
    }

    /// The role name: the SSO permission set, or the last part of a role ARN.
    pub fn role_name(&self) -> Option<&str> {
        self.kind.role_name()
    }
}

/// `arn:aws:iam::123456789012:role/path/Name` → `123456789012`.
pub fn account_of_role_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// `arn:aws:iam::123456789012:role/path/Name` → `Name`.
pub fn role_name_of_arn(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(5)?
        .rsplit('/')
        .next()
        .filter(|r| !r.is_empty())
}

/// Resolves one profile's kind. A profile that only configures things is `NoCredentials`, not an
/// error; contradictory keys are errors that name the profile, key, file and line.
pub fn resolve(set: &ProfileSet, name: &str) -> Result<Profile, ConfigError> {
    let section = set.profiles.get(name).ok_or_else(|| unknown(name))?;
    let kind = kind_of(set, section)?.into_owned();
    Ok(Profile {
        name: name.to_string(),
        kind,
        region: section.get("region").map(str::to_string),
        section: section.clone().into_owned(),
    })
}

pub(super) fn unknown(name: &str) -> ConfigError {
    ConfigError::UnknownProfile {
        name: name.to_string(),
        config: Default::default(),
        suggestions: vec![],
    }
}

/// What a profile's section makes it (the borrowed core of [`resolve`]).
pub fn kind_of<'s>(
    set: &'s ProfileSet,
    section: &'s Section,
) -> Result<ProfileKind<'s>, ConfigError> {
    if let Some(role_arn) = section.get("role_arn") {
        if section.get("web_identity_token_file").is_some() {
            return Ok(ProfileKind::WebIdentity {
                role_arn: role_arn.into(),
            });
        }
        let role = assume_role(section, role_arn);
        let source = match (
            section.get("source_profile"),
            section.get("credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    section,
                    "credential_source",
                    "profile contained both source_profile and credential_source: keep one",
                ));
            }
            (Some(p), None) => RoleSource::Profile(p.to_string()),
            (None, Some(s)) => RoleSource::Named(s.to_string()),
            (None, None) => {
                return Err(invalid(
                    section,
                    "role_arn",
                    "profile must contain `source_profile` (or `credential_source`) to assume `role_arn`",
                ));
            }
        };
        return Ok(ProfileKind::AssumeRole { role, source });
    }
    if section.get("web_identity_token_file").is_some() {
        return Err(invalid(
            section,
            "web_identity_token_file",
            "`role_arn` was missing: a web identity profile needs the role to assume",
        ));
    }
    if let Some(sso) = sso_kind(set, section)? {
        return Ok(sso);
    }
    // After SSO and before credential_process, as in the Rust SDK's base-provider order.
    if let Some(session) = section.get("login_session") {
        return Ok(ProfileKind::LoginSession {
            session: session.into(),
        });
    }
    if let Some(command) = section.get("credential_process") {
        return Ok(ProfileKind::Process {
            command: command.into(),
        });
    }
    if static_keys(section)? {
        return Ok(ProfileKind::Static);
    }
    Ok(ProfileKind::NoCredentials)
}

fn assume_role(section: &Section, role_arn: &str) -> AssumeRole {
    AssumeRole {
        profile: section.name.to_string(),
        role_arn: role_arn.to_string(),
        role_session_name: section.get("role_session_name").map(str::to_string),
        external_id: section.get("external_id").map(str::to_string),
        duration_seconds: section
            .get("duration_seconds")
            .and_then(|d| d.trim().parse().ok()),
    }
}

/// Whether the section holds a complete pair of static keys; half a pair is an error.
pub(super) fn static_keys(section: &Section) -> Result<bool, ConfigError> {
    match (
        section.get("aws_access_key_id"),
        section.get("aws_secret_access_key"),
    ) {
        (Some(_), Some(_)) => Ok(true),
        (Some(_), None) => Err(invalid(
            section,
            "aws_access_key_id",
            "profile missing aws_secret_access_key: add it, or remove aws_access_key_id",
        )),
        (None, Some(_)) => Err(invalid(
            section,
            "aws_secret_access_key",
            "profile missing aws_access_key_id: add it, or remove aws_secret_access_key",
        )),
        (None, None) => Ok(false),
    }
}

/// The SSO kind of a profile that has any `sso_*` key, checked as botocore and the Rust SDK do.
fn sso_kind<'s>(
    set: &'s ProfileSet,
    section: &'s Section,
) -> Result<Option<ProfileKind<'s>>, ConfigError> {
    let account = section.get("sso_account_id");
    let role = section.get("sso_role_name");
    let session = match section.get("sso_session") {
        Some(session_name) => sso_session_referenced(set, session_name, section)?,
        None if section.get("sso_start_url").is_some() || account.is_some() || role.is_some() => {
            SsoSession {
                name: None,
                start_url: required(section, "sso_start_url")?.into(),
                region: required(section, "sso_region")?.into(),
                registration_scopes: None,
            }
        }
        None => return Ok(None),
    };
    match (account, role) {
        (Some(account_id), Some(role_name)) => Ok(Some(ProfileKind::Sso {
            session,
            account_id: account_id.into(),
            role_name: role_name.into(),
        })),
        (None, None) if session.name.is_some() => Ok(Some(ProfileKind::SsoToken { session })),
        (Some(_), None) | (None, None) => Err(invalid(
            section,
            "sso_account_id",
            "if `sso_account_id` is set, then `sso_role_name` must also be set",
        )),
        (None, Some(_)) => Err(invalid(
            section,
            "sso_role_name",
            "if `sso_role_name` is set, then `sso_account_id` must also be set",
        )),
    }
}

fn required<'a>(section: &'a Section, key: &str) -> Result<&'a str, ConfigError> {
    section.get(key).ok_or_else(|| {
        invalid(
            section,
            key,
            &format!("the SSO profile has no `{key}`: add it, or use `sso_session`"),
        )
    })
}

fn sso_session_referenced<'s>(
    set: &'s ProfileSet,
    name: &str,
    profile: &Section,
) -> Result<SsoSession<'s>, ConfigError> {
    match set.sso_sessions.get(name) {
        Some(session) => {
            // A profile may repeat the session's values (botocore allows it) but not contradict them.
            for key in ["sso_start_url", "sso_region"] {
                if let Some(value) = profile.get(key).filter(|v| session.get(key) != Some(*v)) {
                    let theirs = session
                        .get(key)
                        .map_or("unset".to_string(), |v| format!("`{v}`"));
                    return Err(invalid(
                        profile,
                        key,
                        &format!(
                            "`{value}` differs from [sso-session {name}] ({theirs}); `{key}` can only be \
                             specified in the [sso-session] config when a session name is given: \
                             remove it from the profile"
                        ),
                    ));
                }
            }
            session_from_section(session)
        }
        None => Err(invalid(
            profile,
            "sso_session",
            &format!(
                "sso-session named `{name}` (referenced by profile `{}`) was not found: add an \
                 [sso-session {name}] section",
                profile.name
            ),
        )),
    }
}

/// An `[sso-session NAME]` by name, for `ssoenv login --sso-session NAME`.
pub fn sso_session<'s>(
    set: &'s ProfileSet,
    name: &str,
) -> Result<Option<SsoSession<'s>>, ConfigError> {
    set.sso_sessions
        .get(name)
        .map(session_from_section)
        .transpose()
}

fn session_from_section<'s>(section: &'s Section) -> Result<SsoSession<'s>, ConfigError> {
    let field = |key: &str| {
        section
            .get(key)
            .map(Cow::Borrowed)
            .ok_or_else(|| ConfigError::Invalid {
                section: "sso-session",
                name: section.name.to_string(),
                key: key.to_string(),
                origin: section.origin.clone(),
                message: format!("the sso-session has no `{key}`: add it"),
            })
    };
    Ok(SsoSession {
        name: Some(Cow::Borrowed(&section.name)),
        start_url: field("sso_start_url")?,
        region: field("sso_region")?,
        registration_scopes: section.get("sso_registration_scopes").map(Cow::Borrowed),
    })
}

pub(super) fn invalid(section: &Section, key: &str, message: &str) -> ConfigError {
    let origin: Origin = section
        .property(key)
        .map_or_else(|| section.origin.clone(), |p| p.origin.clone());
    ConfigError::Invalid {
        section: "profile",
        name: section.name.to_string(),
        key: key.to_string(),
        origin,
        message: message.to_string(),
    }
}

/// Up to three profile names closest to a mistyped one, for "did you mean …?".
pub fn closest_names(set: &ProfileSet, name: &str) -> Vec<String> {
    // Small edits (typos, transpositions) or a name that contains what was typed.
    let limit = (name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = set
        .profiles
        .keys()
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(name, candidate),
                candidate.as_ref(),
            )
        })
        .filter(|(distance, candidate)| *distance <= limit || candidate.contains(name))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::model::fixtures::parse_set;

    #[test]
    fn login_session_comes_after_sso_and_before_credential_process_as_in_the_rust_sdk() {
        let set = parse_set(
            json!({
                "signed-in": { "login_session": "arn:aws:iam::123456789012:user/Admin",
                               "credential_process": "never" },
                "both": { "login_session": "arn:aws:iam::1:user/A", "sso_session": "corp",
                          "sso_account_id": "111", "sso_role_name": "Dev" },
            }),
            json!({ "corp": { "sso_start_url": "https://x/start", "sso_region": "us-east-1" } }),
        );
        let p = resolve(&set, "signed-in").unwrap();
        assert_eq!(p.kind.label(), "login-session");
        assert_eq!(p.account_id(), Some("123456789012"));
        assert_eq!(resolve(&set, "both").unwrap().kind.label(), "sso");
    }

    #[test]
    fn an_sso_session_profile_resolves_with_its_session() {
        let set = parse_set(
            json!({ "dev": { "sso_session": "corp", "sso_account_id": "111", "sso_role_name": "Dev", "region": "eu-west-1" } }),
            json!({ "corp": { "sso_start_url": "https://x/start", "sso_region": "us-east-1", "sso_registration_scopes": "sso:account:access, ,x" } }),
        );
        let p = resolve(&set, "dev").unwrap();
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
        let ProfileKind::Sso {
            session,
            account_id,
            role_name,
        } = &p.kind
        else {
            panic!("{p:?}")
        };
        assert_eq!((account_id.as_ref(), role_name.as_ref()), ("111", "Dev"));
        assert_eq!(session.cache_identifier(), "corp");
        assert_eq!(session.scopes(), Some(vec!["sso:account:access", "x"]));
    }

    #[test]
    fn profile_values_equal_to_the_session_are_allowed_and_different_ones_are_not() {
        let sessions =
            json!({ "corp": { "sso_start_url": "https://x/start", "sso_region": "us-east-1" } });
        let same = parse_set(
            json!({ "p": { "sso_session": "corp", "sso_region": "us-east-1", "sso_account_id": "1", "sso_role_name": "R" } }),
            sessions.clone(),
        );
        assert!(resolve(&same, "p").is_ok());
        let differs = parse_set(
            json!({ "p": { "sso_session": "corp", "sso_start_url": "https://y/start", "sso_account_id": "1", "sso_role_name": "R" } }),
            sessions,
        );
        let err = resolve(&differs, "p").unwrap_err().to_string();
        assert!(
            err.contains("`sso_start_url`")
                && err.contains("profile `p`")
                && err.contains("config:1"),
            "{err}"
        );
    }

    #[test]
    fn a_legacy_profile_needs_its_region() {
        let set = parse_set(
            json!({ "old": { "sso_start_url": "https://x/start", "sso_account_id": "1", "sso_role_name": "R" } }),
            json!({}),
        );
        let err = resolve(&set, "old").unwrap_err().to_string();
        assert!(err.contains("key `sso_region`"), "{err}");
    }

    #[test]
    fn closest_names_suggest_typos() {
        let set = parse_set(json!({ "dev": {}, "prod": {}, "dev-admin": {} }), json!({}));
        assert_eq!(closest_names(&set, "dve")[0], "dev");
        assert!(closest_names(&set, "zzzzzz").is_empty());
    }
}
