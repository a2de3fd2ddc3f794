//! The chain of steps that produces a profile's credentials: a base (SSO, static keys, a process,
//! web identity, a named source), then each role assumed on top, following `source_profile` to
//! any depth (the AWS SDKs' rules, pinned by their `assume-role-tests.json`).

use std::collections::HashSet;

use super::error::ConfigError;
use super::model::{ProfileSet, Section};
use super::profile::{
    AssumeRole, ProfileKind, RoleSource, SsoSession, invalid, kind_of, static_keys, unknown,
};

/// Where the first credentials of a chain come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBase {
    Sso {
        profile: String,
        session: SsoSession<'static>,
        account_id: String,
        role_name: String,
    },
    /// Static keys from this profile's section.
    Static {
        profile: String,
    },
    Process {
        profile: String,
        command: String,
    },
    /// `credential_source`.
    Named(String),
    WebIdentity {
        profile: String,
        role_arn: String,
    },
    /// `login_session`: credentials the AWS CLI's `aws login` cached.
    LoginSession {
        profile: String,
        session: String,
    },
}

/// How to obtain a profile's credentials: a base, then each role assumed in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub base: ChainBase,
    pub roles: Vec<AssumeRole>,
}

impl Chain {
    /// The IAM Identity Center session at the root of the chain, if it is SSO.
    pub fn sso_session(&self) -> Option<&SsoSession<'static>> {
        match &self.base {
            ChainBase::Sso { session, .. } => Some(session),
            _ => None,
        }
    }
}

/// The steps that produce a profile's credentials, following `source_profile` to any depth.
pub fn chain(set: &ProfileSet, name: &str) -> Result<Chain, ConfigError> {
    if set.profiles.is_empty() {
        return Err(unknown(name));
    }
    let mut roles: Vec<AssumeRole> = Vec::new();
    let mut visited: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut current = name;
    let base = loop {
        let section = match set.profiles.get(current) {
            Some(s) => s,
            None if visited.is_empty() => return Err(unknown(current)),
            None => {
                let from = set
                    .profiles
                    .get(visited.last().map_or(name, String::as_str));
                let message = format!(
                    "could not find source profile {current} referenced from {}: add [profile {current}]",
                    visited.last().map_or(name, String::as_str)
                );
                return Err(match from {
                    Some(from) => invalid(from, "source_profile", &message),
                    None => unknown(current),
                });
            }
        };
        if !seen.insert(current) {
            visited.push(current.to_string());
            return Err(invalid(
                section,
                "source_profile",
                &format!("profile formed an infinite loop: {}", visited.join(" -> ")),
            ));
        }
        visited.push(current.to_string());
        // A source profile with its own keys is used as they are, ignoring its role_arn (the SDKs do).
        if !roles.is_empty() && static_keys(section)? {
            break ChainBase::Static {
                profile: current.to_string(),
            };
        }
        match kind_of(set, section)? {
            ProfileKind::AssumeRole { role, source } => {
                roles.push(role);
                match source {
                    RoleSource::Named(source) => break ChainBase::Named(source),
                    RoleSource::Profile(next) if next == current => {
                        // Self-reference: this profile's own keys are the source.
                        if static_keys(section)? {
                            break ChainBase::Static {
                                profile: current.to_string(),
                            };
                        }
                        return Err(no_credentials(section));
                    }
                    RoleSource::Profile(_) => {
                        current = section.get("source_profile").unwrap_or_default();
                    }
                }
            }
            ProfileKind::WebIdentity { role_arn } => {
                break ChainBase::WebIdentity {
                    profile: current.to_string(),
                    role_arn: role_arn.into_owned(),
                };
            }
            ProfileKind::Sso {
                session,
                account_id,
                role_name,
            } => {
                break ChainBase::Sso {
                    profile: current.to_string(),
                    session: session.into_owned(),
                    account_id: account_id.into_owned(),
                    role_name: role_name.into_owned(),
                };
            }
            ProfileKind::LoginSession { session } => {
                break ChainBase::LoginSession {
                    profile: current.to_string(),
                    session: session.into_owned(),
                };
            }
            ProfileKind::Process { command } => {
                break ChainBase::Process {
                    profile: current.to_string(),
                    command: command.into_owned(),
                };
            }
            ProfileKind::Static => {
                break ChainBase::Static {
                    profile: current.to_string(),
                };
            }
            ProfileKind::SsoToken { .. } => {
                return Err(invalid(
                    section,
                    "sso_session",
                    "selected profile will resolve an access token instead of credentials: add \
                     `sso_account_id` and `sso_role_name`",
                ));
            }
            ProfileKind::NoCredentials => return Err(no_credentials(section)),
        }
    };
    roles.reverse();
    Ok(Chain { base, roles })
}

fn no_credentials(section: &Section) -> ConfigError {
    ConfigError::NoCredentials {
        name: section.name.to_string(),
        origin: section.origin.clone(),
        keys: section
            .properties
            .iter()
            .map(|(k, _)| k.to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::config::model::fixtures::{parse_set, set_from};
    use crate::config::profile::{Profile, resolve};

    /// Renders a chain in the suite's own JSON shape.
    fn chain_json(set: &ProfileSet, chain: &Chain) -> Value {
        let mut out = vec![match &chain.base {
            ChainBase::Static { profile } => {
                let s = &set.profiles[profile.as_str()];
                let mut keys = json!({
                    "access_key_id": s.get("aws_access_key_id"),
                    "secret_access_key": s.get("aws_secret_access_key"),
                });
                if let Some(account) = s.get("aws_account_id") {
                    keys["account_id"] = json!(account);
                }
                json!({ "AccessKey": keys })
            }
            ChainBase::Named(source) => json!({ "NamedSource": source }),
            ChainBase::WebIdentity { profile, role_arn } => {
                let s = &set.profiles[profile.as_str()];
                let mut w = json!({
                    "role_arn": role_arn,
                    "web_identity_token_file": s.get("web_identity_token_file"),
                });
                if let Some(n) = s.get("role_session_name") {
                    w["role_session_name"] = json!(n);
                }
                json!({ "WebIdentityToken": w })
            }
            ChainBase::Sso {
                session,
                account_id,
                role_name,
                ..
            } => json!({ "Sso": {
                "sso_account_id": account_id, "sso_role_name": role_name,
                "sso_region": session.region, "sso_start_url": session.start_url,
            }}),
            ChainBase::Process { command, .. } => json!({ "CredentialProcess": command }),
            ChainBase::LoginSession { session, .. } => json!({ "LoginSession": session }),
        }];
        for role in &chain.roles {
            let mut r = json!({ "role_arn": role.role_arn });
            if let Some(n) = &role.role_session_name {
                r["role_session_name"] = json!(n);
            }
            if let Some(e) = &role.external_id {
                r["external_id"] = json!(e);
            }
            out.push(json!({ "AssumeRole": r }));
        }
        Value::Array(out)
    }

    /// The token-only SSO case has no credential chain; the suite describes the session instead.
    fn token_json(profile: &Profile) -> Option<Value> {
        match &profile.kind {
            ProfileKind::SsoToken { session } => Some(json!([{ "Sso": {
                "sso_session": session.name, "sso_region": session.region,
                "sso_start_url": session.start_url,
            }}])),
            _ => None,
        }
    }

    #[test]
    fn assume_role_conformance_suite() {
        let suite: Value = serde_json::from_str(include_str!(
            "../../tests/data/conformance/smithy-rs__aws-config__assume-role-tests.json"
        ))
        .unwrap();
        let mut failures = Vec::new();
        for case in suite.as_array().unwrap() {
            let docs = case["docs"].as_str().unwrap();
            let set = set_from(&case["input"]);
            let selected = case["input"]["selected_profile"].as_str().unwrap();
            let got = match resolve(&set, selected) {
                Ok(p) if token_json(&p).is_some() => Ok(token_json(&p).unwrap()),
                Ok(_) => chain(&set, selected).map(|c| chain_json(&set, &c)),
                Err(e) => Err(e),
            };
            match (&case["output"], got) {
                (out, Ok(chain)) if out.get("ProfileChain") == Some(&chain) => {}
                (out, Err(e)) if out["Error"].is_string() => {
                    let want = out["Error"].as_str().unwrap();
                    let text = if set.profiles.is_empty() {
                        "No profiles were defined".to_string()
                    } else {
                        e.to_string()
                    };
                    if !text.contains(want) {
                        failures.push(format!("{docs}: error `{text}` lacks `{want}`"));
                    }
                }
                (out, got) => failures.push(format!("{docs}: want {out}, got {got:?}")),
            }
        }
        assert!(
            failures.is_empty(),
            "{} failing cases:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn a_role_chain_on_an_sso_profile_resolves_to_its_root() {
        let set = parse_set(
            json!({
                "dev": { "sso_session": "corp", "sso_account_id": "111", "sso_role_name": "Dev" },
                "admin": { "role_arn": "arn:aws:iam::222:role/Admin", "source_profile": "dev" },
                "top": { "role_arn": "arn:aws:iam::333:role/ops/Top", "source_profile": "admin", "duration_seconds": "900" },
            }),
            json!({ "corp": { "sso_start_url": "https://x/start", "sso_region": "us-east-1" } }),
        );
        let top = resolve(&set, "top").unwrap();
        assert_eq!(
            (top.account_id(), top.role_name()),
            (Some("333"), Some("Top"))
        );
        let c = chain(&set, "top").unwrap();
        assert!(matches!(&c.base, ChainBase::Sso { profile, .. } if profile == "dev"));
        let arns: Vec<_> = c.roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::222:role/Admin",
                "arn:aws:iam::333:role/ops/Top"
            ]
        );
        assert_eq!(c.roles[1].duration_seconds, Some(900));
        assert_eq!(c.sso_session().map(|s| s.cache_identifier()), Some("corp"));
    }

    #[test]
    fn a_cycle_is_an_error_that_names_it() {
        let set = parse_set(
            json!({
                "a": { "role_arn": "arn:aws:iam::1:role/A", "source_profile": "b" },
                "b": { "role_arn": "arn:aws:iam::1:role/B", "source_profile": "c" },
                "c": { "role_arn": "arn:aws:iam::1:role/C", "source_profile": "a" },
            }),
            json!({}),
        );
        let err = chain(&set, "a").unwrap_err().to_string();
        assert!(err.contains("a -> b -> c -> a"), "{err}");
    }
}
