//! The sso-oidc endpoint, as the SDK resolves it with every override applied: the authorize
//! URL of the PKCE flow is built on it, as the AWS CLI does.

use std::sync::{Arc, Mutex};

use aws_sdk_ssooidc::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ssooidc::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ssooidc::error::BoxError;

use crate::sso::error::SsoError;

/// Records the URL a request is about to go to, then stops it: how the AWS CLI learns the
/// sso-oidc endpoint (with every override applied) to build the authorize URL on.
#[derive(Debug, Default, Clone)]
struct CaptureEndpoint(Arc<Mutex<Option<String>>>);

impl Intercept for CaptureEndpoint {
    fn name(&self) -> &'static str {
        "CaptureEndpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri();
        let base = url::Url::parse(uri)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        if let Ok(mut slot) = self.0.lock() {
            *slot = base;
        }
        Err("endpoint captured".into())
    }
}

pub async fn oidc_endpoint(oidc: &aws_sdk_ssooidc::Client) -> Result<String, SsoError> {
    let capture = CaptureEndpoint::default();
    let _ = oidc
        .register_client()
        .client_name("endpoint-discovery")
        .client_type("public")
        .customize()
        .interceptor(capture.clone())
        .send()
        .await;
    let captured = capture.0.lock().ok().and_then(|slot| slot.clone());
    captured.ok_or_else(|| SsoError::Login("cannot tell the sso-oidc endpoint".into()))
}
