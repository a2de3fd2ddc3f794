//! STS through the official client: AssumeRole for role chains, GetCallerIdentity for
//! `whoami --verify`, and GetFederationToken for `ssoenv console` with static keys. `AWS_ENDPOINT_URL_STS` and `[services]` redirect it as in every AWS SDK
//! (see [`sso::sdk`](crate::sso::sdk), which builds it; every call has a deadline).

use super::error::CredentialsError;
use super::keys::Credentials;
use crate::config::profile::AssumeRole;
use crate::sso::ClientSettings;
use crate::sso::sdk::describe_within;

/// STS needs some region; the global partition's home is the SDKs' own fallback.
pub const DEFAULT_REGION: &str = "us-east-1";

fn client(
    settings: &ClientSettings,
    creds: &Credentials,
    region: Option<&str>,
) -> aws_sdk_sts::Client {
    let provider = aws_sdk_sts::config::Credentials::new(
        creds.access_key_id.clone(),
        creds.secret_access_key.clone(),
        creds.session_token.clone(),
        creds.expiration.map(std::time::SystemTime::from),
        "ssoenv",
    );
    let region = region.unwrap_or(DEFAULT_REGION);
    aws_sdk_sts::Client::from_conf(settings.sts_config(region, provider))
}

fn timestamp(t: &aws_sdk_sts::primitives::DateTime) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_second(t.secs()).ok()
}

/// Assumes `role` with `source` credentials. Returns the new credentials and the assumed-role ARN.
pub async fn assume_role(
    settings: &ClientSettings,
    role: &AssumeRole,
    source: &Credentials,
    region: Option<&str>,
) -> Result<(Credentials, Option<String>), CredentialsError> {
    let fail = failure("AssumeRole", role.role_arn.clone());
    let session_name = role
        .role_session_name
        .clone()
        .unwrap_or_else(|| format!("ssoenv-{}", jiff::Timestamp::now().as_second()));
    let out = client(settings, source, region)
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name(session_name)
        .set_external_id(role.external_id.clone())
        .set_duration_seconds(role.duration_seconds)
        .send()
        .await
        .map_err(|e| fail(describe_within(&e, Some(&settings.timeouts))))?;
    let c = out
        .credentials()
        .ok_or_else(|| fail("the response had no credentials".into()))?;
    let arn = out.assumed_role_user().map(|u| u.arn().to_string());
    Ok((temporary(c, arn.as_deref()), arn))
}

/// STS's temporary credentials, with the account of the ARN they act as.
fn temporary(c: &aws_sdk_sts::types::Credentials, arn: Option<&str>) -> Credentials {
    Credentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: Some(c.session_token().to_string()),
        expiration: timestamp(c.expiration()),
        account_id: arn.and_then(|a| a.split(':').nth(4)).map(str::to_string),
    }
}

/// A session policy that allows everything: a federated user's permissions are the intersection
/// of it and the IAM user's own, so the console session can do what the user can (without one
/// it could do nothing), as aws-vault's `login` asks for.
/// The error of an STS `operation` for `role` (an ARN, or the profile that asked), whose
/// `message` is the SDK error described without its request or answer.
pub(super) fn failure(
    operation: &'static str,
    role: String,
) -> impl Fn(String) -> CredentialsError {
    move |message| CredentialsError::Sts {
        operation,
        role: role.clone(),
        message,
    }
}

const ALLOW_ALL_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Temporary credentials for a federated user `name` from an IAM user's long-term keys (the
/// sign-in service accepts only temporary ones). The session lasts STS's default, 12 hours.
pub async fn federation_token(
    settings: &ClientSettings,
    keys: &Credentials,
    name: &str,
    region: Option<&str>,
    profile: &str,
) -> Result<Credentials, CredentialsError> {
    let fail = failure("GetFederationToken", profile.to_string());
    let out = client(settings, keys, region)
        .get_federation_token()
        .name(name)
        .policy(ALLOW_ALL_POLICY)
        .send()
        .await
        .map_err(|e| fail(describe_within(&e, Some(&settings.timeouts))))?;
    let c = out
        .credentials()
        .ok_or_else(|| fail("the response had no credentials".into()))?;
    Ok(temporary(c, out.federated_user().map(|u| u.arn())))
}

/// The ARN STS sees for these credentials.
pub async fn caller_arn(
    settings: &ClientSettings,
    creds: &Credentials,
    region: Option<&str>,
    profile: &str,
) -> Result<String, CredentialsError> {
    let fail = failure("GetCallerIdentity", profile.to_string());
    let out = client(settings, creds, region)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| fail(describe_within(&e, Some(&settings.timeouts))))?;
    out.arn()
        .map(str::to_string)
        .ok_or_else(|| fail("the response had no ARN".into()))
}
