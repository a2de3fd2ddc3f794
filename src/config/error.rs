//! What can be wrong with the config: a file's syntax, a file that cannot be read, a profile or
//! sso-session that is unknown or whose keys do not fit together. Each names file and line.

use std::io;
use std::path::{Path, PathBuf};

use super::model::Origin;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file's syntax is wrong at this line.
    #[error("{origin}: {message}")]
    Syntax { origin: Origin, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot tell where the AWS config lives: set HOME (or AWS_CONFIG_FILE)")]
    NoHome,
    #[error("{}", unknown_profile_message(.name, .config, .suggestions))]
    UnknownProfile {
        name: String,
        config: PathBuf,
        suggestions: Vec<String>,
    },
    /// A profile or sso-session whose keys do not fit together.
    #[error("{origin}: {section} `{name}`, key `{key}`: {message}")]
    Invalid {
        section: &'static str,
        name: String,
        key: String,
        origin: Origin,
        message: String,
    },
    /// A profile that has to log in through IAM Identity Center (`login`, `logout`) and does not.
    #[error("profile `{name}` does not log in through IAM Identity Center")]
    NotSso { name: String },
    /// Like `NotSso`, for an `aws login` session: the AWS CLI logs it in.
    #[error(
        "profile `{name}` is an `aws login` session, which the AWS CLI manages, not IAM Identity \
         Center (log in with `aws login --profile {name}`)"
    )]
    LoginSessionNotSso { name: String },
    /// `--sso-session NAME` names no `[sso-session NAME]`.
    #[error("there is no [sso-session {name}] in {}", config.display())]
    UnknownSession { name: String, config: PathBuf },
    /// A profile asked for credentials that has no source of them: the message says what the
    /// profile does set, so the user sees why.
    #[error(
        "{origin}: profile `{name}` did not contain credential information ({}): give it SSO keys \
         (`sso_session`, `sso_account_id`, `sso_role_name`), static keys, `credential_process`, or \
         `role_arn` with `source_profile`",
        what_it_sets(.keys)
    )]
    NoCredentials {
        name: String,
        origin: Origin,
        keys: Vec<String>,
    },
}

fn what_it_sets(keys: &[String]) -> String {
    if keys.is_empty() {
        return "it sets no keys".to_string();
    }
    let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    format!("it sets only {}", keys.join(", "))
}

fn unknown_profile_message(name: &str, config: &Path, suggestions: &[String]) -> String {
    let mut msg = format!("profile `{name}` is not in {}", config.display());
    if !suggestions.is_empty() {
        let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
        msg.push_str(&format!("; did you mean {}?", list.join(", ")));
    }
    msg.push_str(" (run `ssoenv list` to see them all)");
    msg
}
