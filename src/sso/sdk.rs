//! How ssoenv builds the official sso, sso-oidc and STS clients: from the config it has already
//! parsed (the SDK's own loader would read and parse `~/.aws/config` a second time: 1.2 s and
//! 356 MB at 100,000 profiles), with every call bounded in time, and with errors that name the
//! operation and what went wrong but never echo a response body.
//!
//! Endpoints follow the AWS SDKs' "service-specific endpoints" rules (botocore's
//! `ConfiguredEndpointProvider`): `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then
//! the profile's `[services]` section (`<service> = endpoint_url = …`), then the profile's
//! `endpoint_url`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (else the profile's
//! `ignore_configured_endpoint_urls`) set to `true` turns them all off.

use std::time::Duration;

use aws_sdk_sso::config::http::HttpResponse;
use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::config::timeout::TimeoutConfig;
use aws_sdk_sso::config::{BehaviorVersion, Region};
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};

use crate::config::{AwsConfig, ProfileSet, Section};
use crate::env::Env;

/// The variable that sets the deadline of every service call, in seconds.
pub const TIMEOUT_VARIABLE: &str = "SSOENV_TIMEOUT";

/// The deadline of one service call, its retries included, unless `SSOENV_TIMEOUT` says
/// otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The SDKs' own connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// How long a service call may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The whole call, retries included: nothing waits on the service longer than this.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            overall: DEFAULT_TIMEOUT,
        }
    }
}

impl Timeouts {
    /// `SSOENV_TIMEOUT` (seconds, fractions allowed), else the default. A value that is not a
    /// positive number is an error naming the variable.
    pub fn from_env(env: &Env) -> Result<Self, String> {
        let Some(text) = env.var(TIMEOUT_VARIABLE) else {
            return Ok(Self::default());
        };
        match text.trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Ok(Self {
                overall: Duration::from_secs_f64(secs),
            }),
            _ => Err(format!(
                "{TIMEOUT_VARIABLE} must be a number of seconds between 0 and 86400 (it is `{text}`); \
                 unset it for the default of {} s",
                DEFAULT_TIMEOUT.as_secs()
            )),
        }
    }

    /// The SDK's timeouts: one attempt that hears nothing for a third of the deadline is
    /// abandoned (and retried while the deadline allows), and the whole call ends at the deadline.
    pub fn sdk(&self) -> TimeoutConfig {
        let attempt = (self.overall / 3).max(Duration::from_millis(100));
        TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(attempt))
            .read_timeout(attempt)
            .operation_attempt_timeout(attempt)
            .operation_timeout(self.overall)
            .build()
    }

    /// What a call that ran out of time says.
    pub fn timed_out(&self) -> String {
        format!(
            "timed out: no answer within {} ({TIMEOUT_VARIABLE} sets the deadline)",
            self.label()
        )
    }

    /// "30 s", "2.5 s".
    pub fn label(&self) -> String {
        let secs = self.overall.as_secs_f64();
        if secs.fract() == 0.0 {
            format!("{secs:.0} s")
        } else {
            format!("{secs} s")
        }
    }
}

/// The services ssoenv calls: three through their SDK clients, and the console's sign-in
/// federation endpoint (`ssoenv console`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sso,
    SsoOidc,
    Sts,
    Signin,
}

impl Service {
    /// The suffix of `AWS_ENDPOINT_URL_<SERVICE>`.
    fn env_suffix(self) -> &'static str {
        match self {
            Service::Sso => "SSO",
            Service::SsoOidc => "SSO_OIDC",
            Service::Sts => "STS",
            Service::Signin => "SIGNIN",
        }
    }

    /// The keys of a `[services]` section: botocore's snake case first, then the Rust SDK's
    /// hyphenated spelling of the same service id.
    fn section_keys(self) -> &'static [&'static str] {
        match self {
            Service::Sso => &["sso"],
            Service::SsoOidc => &["sso_oidc", "sso-oidc"],
            Service::Sts => &["sts"],
            Service::Signin => &["signin"],
        }
    }
}

/// Everything an SDK client of ssoenv's is built from, for one profile. `Debug` holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub sso: Option<String>,
    pub sso_oidc: Option<String>,
    pub sts: Option<String>,
    pub timeouts: Timeouts,
    /// Attempts per call (`AWS_MAX_ATTEMPTS`, else the profile's `max_attempts`, else 3).
    pub max_attempts: u32,
}

impl Default for ClientSettings {
    /// No configured endpoint, the default deadline: what a client needs when neither the
    /// environment nor a config applies. Prefer [`ClientSettings::for_profile`].
    fn default() -> Self {
        Self {
            sso: None,
            sso_oidc: None,
            sts: None,
            timeouts: Timeouts::default(),
            max_attempts: 3,
        }
    }
}

impl ClientSettings {
    /// The settings for `profile` of `set`; without one, the profile the SDKs would pick
    /// (`AWS_PROFILE`, else `default`).
    pub fn for_profile(
        env: &Env,
        set: &ProfileSet<'_>,
        profile: Option<&str>,
    ) -> Result<Self, String> {
        let default_name = env.var("AWS_PROFILE");
        let name = profile.or(default_name.as_deref()).unwrap_or("default");
        let section = set.profiles.get(name);
        let endpoint = |service| endpoint_url(env, set, section, service);
        let max_attempts = env
            .var("AWS_MAX_ATTEMPTS")
            .or_else(|| {
                section
                    .and_then(|s| s.get("max_attempts"))
                    .map(str::to_string)
            })
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(3);
        Ok(Self {
            sso: endpoint(Service::Sso),
            sso_oidc: endpoint(Service::SsoOidc),
            sts: endpoint(Service::Sts),
            timeouts: Timeouts::from_env(env)?,
            max_attempts,
        })
    }

    /// The settings of the profile the SDKs would pick, reading only that profile (and the
    /// `[services]` sections) from the config: for paths that have no config at hand (logout).
    /// An unreadable config leaves only the environment's settings.
    pub fn for_default_profile(env: &Env) -> Result<Self, String> {
        let name = env.var("AWS_PROFILE").unwrap_or_else(|| "default".into());
        match AwsConfig::load_selected(env, &[name.as_str()]) {
            Ok(config) => Self::for_profile(env, &config.set, Some(&name)),
            Err(_) => Self::for_profile(env, &ProfileSet::default(), Some(&name)),
        }
    }

    fn retry(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts)
    }

    pub fn sso_config(&self, region: &str) -> aws_sdk_sso::Config {
        let mut builder = aws_sdk_sso::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(self.retry())
            .timeout_config(self.timeouts.sdk());
        builder.set_endpoint_url(self.sso.clone());
        builder.build()
    }

    pub fn oidc_config(&self, region: &str) -> aws_sdk_ssooidc::Config {
        let mut builder = aws_sdk_ssooidc::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(self.retry())
            .timeout_config(self.timeouts.sdk());
        builder.set_endpoint_url(self.sso_oidc.clone());
        builder.build()
    }

    /// An STS client config signing with `credentials`.
    pub fn sts_config(
        &self,
        region: &str,
        credentials: aws_sdk_sts::config::Credentials,
    ) -> aws_sdk_sts::Config {
        let mut builder = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(self.retry())
            .timeout_config(self.timeouts.sdk())
            .credentials_provider(credentials);
        builder.set_endpoint_url(self.sts.clone());
        builder.build()
    }
}

/// The endpoint configured for `service`, by the SDKs' precedence (see the module's comment).
/// Empty values count as unset, as in botocore.
pub fn endpoint_url(
    env: &Env,
    set: &ProfileSet<'_>,
    profile: Option<&Section<'_>>,
    service: Service,
) -> Option<String> {
    let ignore = env
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| {
            profile
                .and_then(|p| p.get("ignore_configured_endpoint_urls"))
                .map(str::to_string)
        })
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignore {
        return None;
    }
    let present = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    present(env.var(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix())))
        .or_else(|| present(env.var("AWS_ENDPOINT_URL")))
        .or_else(|| {
            let services = set.services.get(profile?.get("services")?)?;
            service.section_keys().iter().find_map(|key| {
                let sub = services.property(key)?.sub_properties();
                present(sub.get("endpoint_url").cloned())
            })
        })
        .or_else(|| present(profile?.get("endpoint_url").map(str::to_string)))
}

/// A failed call as one readable line: the service's error code and message, the transport
/// failure, or that the response could not be read — never the response's body, which may hold
/// tokens and keys, nor the SDK's debug dump of it.
pub fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    describe_within(err, None)
}

/// [`describe`], naming the deadline of a call that timed out.
pub fn describe_within<E>(err: &SdkError<E, HttpResponse>, timeouts: Option<&Timeouts>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let timed_out = || match timeouts {
        Some(t) => t.timed_out(),
        None => format!("timed out ({TIMEOUT_VARIABLE} sets the deadline)"),
    };
    match err {
        SdkError::TimeoutError(_) => timed_out(),
        SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
            Some(c) if c.is_timeout() => timed_out(),
            Some(c) => transport(c),
            None => "the request could not be sent".into(),
        },
        SdkError::ResponseError(_) => "the response could not be read".into(),
        SdkError::ConstructionFailure(_) => "the request could not be built".into(),
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => format!("{code}: {}", one_line(message)),
                (Some(code), None) => code.to_string(),
                (None, _) if (200..300).contains(&status) => {
                    let body = context.raw().body().bytes().unwrap_or_default();
                    match misfit_field(body) {
                        Some(field) => {
                            format!("the response could not be read: `{field}` is not a number")
                        }
                        None => "the response could not be read".into(),
                    }
                }
                (None, _) => format!("the service answered HTTP {status}"),
            }
        }
        _ => "the call failed".into(),
    }
}

/// The numbers of the JSON answers ssoenv reads (CreateToken, RegisterClient,
/// StartDeviceAuthorization, GetRoleCredentials): the first one that is not a number names the
/// field to blame. Only the key is returned, never a value.
fn misfit_field(body: &[u8]) -> Option<&'static str> {
    const NUMBERS: [&str; 4] = [
        "expiresIn",
        "interval",
        "clientIdIssuedAt",
        "clientSecretExpiresAt",
    ];
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let nested = object
        .get("roleCredentials")
        .and_then(|v| v.as_object())
        .and_then(|c| c.get("expiration"))
        .filter(|v| !v.is_number())
        .map(|_| "roleCredentials.expiration");
    nested.or_else(|| {
        NUMBERS
            .iter()
            .find(|key| object.get(**key).is_some_and(|v| !v.is_number()))
            .copied()
    })
}

/// The innermost I/O error of a transport failure ("Connection refused (os error 111)"), else
/// the connector's own one-word kind.
fn transport(err: &(dyn std::error::Error + 'static)) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut found = None;
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            found = Some(io.to_string());
        }
        source = e.source();
    }
    let text = found.unwrap_or_else(|| err.to_string());
    format!("cannot reach the service: {}", one_line(&text))
}

/// A message on one line, cut to a readable length.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    line.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceFile;

    fn parse_set_for_tests(text: &str) -> ProfileSet<'static> {
        let file = SourceFile::new("/h/.aws/config", text);
        ProfileSet::parse(Some(&file), None).unwrap().into_owned()
    }

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::from_map(vars.iter().copied())
    }

    const CONFIG: &str = "[profile p]\nendpoint_url = http://profile\nservices = local\n\
        [profile plain]\nendpoint_url = http://plain\n\
        [profile ignoring]\nendpoint_url = http://profile\nignore_configured_endpoint_urls = true\n\
        [services local]\nsso =\n  endpoint_url = http://services-sso\n\
        sso_oidc =\n  endpoint_url = http://services-oidc\n";

    fn resolve(vars: &[(&str, &str)], profile: &str, service: Service) -> Option<String> {
        let set = parse_set_for_tests(CONFIG);
        endpoint_url(&env(vars), &set, set.profiles.get(profile), service)
    }

    #[test]
    fn endpoints_follow_the_sdks_precedence() {
        let all = [
            ("AWS_ENDPOINT_URL_SSO", "http://env-sso"),
            ("AWS_ENDPOINT_URL", "http://env-global"),
        ];
        // 1. the service's variable, 2. the global variable
        assert_eq!(
            resolve(&all, "p", Service::Sso).as_deref(),
            Some("http://env-sso")
        );
        assert_eq!(
            resolve(&all, "p", Service::SsoOidc).as_deref(),
            Some("http://env-global")
        );
        // 3. the profile's [services] section, 4. the profile's endpoint_url
        assert_eq!(
            resolve(&[], "p", Service::Sso).as_deref(),
            Some("http://services-sso")
        );
        assert_eq!(
            resolve(&[], "p", Service::SsoOidc).as_deref(),
            Some("http://services-oidc")
        );
        assert_eq!(
            resolve(&[], "p", Service::Sts).as_deref(),
            Some("http://profile")
        );
        assert_eq!(
            resolve(&[], "plain", Service::Sts).as_deref(),
            Some("http://plain")
        );
        assert_eq!(resolve(&[], "missing", Service::Sts), None);
        // An empty variable counts as unset.
        assert_eq!(
            resolve(&[("AWS_ENDPOINT_URL_SSO", "")], "p", Service::Sso).as_deref(),
            Some("http://services-sso")
        );
    }

    #[test]
    fn ignore_configured_endpoint_urls_turns_every_source_off() {
        let ignore = [
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
            ("AWS_ENDPOINT_URL_SSO", "http://env-sso"),
        ];
        assert_eq!(resolve(&ignore, "p", Service::Sso), None);
        assert_eq!(resolve(&[], "ignoring", Service::Sso), None);
        // The variable wins over the profile, either way.
        let keep = [("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")];
        assert_eq!(
            resolve(&keep, "ignoring", Service::Sso).as_deref(),
            Some("http://profile")
        );
    }

    #[test]
    fn the_timeout_variable_is_seconds_and_bad_values_say_what_to_do() {
        assert_eq!(Timeouts::from_env(&env(&[])).unwrap(), Timeouts::default());
        let t = Timeouts::from_env(&env(&[("SSOENV_TIMEOUT", "2.5")])).unwrap();
        assert_eq!(t.overall, Duration::from_millis(2500));
        assert_eq!(t.label(), "2.5 s");
        let sdk = t.sdk();
        assert_eq!(sdk.operation_timeout(), Some(Duration::from_millis(2500)));
        assert!(sdk.read_timeout().is_some() && sdk.operation_attempt_timeout().is_some());
        for bad in ["0", "-1", "soon", "inf"] {
            let err = Timeouts::from_env(&env(&[("SSOENV_TIMEOUT", bad)])).unwrap_err();
            assert!(
                err.contains("SSOENV_TIMEOUT") && err.contains("unset it"),
                "{err}"
            );
        }
    }

    #[test]
    fn an_unreadable_answer_names_the_field_and_never_a_value() {
        let body = br#"{"accessToken":"secret-at","expiresIn":"soon"}"#;
        assert_eq!(misfit_field(body), Some("expiresIn"));
        let body = br#"{"roleCredentials":{"secretAccessKey":"k","expiration":"tomorrow"}}"#;
        assert_eq!(misfit_field(body), Some("roleCredentials.expiration"));
        assert_eq!(misfit_field(br#"{"expiresIn":3600}"#), None);
        assert_eq!(misfit_field(b"<xml/>"), None);
    }
}
