//! Account names from ListAccounts, remembered in ssoenv's own state folder so the prompt and
//! `whoami` can show `sandbox-dev` instead of `111111111111` without touching the network.
//! Names are not secrets; the file is still written privately, like every file of ours.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::env::Env;
use crate::fsutil;

/// The state file of account names (`account-names.json` in ssoenv's state folder).
pub fn names_path(env: &Env) -> Option<PathBuf> {
    env.state_dir().map(|d| d.join("account-names.json"))
}

/// Every account name seen so far, by account id. Missing or unreadable: empty.
pub fn names(env: &Env) -> BTreeMap<String, String> {
    names_path(env)
        .and_then(|p| fsutil::read_regular(&p).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// One account's name, if known.
pub fn name(env: &Env, account_id: &str) -> Option<String> {
    names(env).remove(account_id)
}

/// Adds `fresh` to the remembered names (later logins may see other accounts).
pub fn remember(
    env: &Env,
    fresh: impl IntoIterator<Item = (String, String)>,
) -> std::io::Result<()> {
    let Some(path) = names_path(env) else {
        return Ok(());
    };
    let mut all = names(env);
    all.extend(fresh);
    let text = serde_json::to_vec_pretty(&all).map_err(std::io::Error::other)?;
    fsutil::write_private(&path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accumulate_and_survive_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_map([("SSOENV_CACHE_DIR", dir.path())]);
        assert_eq!(name(&env, "1"), None);
        remember(&env, [("1".to_string(), "one".to_string())]).unwrap();
        remember(&env, [("2".to_string(), "two".to_string())]).unwrap();
        assert_eq!(name(&env, "1").as_deref(), Some("one"));
        assert_eq!(names(&env).len(), 2);
        std::fs::write(dir.path().join("account-names.json"), "{").unwrap();
        assert!(names(&env).is_empty());
    }
}
