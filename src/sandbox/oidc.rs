//! sso-oidc (rest-json): RegisterClient, StartDeviceAuthorization, CreateToken, and the two pages a
//! person's browser opens: `/authorize` (authorization code with PKCE) and `/device` (approving a
//! device authorization by its user code).

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::http::{html_page, json_response, query_pairs};
use super::state::{
    AUTH_CODE_TTL, AuthCode, CLIENT_SECRET_TTL, Client, DEVICE_CODE_TTL, DEVICE_POLL_INTERVAL,
    Decision, DeviceAuth, GARBAGE_SECRET, Grant, Injected, Op, SandboxState, Shared, epoch_seconds,
    random_alnum, random_user_code,
};

/// The sso-oidc exceptions, with the HTTP status and OAuth error code of each (service model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcError {
    AuthorizationPending,
    AccessDenied,
    SlowDown,
    ExpiredToken,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidClient,
    InvalidClientMetadata,
    InvalidRedirectUri,
    UnauthorizedClient,
    UnsupportedGrantType,
    InternalServer,
    /// Not in the model: what the sandbox answers when asked to throttle.
    Throttling,
}

impl OidcError {
    fn shape(self) -> &'static str {
        match self {
            OidcError::AuthorizationPending => "AuthorizationPendingException",
            OidcError::AccessDenied => "AccessDeniedException",
            OidcError::SlowDown => "SlowDownException",
            OidcError::ExpiredToken => "ExpiredTokenException",
            OidcError::InvalidGrant => "InvalidGrantException",
            OidcError::InvalidRequest => "InvalidRequestException",
            OidcError::InvalidScope => "InvalidScopeException",
            OidcError::InvalidClient => "InvalidClientException",
            OidcError::InvalidClientMetadata => "InvalidClientMetadataException",
            OidcError::InvalidRedirectUri => "InvalidRedirectUriException",
            OidcError::UnauthorizedClient => "UnauthorizedClientException",
            OidcError::UnsupportedGrantType => "UnsupportedGrantTypeException",
            OidcError::InternalServer => "InternalServerException",
            OidcError::Throttling => "ThrottlingException",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            OidcError::InvalidClient => StatusCode::UNAUTHORIZED,
            OidcError::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
            OidcError::Throttling => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn oauth_code(self) -> &'static str {
        match self {
            OidcError::AuthorizationPending => "authorization_pending",
            OidcError::AccessDenied => "access_denied",
            OidcError::SlowDown => "slow_down",
            OidcError::ExpiredToken => "expired_token",
            OidcError::InvalidGrant => "invalid_grant",
            OidcError::InvalidRequest => "invalid_request",
            OidcError::InvalidScope => "invalid_scope",
            OidcError::InvalidClient => "invalid_client",
            OidcError::InvalidClientMetadata => "invalid_client_metadata",
            OidcError::InvalidRedirectUri => "invalid_redirect_uri",
            OidcError::UnauthorizedClient => "unauthorized_client",
            OidcError::UnsupportedGrantType => "unsupported_grant_type",
            OidcError::InternalServer => "server_error",
            OidcError::Throttling => "slow_down",
        }
    }

    fn respond(self, description: &str) -> Response {
        let mut response = json_response(
            self.status(),
            &json!({"error": self.oauth_code(), "error_description": description}),
        );
        response
            .headers_mut()
            .insert("x-amzn-errortype", HeaderValue::from_static(self.shape()));
        response
    }
}

type Answer = Result<Value, (OidcError, &'static str)>;

fn finish(answer: Answer) -> Response {
    match answer {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err((error, description)) => error.respond(description),
    }
}

fn injected(fault: Injected) -> Response {
    match fault {
        Injected::Throttle => OidcError::Throttling.respond("Rate exceeded"),
        Injected::Fail => OidcError::InternalServer.respond("An internal error occurred"),
        // Every sso-oidc answer shape in one: a string where `expiresIn` (CreateToken) and
        // `clientSecretExpiresAt` (RegisterClient) need numbers.
        Injected::Garbage => json_response(
            StatusCode::OK,
            &serde_json::json!({
                "accessToken": format!("{GARBAGE_SECRET}-access-token"),
                "refreshToken": format!("{GARBAGE_SECRET}-refresh-token"),
                "idToken": format!("{GARBAGE_SECRET}-id-token"),
                "tokenType": "Bearer",
                "expiresIn": "soon",
                "clientId": "sandbox-garbage-client",
                "clientSecret": format!("{GARBAGE_SECRET}-client-secret"),
                "clientSecretExpiresAt": "never",
            }),
        ),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, (OidcError, &'static str)> {
    serde_json::from_slice(body).map_err(|_| {
        (
            OidcError::InvalidRequest,
            "The request body is not valid JSON",
        )
    })
}

/// Checks a client's id and secret, as every call but RegisterClient does first.
fn authenticate<'a>(
    state: &'a SandboxState,
    client_id: Option<&str>,
    client_secret: Option<&str>,
) -> Result<(&'a str, &'a Client), (OidcError, &'static str)> {
    let (Some(id), Some(secret)) = (client_id, client_secret) else {
        return Err((
            OidcError::InvalidRequest,
            "clientId and clientSecret are required",
        ));
    };
    match state.clients.get_key_value(id) {
        Some((id, client))
            if client.secret == secret && client.secret_expires_at > SystemTime::now() =>
        {
            Ok((id.as_str(), client))
        }
        _ => Err((OidcError::InvalidClient, "Invalid client credentials")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientRequest {
    client_name: Option<String>,
    client_type: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
}

pub async fn register_client(State(shared): State<Shared>, body: Bytes) -> Response {
    let mut state = shared.lock();
    if let Some(fault) = state.admit(Op::RegisterClient) {
        return injected(fault);
    }
    finish(register(&mut state, &body))
}

fn register(state: &mut SandboxState, body: &[u8]) -> Answer {
    let req: RegisterClientRequest = parse(body)?;
    if req.client_name.as_deref().is_none_or(str::is_empty) {
        return Err((OidcError::InvalidRequest, "clientName is required"));
    }
    if req.client_type.as_deref() != Some("public") {
        return Err((
            OidcError::InvalidClientMetadata,
            "clientType must be public",
        ));
    }
    if req
        .grant_types
        .iter()
        .any(|g| Grant::parse(g) == Grant::Other)
    {
        return Err((OidcError::UnsupportedGrantType, "Unsupported grant type"));
    }
    if req.scopes.iter().any(|s| !s.contains(':')) {
        return Err((OidcError::InvalidScope, "Invalid scope"));
    }
    let wants_code = req.grant_types.iter().any(|g| g == "authorization_code");
    if wants_code && req.redirect_uris.is_empty() {
        return Err((
            OidcError::InvalidRedirectUri,
            "redirectUris are required for authorization_code",
        ));
    }
    if !req.redirect_uris.iter().all(|u| redirect_uri_is_allowed(u)) {
        return Err((OidcError::InvalidRedirectUri, "Invalid redirect URI"));
    }
    let now = SystemTime::now();
    let client_id = random_alnum(22);
    let secret = random_alnum(128);
    let expires_at = now + CLIENT_SECRET_TTL;
    let mut out = Map::new();
    out.insert("clientId".into(), json!(client_id));
    out.insert("clientSecret".into(), json!(secret));
    out.insert("clientIdIssuedAt".into(), json!(epoch_seconds(now)));
    out.insert(
        "clientSecretExpiresAt".into(),
        json!(epoch_seconds(expires_at)),
    );
    if wants_code {
        let base = &state.settings.base_url;
        out.insert(
            "authorizationEndpoint".into(),
            json!(format!("{base}/authorize")),
        );
        out.insert("tokenEndpoint".into(), json!(format!("{base}/token")));
    }
    state.clients.insert(
        client_id,
        Client {
            secret,
            secret_expires_at: expires_at,
            scopes: req.scopes,
            grant_types: req.grant_types,
            redirect_uris: req.redirect_uris,
        },
    );
    Ok(Value::Object(out))
}

/// Redirect URIs must be https, or http on the loopback interface (RFC 8252 native apps).
fn redirect_uri_is_allowed(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) if u.scheme() == "https" => true,
        Ok(u) => is_loopback_http(&u),
        Err(_) => false,
    }
}

fn is_loopback_http(u: &url::Url) -> bool {
    u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// Whether `used` is the registered `registered`; a loopback registration without a port matches
/// any port, since native apps listen on an ephemeral one (RFC 8252 §7.3).
fn redirect_uri_matches(registered: &str, used: &str) -> bool {
    let (Ok(r), Ok(u)) = (url::Url::parse(registered), url::Url::parse(used)) else {
        return false;
    };
    r.scheme() == u.scheme()
        && r.host_str() == u.host_str()
        && r.path() == u.path()
        && (r.port() == u.port() || (is_loopback_http(&r) && r.port().is_none()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartDeviceAuthorizationRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    start_url: Option<String>,
}

pub async fn start_device_authorization(State(shared): State<Shared>, body: Bytes) -> Response {
    let mut state = shared.lock();
    if let Some(fault) = state.admit(Op::StartDeviceAuthorization) {
        return injected(fault);
    }
    finish(start_device(&mut state, &body))
}

fn start_device(state: &mut SandboxState, body: &[u8]) -> Answer {
    let req: StartDeviceAuthorizationRequest = parse(body)?;
    let (client_id, client) = authenticate(
        state,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
    )?;
    if req.start_url.as_deref().is_none_or(str::is_empty) {
        return Err((OidcError::InvalidRequest, "startUrl is required"));
    }
    if !client.grant_types.is_empty() && !client.grant_types.iter().any(|g| g == Grant::DEVICE_CODE)
    {
        return Err((
            OidcError::UnauthorizedClient,
            "The client is not registered for the device code grant",
        ));
    }
    let client_id = client_id.to_string();
    let device_code = random_alnum(64);
    let user_code = random_user_code();
    let base = &state.settings.base_url;
    let body = json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": format!("{base}/device"),
        "verificationUriComplete": format!("{base}/device?user_code={user_code}"),
        "expiresIn": state.settings.device_code_ttl.as_secs(),
        "interval": DEVICE_POLL_INTERVAL,
    });
    let decision = if state.settings.auto_approve {
        Decision::Approved
    } else {
        Decision::Pending
    };
    state.devices.insert(
        device_code,
        DeviceAuth {
            client_id,
            user_code,
            expires_at: SystemTime::now() + DEVICE_CODE_TTL,
            decision,
        },
    );
    Ok(body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    grant_type: Option<String>,
    device_code: Option<String>,
    code: Option<String>,
    refresh_token: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

pub async fn create_token(State(shared): State<Shared>, body: Bytes) -> Response {
    let req: Result<CreateTokenRequest, _> = parse(&body);
    let grant = match &req {
        Ok(r) => Grant::parse(r.grant_type.as_deref().unwrap_or_default()),
        Err(_) => Grant::Other,
    };
    let mut state = shared.lock();
    if let Some(fault) = state.admit(Op::CreateToken(grant)) {
        return injected(fault);
    }
    finish(req.and_then(|req| token(&mut state, req, grant)))
}

fn token(state: &mut SandboxState, req: CreateTokenRequest, grant: Grant) -> Answer {
    let (client_id, client) = authenticate(
        state,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
    )?;
    let client_id = client_id.to_string();
    if req.grant_type.as_deref().is_none_or(str::is_empty) {
        return Err((OidcError::InvalidRequest, "grantType is required"));
    }
    // Unknown grants are refused before the client's registration is consulted.
    if grant == Grant::Other {
        return Err((OidcError::UnsupportedGrantType, "Unsupported grant type"));
    }
    // A device-flow client registers no grant types and may use the device code and refresh grants.
    let allowed = if client.grant_types.is_empty() {
        grant != Grant::AuthorizationCode
    } else {
        client.grant_types.iter().any(|g| Grant::parse(g) == grant)
    };
    if !allowed {
        return Err((
            OidcError::UnauthorizedClient,
            "The client is not registered for this grant type",
        ));
    }
    let now = SystemTime::now();
    match grant {
        Grant::DeviceCode => {
            let code = req
                .device_code
                .ok_or((OidcError::InvalidRequest, "deviceCode is required"))?;
            let device = state
                .devices
                .get(&code)
                .filter(|d| d.client_id == client_id)
                .ok_or((OidcError::InvalidGrant, "Invalid device code provided"))?;
            if device.expires_at <= now {
                state.devices.remove(&code);
                return Err((OidcError::ExpiredToken, "The device code has expired"));
            }
            match device.decision {
                Decision::Pending => {
                    return Err((OidcError::AuthorizationPending, "Authorization is pending"));
                }
                Decision::Denied => {
                    state.devices.remove(&code);
                    return Err((OidcError::AccessDenied, "The user denied the request"));
                }
                Decision::Approved => {
                    state.devices.remove(&code);
                }
            }
        }
        Grant::AuthorizationCode => {
            let code = req
                .code
                .ok_or((OidcError::InvalidRequest, "code is required"))?;
            // A code is spent by its first redemption, right or wrong, as OAuth requires.
            let issued = state
                .codes
                .remove(&code)
                .filter(|c| c.client_id == client_id)
                .ok_or((OidcError::InvalidGrant, "Invalid authorization code"))?;
            if issued.expires_at <= now {
                return Err((
                    OidcError::ExpiredToken,
                    "The authorization code has expired",
                ));
            }
            if req.redirect_uri.as_deref() != Some(issued.redirect_uri.as_str()) {
                return Err((OidcError::InvalidGrant, "redirectUri does not match"));
            }
            let verifier = req
                .code_verifier
                .ok_or((OidcError::InvalidGrant, "codeVerifier is required"))?;
            if pkce_challenge(&verifier) != issued.code_challenge.trim_end_matches('=') {
                return Err((OidcError::InvalidGrant, "codeVerifier does not match"));
            }
        }
        Grant::RefreshToken => {
            let refresh = req
                .refresh_token
                .ok_or((OidcError::InvalidRequest, "refreshToken is required"))?;
            if state.refresh_tokens.get(&refresh) != Some(&client_id) {
                return Err((OidcError::InvalidGrant, "Invalid refresh token provided"));
            }
            // Rotation: the old refresh token is spent. The access token issued with it stays
            // valid until it expires, since other processes may still be using it.
            state.refresh_tokens.remove(&refresh);
        }
        Grant::Other => {
            return Err((OidcError::UnsupportedGrantType, "Unsupported grant type"));
        }
    }
    let (access, refresh) = state.issue_tokens(&client_id);
    let mut out = Map::new();
    out.insert("accessToken".into(), json!(access));
    out.insert("tokenType".into(), json!("Bearer"));
    out.insert(
        "expiresIn".into(),
        json!(state.settings.token_ttl.as_secs()),
    );
    if let Some(r) = refresh {
        out.insert("refreshToken".into(), json!(r));
    }
    Ok(Value::Object(out))
}

/// The S256 challenge of a PKCE verifier: unpadded base64url of its SHA-256 (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `GET /authorize`: the sandbox user is always signed in and consents at once, so this answers
/// with the redirect back to the client carrying the code (or an OAuth error) and the state.
pub async fn authorize(State(shared): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = query_pairs(query.as_deref());
    let get = |name: &str| params.get(name).map(String::as_str);
    let mut state = shared.lock();
    state.count(Op::Authorize);
    let client_id = get("client_id").unwrap_or_default();
    let redirect_uri = get("redirect_uri").unwrap_or_default();
    let registered = state.clients.get(client_id).is_some_and(|c| {
        c.redirect_uris
            .iter()
            .any(|r| redirect_uri_matches(r, redirect_uri))
    });
    // Never redirect to a URI the client did not register (RFC 6749 §4.1.2.1).
    if !registered {
        return html_page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "Unknown client or redirect URI.",
        );
    }
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return html_page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "Bad redirect URI.",
        );
    };
    let error = if get("response_type") != Some("code") {
        Some("unsupported_response_type")
    } else if get("code_challenge_method") != Some("S256")
        || get("code_challenge").is_none_or(str::is_empty)
    {
        Some("invalid_request")
    } else {
        None
    };
    {
        let mut pairs = target.query_pairs_mut();
        match error {
            Some(e) => {
                pairs.append_pair("error", e);
            }
            None => {
                let code = random_alnum(48);
                state.codes.insert(
                    code.clone(),
                    AuthCode {
                        client_id: client_id.to_string(),
                        redirect_uri: redirect_uri.to_string(),
                        code_challenge: get("code_challenge").unwrap_or_default().to_string(),
                        expires_at: SystemTime::now() + AUTH_CODE_TTL,
                    },
                );
                pairs.append_pair("code", &code);
            }
        }
        if let Some(s) = get("state") {
            pairs.append_pair("state", s);
        }
    }
    match HeaderValue::from_str(target.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => html_page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "Bad redirect URI.",
        ),
    }
}

/// `GET /device[?user_code=..[&action=deny]]`: the verification page. With a pending user code
/// it approves the authorization, as a person clicking "Allow" would (or denies it, for tests of
/// the AccessDeniedException path).
pub async fn verify(State(shared): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = query_pairs(query.as_deref());
    let mut state = shared.lock();
    state.count(Op::Verify);
    let Some(user_code) = params.get("user_code") else {
        return html_page(
            StatusCode::OK,
            "Authorize request",
            "<form method=\"get\"><input name=\"user_code\" placeholder=\"ABCD-EFGH\"> \
             <button>Allow</button></form>",
        );
    };
    let now = SystemTime::now();
    let found = state
        .devices
        .values_mut()
        .find(|d| d.user_code.eq_ignore_ascii_case(user_code) && d.expires_at > now);
    let deny = params.get("action").is_some_and(|a| a == "deny");
    match found {
        Some(device) if deny => {
            device.decision = Decision::Denied;
            html_page(
                StatusCode::OK,
                "Request denied",
                "The request was denied. You can close this window.",
            )
        }
        Some(device) => {
            device.decision = Decision::Approved;
            html_page(
                StatusCode::OK,
                "Request approved",
                "You can close this window and return to your terminal.",
            )
        }
        None => html_page(
            StatusCode::NOT_FOUND,
            "Code not found",
            "This code is unknown or has expired.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn loopback_redirects_match_on_any_port() {
        let registered = "http://127.0.0.1/oauth/callback";
        assert!(redirect_uri_matches(
            registered,
            "http://127.0.0.1:55555/oauth/callback"
        ));
        assert!(!redirect_uri_matches(
            registered,
            "http://127.0.0.1:55555/other"
        ));
        assert!(!redirect_uri_matches(
            "http://127.0.0.1:1/oauth/callback",
            "http://127.0.0.1:2/oauth/callback"
        ));
        assert!(!redirect_uri_matches(
            "https://app.example/cb",
            "https://app.example:8443/cb"
        ));
        assert!(redirect_uri_is_allowed(registered));
        assert!(!redirect_uri_is_allowed("http://example.com/cb"));
        assert!(!redirect_uri_is_allowed("not a url"));
    }
}
