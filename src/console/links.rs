//! The console's URLs, from plain values (no I/O, no clock): the partition of a region and its
//! sign-in and console hosts, the `Destination` a service name or URL stands for, the federation
//! endpoint's two requests (`getSigninToken`, `login`), and the access portal's shortcut.
//!
//! Hosts are the partitions' global ones (aws-vault's and granted's tables, reference-next §2.2):
//! `signin.<domain>/federation` and `console.<domain>`, where the domain is `aws.amazon.com`,
//! `amazonaws.cn`, `amazonaws-us-gov.com` or `amazonaws-eusc.eu`. The console host sends a
//! `?region=` on to the regional console itself.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::error::ConsoleError;
use crate::credentials::Credentials;

/// The region a profile without one signs in to, as the SDKs' global default.
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long a console session from role credentials lasts, when the service accepts a
/// `SessionDuration` at all: an hour, the default maximum session of an IAM role and of a
/// permission set (a longer one is refused for a role whose maximum is shorter), and aws-sso-cli's
/// default.
pub const SESSION_DURATION_SECONDS: u32 = 3600;

/// An AWS partition with a public console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
    AwsEusc,
}

impl Partition {
    /// The partition of `region`, by its prefix (`cn-`, `us-gov-`, `eusc-`; everything else is
    /// the commercial one). Isolated partitions (`us-iso-`, `us-isob-`, `eu-isoe-`, `us-isof-`)
    /// have no public sign-in.
    pub fn of_region(region: &str) -> Result<Self, ConsoleError> {
        let isolated = region
            .split('-')
            .nth(1)
            .is_some_and(|part| part.starts_with("iso"));
        if isolated {
            return Err(ConsoleError::Partition {
                region: region.to_string(),
            });
        }
        Ok(if region.starts_with("cn-") {
            Partition::AwsCn
        } else if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("eusc-") {
            Partition::AwsEusc
        } else {
            Partition::Aws
        })
    }

    pub fn domain(self) -> &'static str {
        match self {
            Partition::Aws => "aws.amazon.com",
            Partition::AwsCn => "amazonaws.cn",
            Partition::AwsUsGov => "amazonaws-us-gov.com",
            Partition::AwsEusc => "amazonaws-eusc.eu",
        }
    }

    pub fn signin_host(self) -> String {
        format!("signin.{}", self.domain())
    }

    pub fn console_host(self) -> String {
        format!("console.{}", self.domain())
    }

    /// Every partition's console host, for telling a console URL from any other.
    fn all() -> [Partition; 4] {
        [
            Partition::Aws,
            Partition::AwsCn,
            Partition::AwsUsGov,
            Partition::AwsEusc,
        ]
    }
}

/// The federation endpoint: `endpoint_override` (`AWS_ENDPOINT_URL_SIGNIN` and the SDKs' other
/// endpoint settings) with `/federation` appended, else the partition's sign-in host.
pub fn federation_endpoint(
    partition: Partition,
    endpoint_override: Option<&str>,
) -> Result<Url, ConsoleError> {
    let base = match endpoint_override {
        Some(base) => base.trim_end_matches('/').to_string(),
        None => format!("https://{}", partition.signin_host()),
    };
    let bad = || ConsoleError::Endpoint { url: base.clone() };
    let url = Url::parse(&format!("{base}/federation")).map_err(|_| bad())?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(bad()),
    }
}

/// The console page to land on: the console's home in `region` when nothing is asked for; a
/// service name (`s3`) is that service's home in `region`; an https:// URL on a console host is
/// taken as it is.
pub fn destination(
    asked: Option<&str>,
    partition: Partition,
    region: &str,
) -> Result<String, ConsoleError> {
    let console = partition.console_host();
    let region_query = utf8_percent_encode(region, COMPONENT);
    let Some(asked) = asked else {
        return Ok(format!(
            "https://{console}/console/home?region={region_query}"
        ));
    };
    let bad = || ConsoleError::Destination {
        given: asked.to_string(),
    };
    if asked.contains("://") {
        let url = Url::parse(asked).map_err(|_| bad())?;
        let host = url.host_str().unwrap_or_default();
        let on_console = Partition::all().iter().any(|p| {
            let console = p.console_host();
            host == console || host.ends_with(&format!(".{console}"))
        });
        return if url.scheme() == "https" && on_console {
            Ok(asked.to_string())
        } else {
            Err(bad())
        };
    }
    let service_name = !asked.is_empty()
        && asked
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !service_name {
        return Err(bad());
    }
    Ok(format!(
        "https://{console}/{asked}/home?region={region_query}"
    ))
}

/// The `getSigninToken` request: it carries the credentials, so it is a secret itself and goes
/// nowhere but to the federation endpoint.
pub fn signin_token_request(
    endpoint: &Url,
    creds: &Credentials,
    session_duration: Option<u32>,
) -> Url {
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token.as_deref().unwrap_or_default(),
    });
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("Action", "getSigninToken");
        if let Some(seconds) = session_duration {
            query.append_pair("SessionDuration", &seconds.to_string());
        }
        query.append_pair("Session", &session.to_string());
    }
    url
}

/// The `login` URL a browser opens: it signs in whoever opens it until the token expires.
pub fn login_url(endpoint: &Url, issuer: Option<&str>, destination: &str, token: &str) -> Url {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("Action", "login");
        if let Some(issuer) = issuer {
            query.append_pair("Issuer", issuer);
        }
        query.append_pair("Destination", destination);
        query.append_pair("SigninToken", token);
    }
    url
}

/// What `encodeURIComponent` leaves alone: RFC 3986's unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The IAM Identity Center access portal's shortcut link:
/// `<start URL>/#/console?account_id=<id>&role_name=<permission set>&destination=<console URL>`.
/// It holds no secret: the portal signs in (and asks for a login) itself, and works with the
/// console's multi-session sign-in. Without a destination the portal picks the permission set's
/// relay state, else the console's home.
pub fn portal_url(
    start_url: &str,
    account_id: &str,
    role_name: &str,
    destination: Option<&str>,
) -> String {
    let mut url = format!(
        "{}/#/console?account_id={}&role_name={}",
        start_url.trim_end_matches('/'),
        utf8_percent_encode(account_id, COMPONENT),
        utf8_percent_encode(role_name, COMPONENT),
    );
    if let Some(destination) = destination {
        url.push_str("&destination=");
        url.extend(utf8_percent_encode(destination, COMPONENT));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "se/cret+key".into(),
            session_token: token.map(str::to_string),
            expiration: None,
            account_id: None,
        }
    }

    #[test]
    fn regions_name_their_partition() {
        for (region, partition) in [
            ("us-east-1", Partition::Aws),
            ("eu-west-1", Partition::Aws),
            ("cn-north-1", Partition::AwsCn),
            ("cn-northwest-1", Partition::AwsCn),
            ("us-gov-west-1", Partition::AwsUsGov),
            ("us-gov-east-1", Partition::AwsUsGov),
            ("eusc-de-east-1", Partition::AwsEusc),
        ] {
            assert_eq!(Partition::of_region(region).unwrap(), partition, "{region}");
        }
        for isolated in [
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "us-isof-south-1",
        ] {
            let err = Partition::of_region(isolated).unwrap_err();
            assert!(err.to_string().contains(isolated), "{err}");
        }
    }

    #[test]
    fn each_partition_signs_in_and_lands_on_its_own_hosts() {
        for (region, signin, console_home) in [
            (
                "cn-north-1",
                "https://signin.amazonaws.cn/federation",
                "https://console.amazonaws.cn/console/home?region=cn-north-1",
            ),
            (
                "us-gov-west-1",
                "https://signin.amazonaws-us-gov.com/federation",
                "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
            ),
            (
                "eu-west-1",
                "https://signin.aws.amazon.com/federation",
                "https://console.aws.amazon.com/console/home?region=eu-west-1",
            ),
            (
                "eusc-de-east-1",
                "https://signin.amazonaws-eusc.eu/federation",
                "https://console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1",
            ),
        ] {
            let p = Partition::of_region(region).unwrap();
            assert_eq!(federation_endpoint(p, None).unwrap().as_str(), signin);
            assert_eq!(destination(None, p, region).unwrap(), console_home);
        }
        let cn = Partition::of_region("cn-north-1").unwrap();
        assert_eq!(
            destination(Some("s3"), cn, "cn-north-1").unwrap(),
            "https://console.amazonaws.cn/s3/home?region=cn-north-1"
        );
    }

    #[test]
    fn an_endpoint_override_replaces_the_sign_in_host() {
        let p = Partition::Aws;
        for base in ["http://127.0.0.1:9", "http://127.0.0.1:9/"] {
            assert_eq!(
                federation_endpoint(p, Some(base)).unwrap().as_str(),
                "http://127.0.0.1:9/federation"
            );
        }
        assert!(federation_endpoint(p, Some("not a url")).is_err());
        assert!(federation_endpoint(p, Some("file:///tmp")).is_err());
    }

    #[test]
    fn console_urls_are_taken_as_they_are_and_other_urls_refused() {
        let p = Partition::Aws;
        for url in [
            "https://console.aws.amazon.com/s3/buckets/b?region=eu-west-1",
            "https://eu-west-1.console.aws.amazon.com/lambda/home#/functions",
            "https://console.amazonaws.cn/ec2/home",
        ] {
            assert_eq!(destination(Some(url), p, "eu-west-1").unwrap(), url);
        }
        for bad in [
            "http://console.aws.amazon.com/s3",
            "https://evil.example/console.aws.amazon.com",
            "https://console.aws.amazon.com.evil.example/",
            "S3",
            "s3/home",
            "",
        ] {
            let err = destination(Some(bad), p, "eu-west-1").unwrap_err();
            assert!(matches!(err, ConsoleError::Destination { .. }), "{bad}");
        }
    }

    #[test]
    fn the_token_request_carries_the_session_as_json() {
        let endpoint = federation_endpoint(Partition::Aws, None).unwrap();
        let url = signin_token_request(&endpoint, &creds(Some("tok/en")), Some(3600));
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("Action".into(), "getSigninToken".into()));
        assert_eq!(pairs[1], ("SessionDuration".into(), "3600".into()));
        assert_eq!(pairs[2].0, "Session");
        let session: serde_json::Value = serde_json::from_str(&pairs[2].1).unwrap();
        assert_eq!(
            session,
            serde_json::json!({"sessionId": "ASIAEXAMPLE", "sessionKey": "se/cret+key",
                               "sessionToken": "tok/en"})
        );
        let without = signin_token_request(&endpoint, &creds(Some("t")), None);
        assert!(!without.as_str().contains("SessionDuration"));
    }

    #[test]
    fn the_login_url_names_issuer_destination_and_token() {
        let endpoint = federation_endpoint(Partition::Aws, None).unwrap();
        let dest = "https://console.aws.amazon.com/s3/home?region=eu-west-1";
        let url = login_url(
            &endpoint,
            Some("https://d-1.awsapps.com/start"),
            dest,
            "T+k/n=",
        );
        assert_eq!(
            url.as_str(),
            "https://signin.aws.amazon.com/federation?Action=login\
             &Issuer=https%3A%2F%2Fd-1.awsapps.com%2Fstart\
             &Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1\
             &SigninToken=T%2Bk%2Fn%3D"
        );
        let url = login_url(&endpoint, None, dest, "t");
        assert!(!url.as_str().contains("Issuer"));
    }

    #[test]
    fn the_portal_shortcut_follows_the_documented_format() {
        assert_eq!(
            portal_url(
                "https://d-abc123.awsapps.com/start/",
                "111111111111",
                "Developer",
                None
            ),
            "https://d-abc123.awsapps.com/start/#/console?account_id=111111111111&role_name=Developer"
        );
        assert_eq!(
            portal_url(
                "https://d-abc123.awsapps.com/start",
                "111111111111",
                "Dev+Ops",
                Some("https://console.aws.amazon.com/s3/home?region=eu-west-1")
            ),
            "https://d-abc123.awsapps.com/start/#/console?account_id=111111111111&role_name=Dev%2BOps\
             &destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1"
        );
    }
}
