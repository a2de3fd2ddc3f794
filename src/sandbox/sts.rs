//! sts (awsQuery: form-encoded POST, XML answers): AssumeRole and GetCallerIdentity, enough for
//! role chains on top of SSO credentials. Signatures are not checked; the caller is the access key
//! id named in the `Authorization` header, which must be one the sandbox issued.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::state::{
    GARBAGE_SECRET, Identity, Injected, Op, SandboxState, Shared, epoch_seconds, role_id,
};

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An STS error: status, code, and whether the caller (`Sender`) or the service is at fault.
struct StsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl StsError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        StsError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    fn respond(&self, request_id: &str) -> Response {
        let kind = if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        };
        let body = format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    \
             <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
             <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            self.code,
            xml_escape(&self.message),
            request_id
        );
        xml_response(self.status, body, request_id)
    }
}

/// An XML answer whose `x-amzn-requestid` header repeats the body's `RequestId`.
fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"))],
        body,
    )
        .into_response();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}

/// `POST /` with `Action=...`: the STS entry point.
pub async fn dispatch(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let params: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let op = match params.get("Action").map(String::as_str) {
        Some("AssumeRole") => Op::AssumeRole,
        Some("GetCallerIdentity") => Op::GetCallerIdentity,
        other => {
            return StsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                format!(
                    "Could not find operation {} for version 2011-06-15",
                    other.unwrap_or_default()
                ),
            )
            .respond(&request_id);
        }
    };
    let mut state = shared.lock();
    match state.admit(op) {
        Some(Injected::Throttle) => {
            return StsError::new(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
                .respond(&request_id);
        }
        Some(Injected::Fail) => {
            return StsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "An internal error occurred",
            )
            .respond(&request_id);
        }
        // An AssumeRole answer whose expiration is no timestamp.
        Some(Injected::Garbage) => {
            let body = format!(
                "<AssumeRoleResponse xmlns=\"{NAMESPACE}\">\n  <AssumeRoleResult>\n    \
                 <AssumedRoleUser>\n      <Arn>arn:aws:sts::222222222222:assumed-role/Admin/x</Arn>\n      \
                 <AssumedRoleId>AROAGARBAGE:x</AssumedRoleId>\n    </AssumedRoleUser>\n    \
                 <Credentials>\n      <AccessKeyId>ASIASANDBOXGARBAGE</AccessKeyId>\n      \
                 <SecretAccessKey>{GARBAGE_SECRET}-secret-key</SecretAccessKey>\n      \
                 <SessionToken>{GARBAGE_SECRET}-session-token</SessionToken>\n      \
                 <Expiration>tomorrow</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n\
                 </AssumeRoleResponse>\n"
            );
            return xml_response(StatusCode::OK, body, &request_id);
        }
        None => {}
    }
    let result = caller(&state, &headers).and_then(|identity| match op {
        Op::AssumeRole => assume_role(&mut state, &params, &request_id),
        _ => Ok(caller_identity(&identity, &request_id)),
    });
    match result {
        Ok(body) => xml_response(StatusCode::OK, body, &request_id),
        Err(e) => e.respond(&request_id),
    }
}

/// The identity behind the access key id in a SigV4 `Authorization` header.
fn caller(state: &SandboxState, headers: &HeaderMap) -> Result<Identity, StsError> {
    let invalid = || {
        StsError::new(
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    };
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(access_key_id)
        .ok_or_else(invalid)?;
    let identity = state.keys.get(key).ok_or_else(invalid)?;
    if identity.expires_at <= SystemTime::now() {
        return Err(StsError::new(
            StatusCode::BAD_REQUEST,
            "ExpiredToken",
            "The security token included in the request is expired",
        ));
    }
    Ok(identity.clone())
}

/// `AKID` from `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, ...`.
fn access_key_id(authorization: &str) -> Option<&str> {
    let start = authorization.find("Credential=")? + "Credential=".len();
    let rest = &authorization[start..];
    let key = rest.split(['/', ',', ' ']).next()?;
    (!key.is_empty()).then_some(key)
}

fn assume_role(
    state: &mut SandboxState,
    params: &std::collections::HashMap<String, String>,
    request_id: &str,
) -> Result<String, StsError> {
    let role_arn = params
        .get("RoleArn")
        .ok_or_else(|| StsError::validation("RoleArn is required"))?;
    let (account, role_name) = parse_role_arn(role_arn)
        .ok_or_else(|| StsError::validation(format!("{role_arn} is invalid")))?;
    let session = params
        .get("RoleSessionName")
        .ok_or_else(|| StsError::validation("RoleSessionName is required"))?;
    let session_ok = (2..=64).contains(&session.len())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !session_ok {
        return Err(StsError::validation(
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
        ));
    }
    // DurationSeconds when given (IAM's 15 minutes to 12 hours), else --credentials-ttl.
    let lifetime = match params.get("DurationSeconds") {
        None => state.settings.credentials_ttl,
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| (900..=43200).contains(d))
            .map(Duration::from_secs)
            .ok_or_else(|| StsError::validation("DurationSeconds must be between 900 and 43200"))?,
    };
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}");
    let user_id = format!("{}:{session}", role_id(role_arn));
    let keys = state.issue_keys(Identity {
        account: account.to_string(),
        arn: arn.clone(),
        user_id: user_id.clone(),
        expires_at: SystemTime::now() + lifetime,
    });
    // Every caller holds role credentials (the sandbox issues no others), so every AssumeRole
    // here is role chaining.
    if let Some(issued) = state.issued.get_mut(&keys.access_key_id) {
        issued.chained = true;
    }
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"{NAMESPACE}\">\n  <AssumeRoleResult>\n    \
         <AssumedRoleUser>\n      <Arn>{}</Arn>\n      <AssumedRoleId>{}</AssumedRoleId>\n    \
         </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      \
         <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      \
         <Expiration>{}</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n  \
         <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n\
         </AssumeRoleResponse>\n",
        xml_escape(&arn),
        xml_escape(&user_id),
        keys.access_key_id,
        keys.secret_access_key,
        keys.session_token,
        iso8601(keys.expires_at),
        request_id
    ))
}

fn caller_identity(identity: &Identity, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\">\n  <GetCallerIdentityResult>\n    \
         <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  \
         </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
         </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        xml_escape(&identity.arn),
        xml_escape(&identity.user_id),
        xml_escape(&identity.account),
        request_id
    )
}

/// `(account, role name)` of `arn:aws:iam::123456789012:role[/path]/Name`.
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (account_ok && !name.is_empty()).then_some((account, name))
}

fn iso8601(t: SystemTime) -> String {
    jiff::Timestamp::from_second(epoch_seconds(t))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_with_and_without_paths() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::222222222222:role/Admin"),
            Some(("222222222222", "Admin"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::222222222222:role/team/x/Admin"),
            Some(("222222222222", "Admin"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::2222:role/Admin"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::222222222222:user/Admin"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::222222222222:role/"), None);
    }

    #[test]
    fn the_access_key_comes_from_the_credential_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=ASIAX/20240101/us-east-1/sts/aws4_request, \
                 SignedHeaders=host, Signature=abc";
        assert_eq!(access_key_id(h), Some("ASIAX"));
        assert_eq!(access_key_id("Bearer x"), None);
        assert_eq!(access_key_id("Credential=/x"), None);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(xml_escape("a<b>&'\""), "a&lt;b&gt;&amp;&apos;&quot;");
        assert_eq!(iso8601(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
