//! `ssoenv sandbox`: a local IAM Identity Center emulator speaking the real sso, sso-oidc and sts
//! wire protocols on 127.0.0.1, so the AWS SDKs, the AWS CLI and ssoenv itself log in and fetch
//! credentials against it through `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL_SSO_OIDC` and
//! `AWS_ENDPOINT_URL_STS` without knowing it is a stand-in.
//!
//! # HTTP surface (one port, the three services side by side)
//!
//! sso-oidc (rest-json; errors: status + `{"error","error_description"}` + `x-amzn-errortype`):
//! - `POST /client/register` RegisterClient. `clientType` must be `public`; `authorization_code`
//!   needs `redirectUris` (https, or http on loopback). The secret lasts 90 days.
//! - `POST /device_authorization` StartDeviceAuthorization: `verificationUri` is `BASE/device`,
//!   `verificationUriComplete` `BASE/device?user_code=ABCD-EFGH`, `expiresIn` 600, `interval` 1.
//! - `POST /token` CreateToken, grants `urn:ietf:params:oauth:grant-type:device_code`,
//!   `authorization_code` (PKCE S256 `codeVerifier` and `redirectUri` checked, code single-use)
//!   and `refresh_token` (rotated: the old refresh token is spent; the old access token lives on
//!   until it expires).
//!   Refresh tokens are issued only to clients registered with `scopes` (sso-session logins), as
//!   by the real service; legacy start-URL logins get none.
//! - `GET /authorize?response_type=code&client_id=&redirect_uri=&state=&code_challenge_method=S256
//!   &scopes=&code_challenge=`: approves at once, `302` to `redirect_uri?code=..&state=..`
//!   (`?error=..&state=..` for a bad request; a 400 page for an unknown client or redirect URI).
//! - `GET /device[?user_code=..]`: approves that device authorization (200 page; 404 if unknown
//!   or expired); `&action=deny` denies it instead (CreateToken then answers
//!   AccessDeniedException). With `--auto-approve` device authorizations start approved.
//! - `GET /start`: the start URL's page.
//!
//! sso (rest-json, token in `x-amz-sso_bearer_token`; errors `{"message"}` + `x-amzn-errortype`):
//! - `GET /federation/credentials?role_name=&account_id=` GetRoleCredentials (`expiration` in ms).
//! - `GET /assignment/accounts?next_token=&max_result=` ListAccounts, paged (`max_result` 1–100).
//! - `GET /assignment/roles?account_id=&next_token=&max_result=` ListAccountRoles, paged.
//! - `POST /logout` Logout: revokes the access token and the refresh token issued with it.
//! - A missing, unknown, revoked or expired token: 401 UnauthorizedException. A role the user
//!   does not hold: 403 ForbiddenException "No access" (as the real service); an unknown account
//!   in ListAccountRoles: 404 ResourceNotFoundException; bad paging: 400 InvalidRequestException.
//!
//! sts (awsQuery, `POST /` form-encoded, XML; signatures not checked, but the access key id in
//! `Authorization` must be one the sandbox issued, else 403 InvalidClientTokenId, or 400
//! ExpiredToken once expired): `AssumeRole` (any `arn:aws:iam::<12 digits>:role/...`; lifetime
//! `DurationSeconds` 900–43200 when given, else `--credentials-ttl`) and `GetCallerIdentity`.
//!
//! sign-in (the console's federation endpoint; see [`signin`]): `GET /federation?Action=
//! getSigninToken&[SessionDuration=N&]Session=<JSON>` answers `{"SigninToken"}` for a key pair the
//! sandbox issued (400 otherwise, and for a `SessionDuration` with chained-role credentials);
//! `GET /federation?Action=login&Destination=&SigninToken=` redirects to `GET /console`, a page
//! naming the account and role.
//!
//! Directory: `111111111111` sandbox-dev (Developer, ReadOnly), `222222222222` sandbox-prod
//! (ReadOnly), `333333333333` sandbox-audit (Auditor, ReadOnly); see [`state::ACCOUNTS`]; then
//! `--accounts N` generated ones (`4000000000NN`, `--roles-per-account M` roles each, awkward
//! names: see [`state::generated`]). SSO role
//! credentials belong to `arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_ROLE_<hex>/sandbox-user`.
//!
//! # Test hooks
//! - `--throttle N` / `--fail N`: the next N API requests (browser pages excluded) answer as the
//!   service does when throttling (sso 429 TooManyRequestsException, sso-oidc 429
//!   ThrottlingException, sts 400 Throttling) or failing (500 InternalServerException, sts
//!   InternalFailure). Throttling is used up first. `POST /_sandbox/inject?throttle=N&fail=N`
//!   arms the same at any time, and more: `garbage=N` answers 200 with a body the SDKs cannot
//!   read (a string where a number or timestamp belongs) whose secret-looking values start with
//!   `sandbox-garbage-secret`; `hang=N` accepts the request and never answers; `slow=N` answers
//!   after `delay_ms=M` (default 2000). Hangs and slowness come before the other faults; `op=NAME`
//!   (an sso operation, e.g. `ListAccountRoles`) keeps throttle, fail and garbage for that one.
//! - `--rate-limit N`: sso requests (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout)
//!   beyond N a second (a bucket of one second's worth) answer 429 TooManyRequestsException,
//!   counted as `RateLimited` in the stats.
//! - `GET /_sandbox/stats`: requests received per operation, faulted ones included:
//!   `{"RegisterClient":n,"StartDeviceAuthorization":n,"CreateToken":{"device_code":n,
//!   "authorization_code":n,"refresh_token":n,"other":n},"GetRoleCredentials":n,"ListAccounts":n,
//!   "ListAccountRoles":n,"Logout":n,"AssumeRole":n,"GetCallerIdentity":n,"Authorize":n,
//!   "Verify":n,"GetSigninToken":n,"ConsoleLogin":n,"RateLimited":n,"injected":{"throttle":n,
//!   "fail":n,"garbage":n,"hang":n,"slow":n}}` (a hung request is counted only under `injected`).
//!   `POST /_sandbox/reset-stats` zeroes it.
//!
//! # The command (`src/cmd/sandbox.rs`)
//! Every run creates a temporary home (see [`home`]) with `.aws/config` (`[default]`,
//! `[sso-session sandbox]`, profiles `dev`, `readonly`, legacy `prod`, role chain `admin`), an
//! empty `.aws/credentials`, and sets `HOME`, `SSOENV_SANDBOX_HOME`, `SSOENV_SANDBOX_URL`,
//! `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_ENDPOINT_URL_SSO`,
//! `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_SIGNIN`,
//! `SSOENV_CACHE_DIR` and `BROWSER` (`'<exe>' sandbox --browse`, unless
//! `SSOENV_SANDBOX_KEEP_BROWSER=1`), removing
//! [`home::REMOVED_VARS`]. `ssoenv sandbox -- CMD` runs CMD with that environment and leaves with
//! its exit code; without a command the variables (all but `HOME`) are printed as `export`
//! lines and the sandbox serves until SIGINT/SIGTERM. The home is deleted when the sandbox stops.

pub mod browse;
pub mod error;
pub mod home;
pub mod http;
pub mod oidc;
pub mod portal;
pub mod server;
pub mod signin;
pub mod state;
pub mod sts;

pub use error::SandboxError;
pub use server::{Options, Running, start};
