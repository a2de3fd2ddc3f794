//! Opening the authorization URL, and telling whether a browser can open on this machine at all.
//!
//! `$BROWSER` wins when set (its words, then the URL as the last argument, as the AWS CLI and
//! `xdg-open` treat it). Otherwise: WSL (`/proc/sys/kernel/osrelease` mentions Microsoft) opens
//! with `wslview` when it is on `PATH`; an SSH session (`SSH_CONNECTION`, `SSH_TTY`), a container
//! (`/.dockerenv`, `/run/.containerenv`) or Linux without `DISPLAY` / `WAYLAND_DISPLAY` has no
//! local browser; else the platform's opener. `SSOENV_PROBE_ROOT` (a test hook) is prefixed to
//! the probed paths. The URL holds no secret (client id, state and the PKCE challenge are public
//! by design).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::env::Env;

/// How long an opener has to fail visibly: `xdg-open` without a handler, or a `$BROWSER` that
/// cannot start, exits non-zero at once; a real browser keeps running or hands over and exits 0.
const QUICK_FAILURE: Duration = Duration::from_millis(700);

/// How the URL can reach a person's browser here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opener {
    /// Run these words with the URL appended.
    Command(Vec<String>),
    /// No browser can open on this machine, and why (for the message).
    Nothing(&'static str),
}

/// The opener for this machine (see the module's comment for the order).
pub fn opener(env: &Env) -> Result<Opener, String> {
    if let Some(browser) = env.var("BROWSER") {
        let words =
            shell_words::split(&browser).map_err(|e| format!("cannot split $BROWSER: {e}"))?;
        if words.is_empty() {
            return Err("$BROWSER is empty".into());
        }
        return Ok(Opener::Command(words));
    }
    if cfg!(target_os = "macos") {
        return Ok(Opener::Command(vec!["open".into()]));
    }
    if cfg!(windows) {
        return Ok(Opener::Command(vec!["explorer".into()]));
    }
    let probe = |path: &str| probe_path(env, path);
    let is_wsl = std::fs::read_to_string(probe("/proc/sys/kernel/osrelease"))
        .is_ok_and(|release| release.to_ascii_lowercase().contains("microsoft"));
    if is_wsl {
        return Ok(match on_path(env, "wslview") {
            Some(wslview) => Opener::Command(vec![wslview.display().to_string()]),
            None => Opener::Nothing("WSL without `wslview` (install wslu)"),
        });
    }
    if env.var("SSH_CONNECTION").is_some() || env.var("SSH_TTY").is_some() {
        return Ok(Opener::Nothing("an SSH session"));
    }
    if probe("/.dockerenv").exists() || probe("/run/.containerenv").exists() {
        return Ok(Opener::Nothing("a container"));
    }
    if env.var("DISPLAY").is_none() && env.var("WAYLAND_DISPLAY").is_none() {
        return Ok(Opener::Nothing("no DISPLAY or WAYLAND_DISPLAY"));
    }
    Ok(Opener::Command(vec!["xdg-open".into()]))
}

/// `path`, under `$SSOENV_PROBE_ROOT` when set (tests give a fake root).
fn probe_path(env: &Env, path: &str) -> PathBuf {
    match env.var_os("SSOENV_PROBE_ROOT").filter(|r| !r.is_empty()) {
        Some(root) => Path::new(&root).join(path.trim_start_matches('/')),
        None => PathBuf::from(path),
    }
}

/// An executable file named `name` in `$PATH`.
fn on_path(env: &Env, name: &str) -> Option<PathBuf> {
    let path = env.var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Runs the opener with the URL and waits briefly for it to fail: an opener that is missing or
/// exits non-zero at once is an error (the caller prints the URL instead); one still running is
/// left to finish on its own.
pub async fn open(words: &[String], url: &str) -> Result<(), String> {
    let (program, args) = words.split_first().ok_or("no opener")?;
    let mut child = tokio::process::Command::from({
        let mut command = Command::new(program);
        command
            .args(args)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    })
    .kill_on_drop(false)
    .spawn()
    .map_err(|e| format!("{program}: {e}"))?;
    match tokio::time::timeout(QUICK_FAILURE, child.wait()).await {
        Ok(Ok(status)) if !status.success() => Err(format!("{program} failed ({status})")),
        Ok(Err(e)) => Err(format!("{program}: {e}")),
        // Done, or still running: tokio reaps it in the background.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        root
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_opener_follows_the_machine() {
        let plain = root_with(&[]);
        let docker = root_with(&[(".dockerenv", "")]);
        let podman = root_with(&[("run/.containerenv", "")]);
        let wsl = root_with(&[(
            "proc/sys/kernel/osrelease",
            "5.15.1-microsoft-standard-WSL2",
        )]);
        let r = |root: &tempfile::TempDir| root.path().display().to_string();
        let opener = |vars: &[(&str, String)]| {
            opener(&Env::from_map(vars.iter().map(|(k, v)| (*k, v.clone())))).unwrap()
        };
        let display = ("DISPLAY", ":0".to_string());
        let root = |dir| ("SSOENV_PROBE_ROOT", r(dir));
        let xdg = Opener::Command(vec!["xdg-open".into()]);
        assert_eq!(opener(&[display.clone(), root(&plain)]), xdg);
        assert_eq!(
            opener(&[("WAYLAND_DISPLAY", "w".into()), root(&plain)]),
            xdg
        );
        assert!(matches!(opener(&[root(&plain)]), Opener::Nothing(_)));
        for ssh in ["SSH_CONNECTION", "SSH_TTY"] {
            let got = opener(&[display.clone(), (ssh, "x".into()), root(&plain)]);
            assert_eq!(got, Opener::Nothing("an SSH session"));
        }
        for marker in [&docker, &podman] {
            let got = opener(&[display.clone(), root(marker)]);
            assert_eq!(got, Opener::Nothing("a container"));
        }
        assert!(matches!(opener(&[root(&wsl)]), Opener::Nothing(_)));
        let bin = tempfile::tempdir().unwrap();
        let wslview = bin.path().join("wslview");
        std::fs::write(&wslview, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wslview, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = ("PATH", bin.path().display().to_string());
        assert_eq!(
            opener(&[root(&wsl), path]),
            Opener::Command(vec![wslview.display().to_string()])
        );
        // $BROWSER wins over everything.
        assert_eq!(
            opener(&[("BROWSER", "my browser".into()), ("SSH_TTY", "x".into())]),
            Opener::Command(vec!["my".into(), "browser".into()])
        );
    }
}
