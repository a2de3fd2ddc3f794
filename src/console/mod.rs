//! Opening the AWS console as a profile: the federation sign-in (credentials → `getSigninToken`
//! → a `login` URL) or the IAM Identity Center access portal's shortcut link. The URLs are built
//! in [`links`] from plain values; [`federation`] makes the one network call. What kind of
//! credentials a profile yields decides how ([`Origin`]): the sign-in service takes only
//! temporary credentials, and refuses a `SessionDuration` with chained-role ones.

pub mod error;
pub mod federation;
pub mod links;

use std::fmt;

pub use error::ConsoleError;

use crate::config::chain::{Chain, ChainBase};
use crate::config::model::ProfileSet;
use crate::credentials::{self, Credentials};
use crate::env::Env;
use crate::sso::ClientSettings;

/// The `[sso-session]` key (ignored by the AWS tools) that makes `--portal` the default for
/// every profile of the session; a legacy profile (no sso-session) may set it in its own section.
pub const PORTAL_KEY: &str = "ssoenv_console_portal";

/// The profile key (ignored by the AWS tools) naming the command that opens this profile's
/// console, e.g. a browser profile or container per account; the URL is its last argument.
pub const BROWSER_KEY: &str = "ssoenv_console_browser";

/// The console's region: the one asked for, else the profile's, else `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, [`links::DEFAULT_REGION`]. The profile comes before the environment
/// (unlike the prompt's region in effect): the console is opened for a named profile, and the
/// environment may hold another profile's region.
pub fn region(asked: Option<&str>, profile: Option<&str>, env: &Env) -> String {
    asked
        .or(profile)
        .map(str::to_string)
        .or_else(|| env.var("AWS_REGION"))
        .or_else(|| env.var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| links::DEFAULT_REGION.to_string())
}

/// Whether `profile`'s sso-session (`session`, `None` for a legacy profile) sets [`PORTAL_KEY`]
/// to `true`.
pub fn portal_by_default(set: &ProfileSet<'_>, profile: &str, session: Option<&str>) -> bool {
    let section = match session {
        Some(session) => set.sso_sessions.get(session),
        None => set.profiles.get(profile),
    };
    section
        .and_then(|s| s.get(PORTAL_KEY))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The words of `profile`'s [`BROWSER_KEY`], split as a POSIX shell would (as `$BROWSER` is).
pub fn profile_browser(
    set: &ProfileSet<'_>,
    profile: &str,
) -> Result<Option<Vec<String>>, ConsoleError> {
    let Some(command) = set.profiles.get(profile).and_then(|s| s.get(BROWSER_KEY)) else {
        return Ok(None);
    };
    let bad = |why: String| ConsoleError::Unsupported {
        profile: profile.to_string(),
        why: format!("{BROWSER_KEY} {why}"),
    };
    let words = shell_words::split(command).map_err(|e| bad(format!("cannot be split: {e}")))?;
    if words.is_empty() {
        return Err(bad("is empty".into()));
    }
    Ok(Some(words))
}

/// Where a profile's credentials come from, as far as the sign-in service cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// IAM Identity Center role credentials: a `SessionDuration` is accepted.
    SsoRole,
    /// AssumeRole credentials. `chained` when the role was assumed with temporary credentials
    /// (an SSO role, another role, a session token): the service then answers 400 to a
    /// `SessionDuration` (aws-vault #77, aws-sso-cli #1247).
    Role { chained: bool },
    /// Keys from a profile's section: long-term ones go through GetFederationToken first;
    /// temporary ones (with `aws_session_token`) are used as they are.
    Keys,
}

impl Origin {
    /// The origin of `chain`'s credentials, or why they cannot open a console.
    pub fn of(chain: &Chain, set: &ProfileSet<'_>, profile: &str) -> Result<Self, ConsoleError> {
        let unsupported = |why: &str| ConsoleError::Unsupported {
            profile: profile.to_string(),
            why: why.to_string(),
        };
        let temporary_keys = |name: &str| {
            set.profiles
                .get(name)
                .is_some_and(|s| s.get("aws_session_token").is_some())
        };
        if !chain.roles.is_empty() {
            let long_term_base =
                matches!(&chain.base, ChainBase::Static { profile } if !temporary_keys(profile));
            return Ok(Origin::Role {
                chained: chain.roles.len() > 1 || !long_term_base,
            });
        }
        match &chain.base {
            ChainBase::Sso { .. } => Ok(Origin::SsoRole),
            ChainBase::Static { .. } => Ok(Origin::Keys),
            ChainBase::Process { .. } => Err(unsupported(
                "its credentials come from credential_process, and ssoenv cannot tell whether the \
                 sign-in service takes them; put a role on top of it (role_arn + source_profile)",
            )),
            ChainBase::WebIdentity { .. } => Err(unsupported(
                "web identity credentials are meant for a workload, not a person; put a role on \
                 top of it (role_arn + source_profile)",
            )),
            ChainBase::LoginSession { .. } => Err(unsupported(
                "its credentials come from `aws login`, which ssoenv only reads; put a role on top of it \
                 (role_arn + source_profile)",
            )),
            ChainBase::Named(source) => Err(unsupported(&format!(
                "credential_source = {source} without a role to assume"
            ))),
        }
    }

    /// The `SessionDuration` to ask for, where the service accepts one.
    pub fn session_duration(self) -> Option<u32> {
        match self {
            Origin::SsoRole | Origin::Role { chained: false } => {
                Some(links::SESSION_DURATION_SECONDS)
            }
            Origin::Role { chained: true } | Origin::Keys => None,
        }
    }
}

/// A sign-in URL: a bearer secret until it expires, so `Debug` never shows it.
pub struct SigninUrl(String);

impl SigninUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigninUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigninUrl(<redacted>)")
    }
}

/// What a federation sign-in needs besides the credentials.
#[derive(Debug, Clone)]
pub struct Federation {
    /// The federation endpoint ([`links::federation_endpoint`]).
    pub endpoint: url::Url,
    /// Where the console sends the person when the session ends (the SSO start URL).
    pub issuer: Option<String>,
    pub destination: String,
    /// The settings STS (GetFederationToken) and the sign-in call are made with.
    pub client: ClientSettings,
    /// The region STS is called in.
    pub region: String,
}

/// Signs `creds` (of `origin`) in: long-term keys are exchanged for a federated user's first
/// (named after `profile`), then the token is fetched and the `login` URL built.
pub async fn sign_in(
    federation: &Federation,
    creds: &Credentials,
    origin: Origin,
    profile: &str,
) -> Result<SigninUrl, ConsoleError> {
    let exchanged;
    let creds = if origin == Origin::Keys && creds.session_token.is_none() {
        exchanged = credentials::sts::federation_token(
            &federation.client,
            creds,
            &federated_user_name(profile),
            Some(&federation.region),
            profile,
        )
        .await?;
        &exchanged
    } else {
        creds
    };
    let request =
        links::signin_token_request(&federation.endpoint, creds, origin.session_duration());
    let token = federation::signin_token(&request, &federation.client.timeouts).await?;
    let url = links::login_url(
        &federation.endpoint,
        federation.issuer.as_deref(),
        &federation.destination,
        &token,
    );
    Ok(SigninUrl(url.into()))
}

/// GetFederationToken's `Name` (2 to 32 of `[A-Za-z0-9+=,.@_-]`): `ssoenv-PROFILE`, other
/// characters as `-`, cut to length. It is what the console shows as the federated user.
fn federated_user_name(profile: &str) -> String {
    format!("ssoenv-{profile}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::chain::chain;

    fn origin(config: &str, profile: &str) -> Result<Origin, ConsoleError> {
        let file = crate::config::SourceFile::new("/h/.aws/config", config);
        let set = ProfileSet::parse(Some(&file), None).unwrap();
        let chain = chain(&set, profile).unwrap();
        Origin::of(&chain, &set, profile)
    }

    const CONFIG: &str = "\
[sso-session s]
sso_start_url = https://d-1.awsapps.com/start
sso_region = us-east-1
[profile sso]
sso_session = s
sso_account_id = 111111111111
sso_role_name = Dev
[profile on-sso]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = sso
[profile user]
aws_access_key_id = AKIA1
aws_secret_access_key = s
[profile on-user]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = user
[profile on-on-user]
role_arn = arn:aws:iam::333333333333:role/Admin
source_profile = on-user
[profile session]
aws_access_key_id = ASIA1
aws_secret_access_key = s
aws_session_token = t
[profile on-session]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = session
[profile process]
credential_process = /bin/true
[profile web]
role_arn = arn:aws:iam::222222222222:role/Web
web_identity_token_file = /tmp/t
";

    #[test]
    fn a_session_duration_only_where_the_service_accepts_one() {
        let duration = |p| origin(CONFIG, p).unwrap().session_duration();
        assert_eq!(duration("sso"), Some(links::SESSION_DURATION_SECONDS));
        assert_eq!(duration("on-user"), Some(links::SESSION_DURATION_SECONDS));
        for chained in ["on-sso", "on-on-user", "on-session"] {
            assert_eq!(duration(chained), None, "{chained}");
        }
        assert_eq!(duration("user"), None);
        assert_eq!(origin(CONFIG, "user").unwrap(), Origin::Keys);
    }

    #[test]
    fn process_and_web_identity_profiles_say_why_they_cannot() {
        for (profile, why) in [("process", "credential_process"), ("web", "web identity")] {
            let err = origin(CONFIG, profile).unwrap_err();
            assert!(err.to_string().contains(why), "{err}");
            assert!(err.to_string().contains(&format!("`{profile}`")), "{err}");
        }
    }

    #[test]
    fn the_region_is_the_one_asked_for_then_the_profiles_then_the_environments() {
        let env = Env::from_map([("AWS_REGION", "eu-north-1"), ("AWS_DEFAULT_REGION", "x")]);
        assert_eq!(
            region(Some("ap-south-1"), Some("eu-west-1"), &env),
            "ap-south-1"
        );
        assert_eq!(region(None, Some("eu-west-1"), &env), "eu-west-1");
        assert_eq!(region(None, None, &env), "eu-north-1");
        let env = Env::from_map([("AWS_DEFAULT_REGION", "us-west-2")]);
        assert_eq!(region(None, None, &env), "us-west-2");
        assert_eq!(
            region(None, None, &Env::from_map::<&str, &str>([])),
            "us-east-1"
        );
    }

    #[test]
    fn federated_user_names_fit_sts_rules() {
        assert_eq!(federated_user_name("dev"), "ssoenv-dev");
        assert_eq!(federated_user_name("a b/c"), "ssoenv-a-b-c");
        assert_eq!(federated_user_name(&"x".repeat(40)).len(), 32);
    }

    #[test]
    fn a_signin_url_never_shows_in_debug() {
        let url = SigninUrl("https://x/?SigninToken=secret".into());
        assert!(!format!("{url:?}").contains("secret"));
    }
}
