//! The HTTP side: one axum router on 127.0.0.1 serving sso-oidc, sso, sts and the console's
//! sign-in federation endpoint side by side (their paths do not overlap), the browser pages, and the `/_sandbox/` test hooks.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::error::SandboxError;
use super::http::{html_page, json_response, query_pairs};
use super::state::{Delay, Faults, Op, Settings, Shared};
use super::{oidc, portal, signin, sts};

/// What `ssoenv sandbox` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub port: u16,
    pub auto_approve: bool,
    pub token_ttl: Duration,
    pub credentials_ttl: Duration,
    pub device_code_ttl: Duration,
    pub throttle: u32,
    pub fail: u32,
    pub accounts: u32,
    pub roles_per_account: u32,
    pub rate_limit: u32,
}

/// A listening sandbox; dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds 127.0.0.1 (never another interface: the sandbox hands out credentials to anyone who
/// asks) and serves in a task of the current runtime.
pub async fn start(options: Options) -> Result<Running, SandboxError> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
        .await
        .map_err(SandboxError::Bind)?;
    let port = listener.local_addr().map_err(SandboxError::Bind)?.port();
    let base_url = format!("http://127.0.0.1:{port}");
    let shared = Shared::new(Settings {
        base_url: base_url.clone(),
        auto_approve: options.auto_approve,
        token_ttl: options.token_ttl,
        credentials_ttl: options.credentials_ttl,
        device_code_ttl: options.device_code_ttl,
        throttle: options.throttle,
        fail: options.fail,
        accounts: options.accounts,
        roles_per_account: options.roles_per_account,
        rate_limit: options.rate_limit,
    });
    let app = router(shared);
    let task = tokio::spawn(async move {
        // Accept errors are retried inside axum; serve only returns when the task is aborted.
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running { base_url, task })
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/client/register", post(oidc::register_client))
        .route(
            "/device_authorization",
            post(oidc::start_device_authorization),
        )
        .route("/token", post(oidc::create_token))
        .route("/authorize", get(oidc::authorize))
        .route("/device", get(oidc::verify))
        .route("/start", get(start_page))
        .route("/federation/credentials", get(portal::get_role_credentials))
        .route("/assignment/accounts", get(portal::list_accounts))
        .route("/assignment/roles", get(portal::list_account_roles))
        .route("/logout", post(portal::logout))
        .route("/", post(sts::dispatch))
        .route("/federation", get(signin::federation))
        .route("/console", get(signin::console_page))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/reset-stats", post(reset_stats))
        .route("/_sandbox/inject", post(inject))
        .route("/_sandbox/clock", post(clock))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(shared.clone(), delay))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), date))
        .layer(axum::middleware::map_response(add_request_id))
        .with_state(shared)
}

/// The API paths (not the browser pages, not the test hooks) that injected delays apply to.
fn is_api(method: &Method, path: &str) -> bool {
    *method == Method::POST && !path.starts_with("/_sandbox/")
        || path.starts_with("/federation")
        || path.starts_with("/assignment/")
}

/// Injected hangs and slow answers: decided (and counted) under the state's lock, waited out
/// without it, so the rest of the sandbox keeps serving.
async fn delay(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    if is_api(request.method(), request.uri().path()) {
        let delay = shared.lock().delay();
        match delay {
            Some(Delay::Hang) => std::future::pending::<()>().await,
            Some(Delay::Slow(wait)) => tokio::time::sleep(wait).await,
            None => {}
        }
    }
    next.run(request).await
}

/// Every AWS answer carries a request id; SDKs put it in their errors and logs. STS sets its own,
/// to match the one in its XML.
async fn add_request_id(mut response: Response) -> Response {
    if !response.headers().contains_key("x-amzn-requestid")
        && let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}

/// A skewed clock (`POST /_sandbox/clock`) shows in the `Date` header hyper would otherwise set
/// to the real time, as a service whose clock disagrees with the caller's would.
async fn date(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let skew = shared.lock().clock_skew;
    let mut response = next.run(request).await;
    if skew != 0 {
        let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(skew);
        if let Ok(text) =
            jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&at)
            && let Ok(value) = HeaderValue::from_str(&text)
        {
            response.headers_mut().insert("date", value);
        }
    }
    response
}

/// `POST /_sandbox/clock?skew_secs=N`: every answer's `Date` is N seconds (negative: behind) off
/// the real time from now on; `0` puts it right.
async fn clock(State(shared): State<Shared>, RawQuery(query): RawQuery) -> Response {
    match query_pairs(query.as_deref())
        .get("skew_secs")
        .and_then(|v| v.parse::<i64>().ok())
    {
        Some(skew) => {
            shared.lock().clock_skew = skew;
            StatusCode::NO_CONTENT.into_response()
        }
        None => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"message": "skew_secs must be a whole number of seconds"}),
        ),
    }
}

async fn start_page() -> Response {
    html_page(
        StatusCode::OK,
        "AWS access portal",
        "This is the ssoenv sandbox's start URL. Sign in with <code>ssoenv login</code>.",
    )
}

async fn stats(State(shared): State<Shared>) -> Response {
    json_response(StatusCode::OK, &shared.lock().stats())
}

async fn reset_stats(State(shared): State<Shared>) -> Response {
    shared.lock().reset_stats();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_sandbox/inject?throttle=N&fail=N&garbage=N&hang=N&slow=N&delay_ms=M[&op=NAME]`: arms
/// faults for the next API requests, so a test can fault exactly the call it is about to make.
/// Counts left out are zero; `delay_ms` is how long each of the `slow` answers waits (default
/// 2000); `op` (an sso operation: `ListAccountRoles`, …) keeps throttle, fail and garbage for it.
async fn inject(State(shared): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = query_pairs(query.as_deref());
    let count = |name: &str, default: u32| -> Result<u32, ()> {
        params
            .get(name)
            .map_or(Ok(default), |v| v.parse().map_err(|_| ()))
    };
    let faults = (|| {
        Ok::<_, ()>(Faults {
            throttle: count("throttle", 0)?,
            fail: count("fail", 0)?,
            garbage: count("garbage", 0)?,
            hang: count("hang", 0)?,
            slow: count("slow", 0)?,
            delay: Duration::from_millis(u64::from(count("delay_ms", 2000)?)),
            only: match params.get("op") {
                Some(name) => Some(Op::portal(name).ok_or(())?),
                None => None,
            },
        })
    })();
    match faults {
        Ok(faults) => {
            shared.lock().arm(faults);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(()) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"message": "throttle, fail, garbage, hang, slow and delay_ms must be counts, \
                                op an sso operation"}),
        ),
    }
}

async fn not_found() -> Response {
    let mut response = json_response(
        StatusCode::NOT_FOUND,
        &json!({"message": "The sandbox does not serve this path"}),
    );
    response.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static("UnknownOperationException"),
    );
    response
}
