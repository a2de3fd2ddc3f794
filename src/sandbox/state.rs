//! The sandbox's memory: registered clients, pending authorizations, issued tokens and keys, the
//! fixed account directory, fault injection and the call counters. Everything lives behind one
//! mutex that no handler holds across an `await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// An account of the fixed directory and the permission sets the sandbox user holds in it.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    pub id: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub roles: &'static [&'static str],
}

/// The accounts every sandbox serves, in the order ListAccounts pages through them.
pub const ACCOUNTS: &[Account] = &[
    Account {
        id: "111111111111",
        name: "sandbox-dev",
        email: "dev@sandbox.invalid",
        roles: &["Developer", "ReadOnly"],
    },
    Account {
        id: "222222222222",
        name: "sandbox-prod",
        email: "prod@sandbox.invalid",
        roles: &["ReadOnly"],
    },
    Account {
        id: "333333333333",
        name: "sandbox-audit",
        email: "audit@sandbox.invalid",
        roles: &["Auditor", "ReadOnly"],
    },
];

/// The user behind every sandbox session; it names the STS sessions of SSO role credentials.
pub const USER_NAME: &str = "sandbox-user";

/// How long a device authorization can wait for approval, as the real service (10 minutes).
pub const DEVICE_CODE_TTL: Duration = Duration::from_secs(600);
/// The polling interval the sandbox asks for; short so logins in tests take about a second.
pub const DEVICE_POLL_INTERVAL: u64 = 1;
/// How long an authorization code stays redeemable.
pub const AUTH_CODE_TTL: Duration = Duration::from_secs(300);
/// How long a client registration lasts (about 90 days, as the real service).
pub const CLIENT_SECRET_TTL: Duration = Duration::from_secs(90 * 24 * 3600);

/// What the command line chose.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `http://127.0.0.1:PORT`, for the URLs the sandbox hands out.
    pub base_url: String,
    pub auto_approve: bool,
    pub token_ttl: Duration,
    pub credentials_ttl: Duration,
    /// The `expiresIn` a device authorization announces (it stays pending [`DEVICE_CODE_TTL`]).
    pub device_code_ttl: Duration,
    pub throttle: u32,
    pub fail: u32,
    /// Generated accounts served after the fixed ones (see [`generated`]).
    pub accounts: u32,
    /// Roles the user holds in each generated account.
    pub roles_per_account: u32,
    /// sso (portal) requests answered per second before 429s; 0 for no limit.
    pub rate_limit: u32,
}

/// An account of the served directory, fixed or generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
}

impl From<&Account> for DirAccount {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name.to_string(),
            email: a.email.to_string(),
            roles: a.roles.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// Permission-set names of generated accounts, in the order they are handed out.
const GENERATED_ROLES: &[&str] = &[
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "Billing",
    "SecurityAudit",
    "ViewOnlyAccess",
];

/// `count` generated accounts with `roles` roles each, the same on every run, named the way
/// real organisations name them and generators trip over: spaces and capitals, punctuation,
/// non-ASCII letters, names of 50+ characters, and names shared by several accounts.
pub fn generated(count: u32, roles: u32) -> Vec<DirAccount> {
    (0..count)
        .map(|i| {
            let n = i + 1;
            let name = match i % 8 {
                0 => format!("Team {n} Production"),
                1 => format!("Équipe Données {n}"),
                2 => "Shared Services".to_string(),
                3 => {
                    format!("The very long account name of the payments platform team no. {n} (EU)")
                }
                4 => format!("Zürich Straße {n} – ÄÖÜ"),
                5 => "dev".to_string(),
                6 => format!("Sales & Marketing / {n}"),
                _ => format!("日本 チーム {n}"),
            };
            let roles = (0..roles)
                .map(|r| {
                    let base = GENERATED_ROLES[r as usize % GENERATED_ROLES.len()];
                    match r as usize / GENERATED_ROLES.len() {
                        0 => base.to_string(),
                        round => format!("{base}{round}"),
                    }
                })
                .collect();
            DirAccount {
                id: format!("{:012}", 400_000_000_000u64 + u64::from(i)),
                name,
                email: format!("account{n}@sandbox.invalid"),
                roles,
            }
        })
        .collect()
}

/// A token bucket holding a second's worth of requests: more than `per_second` a second are
/// refused, as the service throttles.
#[derive(Debug)]
struct RateLimit {
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    fn new(per_second: u32) -> Option<Self> {
        (per_second > 0).then(|| Self {
            per_second: f64::from(per_second),
            tokens: f64::from(per_second),
            last: Instant::now(),
        })
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.per_second);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A client from RegisterClient.
#[derive(Debug)]
pub struct Client {
    pub secret: String,
    pub secret_expires_at: SystemTime,
    pub scopes: Vec<String>,
    pub grant_types: Vec<String>,
    pub redirect_uris: Vec<String>,
}

/// What the person at the verification page decided about a device authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Pending,
    Approved,
    Denied,
}

/// A device authorization from StartDeviceAuthorization, waiting for its user code to be approved.
#[derive(Debug)]
pub struct DeviceAuth {
    pub client_id: String,
    pub user_code: String,
    pub expires_at: SystemTime,
    pub decision: Decision,
}

/// An authorization code from `/authorize`, redeemable once with the PKCE verifier.
#[derive(Debug)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: SystemTime,
}

/// An issued access token.
#[derive(Debug)]
pub struct Session {
    pub expires_at: SystemTime,
    /// The refresh token issued with it, revoked with it on Logout.
    pub refresh_token: Option<String>,
}

/// Whose credentials an access key id carries, for STS.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    pub expires_at: SystemTime,
}

/// The secret half of an issued key pair, for the sign-in federation endpoint to check.
#[derive(Debug, Clone)]
pub struct Issued {
    pub secret_access_key: String,
    pub session_token: String,
    /// Assumed with role credentials (role chaining): the sign-in service refuses a
    /// `SessionDuration` for these.
    pub chained: bool,
}

/// A console sign-in token from `getSigninToken`, for `login` to redeem.
#[derive(Debug, Clone)]
pub struct SigninGrant {
    pub identity: Identity,
    pub expires_at: SystemTime,
}

/// How long a sign-in token can be redeemed (15 minutes, as the tools say of the real one).
pub const SIGNIN_TOKEN_TTL: Duration = Duration::from_secs(900);

/// A grant type of CreateToken, as the stats count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    DeviceCode,
    AuthorizationCode,
    RefreshToken,
    Other,
}

impl Grant {
    pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

    pub fn parse(grant_type: &str) -> Self {
        match grant_type {
            Self::DEVICE_CODE => Grant::DeviceCode,
            "authorization_code" => Grant::AuthorizationCode,
            "refresh_token" => Grant::RefreshToken,
            _ => Grant::Other,
        }
    }
}

/// Every operation the stats count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    RegisterClient,
    StartDeviceAuthorization,
    CreateToken(Grant),
    GetRoleCredentials,
    ListAccounts,
    ListAccountRoles,
    Logout,
    AssumeRole,
    GetCallerIdentity,
    /// A `GET /authorize` from a browser.
    Authorize,
    /// A `GET` of the device verification page.
    Verify,
    /// The sign-in federation endpoint's `getSigninToken`.
    GetSigninToken,
    /// The sign-in federation endpoint's `login`, from a browser.
    ConsoleLogin,
}

impl Op {
    /// An sso operation by name, for `/_sandbox/inject?op=…`.
    pub fn portal(name: &str) -> Option<Self> {
        [
            Op::GetRoleCredentials,
            Op::ListAccounts,
            Op::ListAccountRoles,
            Op::Logout,
        ]
        .into_iter()
        .find(|op| Stats::key(*op) == name)
    }
}

/// A fault the command line or `/_sandbox/inject` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    Throttle,
    Fail,
    /// A 200 whose body the SDKs cannot read (a string where a number belongs), carrying values
    /// that start with [`GARBAGE_SECRET`], so a test can check that no error echoes them.
    Garbage,
}

/// The prefix of every secret-looking value in a garbage answer.
pub const GARBAGE_SECRET: &str = "sandbox-garbage-secret";

/// A fault injected before a request reaches its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// Accept the request and never answer.
    Hang,
    /// Answer after this long.
    Slow(Duration),
}

/// The faults `/_sandbox/inject` arms; each count is used up by the next API requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    pub throttle: u32,
    pub fail: u32,
    pub garbage: u32,
    pub hang: u32,
    pub slow: u32,
    /// How long a slow answer takes.
    pub delay: Duration,
    /// Only requests of this operation are faulted (`op=ListAccountRoles`); all when `None`.
    pub only: Option<Op>,
}

#[derive(Debug, Default)]
struct Stats {
    counts: HashMap<&'static str, u64>,
    throttled: u64,
    rate_limited: u64,
    failed: u64,
    garbled: u64,
    hung: u64,
    slowed: u64,
}

impl Stats {
    fn key(op: Op) -> &'static str {
        match op {
            Op::RegisterClient => "RegisterClient",
            Op::StartDeviceAuthorization => "StartDeviceAuthorization",
            Op::CreateToken(Grant::DeviceCode) => "CreateToken.device_code",
            Op::CreateToken(Grant::AuthorizationCode) => "CreateToken.authorization_code",
            Op::CreateToken(Grant::RefreshToken) => "CreateToken.refresh_token",
            Op::CreateToken(Grant::Other) => "CreateToken.other",
            Op::GetRoleCredentials => "GetRoleCredentials",
            Op::ListAccounts => "ListAccounts",
            Op::ListAccountRoles => "ListAccountRoles",
            Op::Logout => "Logout",
            Op::AssumeRole => "AssumeRole",
            Op::GetCallerIdentity => "GetCallerIdentity",
            Op::Authorize => "Authorize",
            Op::Verify => "Verify",
            Op::GetSigninToken => "GetSigninToken",
            Op::ConsoleLogin => "ConsoleLogin",
        }
    }

    fn to_json(&self) -> Value {
        let n = |key: &str| self.counts.get(key).copied().unwrap_or(0);
        let flat = [
            "RegisterClient",
            "StartDeviceAuthorization",
            "GetRoleCredentials",
            "ListAccounts",
            "ListAccountRoles",
            "Logout",
            "AssumeRole",
            "GetCallerIdentity",
            "Authorize",
            "Verify",
            "GetSigninToken",
            "ConsoleLogin",
        ];
        let mut out = serde_json::Map::new();
        for key in flat {
            out.insert(key.to_string(), json!(n(key)));
        }
        out.insert(
            "CreateToken".to_string(),
            json!({
                "device_code": n("CreateToken.device_code"),
                "authorization_code": n("CreateToken.authorization_code"),
                "refresh_token": n("CreateToken.refresh_token"),
                "other": n("CreateToken.other"),
            }),
        );
        out.insert("RateLimited".to_string(), json!(self.rate_limited));
        out.insert(
            "injected".to_string(),
            json!({
                "throttle": self.throttled,
                "fail": self.failed,
                "garbage": self.garbled,
                "hang": self.hung,
                "slow": self.slowed,
            }),
        );
        Value::Object(out)
    }
}

/// All of the sandbox's state.
#[derive(Debug)]
pub struct SandboxState {
    pub settings: Settings,
    pub clients: HashMap<String, Client>,
    pub devices: HashMap<String, DeviceAuth>,
    pub codes: HashMap<String, AuthCode>,
    pub sessions: HashMap<String, Session>,
    /// Refresh token → the client it was issued to.
    pub refresh_tokens: HashMap<String, String>,
    pub keys: HashMap<String, Identity>,
    /// Access key id → its secret half.
    pub issued: HashMap<String, Issued>,
    /// Console sign-in token → whose it is.
    pub signin_tokens: HashMap<String, SigninGrant>,
    /// The accounts served: the fixed directory, then the generated ones.
    pub directory: Vec<DirAccount>,
    rate: Option<RateLimit>,
    throttle: u32,
    fail: u32,
    garbage: u32,
    hang: u32,
    slow: u32,
    delay: Duration,
    /// Seconds added to the time in every answer's `Date` header (`POST /_sandbox/clock`).
    pub clock_skew: i64,
    only: Option<Op>,
    stats: Stats,
}

/// The handle the HTTP handlers share.
#[derive(Debug, Clone)]
pub struct Shared(Arc<Mutex<SandboxState>>);

impl Shared {
    pub fn new(settings: Settings) -> Self {
        let (throttle, fail) = (settings.throttle, settings.fail);
        let directory = ACCOUNTS
            .iter()
            .map(DirAccount::from)
            .chain(generated(settings.accounts, settings.roles_per_account))
            .collect();
        let rate = RateLimit::new(settings.rate_limit);
        Shared(Arc::new(Mutex::new(SandboxState {
            settings,
            clients: HashMap::new(),
            devices: HashMap::new(),
            codes: HashMap::new(),
            sessions: HashMap::new(),
            refresh_tokens: HashMap::new(),
            keys: HashMap::new(),
            issued: HashMap::new(),
            signin_tokens: HashMap::new(),
            directory,
            rate,
            throttle,
            fail,
            garbage: 0,
            hang: 0,
            slow: 0,
            delay: Duration::ZERO,
            clock_skew: 0,
            only: None,
            stats: Stats::default(),
        })))
    }

    /// The state; a handler that panicked cannot leave it half-updated in a way that matters more
    /// than losing the sandbox, so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, SandboxState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SandboxState {
    /// Counts a request for `op`.
    pub fn count(&mut self, op: Op) {
        *self.stats.counts.entry(Stats::key(op)).or_insert(0) += 1;
    }

    /// Counts an API request for `op` and says whether it must be answered with an injected
    /// fault. Throttling is used up before failures.
    pub fn admit(&mut self, op: Op) -> Option<Injected> {
        self.count(op);
        if self.only.is_some_and(|only| only != op) {
            return self.rate_limited(op);
        }
        if self.throttle > 0 {
            self.throttle -= 1;
            self.stats.throttled += 1;
            return Some(Injected::Throttle);
        }
        if self.fail > 0 {
            self.fail -= 1;
            self.stats.failed += 1;
            return Some(Injected::Fail);
        }
        if self.garbage > 0 {
            self.garbage -= 1;
            self.stats.garbled += 1;
            return Some(Injected::Garbage);
        }
        self.rate_limited(op)
    }

    /// The `--rate-limit` answer for an sso request beyond it.
    fn rate_limited(&mut self, op: Op) -> Option<Injected> {
        let portal = matches!(
            op,
            Op::GetRoleCredentials | Op::ListAccounts | Op::ListAccountRoles | Op::Logout
        );
        if portal && self.rate.as_mut().is_some_and(|r| !r.take()) {
            self.stats.rate_limited += 1;
            return Some(Injected::Throttle);
        }
        None
    }

    /// The account `id` of the directory.
    pub fn account(&self, id: &str) -> Option<&DirAccount> {
        self.directory.iter().find(|a| a.id == id)
    }

    /// The account a permission set is assigned in, if the sandbox user has it.
    pub fn find_role(&self, account_id: &str, role: &str) -> Option<&DirAccount> {
        self.account(account_id)
            .filter(|a| a.roles.iter().any(|r| r == role))
    }

    /// Whether the next API request must hang or answer slowly (decided before its handler
    /// runs, so the wait holds no lock). Hanging is used up before slowness.
    pub fn delay(&mut self) -> Option<Delay> {
        if self.hang > 0 {
            self.hang -= 1;
            self.stats.hung += 1;
            return Some(Delay::Hang);
        }
        if self.slow > 0 {
            self.slow -= 1;
            self.stats.slowed += 1;
            return Some(Delay::Slow(self.delay));
        }
        None
    }

    /// Arms fault injection for the next requests.
    pub fn inject(&mut self, throttle: u32, fail: u32) {
        self.arm(Faults {
            throttle,
            fail,
            ..Faults::default()
        });
    }

    /// Arms every kind of fault for the next requests.
    pub fn arm(&mut self, faults: Faults) {
        self.throttle = faults.throttle;
        self.fail = faults.fail;
        self.garbage = faults.garbage;
        self.hang = faults.hang;
        self.slow = faults.slow;
        self.delay = faults.delay;
        self.only = faults.only;
    }

    pub fn stats(&self) -> Value {
        self.stats.to_json()
    }

    pub fn reset_stats(&mut self) {
        self.stats = Stats::default();
    }

    /// Issues an access token (and a refresh token when the client registered scopes, as the
    /// real service only hands refresh tokens to clients of an sso-session).
    pub fn issue_tokens(&mut self, client_id: &str) -> (String, Option<String>) {
        let with_refresh = self
            .clients
            .get(client_id)
            .is_some_and(|c| !c.scopes.is_empty());
        let access = format!("aoa{}", random_alnum(96));
        let refresh = with_refresh.then(|| format!("aor{}", random_alnum(96)));
        if let Some(r) = &refresh {
            self.refresh_tokens.insert(r.clone(), client_id.to_string());
        }
        self.sessions.insert(
            access.clone(),
            Session {
                expires_at: SystemTime::now() + self.settings.token_ttl,
                refresh_token: refresh.clone(),
            },
        );
        (access, refresh)
    }

    /// Whether an access token is known, not revoked and not expired.
    pub fn token_is_valid(&self, token: &str) -> bool {
        self.sessions
            .get(token)
            .is_some_and(|s| s.expires_at > SystemTime::now())
    }

    /// Issues a key pair for `identity`, remembering whose it is for GetCallerIdentity.
    pub fn issue_keys(&mut self, identity: Identity) -> Keys {
        let access_key_id = format!("ASIA{}", random_upper_alnum(16));
        let keys = Keys {
            access_key_id: access_key_id.clone(),
            secret_access_key: random_alnum(40),
            session_token: random_alnum(256),
            expires_at: identity.expires_at,
        };
        self.keys.insert(access_key_id.clone(), identity);
        self.issued.insert(
            access_key_id,
            Issued {
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
                chained: false,
            },
        );
        keys
    }
}

/// Temporary credentials as every protocol returns them.
#[derive(Debug)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expires_at: SystemTime,
}

/// The IAM role IAM Identity Center provisions for a permission set, named as the real service
/// names it (`AWSReservedSSO_<set>_<16 hex>`), stable per account and set.
pub fn reserved_role_name(account_id: &str, role: &str) -> String {
    let digest = Sha256::digest(format!("{account_id}/{role}"));
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("AWSReservedSSO_{role}_{hex}")
}

/// A role id as IAM shows them (`AROA` + 17 characters), stable per role ARN.
pub fn role_id(role_arn: &str) -> String {
    let digest = Sha256::digest(role_arn);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("AROA{tail}")
}

pub fn random_alnum(len: usize) -> String {
    rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub fn random_upper_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A user code as people type it: `ABCD-EFGH`, without easily confused letters.
pub fn random_user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let mut part = || -> String {
        (0..4)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect()
    };
    let first = part();
    format!("{first}-{}", part())
}

pub fn epoch_seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn epoch_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(throttle: u32, fail: u32) -> SandboxState {
        let shared = Shared::new(Settings {
            base_url: "http://127.0.0.1:1".into(),
            auto_approve: false,
            token_ttl: Duration::from_secs(60),
            credentials_ttl: Duration::from_secs(60),
            device_code_ttl: DEVICE_CODE_TTL,
            throttle,
            fail,
            accounts: 0,
            roles_per_account: 0,
            rate_limit: 0,
        });
        let Ok(mutex) = Arc::try_unwrap(shared.0) else {
            panic!("one owner")
        };
        mutex.into_inner().unwrap()
    }

    #[test]
    fn throttling_comes_before_failures() {
        let mut s = state(1, 1);
        s.count(Op::Authorize);
        assert_eq!(s.admit(Op::ListAccounts), Some(Injected::Throttle));
        assert_eq!(s.admit(Op::ListAccounts), Some(Injected::Fail));
        assert_eq!(s.admit(Op::ListAccounts), None);
        let stats = s.stats();
        assert_eq!(stats["ListAccounts"], 3);
        assert_eq!(stats["Authorize"], 1);
        assert_eq!(
            stats["injected"],
            json!({"throttle": 1, "fail": 1, "garbage": 0, "hang": 0, "slow": 0})
        );
        s.reset_stats();
        assert_eq!(s.stats()["ListAccounts"], 0);
    }

    #[test]
    fn armed_faults_come_in_order_and_are_counted() {
        let mut s = state(0, 0);
        s.arm(Faults {
            fail: 1,
            garbage: 1,
            hang: 1,
            slow: 1,
            delay: Duration::from_millis(5),
            ..Faults::default()
        });
        assert_eq!(s.delay(), Some(Delay::Hang));
        assert_eq!(s.delay(), Some(Delay::Slow(Duration::from_millis(5))));
        assert_eq!(s.delay(), None);
        assert_eq!(s.admit(Op::GetRoleCredentials), Some(Injected::Fail));
        assert_eq!(s.admit(Op::GetRoleCredentials), Some(Injected::Garbage));
        assert_eq!(s.admit(Op::GetRoleCredentials), None);
        assert_eq!(
            s.stats()["injected"],
            json!({"throttle": 0, "fail": 1, "garbage": 1, "hang": 1, "slow": 1})
        );
    }

    #[test]
    fn generated_organisations_are_awkward_and_the_same_every_time() {
        let org = generated(16, 8);
        assert_eq!(org, generated(16, 8));
        assert_eq!(org.len(), 16);
        assert!(org.iter().all(|a| a.id.len() == 12 && a.roles.len() == 8));
        assert_eq!(org[0].roles[6], "AdministratorAccess1");
        let names: Vec<&str> = org.iter().map(|a| a.name.as_str()).collect();
        assert!(names.iter().any(|n| n.contains(' ')));
        assert!(names.iter().any(|n| !n.is_ascii()));
        assert!(names.iter().any(|n| n.chars().count() >= 50));
        assert_eq!(names.iter().filter(|n| **n == "dev").count(), 2);
        let ids: std::collections::BTreeSet<&str> = org.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), 16);
    }

    #[test]
    fn faults_can_be_kept_for_one_operation() {
        let mut s = state(0, 0);
        s.arm(Faults {
            fail: 2,
            only: Op::portal("ListAccountRoles"),
            ..Faults::default()
        });
        assert_eq!(s.admit(Op::ListAccounts), None);
        assert_eq!(s.admit(Op::ListAccountRoles), Some(Injected::Fail));
        assert_eq!(Op::portal("CreateToken"), None);
    }

    #[test]
    fn the_rate_limit_throttles_portal_calls_beyond_it() {
        let mut s = state(0, 0);
        s.rate = RateLimit::new(5);
        let answered = (0..20)
            .filter(|_| s.admit(Op::ListAccountRoles).is_none())
            .count();
        assert_eq!(answered, 5);
        assert_eq!(s.stats()["RateLimited"], 15);
        assert_eq!(s.admit(Op::RegisterClient), None, "sso-oidc is not limited");
        std::thread::sleep(Duration::from_millis(450));
        assert_eq!(s.admit(Op::ListAccounts), None, "the bucket refills");
    }

    #[test]
    fn refresh_tokens_only_for_clients_with_scopes() {
        let mut s = state(0, 0);
        for (id, scopes) in [("legacy", vec![]), ("session", vec!["sso:account:access"])] {
            s.clients.insert(
                id.into(),
                Client {
                    secret: "s".into(),
                    secret_expires_at: SystemTime::now(),
                    scopes: scopes.into_iter().map(String::from).collect(),
                    grant_types: vec![],
                    redirect_uris: vec![],
                },
            );
        }
        let (token, refresh) = s.issue_tokens("legacy");
        assert!(refresh.is_none());
        assert!(s.token_is_valid(&token));
        let (_, refresh) = s.issue_tokens("session");
        assert_eq!(s.refresh_tokens.get(&refresh.unwrap()).unwrap(), "session");
    }

    #[test]
    fn generated_names_look_like_the_real_ones() {
        let name = reserved_role_name("111111111111", "Developer");
        assert!(name.starts_with("AWSReservedSSO_Developer_"));
        assert_eq!(name.len(), "AWSReservedSSO_Developer_".len() + 16);
        assert_eq!(name, reserved_role_name("111111111111", "Developer"));
        assert_eq!(role_id("arn:aws:iam::1:role/x").len(), 21);
        let code = random_user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        let s = state(0, 0);
        assert!(s.find_role("222222222222", "Developer").is_none());
        assert!(s.find_role("111111111111", "Developer").is_some());
    }
}
