//! Every account and role the user holds, for `ssoenv sync`: ListAccounts, then ListAccountRoles
//! for each account, through the SDK's paginators with pages of 100 (the service rejects larger
//! ones).
//!
//! Throttling slows the listing down instead of failing it, in two layers:
//! - the SDK's own adaptive retry mode: jittered exponential backoff, and a client-side rate
//!   limiter (CUBIC, as in botocore's `adaptive` mode) that every in-flight request shares and
//!   that learns the rate the service accepts from its 429s. Its retry quota (a token bucket
//!   that gives up after ~100 throttled retries per process) is replaced by an unlimited one:
//!   throttling is expected here, and the time budget below bounds it instead;
//! - when a call still ends throttled (its attempts or its `SSOENV_TIMEOUT` used up), that
//!   account's listing waits (jittered, doubling up to 20 s) and starts again, until the sync's
//!   time budget (`SSOENV_SYNC_TIMEOUT`) is spent; then the error says how far it got.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_sso::config::retry::{RetryConfig, RetryPartition, TokenBucket};
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
/// Attempts per call within the SDK (its adaptive rate limiter spaces them).
const ATTEMPTS: u32 = 8;
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

/// The sso client for listing: the profile's settings, with adaptive retry (see the module's
/// comment).
fn listing_client(session: &SsoSession<'_>, settings: &ClientSettings) -> aws_sdk_sso::Client {
    let partition = RetryPartition::custom("ssoenv-sync")
        .token_bucket(TokenBucket::unlimited())
        .build();
    let config = settings
        .sso_config(&session.region)
        .to_builder()
        .retry_config(
            RetryConfig::adaptive()
                .with_max_attempts(ATTEMPTS.max(settings.max_attempts))
                .with_max_backoff(LONGEST_WAIT),
        )
        .retry_partition(partition)
        .build();
    aws_sdk_sso::Client::from_conf(config)
}

/// One failure of a listing call, sorted by what to do about it.
enum Failure {
    Throttled,
    TokenRejected,
    Other(String),
}

fn failure<E>(
    err: &SdkError<E, aws_sdk_sso::config::http::HttpResponse>,
    settings: &ClientSettings,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err.code() {
        Some("TooManyRequestsException") => Failure::Throttled,
        Some("UnauthorizedException") => Failure::TokenRejected,
        _ => Failure::Other(describe_within(err, Some(&settings.timeouts))),
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

    async fn accounts(&self) -> Result<Vec<(String, String)>, SsoError> {
        let mut round = 0;
        loop {
            let mut pages = self
                .client
                .list_accounts()
                .access_token(self.token.secret())
                .max_results(PAGE)
                .into_paginator()
                .send();
            let mut found = Vec::new();
            let mut failed = None;
            while let Some(page) = pages.next().await {
                match page {
                    Ok(page) => {
                        for account in page.account_list() {
                            if let Some(id) = account.account_id() {
                                let name = account.account_name().unwrap_or(id);
                                found.push((id.to_string(), name.to_string()));
                            }
                        }
                        self.accounts.store(found.len(), Ordering::Relaxed);
                        self.tell();
                    }
                    Err(e) => {
                        failed = Some(failure::<ListAccountsError>(&e, &self.settings));
                        break;
                    }
                }
            }
            match failed {
                None => return Ok(found),
                Some(Failure::Throttled) if self.may_wait(backoff(round)) => {
                    tokio::time::sleep(backoff(round)).await;
                    round += 1;
                }
                Some(Failure::Throttled) => return Err(self.throttled_out("ListAccounts")),
                Some(Failure::TokenRejected) => return Err(self.rejected()),
                Some(Failure::Other(message)) => {
                    return Err(SsoError::Service {
                        operation: "ListAccounts",
                        message,
                    });
                }
            }
        }
    }

    async fn roles(&self, id: &str, name: &str) -> Result<Vec<Assignment>, SsoError> {
        let mut round = 0;
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
            let mut failed = None;
            while let Some(page) = pages.next().await {
                match page {
                    Ok(page) => found.extend(page.role_list().iter().filter_map(|r| {
                        Some(Assignment {
                            account_id: id.to_string(),
                            account_name: name.to_string(),
                            role_name: r.role_name()?.to_string(),
                        })
                    })),
                    Err(e) => {
                        failed = Some(failure::<ListAccountRolesError>(&e, &self.settings));
                        break;
                    }
                }
            }
            match failed {
                None => {
                    self.listed.fetch_add(1, Ordering::Relaxed);
                    self.tell();
                    return Ok(found);
                }
                Some(Failure::Throttled) if self.may_wait(backoff(round)) => {
                    tokio::time::sleep(backoff(round)).await;
                    round += 1;
                }
                Some(Failure::Throttled) => return Err(self.throttled_out("ListAccountRoles")),
                Some(Failure::TokenRejected) => return Err(self.rejected()),
                Some(Failure::Other(message)) => {
                    return Err(SsoError::Service {
                        operation: "ListAccountRoles",
                        message: format!("{message} (account {id}, {name})"),
                    });
                }
            }
        }
    }
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
