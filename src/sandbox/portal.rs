//! sso, the access portal API (rest-json, bearer token in `x-amz-sso_bearer_token`):
//! GetRoleCredentials, ListAccounts, ListAccountRoles, Logout.

use std::time::SystemTime;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::http::{json_response, query_pairs};
use super::state::{
    GARBAGE_SECRET, Identity, Injected, Op, SandboxState, Shared, USER_NAME, epoch_millis,
    reserved_role_name, role_id,
};

const TOKEN_HEADER: &str = "x-amz-sso_bearer_token";

#[derive(Debug, Clone, Copy)]
enum PortalError {
    InvalidRequest,
    Unauthorized,
    /// Not in the model, but what the real service answers for a role the user does not hold.
    Forbidden,
    ResourceNotFound,
    TooManyRequests,
    /// Not in the model: the sandbox's injected failure.
    InternalServer,
}

impl PortalError {
    fn respond(self, message: &str) -> Response {
        let (status, shape) = match self {
            PortalError::InvalidRequest => (StatusCode::BAD_REQUEST, "InvalidRequestException"),
            PortalError::Unauthorized => (StatusCode::UNAUTHORIZED, "UnauthorizedException"),
            PortalError::Forbidden => (StatusCode::FORBIDDEN, "ForbiddenException"),
            PortalError::ResourceNotFound => (StatusCode::NOT_FOUND, "ResourceNotFoundException"),
            PortalError::TooManyRequests => {
                (StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException")
            }
            PortalError::InternalServer => {
                (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerException")
            }
        };
        let mut response = json_response(status, &json!({ "message": message }));
        response
            .headers_mut()
            .insert("x-amzn-errortype", HeaderValue::from_static(shape));
        response
    }
}

type Answer = Result<Value, (PortalError, &'static str)>;

/// Counts the call, applies injected faults and checks the bearer token, then runs `op`.
fn serve(
    shared: &Shared,
    op: Op,
    headers: &HeaderMap,
    run: impl FnOnce(&mut SandboxState, &str) -> Answer,
) -> Response {
    let mut state = shared.lock();
    match state.admit(op) {
        Some(Injected::Throttle) => {
            return PortalError::TooManyRequests.respond("Too many requests");
        }
        Some(Injected::Fail) => {
            return PortalError::InternalServer.respond("An internal error occurred");
        }
        // A string where the expiration's epoch milliseconds belong.
        Some(Injected::Garbage) => {
            return json_response(
                StatusCode::OK,
                &json!({"roleCredentials": {
                    "accessKeyId": "ASIASANDBOXGARBAGE",
                    "secretAccessKey": format!("{GARBAGE_SECRET}-secret-key"),
                    "sessionToken": format!("{GARBAGE_SECRET}-session-token"),
                    "expiration": "tomorrow",
                }}),
            );
        }
        None => {}
    }
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !state.token_is_valid(&token) {
        return PortalError::Unauthorized.respond("Session token not found or invalid");
    }
    match run(&mut state, &token) {
        Ok(Value::Null) => StatusCode::OK.into_response(),
        Ok(body) => json_response(StatusCode::OK, &body),
        Err((error, message)) => error.respond(message),
    }
}

pub async fn get_role_credentials(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = query_pairs(query.as_deref());
    serve(&shared, Op::GetRoleCredentials, &headers, |state, _| {
        let (Some(role), Some(account_id)) = (params.get("role_name"), params.get("account_id"))
        else {
            return Err((
                PortalError::InvalidRequest,
                "role_name and account_id are required",
            ));
        };
        let account = state
            .find_role(account_id, role)
            .ok_or((PortalError::Forbidden, "No access"))?
            .id
            .clone();
        let session = reserved_role_name(&account, role);
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/{session}/{USER_NAME}",
            account
        );
        let role_arn = format!("arn:aws:iam::{account}:role/{session}");
        let keys = state.issue_keys(Identity {
            account,
            arn,
            user_id: format!("{}:{USER_NAME}", role_id(&role_arn)),
            expires_at: SystemTime::now() + state.settings.credentials_ttl,
        });
        Ok(json!({"roleCredentials": {
            "accessKeyId": keys.access_key_id,
            "secretAccessKey": keys.secret_access_key,
            "sessionToken": keys.session_token,
            "expiration": epoch_millis(keys.expires_at),
        }}))
    })
}

pub async fn list_accounts(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = query_pairs(query.as_deref());
    serve(&shared, Op::ListAccounts, &headers, |state, _| {
        let items: Vec<Value> = state
            .directory
            .iter()
            .map(|a| json!({"accountId": a.id, "accountName": a.name, "emailAddress": a.email}))
            .collect();
        page(&params, items, "accountList")
    })
}

pub async fn list_account_roles(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = query_pairs(query.as_deref());
    serve(&shared, Op::ListAccountRoles, &headers, |state, _| {
        let account_id = params
            .get("account_id")
            .ok_or((PortalError::InvalidRequest, "account_id is required"))?;
        let account = state
            .account(account_id)
            .ok_or((PortalError::ResourceNotFound, "Account not found"))?;
        let items: Vec<Value> = account
            .roles
            .iter()
            .map(|r| json!({"roleName": r, "accountId": account.id}))
            .collect();
        page(&params, items, "roleList")
    })
}

pub async fn logout(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    serve(&shared, Op::Logout, &headers, |state, token| {
        // The access token and the refresh token issued with it end together.
        if let Some(refresh) = state
            .sessions
            .remove(token)
            .and_then(|session| session.refresh_token)
        {
            state.refresh_tokens.remove(&refresh);
        }
        Ok(Value::Null)
    })
}

/// Prefix of the opaque `nextToken`s the sandbox hands out.
const PAGE_TOKEN_PREFIX: &str = "sandbox-page-";

/// One page of `items` as `{"<key>": [...], "nextToken": ..}`, honouring `max_result` (1–100)
/// and `next_token`.
fn page(
    params: &std::collections::HashMap<String, String>,
    items: Vec<Value>,
    key: &str,
) -> Answer {
    let size = match params.get("max_result") {
        None => 100,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or((PortalError::InvalidRequest, "max_result must be 1 to 100"))?,
    };
    let start = match params.get("next_token") {
        None => 0,
        Some(t) => t
            .strip_prefix(PAGE_TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < items.len())
            .ok_or((PortalError::InvalidRequest, "Invalid next_token"))?,
    };
    let end = start.saturating_add(size).min(items.len());
    let mut out = Map::new();
    out.insert(key.to_string(), Value::Array(items[start..end].to_vec()));
    if end < items.len() {
        out.insert(
            "nextToken".into(),
            json!(format!("{PAGE_TOKEN_PREFIX}{end}")),
        );
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pages_walk_through_every_item_once() {
        let items: Vec<Value> = (0..3).map(|n| json!(n)).collect();
        let first = page(&params(&[("max_result", "2")]), items.clone(), "l").unwrap();
        assert_eq!(first["l"], json!([0, 1]));
        let token = first["nextToken"].as_str().unwrap();
        let second = page(
            &params(&[("max_result", "2"), ("next_token", token)]),
            items.clone(),
            "l",
        )
        .unwrap();
        assert_eq!(second["l"], json!([2]));
        assert!(second.get("nextToken").is_none());
        for bad in [
            ("max_result", "0"),
            ("max_result", "x"),
            ("next_token", "zzz"),
        ] {
            assert!(page(&params(&[bad]), items.clone(), "l").is_err());
        }
    }
}
