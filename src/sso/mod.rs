//! The IAM Identity Center client: the token cache shared with the AWS CLI v2, the login flows,
//! silent refresh, logout and role credentials.

pub mod accounts;
pub mod browser;
pub mod cache;
pub mod client;
pub mod clock;
pub mod directory;
pub mod error;
pub mod failure;
pub mod lock;
pub mod login;
pub mod logout;
pub mod sdk;

pub use cache::{TokenStatus, token_status};
pub use client::{AccessToken, RoleCredentials, RoleRequest, access_token, role_credentials};
pub use error::SsoError;
pub use login::{LoginOptions, Outcome, login};
pub use sdk::ClientSettings;
