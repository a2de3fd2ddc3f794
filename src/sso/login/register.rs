//! Client registration (RegisterClient), cached as the AWS CLI caches it: one per session and
//! flow, reused until it nears its expiry.

use jiff::Timestamp;

use super::flow::service;
use crate::config::SsoSession;
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::cache::{self, Flow, Registration};
use crate::sso::client::describe;
use crate::sso::error::SsoError;

/// The registered redirect URI; the one used adds the port (RFC 8252 loopback redirects).
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";
/// The scope an authorization-code registration asks for when the session names none.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// The session's registration scopes as the SDK's request takes them.
fn owned_scopes(session: &SsoSession<'_>) -> Option<Vec<String>> {
    Some(session.scopes()?.into_iter().map(str::to_string).collect())
}

/// A cached registration for this flow, or a new one (cached as the AWS CLI caches it).
pub async fn register(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    flow: Flow,
    oidc: &aws_sdk_ssooidc::Client,
) -> Result<Registration, SsoError> {
    let now = Timestamp::now();
    if let Some(registration) = cache::load_registration(env, report, session, flow, now) {
        return Ok(registration);
    }
    let client_name = match &session.name {
        Some(name) => format!("botocore-client-{name}"),
        None => format!("botocore-client-{}", now.as_second()),
    };
    let request = oidc
        .register_client()
        .client_name(client_name)
        .client_type("public");
    let (request, scopes, grant_types) = match flow {
        Flow::Device => {
            let scopes = owned_scopes(session);
            (request.set_scopes(scopes.clone()), scopes, None)
        }
        Flow::AuthorizationCode => {
            let scopes = owned_scopes(session).unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
            let grants = vec![
                "authorization_code".to_string(),
                "refresh_token".to_string(),
            ];
            let request = request
                .set_scopes(Some(scopes.clone()))
                .set_grant_types(Some(grants.clone()))
                .redirect_uris(REGISTERED_REDIRECT)
                .issuer_url(session.start_url.as_ref());
            (request, Some(scopes), Some(grants))
        }
    };
    let out = request
        .send()
        .await
        .map_err(|e| service("RegisterClient")(describe(&e)))?;
    let missing = || service("RegisterClient")("the response had no client credentials".into());
    let registration = Registration {
        client_id: out.client_id().ok_or_else(missing)?.to_string(),
        client_secret: out.client_secret().ok_or_else(missing)?.to_string(),
        expires_at: Timestamp::from_second(out.client_secret_expires_at())
            .map_err(|_| missing())?,
        scopes,
        grant_types,
    };
    cache::store_registration(env, session, &registration).map_err(SsoError::Cache)?;
    Ok(registration)
}
