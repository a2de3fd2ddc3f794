//! The console's sign-in federation endpoint, so `ssoenv console` runs offline:
//! `GET /federation?Action=getSigninToken[&SessionDuration=N]&Session=<JSON>` checks that the
//! session's three values are a key pair the sandbox issued (and not expired), refuses a
//! `SessionDuration` outside 900–43200 or with chained-role credentials (HTTP 400, as the real
//! service), and answers `{"SigninToken":"…"}`; `GET /federation?Action=login&Destination=…
//! &SigninToken=…` redeems the token (15 minutes) with a 302 to `/console`, a page that names the
//! account and role signed in to and the destination asked for.

use std::time::SystemTime;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::http::{html_page, json_response, query_pairs};
use super::state::{
    ACCOUNTS, Injected, Op, SIGNIN_TOKEN_TTL, SandboxState, Shared, SigninGrant, random_alnum,
};

/// `GET /federation`: `Action=getSigninToken` or `Action=login`.
pub async fn federation(State(shared): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = query_pairs(query.as_deref());
    let mut state = shared.lock();
    match params.get("Action").map(String::as_str) {
        Some("getSigninToken") => match state.admit(Op::GetSigninToken) {
            Some(Injected::Throttle) => refuse(StatusCode::TOO_MANY_REQUESTS, "Rate exceeded"),
            Some(Injected::Fail) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
            Some(Injected::Garbage) => json_response(StatusCode::OK, &json!({"SigninToken": 7})),
            None => match signin_token(&mut state, &params) {
                Ok(token) => json_response(StatusCode::OK, &json!({ "SigninToken": token })),
                Err(message) => refuse(StatusCode::BAD_REQUEST, message),
            },
        },
        Some("login") => {
            state.count(Op::ConsoleLogin);
            login(&mut state, &params)
        }
        _ => refuse(
            StatusCode::BAD_REQUEST,
            "Action must be getSigninToken or login",
        ),
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "message": message }))
}

fn signin_token(
    state: &mut SandboxState,
    params: &std::collections::HashMap<String, String>,
) -> Result<String, &'static str> {
    let session: serde_json::Value = params
        .get("Session")
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or("Session must be the credentials as JSON")?;
    let field = |name: &str| {
        session
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    let key = field("sessionId");
    let invalid = "Invalid credentials";
    let issued = state.issued.get(key).ok_or(invalid)?;
    if issued.secret_access_key != field("sessionKey")
        || issued.session_token != field("sessionToken")
    {
        return Err(invalid);
    }
    if let Some(duration) = params.get("SessionDuration") {
        let in_range = duration
            .parse::<u32>()
            .is_ok_and(|d| (900..=43200).contains(&d));
        if !in_range || issued.chained {
            return Err("Invalid credentials parameter");
        }
    }
    let identity = state.keys.get(key).ok_or(invalid)?.clone();
    if identity.expires_at <= SystemTime::now() {
        return Err(invalid);
    }
    let token = format!("sandbox-signin-{}", random_alnum(64));
    state.signin_tokens.insert(
        token.clone(),
        SigninGrant {
            identity,
            expires_at: SystemTime::now() + SIGNIN_TOKEN_TTL,
        },
    );
    Ok(token)
}

fn login(state: &mut SandboxState, params: &std::collections::HashMap<String, String>) -> Response {
    let grant = params
        .get("SigninToken")
        .and_then(|t| state.signin_tokens.get(t))
        .filter(|g| g.expires_at > SystemTime::now());
    let Some(grant) = grant else {
        return html_page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "The sign-in token is unknown or expired.",
        );
    };
    let identity = &grant.identity;
    let role = identity
        .arn
        .split(":assumed-role/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(&identity.arn);
    let mut location = url::Url::parse("http://sandbox/console").expect("a fixed URL");
    location
        .query_pairs_mut()
        .append_pair("account", &identity.account)
        .append_pair("role", role)
        .append_pair(
            "destination",
            params.get("Destination").map_or("", String::as_str),
        );
    let target = format!("/console?{}", location.query().unwrap_or_default());
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET /console?account=&role=&destination=`: where `login` lands, naming who signed in.
pub async fn console_page(RawQuery(query): RawQuery) -> Response {
    let params = query_pairs(query.as_deref());
    let get = |name: &str| escape(params.get(name).map_or("", String::as_str));
    let account = params.get("account").map_or("", String::as_str);
    let name = ACCOUNTS
        .iter()
        .find(|a| a.id == account)
        .map_or(String::new(), |a| format!(" ({})", a.name));
    html_page(
        StatusCode::OK,
        "AWS console",
        &format!(
            "Signed in to account <code>{}</code>{name} as role <code>{}</code>; \
             destination <code>{}</code>.",
            get("account"),
            get("role"),
            get("destination")
        ),
    )
}

/// Text for an HTML page.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
