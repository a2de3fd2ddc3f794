//! Every account and role the user holds, for `ssoenv sync`: ListAccounts, then ListAccountRoles
//! for each account, through the SDK's paginators with pages of 100 (the service rejects larger
//! ones).
//!
//! Throttling slows the listing down instead of failing it. Every request waits for its turn
//! from a [`Pace`] that all requests in flight share: unlimited until the first 429, then the
//! rate that was getting through, cut by 15% at each further 429 (once per burst) and raised by
//! about one request a second every second (additive increase, multiplicative decrease). A
//! throttled call waits (jittered, doubling up to 20 s) and is sent again, until the sync's
//! time budget (`SSOENV_SYNC_TIMEOUT`) is spent; then the error says how far it got. Other
//! failures that may pass (5xx, a timeout, the network) are retried `max_attempts` times in all.
//!
//! The SDK's own adaptive retry mode was tried first and is not used: its client-side limiter
//! starts from a measured rate near zero, and charges each throttled retry ten tokens of a
//! bucket every request in flight shares, so eight requests throttled together pushed the next
//! ones' waits past the 30 s deadline (ListAccountRoles timed out against a 10 requests/s
//! sandbox). So the SDK client makes one attempt per call, and the retrying is done here.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sso::operation::list_account_roles::ListAccountRolesError;
use aws_sdk_sso::operation::list_accounts::ListAccountsError;
use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::AccessToken;
use super::error::SsoError;
use super::sdk::{ClientSettings, describe_within};
use crate::config::SsoSession;
use crate::config::sync_block::Assignment;
use crate::env::Env;

/// The variable that bounds a whole listing's time spent waiting out throttling, in seconds.
pub const BUDGET_VARIABLE: &str = "SSOENV_SYNC_TIMEOUT";
/// The default of [`BUDGET_VARIABLE`]: a 1,000-account organisation throttled to 2 requests a
/// second still lists in time.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(600);
/// Requests in flight at once: enough to hide the round trip, few enough not to provoke the
/// throttling that more would only turn into retries.
pub const CONCURRENCY: usize = 8;
/// The largest page the service accepts.
const PAGE: i32 = 100;
const FIRST_WAIT: Duration = Duration::from_millis(500);
const LONGEST_WAIT: Duration = Duration::from_secs(20);

/// How far a listing has got: accounts found, and accounts whose roles are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub accounts: usize,
    pub listed: usize,
}

/// Told of every step, from the listing's tasks.
pub type Observer = Arc<dyn Fn(Progress) + Send + Sync>;

/// `SSOENV_SYNC_TIMEOUT` (seconds), else the default; a bad value is an error naming it.
pub fn budget(env: &Env) -> Result<Duration, SsoError> {
    let Some(text) = env.var(BUDGET_VARIABLE) else {
        return Ok(DEFAULT_BUDGET);
    };
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(SsoError::Settings(format!(
            "{BUDGET_VARIABLE} must be a number of seconds between 0 and 86400 (it is `{text}`); \
             unset it for the default of {} s",
            DEFAULT_BUDGET.as_secs()
        ))),
    }
}

/// The sso client for listing: the profile's settings, one attempt per call (see the module's
/// comment).
fn listing_client(session: &SsoSession<'_>, settings: &ClientSettings) -> aws_sdk_sso::Client {
    let config = settings
        .sso_config(&session.region)
        .to_builder()
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_sso::Client::from_conf(config)
}

/// The pace requests are sent at, shared by all of a listing's requests (see the module's
/// comment).
#[derive(Debug, Default)]
struct Pace(Mutex<PaceState>);

#[derive(Debug, Default)]
struct PaceState {
    /// Requests a second; `None` until the service first throttles.
    rate: Option<f64>,
    /// When the next request may go.
    next: Option<Instant>,
    /// How many times the rate was set or cut. A 429 for a request sent before the last cut
    /// says nothing about the rate now (as TCP cuts once per window), so only one sent since
    /// cuts again: a burst of 429s for requests sent together cuts once.
    epoch: u64,
    /// When the requests of the last second succeeded: the rate that got through.
    recent: VecDeque<Instant>,
}

/// The slowest pace: one request every two seconds.
const SLOWEST: f64 = 0.5;

impl Pace {
    fn state(&self) -> std::sync::MutexGuard<'_, PaceState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for this request's turn; returns the epoch it was sent in.
    async fn turn(&self) -> u64 {
        let (at, epoch) = {
            let mut s = self.state();
            let Some(rate) = s.rate else { return s.epoch };
            let now = Instant::now();
            let at = s.next.map_or(now, |n| n.max(now));
            s.next = Some(at + Duration::from_secs_f64(1.0 / rate));
            (at, s.epoch)
        };
        tokio::time::sleep_until(at.into()).await;
        epoch
    }

    fn succeeded(&self) {
        let mut s = self.state();
        let now = Instant::now();
        s.recent.push_back(now);
        while s
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            s.recent.pop_front();
        }
        if let Some(rate) = s.rate {
            // About one more request a second, every second.
            s.rate = Some(rate + 1.0 / rate);
        }
    }

    /// A request sent in `epoch` was throttled.
    fn throttled(&self, epoch: u64) {
        let mut s = self.state();
        if epoch != s.epoch {
            return;
        }
        s.epoch += 1;
        s.rate = Some(
            match s.rate {
                // The first 429: a little under what was getting through.
                None => s.recent.len() as f64 * 0.9,
                Some(rate) => rate * 0.85,
            }
            .max(SLOWEST),
        );
    }

    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        self.state().rate
    }
}

/// One failure of a listing call, sorted by what to do about it.
enum Failure {
    Throttled,
    TokenRejected,
    /// A 5xx, a timeout, the network: another attempt may pass.
    Transient(String),
    Other(String),
}

fn failure<E>(
    err: &SdkError<E, aws_sdk_sso::config::http::HttpResponse>,
    settings: &ClientSettings,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let message = || describe_within(err, Some(&settings.timeouts));
    match (err.code(), err) {
        (Some("TooManyRequestsException"), _) => Failure::Throttled,
        (Some("UnauthorizedException"), _) => Failure::TokenRejected,
        (_, SdkError::ServiceError(context)) if context.raw().status().is_server_error() => {
            Failure::Transient(message())
        }
        (
            _,
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_),
        ) => Failure::Transient(message()),
        _ => Failure::Other(message()),
    }
}

/// Waits between whole-listing retries of one account: doubling from [`FIRST_WAIT`], capped, with
/// full jitter so throttled tasks do not come back together.
fn backoff(round: u32) -> Duration {
    let cap = FIRST_WAIT
        .saturating_mul(1 << round.min(10))
        .min(LONGEST_WAIT);
    cap.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// Shared by the tasks of one listing.
struct Shared {
    client: aws_sdk_sso::Client,
    settings: ClientSettings,
    token: AccessToken,
    login_hint: String,
    deadline: Instant,
    budget: Duration,
    accounts: AtomicUsize,
    listed: AtomicUsize,
    observer: Observer,
    pace: Pace,
}

impl Shared {
    fn progress(&self) -> Progress {
        Progress {
            accounts: self.accounts.load(Ordering::Relaxed),
            listed: self.listed.load(Ordering::Relaxed),
        }
    }

    fn tell(&self) {
        (self.observer)(self.progress());
    }

    /// Whether a throttled step may wait `wait` and try again.
    fn may_wait(&self, wait: Duration) -> bool {
        Instant::now() + wait < self.deadline
    }

    fn throttled_out(&self, operation: &'static str) -> SsoError {
        let p = self.progress();
        SsoError::Service {
            operation,
            message: format!(
                "still throttled (TooManyRequestsException) after {} s: listed the roles of {} of \
                 {} accounts found so far; nothing was written. Run `ssoenv sync` again later \
                 ({BUDGET_VARIABLE} sets how long to keep trying)",
                self.budget.as_secs(),
                p.listed,
                p.accounts
            ),
        }
    }

    fn rejected(&self) -> SsoError {
        SsoError::LoginRequired {
            command: self.login_hint.clone(),
        }
    }

    /// After a failed attempt of `operation`: waits and returns `Ok` when it is worth another
    /// one, else the error to end the listing with (`what` names the account, if any).
    async fn again(
        &self,
        failure: Failure,
        epoch: u64,
        tries: &mut Tries,
        operation: &'static str,
        what: &str,
    ) -> Result<(), SsoError> {
        let wait = backoff(tries.throttled + tries.failed);
        match failure {
            Failure::Throttled => {
                self.pace.throttled(epoch);
                if !self.may_wait(wait) {
                    return Err(self.throttled_out(operation));
                }
                tries.throttled += 1;
            }
            Failure::Transient(_) if tries.failed + 1 < self.settings.max_attempts => {
                tries.failed += 1;
            }
            Failure::TokenRejected => return Err(self.rejected()),
            Failure::Transient(message) | Failure::Other(message) => {
                return Err(SsoError::Service {
                    operation,
                    message: format!("{message}{what}"),
                });
            }
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    async fn accounts(&self) -> Result<Vec<(String, String)>, SsoError> {
        let mut tries = Tries::default();
        loop {
            let mut pages = self
                .client
                .list_accounts()
                .access_token(self.token.secret())
                .max_results(PAGE)
                .into_paginator()
                .send();
            let mut found = Vec::new();
            // A turn is taken only for a page that will be asked for: the paginator's
            // closing `None` after the last page sends nothing.
            let failed = loop {
                let epoch = self.pace.turn().await;
                match pages.next().await {
                    None => break None,
                    Some(Ok(page)) => {
                        self.pace.succeeded();
                        for account in page.account_list() {
                            if let Some(id) = account.account_id() {
                                let name = account.account_name().unwrap_or(id);
                                found.push((id.to_string(), name.to_string()));
                            }
                        }
                        self.accounts.store(found.len(), Ordering::Relaxed);
                        self.tell();
                        if page.next_token().is_none() {
                            break None;
                        }
                    }
                    Some(Err(e)) => {
                        break Some((failure::<ListAccountsError>(&e, &self.settings), epoch));
                    }
                }
            };
            let Some((failed, epoch)) = failed else {
                return Ok(found);
            };
            self.again(failed, epoch, &mut tries, "ListAccounts", "")
                .await?;
        }
    }

    async fn roles(&self, id: &str, name: &str) -> Result<Vec<Assignment>, SsoError> {
        let mut tries = Tries::default();
        loop {
            let mut pages = self
                .client
                .list_account_roles()
                .access_token(self.token.secret())
                .account_id(id)
                .max_results(PAGE)
                .into_paginator()
                .send();
            let mut found = Vec::new();
            let failed = loop {
                let epoch = self.pace.turn().await;
                match pages.next().await {
                    None => break None,
                    Some(Ok(page)) => {
                        self.pace.succeeded();
                        found.extend(page.role_list().iter().filter_map(|r| {
                            Some(Assignment {
                                account_id: id.to_string(),
                                account_name: name.to_string(),
                                role_name: r.role_name()?.to_string(),
                            })
                        }));
                        if page.next_token().is_none() {
                            break None;
                        }
                    }
                    Some(Err(e)) => {
                        break Some((failure::<ListAccountRolesError>(&e, &self.settings), epoch));
                    }
                }
            };
            let Some((failed, epoch)) = failed else {
                self.listed.fetch_add(1, Ordering::Relaxed);
                self.tell();
                return Ok(found);
            };
            let what = format!(" (account {id}, {name})");
            self.again(failed, epoch, &mut tries, "ListAccountRoles", &what)
                .await?;
        }
    }
}

/// A call's failed attempts so far.
#[derive(Debug, Default)]
struct Tries {
    throttled: u32,
    failed: u32,
}

/// What the listing is for and how long it may take.
pub struct Listing<'a> {
    pub session: &'a SsoSession<'a>,
    pub settings: &'a ClientSettings,
    pub token: AccessToken,
    /// The command a "login needed" error names.
    pub login_hint: String,
    pub budget: Duration,
    pub observer: Observer,
}

/// Every (account, role) the token's user holds, sorted, with at most [`CONCURRENCY`] requests
/// in flight. The first failure ends the listing.
pub async fn assignments(listing: Listing<'_>) -> Result<Vec<Assignment>, SsoError> {
    let shared = Arc::new(Shared {
        client: listing_client(listing.session, listing.settings),
        settings: listing.settings.clone(),
        token: listing.token,
        login_hint: listing.login_hint,
        deadline: Instant::now() + listing.budget,
        budget: listing.budget,
        accounts: AtomicUsize::new(0),
        listed: AtomicUsize::new(0),
        observer: listing.observer,
        pace: Pace::default(),
    });
    let accounts = shared.accounts().await?;
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (id, name) in accounts {
        let shared = Arc::clone(&shared);
        let slots = Arc::clone(&slots);
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            shared.roles(&id, &name).await
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(found)) => all.extend(found),
            Ok(Err(e)) => {
                tasks.abort_all();
                return Err(e);
            }
            Err(e) => {
                tasks.abort_all();
                return Err(SsoError::Service {
                    operation: "ListAccountRoles",
                    message: format!("a listing task failed: {e}"),
                });
            }
        }
    }
    all.sort();
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_with_jitter_and_stay_capped() {
        for round in 0..20 {
            let wait = backoff(round);
            let cap = FIRST_WAIT
                .saturating_mul(1 << round.min(10))
                .min(LONGEST_WAIT);
            assert!(wait <= cap && wait >= cap / 2, "{round}: {wait:?}");
        }
    }

    #[test]
    fn the_pace_starts_unlimited_then_follows_what_gets_through() {
        let pace = Pace::default();
        assert_eq!(pace.rate(), None);
        for _ in 0..20 {
            pace.succeeded();
        }
        pace.throttled(0);
        assert_eq!(pace.rate(), Some(18.0));
        // 429s for requests sent before that cut do not cut again.
        pace.throttled(0);
        assert_eq!(pace.rate(), Some(18.0));
        for _ in 0..18 {
            pace.succeeded();
        }
        let rate = pace.rate().unwrap();
        assert!((18.9..19.1).contains(&rate), "{rate}");
        pace.throttled(1);
        assert!((rate * 0.85 - pace.rate().unwrap()).abs() < 1e-9);
        let fresh = Pace::default();
        fresh.throttled(0);
        assert_eq!(fresh.rate(), Some(SLOWEST));
    }

    #[test]
    fn the_budget_is_seconds_and_bad_values_name_the_variable() {
        assert_eq!(
            budget(&Env::from_map([("HOME", "/h")])).unwrap(),
            DEFAULT_BUDGET
        );
        let env = Env::from_map([(BUDGET_VARIABLE, "1.5")]);
        assert_eq!(budget(&env).unwrap(), Duration::from_millis(1500));
        let err = budget(&Env::from_map([(BUDGET_VARIABLE, "never")])).unwrap_err();
        assert!(err.to_string().contains(BUDGET_VARIABLE), "{err}");
    }
}
