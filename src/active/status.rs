//! A profile as local state sees it — environment, config, token cache, role-credential cache —
//! shared by `whoami` and `prompt`. Never the network.

use jiff::Timestamp;

use super::guard::{self, Reason};
use super::segment::{Expiry, Segment, expiry_at};
use crate::config::chain::{self, ChainBase};
use crate::config::{AwsConfig, ProfileKind, ProfileSet, SsoSession, profile};
use crate::credentials;
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::{self, TokenStatus, accounts};
use crate::time::parse_timestamp;

/// Everything local state says about one profile.
#[derive(Debug)]
pub struct Status {
    pub profile: String,
    pub credentials_mode: bool,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    /// When the credentials in use expire: the environment's in credentials mode, else the
    /// role-credential cache's.
    pub credentials_expire: Option<Timestamp>,
    pub session: Option<SsoSession<'static>>,
    pub token: Option<TokenStatus>,
    /// The profile is an `aws login` session (its credentials are `credentials_expire`'s).
    pub login_session: bool,
    /// Why the profile is guarded, when it is.
    pub guard: Option<Reason>,
}

/// Whether the profile can be used now without a person, as local state tells: the answer to
/// "am I logged in?", told apart for `whoami`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The SSO access token (or the `aws login` session's credentials) is valid.
    Valid,
    /// The access token has expired, but its refresh token renews it without a person.
    Refreshable,
    /// The session is over, but role credentials cached from it are still valid: tools keep
    /// working until they expire, then a login is needed (aws-cli#9845).
    CredentialsOnly,
    /// Nothing usable: a login is needed.
    LoginNeeded,
    /// No session to log in to (static keys, a process, web identity): credentials are made on
    /// demand.
    NoSession,
}

impl Standing {
    /// The word `whoami --json` prints.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Refreshable => "refreshable",
            Standing::CredentialsOnly => "credentials-only",
            Standing::LoginNeeded => "login-needed",
            Standing::NoSession => "no-session",
        }
    }
}

impl Status {
    /// Reads the status of `name`. `credentials_mode` says whether the environment holds its keys.
    pub fn read(
        env: &Env,
        report: &Reporter,
        set: &ProfileSet,
        name: &str,
        credentials_mode: bool,
        now: Timestamp,
    ) -> Option<Self> {
        let profile = profile::resolve(set, name).ok()?;
        let chain = chain::chain(set, name).ok();
        let session = match (&profile.kind, chain.as_ref().map(|c| &c.base)) {
            (ProfileKind::SsoToken { session }, _) => Some(session.clone()),
            (_, Some(ChainBase::Sso { session, .. })) => Some(session.clone()),
            _ => None,
        };
        let env_account = credentials_mode
            .then(|| env.var("AWS_ACCOUNT_ID"))
            .flatten();
        let account_id = env_account.or_else(|| profile.account_id().map(str::to_string));
        let credentials_expire = if credentials_mode {
            env.var("AWS_CREDENTIAL_EXPIRATION")
                .and_then(|t| parse_timestamp(&t))
        } else {
            chain
                .as_ref()
                .and_then(|c| credentials::cached(env, report, set, c, now))
                .and_then(|c| c.expiration)
        };
        let guard = guard::reason(
            env,
            set,
            name,
            session.as_ref().and_then(|s| s.name.as_deref()),
            account_id.as_deref(),
        );
        Some(Self {
            guard,
            profile: name.to_string(),
            credentials_mode,
            account_name: account_id.as_deref().and_then(|a| accounts::name(env, a)),
            account_id,
            role: profile.role_name().map(str::to_string),
            region: env
                .var("AWS_REGION")
                .or_else(|| env.var("AWS_DEFAULT_REGION"))
                .or_else(|| profile.region.clone()),
            credentials_expire,
            token: session
                .as_ref()
                .map(|s| sso::token_status(env, report, s, now)),
            session,
            login_session: matches!(chain.map(|c| c.base), Some(ChainBase::LoginSession { .. })),
        })
    }

    /// What local state says can be used now (see [`Standing`]).
    pub fn standing(&self, now: Timestamp) -> Standing {
        let credentials_valid = self.credentials_expire.is_some_and(|at| at > now);
        match &self.token {
            Some(TokenStatus::Valid { .. }) => Standing::Valid,
            Some(TokenStatus::Refreshable { .. }) => Standing::Refreshable,
            Some(TokenStatus::Expired { .. } | TokenStatus::Missing) if credentials_valid => {
                Standing::CredentialsOnly
            }
            Some(TokenStatus::Expired { .. } | TokenStatus::Missing) => Standing::LoginNeeded,
            None if self.login_session && credentials_valid => Standing::Valid,
            None if self.login_session => Standing::LoginNeeded,
            None => Standing::NoSession,
        }
    }

    /// What the prompt shows as time left: the credentials in credentials mode, else the session.
    pub fn expiry(&self, now: Timestamp) -> Expiry {
        if let (true, Some(at)) = (self.credentials_mode, self.credentials_expire) {
            return expiry_at(at, now);
        }
        match &self.token {
            Some(TokenStatus::Valid { expires_at }) => expiry_at(*expires_at, now),
            Some(TokenStatus::Refreshable { .. }) => Expiry::Refreshable,
            Some(TokenStatus::Expired { .. }) => Expiry::Expired,
            Some(TokenStatus::Missing) => Expiry::LoggedOut,
            None => self
                .credentials_expire
                .map_or(Expiry::Unknown, |at| expiry_at(at, now)),
        }
    }
}

/// The prompt segment for the active profile; `None` when no variable names one or anything
/// fails. Nothing is reported: a prompt must never print an error.
pub fn segment(env: &Env, now: Timestamp) -> Option<Segment> {
    let active = env.active_profile();
    if !active.is_chosen() {
        return None;
    }
    let config = AwsConfig::load_for(env, &active.name).ok()?;
    let report = Reporter::silent();
    let status = Status::read(
        env,
        &report,
        &config.set,
        &active.name,
        active.credentials_mode(),
        now,
    )?;
    Some(Segment {
        expiry: status.expiry(now),
        guarded: status.guard.is_some(),
        profile: status.profile,
        account_id: status.account_id,
        account_name: status.account_name,
        role: status.role,
        region: status.region,
    })
}
