//! A profile as local state sees it — environment, config, token cache, role-credential cache —
//! shared by `whoami` and `prompt`. Never the network.

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};

use super::guard::{self, Reason};
use super::segment::{Expiry, Segment, expiry_at};
use crate::config::chain::{self, ChainBase};
use crate::config::location::Locations;
use crate::config::{AwsConfig, ProfileKind, ProfileSet, SsoSession, profile};
use crate::credentials::{self, cache::EXPIRY_WINDOW};
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::cache::{WINDOW, load_token, status_of, token_path};
use crate::sso::{TokenStatus, accounts};
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
    /// Until when the cached token can be refreshed (its client registration's expiry), when it
    /// has a refresh token at all.
    pub refreshable_until: Option<Timestamp>,
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
        let cached_token = session.as_ref().map(|s| load_token(env, report, s));
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
            token: cached_token.as_ref().map(|t| {
                t.as_ref()
                    .map_or(TokenStatus::Missing, |t| status_of(t, now))
            }),
            refreshable_until: cached_token
                .flatten()
                .filter(|t| t.refreshable(now))
                .and_then(|t| t.registration_expires_at),
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

    /// The first instant at or after `now` at which [`Status::expiry`] may read differently by
    /// the clock alone (a minute of time left ticks over, the token leaves its refresh window,
    /// the registration or the credentials expire); `None` when nothing here changes with time.
    /// It may come early (the text is then the same), never late.
    pub fn expiry_changes_at(&self, now: Timestamp) -> Option<Timestamp> {
        let mut instants = Vec::new();
        if let (true, Some(at)) = (self.credentials_mode, self.credentials_expire) {
            instants.push(next_minute_of(at, now));
        } else {
            match &self.token {
                Some(
                    TokenStatus::Valid { expires_at }
                    | TokenStatus::Refreshable { expires_at }
                    | TokenStatus::Expired { expires_at },
                ) => {
                    instants.push(next_minute_of(*expires_at, now));
                    instants.push(Some(*expires_at - WINDOW));
                    instants.push(self.refreshable_until);
                }
                Some(TokenStatus::Missing) => {}
                None => {
                    if let Some(at) = self.credentials_expire {
                        instants.push(next_minute_of(at, now));
                        instants.push(Some(at - EXPIRY_WINDOW));
                    }
                }
            }
        }
        instants.into_iter().flatten().filter(|t| *t >= now).min()
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

/// The next instant at or after `now` from which the whole minutes left until `at` (what the
/// prompt shows) read one less, or `at` itself within its last minute: `at` less a whole number of
/// minutes. `None` once `at` has passed.
fn next_minute_of(at: Timestamp, now: Timestamp) -> Option<Timestamp> {
    let left = at.duration_since(now);
    if left.is_negative() {
        return None;
    }
    Some(at - SignedDuration::from_mins(left.as_secs() / 60))
}

/// What the prompt segment of `env` was made from, for a shell hook that keeps the segment and
/// asks again only when one of these changed: the files it read or would read (present or not;
/// a folder stands for the files renamed into it) and the instant its text next changes by the
/// clock. The variables are the hook's to compare.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub changes_at: Option<Timestamp>,
}

/// The prompt segment for the active profile; `None` when no variable names one or anything
/// fails. Nothing is reported: a prompt must never print an error.
pub fn segment(env: &Env, now: Timestamp) -> Option<Segment> {
    segment_and_inputs(env, now).0
}

/// [`segment`], and the [`Inputs`] it was made from.
pub fn segment_and_inputs(env: &Env, now: Timestamp) -> (Option<Segment>, Inputs) {
    let mut inputs = Inputs::default();
    let active = env.active_profile();
    if !active.is_chosen() {
        return (None, inputs);
    }
    if let Ok(locations) = Locations::from_env(env) {
        inputs
            .files
            .extend([locations.config, locations.credentials]);
    }
    inputs.files.extend(accounts::names_path(env));
    inputs.files.extend(guard::file(env));
    let Ok(config) = AwsConfig::load_for(env, &active.name) else {
        return (None, inputs);
    };
    let report = Reporter::silent();
    let Some(status) = Status::read(
        env,
        &report,
        &config.set,
        &active.name,
        active.credentials_mode(),
        now,
    ) else {
        return (None, inputs);
    };
    match &status.session {
        // The folder too: deleting the token (a logout) changes the folder, not a file.
        Some(session) => {
            if let Some(token) = token_path(env, session) {
                inputs.files.extend(token.parent().map(PathBuf::from));
                inputs.files.push(token);
            }
        }
        // Without an SSO session the time left comes from the role-credential cache, whose
        // entries are renamed into its folder.
        None => inputs.files.extend(env.cli_cache_dir()),
    }
    inputs.changes_at = status.expiry_changes_at(now);
    let segment = Segment {
        expiry: status.expiry(now),
        guarded: status.guard.is_some(),
        profile: status.profile,
        account_id: status.account_id,
        account_name: status.account_name,
        role: status.role,
        region: status.region,
    };
    (Some(segment), inputs)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::active::segment::{DEFAULT_FORMAT, render};
    use crate::pyjson::sha1_hex;
    use crate::time::cli_time;

    /// A random state of the profile `dev`: which mode, when the keys in the environment expire,
    /// and the token (absent, or expiring at some offset, refreshable until some offset).
    #[derive(Debug, Clone)]
    struct State {
        credentials_mode: bool,
        keys_expire: i64,
        token: Option<(i64, Option<i64>)>,
        now_nanos: i32,
    }

    fn state() -> impl Strategy<Value = State> {
        let offset = || -7200i64..36_000;
        (
            any::<bool>(),
            offset(),
            prop::option::of((offset(), prop::option::of(offset()))),
            0..1_000_000_000i32,
        )
            .prop_map(|(credentials_mode, keys_expire, token, now_nanos)| State {
                credentials_mode,
                keys_expire,
                token,
                now_nanos,
            })
    }

    /// Writes the state's files under a fresh home; returns the environment and the instant.
    fn materialise(state: &State, home: &std::path::Path) -> (Env, Timestamp) {
        let now = Timestamp::new(1_800_000_000, state.now_nanos).unwrap();
        let at = |secs: i64| cli_time(now + SignedDuration::from_secs(secs));
        std::fs::create_dir_all(home.join(".aws/sso/cache")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\n\
             sso_role_name = Developer\nregion = eu-west-1\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
        )
        .unwrap();
        if let Some((expires, registration)) = state.token {
            let mut token = serde_json::json!({
                "startUrl": "https://corp.awsapps.com/start",
                "region": "us-east-1",
                "accessToken": "t",
                "expiresAt": at(expires),
            });
            if let Some(registration) = registration {
                token["clientId"] = "c".into();
                token["clientSecret"] = "s".into();
                token["refreshToken"] = "r".into();
                token["registrationExpiresAt"] = at(registration).into();
            }
            let file = home.join(format!(".aws/sso/cache/{}.json", sha1_hex("corp")));
            std::fs::write(file, token.to_string()).unwrap();
        }
        let home_var = home.to_string_lossy().into_owned();
        let mut vars = vec![("HOME", home_var)];
        if state.credentials_mode {
            vars.push(("SSOENV_PROFILE", "dev".into()));
            vars.push(("AWS_CREDENTIAL_EXPIRATION", at(state.keys_expire)));
        } else {
            vars.push(("AWS_PROFILE", "dev".into()));
        }
        (Env::from_map(vars), now)
    }

    fn text(env: &Env, now: Timestamp) -> Option<String> {
        segment(env, now).and_then(|s| render(DEFAULT_FORMAT, &s))
    }

    proptest! {
        /// The instant the hook is told to ask again is never late: from `now` until just before
        /// it, the segment reads exactly as at `now`. (It may be early; the hook then gets the
        /// same text and a later instant.)
        #[test]
        fn the_segment_reads_the_same_until_the_instant_it_may_change(
            state in state(),
            fractions in prop::collection::vec(0.0f64..1.0, 4),
        ) {
            let home = tempfile::tempdir().unwrap();
            let (env, now) = materialise(&state, home.path());
            let (segment_now, inputs) = segment_and_inputs(&env, now);
            let shown = segment_now.and_then(|s| render(DEFAULT_FORMAT, &s));
            prop_assert_eq!(&shown, &text(&env, now));
            // Nothing changes by the clock: check the next ten hours.
            let end = inputs
                .changes_at
                .unwrap_or(now + SignedDuration::from_hours(10));
            prop_assert!(end >= now);
            let span = end.duration_since(now);
            let last = end - SignedDuration::from_nanos(1);
            let mut instants = vec![now];
            if last >= now {
                instants.push(last);
            }
            instants.extend(fractions.iter().map(|f| now + span.mul_f64(*f)));
            for t in instants {
                prop_assert_eq!(&text(&env, t), &shown, "at {} (until {:?})", t, inputs.changes_at);
            }
        }
    }

    #[test]
    fn the_inputs_name_the_config_the_token_and_its_folder() {
        let home = tempfile::tempdir().unwrap();
        let state = State {
            credentials_mode: false,
            keys_expire: 0,
            token: Some((3630, None)),
            now_nanos: 0,
        };
        let (env, now) = materialise(&state, home.path());
        let (_, inputs) = segment_and_inputs(&env, now);
        let token = home
            .path()
            .join(format!(".aws/sso/cache/{}.json", sha1_hex("corp")));
        assert!(inputs.files.contains(&home.path().join(".aws/config")));
        assert!(inputs.files.contains(&token));
        assert!(inputs.files.contains(&home.path().join(".aws/sso/cache")));
        assert_eq!(
            inputs.changes_at,
            Some(now + SignedDuration::from_secs(30)),
            "1h00m left until 30 s from now"
        );
    }
}
