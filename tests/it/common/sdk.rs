//! The AWS SDK for Rust's clients pointed at a sandbox, and the device-login sequence (register →
//! start the device authorization → redeem the device code) that the SDK-level tests share.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sso::error::SdkError;
use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
use aws_sdk_sso::types::RoleCredentials;
use aws_sdk_ssooidc::operation::create_token::{CreateTokenError, CreateTokenOutput};
use aws_sdk_ssooidc::operation::start_device_authorization::StartDeviceAuthorizationOutput;

/// Seconds since the epoch, as the services' expiry fields count them.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn retry() -> aws_sdk_sso::config::retry::RetryConfig {
    aws_sdk_sso::config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10))
}

pub fn oidc_client(url: &str) -> aws_sdk_ssooidc::Client {
    let config = aws_sdk_ssooidc::Config::builder()
        .behavior_version(aws_sdk_ssooidc::config::BehaviorVersion::latest())
        .region(aws_sdk_ssooidc::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .retry_config(retry())
        .build();
    aws_sdk_ssooidc::Client::from_conf(config)
}

pub fn sso_client(url: &str) -> aws_sdk_sso::Client {
    let config = aws_sdk_sso::Config::builder()
        .behavior_version(aws_sdk_sso::config::BehaviorVersion::latest())
        .region(aws_sdk_sso::config::Region::new("eu-west-1"))
        .endpoint_url(url)
        .retry_config(retry())
        .build();
    aws_sdk_sso::Client::from_conf(config)
}

pub fn sts_client(url: &str, key: &str, secret: &str, token: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .retry_config(retry())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            key,
            secret,
            Some(token.to_string()),
            None,
            "sandbox-test",
        ))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// An OIDC client registered with the sandbox at `url` (a public client, as the AWS CLI's).
pub struct Registered {
    pub oidc: aws_sdk_ssooidc::Client,
    url: String,
    pub client_id: String,
    pub secret: String,
    /// `clientSecretExpiresAt`, seconds since the epoch.
    pub secret_expires_at: i64,
}

impl Registered {
    /// `RegisterClient`, with the session's scope or (`scopes: false`, as a legacy profile
    /// registers) without one.
    pub async fn new(url: &str, scopes: bool) -> Self {
        let oidc = oidc_client(url);
        let mut request = oidc
            .register_client()
            .client_name("it")
            .client_type("public");
        if scopes {
            request = request.scopes("sso:account:access");
        }
        let registration = request.send().await.unwrap();
        Self {
            url: url.to_string(),
            client_id: registration.client_id().unwrap().to_string(),
            secret: registration.client_secret().unwrap().to_string(),
            secret_expires_at: registration.client_secret_expires_at(),
            oidc,
        }
    }

    /// `StartDeviceAuthorization` for the sandbox's start URL.
    pub async fn start_device_authorization(&self) -> StartDeviceAuthorizationOutput {
        self.oidc
            .start_device_authorization()
            .client_id(&self.client_id)
            .client_secret(&self.secret)
            .start_url(format!("{}/start", self.url))
            .send()
            .await
            .unwrap()
    }

    /// `CreateToken` with the device-code grant.
    pub async fn device_token(
        &self,
        device: &StartDeviceAuthorizationOutput,
    ) -> Result<CreateTokenOutput, CreateTokenError> {
        self.oidc
            .create_token()
            .client_id(&self.client_id)
            .client_secret(&self.secret)
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(device.device_code().unwrap())
            .send()
            .await
            .map_err(|e| e.into_service_error())
    }

    /// `CreateToken` with the refresh-token grant, authenticated with `secret`.
    pub async fn refresh_with(
        &self,
        secret: &str,
        refresh_token: &str,
    ) -> Result<CreateTokenOutput, CreateTokenError> {
        self.oidc
            .create_token()
            .client_id(&self.client_id)
            .client_secret(secret)
            .grant_type("refresh_token")
            .refresh_token(refresh_token)
            .send()
            .await
            .map_err(|e| e.into_service_error())
    }

    /// `CreateToken` with the refresh-token grant, as this client.
    pub async fn refresh(
        &self,
        refresh_token: &str,
    ) -> Result<CreateTokenOutput, CreateTokenError> {
        self.refresh_with(&self.secret, refresh_token).await
    }
}

/// `GetRoleCredentials` for `role` in `account`, with the access token `access`.
pub async fn role_credentials(
    sso: &aws_sdk_sso::Client,
    access: &str,
    account: &str,
    role: &str,
) -> Result<RoleCredentials, SdkError<GetRoleCredentialsError>> {
    let out = sso
        .get_role_credentials()
        .access_token(access)
        .account_id(account)
        .role_name(role)
        .send()
        .await?;
    Ok(out.role_credentials().expect("roleCredentials").clone())
}

/// An STS client that signs with SSO role credentials.
pub fn sts_as(url: &str, creds: &RoleCredentials) -> aws_sdk_sts::Client {
    sts_client(
        url,
        creds.access_key_id().unwrap(),
        creds.secret_access_key().unwrap(),
        creds.session_token().unwrap(),
    )
}
