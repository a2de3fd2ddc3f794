//! The profile a command acts on: named on the command line, else the active one
//! ([`Env::active_profile`]); with what logging in to it and fetching its credentials take.

use jiff::Timestamp;

use super::error::ActiveError;
use crate::config::chain;
use crate::config::{AwsConfig, ConfigError, Profile, ProfileKind, SsoSession};
use crate::credentials::{self, Credentials, CredentialsError};
use crate::env::Env;
use crate::report::Reporter;
use crate::runtime;
use crate::sso::{self, ClientSettings, LoginOptions, SsoError, TokenStatus};

/// A profile resolved from the config it came from.
pub struct Selected {
    pub config: AwsConfig,
    pub profile: Profile,
}

impl Selected {
    /// The profile `name`, else the active one. Only what it needs is parsed from a large config;
    /// a mistyped name reads every profile, to suggest the closest ones.
    pub fn load(env: &Env, name: Option<&str>) -> Result<Self, ConfigError> {
        let name = match name {
            Some(name) => name.to_string(),
            None => env.active_profile().name,
        };
        let config = AwsConfig::load_for(env, &name)?;
        let profile = match config.profile(&name) {
            Ok(profile) => profile,
            Err(ConfigError::UnknownProfile { .. }) => AwsConfig::load(env)?.profile(&name)?,
            Err(e) => return Err(e),
        };
        Ok(Self { config, profile })
    }

    /// The IAM Identity Center session the profile logs in through, directly or at the root of
    /// its role chain.
    pub fn sso_session(&self) -> Result<SsoSession<'static>, ConfigError> {
        if let ProfileKind::SsoToken { session } | ProfileKind::Sso { session, .. } =
            &self.profile.kind
        {
            return Ok(session.clone());
        }
        chain::chain(&self.config.set, &self.profile.name)?
            .sso_session()
            .cloned()
            .ok_or_else(|| {
                let name = self.profile.name.clone();
                match self.profile.kind {
                    ProfileKind::LoginSession { .. } => ConfigError::LoginSessionNotSso { name },
                    _ => ConfigError::NotSso { name },
                }
            })
    }

    /// The command a "login needed" error tells the user to run.
    pub fn login_hint(&self) -> String {
        format!("ssoenv login {}", self.profile.name)
    }

    /// How this profile's SDK clients are built: its endpoints, and the deadline of each call.
    pub fn client_settings(&self, env: &Env) -> Result<ClientSettings, SsoError> {
        ClientSettings::for_profile(env, &self.config.set, Some(&self.profile.name))
            .map_err(SsoError::Settings)
    }

    /// A login on this profile's behalf, through its endpoint settings.
    pub fn login_options(&self, env: &Env) -> Result<LoginOptions, SsoError> {
        let session = self.sso_session().ok();
        let session_name = session.as_ref().and_then(|s| s.name.as_deref());
        Ok(LoginOptions {
            client: self.client_settings(env)?,
            profile: Some(self.profile.name.clone()),
            use_device_code: self
                .config
                .use_device_code(Some(&self.profile.name), session_name),
            ..LoginOptions::default()
        })
    }

    /// Logs in first when the profile's SSO session needs it (`env --login`, what `asp` runs).
    /// Local state decides; a token that refreshes silently needs nothing.
    pub fn ensure_logged_in(&self, env: &Env, report: &Reporter) -> Result<(), ActiveError> {
        let Ok(session) = self.sso_session() else {
            return Ok(());
        };
        match sso::token_status(env, report, &session, Timestamp::now()) {
            TokenStatus::Valid { .. } | TokenStatus::Refreshable { .. } => Ok(()),
            TokenStatus::Expired { .. } | TokenStatus::Missing => {
                let runtime = runtime::start().map_err(ActiveError::Runtime)?;
                let options = self.login_options(env)?;
                runtime.block_on(sso::login(env, report, &session, options))?;
                Ok(())
            }
        }
    }

    /// The profile's credentials: from local state when fresh, else through the network; with
    /// `login`, a session that needs it is logged in to first.
    pub fn credentials(
        &self,
        env: &Env,
        report: &Reporter,
        login: bool,
    ) -> Result<Credentials, ActiveError> {
        let chain = chain::chain(&self.config.set, &self.profile.name)?;
        let set = &self.config.set;
        if let Some(creds) = credentials::cached(env, report, set, &chain, Timestamp::now()) {
            return Ok(creds);
        }
        let hint = self.login_hint();
        let region = self.profile.region.as_deref();
        let runtime = runtime::start().map_err(ActiveError::Runtime)?;
        let resolve = || credentials::resolve(env, report, set, &chain, region, &hint);
        match runtime.block_on(resolve()) {
            Err(CredentialsError::Sso(SsoError::LoginRequired { .. })) if login => {
                let session = self.sso_session()?;
                let options = self.login_options(env)?;
                runtime.block_on(sso::login(env, report, &session, options))?;
                Ok(runtime.block_on(resolve())?)
            }
            result => Ok(result?),
        }
    }
}
