//! The environment contract (`spec/README.md`): which variables each mode sets and clears, and
//! the `credential_process` JSON. `env`, `exec` and `asp` all go through here, so a shell and a
//! child process see exactly the same thing.

use serde_json::json;

use super::keys::Credentials;
use crate::env::EnvChange;

fn set(name: &'static str, value: String) -> EnvChange {
    EnvChange::Set(name.into(), value)
}

fn unset(name: &'static str) -> EnvChange {
    EnvChange::Unset(name.into())
}

/// Variables holding credentials: cleared in profile mode so stale keys never shadow the profile.
const CREDENTIAL_VARS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "SSOENV_PROFILE",
];

/// Profile selectors: cleared in credentials mode, since an SDK that sees both a profile and keys
/// behaves differently per tool.
const PROFILE_VARS: [&str; 2] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

const REGION_VARS: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

fn region(changes: &mut Vec<EnvChange>, region: Option<&str>) {
    if let Some(region) = region {
        changes.extend(REGION_VARS.map(|v| set(v, region.to_string())));
    }
}

/// `AWS_PROFILE` (and the region when the profile has one); credentials cleared.
pub fn profile_mode(profile: &str, profile_region: Option<&str>) -> Vec<EnvChange> {
    let mut changes = vec![set("AWS_PROFILE", profile.to_string())];
    region(&mut changes, profile_region);
    changes.extend(CREDENTIAL_VARS.map(unset));
    changes.push(unset("AWS_DEFAULT_PROFILE"));
    changes
}

/// The keys themselves; profile selectors cleared.
pub fn credentials_mode(
    profile: &str,
    creds: &Credentials,
    profile_region: Option<&str>,
) -> Vec<EnvChange> {
    let mut changes = vec![
        set("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
        set("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.clone()),
    ];
    let optional = [
        ("AWS_SESSION_TOKEN", creds.session_token.clone()),
        ("AWS_CREDENTIAL_EXPIRATION", creds.expiration_rfc3339()),
        ("AWS_ACCOUNT_ID", creds.account_id.clone()),
    ];
    for (name, value) in optional {
        changes.push(match value {
            Some(v) => set(name, v),
            None => unset(name),
        });
    }
    region(&mut changes, profile_region);
    changes.push(set("SSOENV_PROFILE", profile.to_string()));
    changes.extend(PROFILE_VARS.map(unset));
    changes
}

/// Variables an SDK prefers to `AWS_CONTAINER_CREDENTIALS_FULL_URI` and its token (botocore and
/// the Rust SDK read these first), so a child of the endpoint never sees a stale pair of them.
const CONTAINER_OVERRIDES: [&str; 2] = [
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// The loopback endpoint at `url` (`exec --server`, `serve`): keys and profile selectors cleared
/// so every SDK's default chain reaches it; region and `AWS_ACCOUNT_ID` as in credentials mode.
pub fn endpoint_mode(
    url: &str,
    token: &str,
    account_id: Option<&str>,
    profile_region: Option<&str>,
) -> Vec<EnvChange> {
    let mut changes: Vec<EnvChange> = CREDENTIAL_VARS
        .iter()
        .chain(&PROFILE_VARS)
        .chain(&CONTAINER_OVERRIDES)
        .map(|v| unset(v))
        .collect();
    changes.push(set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.to_string()));
    changes.push(set("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.to_string()));
    if let Some(account) = account_id {
        changes.push(set("AWS_ACCOUNT_ID", account.to_string()));
    }
    region(&mut changes, profile_region);
    changes
}

/// Everything either mode sets.
pub fn clear() -> Vec<EnvChange> {
    PROFILE_VARS
        .iter()
        .chain(&REGION_VARS)
        .chain(&CREDENTIAL_VARS)
        .map(|v| unset(v))
        .collect()
}

/// The `credential_process` contract: `Version: 1` and the keys, pretty-printed like the AWS CLI's
/// `export-credentials`.
pub fn credential_process_json(creds: &Credentials) -> String {
    let optional = [
        ("SessionToken", creds.session_token.clone()),
        ("Expiration", creds.expiration_rfc3339()),
        ("AccountId", creds.account_id.clone()),
    ];
    let fields: Vec<String> = [
        ("Version", json!(1)),
        ("AccessKeyId", json!(creds.access_key_id)),
        ("SecretAccessKey", json!(creds.secret_access_key)),
    ]
    .into_iter()
    .chain(
        optional
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, json!(v)))),
    )
    .map(|(k, v)| format!("  \"{k}\": {v}"))
    .collect();
    format!("{{\n{}\n}}\n", fields.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: "s\"k".into(),
            session_token: Some("tok".into()),
            expiration: Some("2030-01-01T00:00:00.5Z".parse().unwrap()),
            account_id: Some("111111111111".into()),
        }
    }

    #[test]
    fn profile_mode_clears_stale_keys() {
        let c = profile_mode("dev", Some("eu-west-1"));
        assert_eq!(c[0], set("AWS_PROFILE", "dev".into()));
        assert!(c.contains(&set("AWS_DEFAULT_REGION", "eu-west-1".into())));
        for v in CREDENTIAL_VARS {
            assert!(c.contains(&unset(v)), "{v}");
        }
    }

    #[test]
    fn credentials_mode_clears_profiles_and_sets_everything() {
        let c = credentials_mode("dev", &creds(), None);
        assert!(c.contains(&set(
            "AWS_CREDENTIAL_EXPIRATION",
            "2030-01-01T00:00:00Z".into()
        )));
        assert!(c.contains(&set("SSOENV_PROFILE", "dev".into())));
        assert!(c.contains(&unset("AWS_PROFILE")) && c.contains(&unset("AWS_DEFAULT_PROFILE")));
        assert!(
            !c.iter()
                .any(|ch| matches!(ch, EnvChange::Set(name, _) if name == "AWS_REGION"))
        );
        let mut static_keys = creds();
        static_keys.session_token = None;
        assert!(credentials_mode("dev", &static_keys, None).contains(&unset("AWS_SESSION_TOKEN")));
    }

    #[test]
    fn endpoint_mode_points_at_the_endpoint_and_nothing_else() {
        let c = endpoint_mode(
            "http://127.0.0.1:1/p",
            "tok",
            Some("111111111111"),
            Some("eu-west-1"),
        );
        for v in [
            "AWS_ACCESS_KEY_ID",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "SSOENV_PROFILE",
        ] {
            assert!(c.contains(&unset(v)), "{v}");
        }
        assert!(c.contains(&unset("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")));
        let sets: Vec<&EnvChange> = c
            .iter()
            .skip_while(|ch| matches!(ch, EnvChange::Unset(_)))
            .collect();
        assert_eq!(
            sets,
            [
                &set(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "http://127.0.0.1:1/p".into()
                ),
                &set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok".into()),
                &set("AWS_ACCOUNT_ID", "111111111111".into()),
                &set("AWS_REGION", "eu-west-1".into()),
                &set("AWS_DEFAULT_REGION", "eu-west-1".into()),
            ],
            "every unset comes before the sets"
        );
    }

    #[test]
    fn clear_unsets_all_of_both_modes() {
        assert_eq!(clear().len(), 10);
    }

    #[test]
    fn credential_process_json_is_exact() {
        assert_eq!(
            credential_process_json(&creds()),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIA\",\n  \"SecretAccessKey\": \"s\\\"k\",\n  \"SessionToken\": \"tok\",\n  \"Expiration\": \"2030-01-01T00:00:00Z\",\n  \"AccountId\": \"111111111111\"\n}\n"
        );
    }
}
