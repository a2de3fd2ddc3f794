//! `web_identity_token_file` + `role_arn` profiles, delegated to the Rust SDK's own provider
//! (aws-config's `WebIdentityTokenCredentialsProvider`): it reads the token file and calls STS
//! `AssumeRoleWithWebIdentity`, as every AWS SDK does for such a profile. The result is cached
//! where and as the AWS CLI caches it ([`WebIdentity::cache_key`]).

use std::error::Error as _;
use std::path::PathBuf;

use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::{StaticConfiguration, WebIdentityTokenCredentialsProvider};
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::{ProvideCredentials, Region};
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError;

use super::error::CredentialsError;
use super::keys::Credentials;
use super::sts::{self, DEFAULT_REGION};
use crate::env::Env;
use crate::sso::ClientSettings;
use crate::sso::sdk::describe_within;

/// One web identity profile's settings, as its section gives them.
pub struct WebIdentity<'a> {
    pub profile: &'a str,
    pub role_arn: &'a str,
    pub token_file: &'a str,
    pub session_name: Option<&'a str>,
}

impl WebIdentity<'_> {
    /// Where its credentials are cached, shared with the AWS CLI.
    pub fn cache_key(&self) -> String {
        super::cache::web_identity_key(self.role_arn, self.session_name)
    }
}

/// Assumes the profile's role with its web identity token. The SDK's STS client finds its
/// endpoint itself (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`); ssoenv bounds the call by
/// `SSOENV_TIMEOUT` and its attempts by `AWS_MAX_ATTEMPTS`, as for its own calls.
pub async fn assume_role(
    env: &Env,
    settings: &ClientSettings,
    w: &WebIdentity<'_>,
    region: Option<&str>,
) -> Result<Credentials, CredentialsError> {
    let fail = sts::failure("AssumeRoleWithWebIdentity", w.role_arn.to_string());
    let token_file = token_path(env, w.token_file);
    let config = ProviderConfig::without_region()
        .with_region(Some(Region::new(
            region.unwrap_or(DEFAULT_REGION).to_string(),
        )))
        .with_retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts));
    let provider = WebIdentityTokenCredentialsProvider::builder()
        .configure(&config)
        .static_configuration(StaticConfiguration {
            web_identity_token_file: token_file.clone(),
            role_arn: w.role_arn.to_string(),
            session_name: w.session_name.map_or_else(
                || format!("ssoenv-{}", jiff::Timestamp::now().as_second()),
                str::to_string,
            ),
        })
        .build();
    let deadline = settings.timeouts.overall;
    let creds = tokio::time::timeout(deadline, provider.provide_credentials())
        .await
        .map_err(|_| {
            fail(format!(
                "timed out: no answer within {} (SSOENV_TIMEOUT sets the deadline)",
                settings.timeouts.label()
            ))
        })?
        .map_err(
            |e| match e.source().and_then(|s| s.downcast_ref::<std::io::Error>()) {
                Some(io) => CredentialsError::TokenFile {
                    profile: w.profile.to_string(),
                    path: token_file.display().to_string(),
                    message: io.to_string(),
                },
                None => fail(describe(&e, settings)),
            },
        )?;
    Ok(Credentials {
        access_key_id: creds.access_key_id().to_string(),
        secret_access_key: creds.secret_access_key().to_string(),
        session_token: creds.session_token().map(str::to_string),
        expiration: creds
            .expiry()
            .and_then(|t| jiff::Timestamp::try_from(t).ok()),
        account_id: creds
            .account_id()
            .map(|a| a.as_str().to_string())
            .or_else(|| {
                crate::config::profile::account_of_role_arn(w.role_arn).map(str::to_string)
            }),
    })
}

/// `~/` expanded, as botocore does for `web_identity_token_file`.
fn token_path(env: &Env, file: &str) -> PathBuf {
    match (file.strip_prefix("~/"), env.home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(file),
    }
}

/// STS's error in ssoenv's words (its code and message, a timeout, a transport failure), never a
/// response body.
fn describe(err: &(dyn std::error::Error + 'static), settings: &ClientSettings) -> String {
    let source = err.source();
    if let Some(sdk) = source
        .and_then(|s| s.downcast_ref::<SdkError<AssumeRoleWithWebIdentityError, HttpResponse>>())
    {
        return describe_within(sdk, Some(&settings.timeouts));
    }
    match source {
        Some(source) => format!("{err}: {source}"),
        None => err.to_string(),
    }
}
