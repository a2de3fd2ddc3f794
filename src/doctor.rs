//! `ssoenv doctor`'s checks: what breaks silently — the binary and the hook, the config and the
//! tokens, variables that fight each other, cache modes, the clock — each returned as a
//! [`Finding`] with the fix. `cmd/doctor.rs` reports them. No network unless asked (`clock`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use crate::config::{AwsConfig, ProfileKind, SsoSession, profile};
use crate::env::Env;
use crate::report::Reporter;
use crate::sso::{self, ClientSettings, TokenStatus};
use crate::time::human;

/// One check's outcome: what was found and, when it is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable name for scripts (`--json`): `path`, `hook`, `rc`, `completion`, `config`,
    /// `session`, `variables`, `modes`, `clock`.
    pub check: &'static str,
    pub ok: bool,
    pub text: String,
    pub fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, text: impl Into<String>) -> Self {
        Self {
            check,
            ok: true,
            text: text.into(),
            fix: None,
        }
    }

    fn bad(check: &'static str, text: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check,
            ok: false,
            text: text.into(),
            fix: Some(fix.into()),
        }
    }
}

/// What the hook's `_SSOENV_HOOK` says: `SHELL PID NAME COMPLETION EXE`.
struct Hook {
    shell: String,
    pid: u32,
    cmd: String,
    completion: bool,
    exe: PathBuf,
}

fn hook(env: &Env) -> Option<Hook> {
    let marker = env.var("_SSOENV_HOOK")?;
    let mut parts = marker.splitn(5, ' ');
    Some(Hook {
        shell: parts.next()?.to_string(),
        pid: parts.next()?.parse().ok()?,
        cmd: parts.next()?.to_string(),
        completion: parts.next()? == "1",
        exe: PathBuf::from(parts.next()?),
    })
}

/// The same file, after links.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Which shell to check: the one that loaded the hook, else `$SHELL`'s.
fn shell_name(env: &Env, hook: Option<&Hook>) -> Option<String> {
    if let Some(hook) = hook {
        return Some(hook.shell.clone());
    }
    let shell = env.var("SHELL")?;
    let file = shell.rsplit(['/', '\\']).next().unwrap_or_default();
    Some(file.trim_start_matches('-').to_string())
}

/// The rc file the README's line goes in, and that line.
fn rc_file(env: &Env, shell: &str) -> Option<(PathBuf, &'static str)> {
    let home = env.home_dir()?;
    let xdg = env
        .var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map_or_else(|| home.join(".config"), PathBuf::from);
    Some(match shell {
        "bash" => (home.join(".bashrc"), "eval \"$(ssoenv init bash)\""),
        "zsh" => (
            env.var_os("ZDOTDIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| home.clone(), PathBuf::from)
                .join(".zshrc"),
            "eval \"$(ssoenv init zsh)\"",
        ),
        "fish" => (xdg.join("fish/config.fish"), "ssoenv init fish | source"),
        "elvish" => (
            xdg.join("elvish/rc.elv"),
            "eval (ssoenv init elvish | slurp)",
        ),
        _ => return None,
    })
}

/// `ssoenv` on `PATH`, the one running, and the one the hook runs.
pub fn binary(env: &Env, me: &Path) -> Vec<Finding> {
    let on_path = env.var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("ssoenv"))
            .find(|p| p.is_file())
    });
    let mut found = vec![match on_path {
        None => Finding::bad(
            "path",
            "ssoenv is not on PATH",
            format!(
                "add {} to PATH",
                me.parent().unwrap_or(Path::new("/")).display()
            ),
        ),
        Some(p) if !same_file(&p, me) => Finding::bad(
            "path",
            format!(
                "ssoenv on PATH is {}, not this one ({})",
                p.display(),
                me.display()
            ),
            format!(
                "remove the other, or put {} first on PATH",
                me.parent().unwrap_or(Path::new("/")).display()
            ),
        ),
        Some(p) => Finding::ok("path", format!("ssoenv on PATH is {}", p.display())),
    }];
    let hook = hook(env);
    let shell = shell_name(env, hook.as_ref());
    let rc = shell.as_deref().and_then(|s| rc_file(env, s));
    let load = rc.as_ref().map_or_else(
        || "load the hook from your shell's rc file (see `ssoenv init --help`)".to_string(),
        |(file, line)| format!("add `{line}` to {}, then open a new shell", file.display()),
    );
    // The shell that runs doctor is its parent, or doctor itself when the shell exec'd it.
    #[cfg(unix)]
    let here = [std::process::id(), std::os::unix::process::parent_id()];
    #[cfg(not(unix))]
    let here = [std::process::id()];
    found.push(match &hook {
        None => Finding::bad(
            "hook",
            "the shell hook is not loaded in this shell",
            load.clone(),
        ),
        Some(h) if !here.contains(&h.pid) => Finding::bad(
            "hook",
            format!(
                "the hook was loaded by another {} (pid {}), not this shell",
                h.shell, h.pid
            ),
            load.clone(),
        ),
        Some(h) if !same_file(&h.exe, me) => Finding::bad(
            "hook",
            format!(
                "the {} hook (`{}`) runs {}, not this ssoenv ({})",
                h.shell,
                h.cmd,
                h.exe.display(),
                me.display()
            ),
            format!("load the hook again: {load}"),
        ),
        Some(h) => Finding::ok(
            "hook",
            format!("the {} hook is loaded (`{}`)", h.shell, h.cmd),
        ),
    });
    if let Some((file, line)) = &rc {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        found.push(if text.contains("ssoenv init") {
            Finding::ok("rc", format!("{} loads the hook", file.display()))
        } else {
            Finding::bad(
                "rc",
                format!("{} does not load the hook", file.display()),
                format!("add `{line}` to it"),
            )
        });
    }
    if let Some(h) = &hook {
        found.push(if h.completion {
            Finding::ok("completion", "tab completion is registered")
        } else {
            Finding::bad(
                "completion",
                "tab completion is not registered: the hook was loaded before compinit",
                "move the ssoenv line after `compinit` in your .zshrc",
            )
        });
    }
    found
}

/// The config parses; every sso-session and legacy start URL with its token's state.
pub fn config(env: &Env, report: &Reporter, now: Timestamp) -> Vec<Finding> {
    let config = match AwsConfig::load(env) {
        Ok(config) => config,
        Err(e) => {
            return vec![Finding::bad(
                "config",
                e.to_string(),
                "correct the file at the line named",
            )];
        }
    };
    let mut found = vec![Finding::ok(
        "config",
        format!(
            "{} parses ({} profiles, {} sso-sessions)",
            config.locations.config.display(),
            config.set.profiles.len(),
            config.set.sso_sessions.len()
        ),
    )];
    // Each session once: named ones by name, legacy ones by start URL, with a profile to log in.
    let mut seen = BTreeSet::new();
    for (name, section) in &config.set.profiles {
        let Ok(kind) = profile::kind_of(&config.set, section) else {
            continue;
        };
        let session = match kind {
            ProfileKind::Sso { session, .. } | ProfileKind::SsoToken { session } => session,
            _ => continue,
        };
        let key = session.name.clone().unwrap_or(session.start_url.clone());
        if seen.insert(key.to_string()) {
            found.push(session_finding(env, report, &session, name, now));
        }
    }
    for name in config.set.sso_sessions.keys() {
        if !seen.contains(name.as_ref())
            && let Ok(session) = config.named_session(name)
        {
            found.push(session_finding(env, report, &session, "", now));
        }
    }
    found.push(variables(env, &config));
    found
}

fn session_finding(
    env: &Env,
    report: &Reporter,
    session: &SsoSession<'_>,
    profile: &str,
    now: Timestamp,
) -> Finding {
    let label = match &session.name {
        Some(name) => format!("[sso-session {name}]"),
        None => format!("start URL {}", session.start_url),
    };
    let login = match &session.name {
        Some(name) => format!("ssoenv login --sso-session {name}"),
        None => format!("ssoenv login {profile}"),
    };
    let left = |at: Timestamp| human(at.duration_since(now));
    let registration = sso::cache::load_token(env, report, session)
        .and_then(|t| t.registration_expires_at)
        .map(|at| {
            if at > now {
                format!("; registration expires in {}", left(at))
            } else {
                "; registration expired".to_string()
            }
        })
        .unwrap_or_default();
    match sso::token_status(env, report, session, now) {
        TokenStatus::Valid { expires_at } => Finding::ok(
            "session",
            format!("{label}: valid for {}{registration}", left(expires_at)),
        ),
        TokenStatus::Refreshable { .. } => Finding::ok(
            "session",
            format!("{label}: refreshable (the next use refreshes it){registration}"),
        ),
        TokenStatus::Missing => Finding::ok(
            "session",
            format!("{label}: none (not logged in; `{login}` when needed)"),
        ),
        TokenStatus::Expired { .. } => Finding::bad(
            "session",
            format!("{label}: expired, nothing to refresh it with{registration}"),
            login,
        ),
    }
}

/// Variables that fight each other.
fn variables(env: &Env, config: &AwsConfig) -> Finding {
    let mut problems = Vec::new();
    if env.var("AWS_ACCESS_KEY_ID").is_some()
        && let Some(profile) = env.var("AWS_PROFILE")
    {
        problems.push((
            format!("AWS_ACCESS_KEY_ID and AWS_PROFILE={profile} are both set: most tools use the keys"),
            format!("`asp {profile}` (clears the keys) or `unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`"),
        ));
    }
    if let Some(name) = env.var("AWS_DEFAULT_PROFILE")
        && !config.set.profiles.contains_key(name.as_str())
    {
        problems.push((
            format!("AWS_DEFAULT_PROFILE names `{name}`, which is not in the config"),
            "`unset AWS_DEFAULT_PROFILE` (or `asp`, which clears it)".to_string(),
        ));
    }
    if let Some(key) = config
        .set
        .profiles
        .get("default")
        .and_then(|d| d.property("aws_access_key_id"))
        && key.origin.file.as_ref() == config.locations.credentials.as_path()
    {
        problems.push((
            format!(
                "[default] in {} has static keys: tools that ignore AWS_PROFILE use them instead of SSO",
                key.origin
            ),
            "move them to a named profile in that file".to_string(),
        ));
    }
    if let Some(text) = env.var("AWS_CREDENTIAL_EXPIRATION") {
        let expired = crate::time::parse_timestamp(&text).is_none_or(|at| at <= Timestamp::now());
        if expired || env.var("AWS_ACCESS_KEY_ID").is_none() {
            problems.push((
                format!("AWS_CREDENTIAL_EXPIRATION={text} is stale"),
                "`asp -c PROFILE` for fresh credentials, or `asp` to clear them".to_string(),
            ));
        }
    }
    match problems.len() {
        0 => Finding::ok("variables", "the AWS variables agree"),
        _ => {
            let (text, fix): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
            Finding::bad("variables", text.join("; "), fix.join("; "))
        }
    }
}

/// Cache files readable only by their owner, and their folders writable only by it.
#[cfg(unix)]
pub fn modes(env: &Env) -> Vec<Finding> {
    use std::os::unix::fs::PermissionsExt;
    let dirs = [env.sso_cache_dir(), env.cli_cache_dir(), env.state_dir()];
    let mut found = Vec::new();
    let mut walk = vec![];
    for dir in dirs.into_iter().flatten() {
        if dir.is_dir() {
            walk.push(dir);
        }
    }
    // What others may do to it, and the mode that stops them.
    let too_open = |path: &Path, mode: u32, may: &str, private: &str| {
        Finding::bad(
            "modes",
            format!(
                "{} can be {may} by others (mode {:o})",
                path.display(),
                mode & 0o777
            ),
            format!("chmod {private} {}", path.display()),
        )
    };
    while let Some(dir) = walk.pop() {
        if let Ok(meta) = std::fs::metadata(&dir)
            && meta.permissions().mode() & 0o022 != 0
        {
            found.push(too_open(&dir, meta.permissions().mode(), "written", "700"));
        }
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                walk.push(path);
            } else if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                found.push(too_open(&path, meta.permissions().mode(), "read", "600"));
            }
        }
    }
    if found.is_empty() {
        found.push(Finding::ok("modes", "the caches are private to you"));
    }
    found
}

/// Modes are Unix's.
#[cfg(not(unix))]
pub fn modes(_env: &Env) -> Vec<Finding> {
    Vec::new()
}

/// Signing allows this much skew.
const SKEW: SignedDuration = SignedDuration::from_mins(5);

/// This machine's clock against the service's `Date` header, for the first sso-session (or legacy
/// start URL) of the config. Uses the network.
pub async fn clock(env: &Env) -> Finding {
    let Ok(config) = AwsConfig::load(env) else {
        return Finding::bad(
            "clock",
            "no config to find a service in",
            "fix the config first",
        );
    };
    let session = config.set.profiles.values().find_map(|section| {
        match profile::kind_of(&config.set, section).ok()? {
            ProfileKind::Sso { session, .. } | ProfileKind::SsoToken { session } => {
                Some(session.into_owned())
            }
            _ => None,
        }
    });
    let Some(session) = session else {
        return Finding::ok(
            "clock",
            "no IAM Identity Center in the config to compare clocks with",
        );
    };
    let settings = match ClientSettings::for_profile(env, &config.set, None) {
        Ok(settings) => settings,
        Err(e) => return Finding::bad("clock", e, "fix the setting named"),
    };
    match sso::clock::service_time(&session, &settings).await {
        Err(e) => Finding::bad(
            "clock",
            format!("cannot ask IAM Identity Center for its time: {e}"),
            "check the network, then run `ssoenv doctor --online` again",
        ),
        Ok(theirs) => {
            let skew = Timestamp::now().duration_since(theirs);
            if skew.abs() > SKEW {
                Finding::bad(
                    "clock",
                    format!(
                        "this clock is {} {} the service's: requests will be refused",
                        human(skew.abs()),
                        if skew.is_positive() {
                            "ahead of"
                        } else {
                            "behind"
                        }
                    ),
                    "set the clock right (enable NTP: `timedatectl set-ntp true`)",
                )
            } else {
                Finding::ok(
                    "clock",
                    format!(
                        "this clock agrees with the service's (within {})",
                        human(SKEW)
                    ),
                )
            }
        }
    }
}
