//! `ssoenv prompt`: the compact account/role/region/expiry segment. It runs before every prompt,
//! so it reads only the environment and, when a profile is active, the one config section and
//! token file it needs — never the network, never an async runtime — and on any error it prints
//! nothing and exits 0: a prompt must never break.
//!
//! `--for-hook SHELL` prints the same segment as a script for the shell's prompt hook, which keeps
//! it in `SSOENV_SEGMENT` and asks again only when an input changed: `__ssoenv_seg_files` (the
//! files the segment was read from), `__ssoenv_seg_mtimes` (their modification times in seconds,
//! read before the files themselves, 0 when missing), `__ssoenv_seg_until` (the epoch second from
//! which the clock alone may change the text; 0 for never) and, for bash and zsh, which compare
//! files with `-ot` instead, `__ssoenv_seg_stamp` (a file rewritten before anything is read).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use crate::active::segment::render;
use crate::active::status::{Inputs, segment, segment_and_inputs};
use crate::cli::PromptArgs;
use crate::env::{Env, EnvChange};
use crate::error::Error;
use crate::fsutil;
use crate::shell::{self, ShellKind};

/// The variable the hooks keep the segment in.
pub const SEGMENT_VARIABLE: &str = "SSOENV_SEGMENT";

pub fn run(args: PromptArgs, env: &Env, out: &mut dyn Write) -> Result<(), Error> {
    if let Some(kind) = args.for_hook {
        let script = for_hook(kind, &args, env, Timestamp::now())?;
        let _ = out.write_all(script.as_bytes());
        return Ok(());
    }
    let Some(segment) = segment(env, Timestamp::now()) else {
        return Ok(());
    };
    let format = segment.format(args.format.as_deref(), args.guard_format.as_deref());
    if let Some(text) = render(format, &segment).filter(|t| !t.is_empty()) {
        // A closed terminal is not worth an error either.
        let _ = writeln!(out, "{text}");
    }
    Ok(())
}

/// The hook's script: the segment `prompt` would print at `now`, and what to watch.
fn for_hook(
    kind: ShellKind,
    args: &PromptArgs,
    env: &Env,
    now: Timestamp,
) -> Result<String, Error> {
    let stamp = matches!(kind, ShellKind::Bash | ShellKind::Zsh)
        .then(|| stamp_path(env))
        .flatten()
        .filter(|p| fsutil::touch_stamp(p).is_ok());
    if let Some(dir) = stamp.as_deref().and_then(Path::parent) {
        remove_stale_stamps(dir);
    }
    // Which files matter is known only after reading them: learn the list, take the times, then
    // read again, so a file written after its time was taken always looks changed next prompt.
    let (_, first) = segment_and_inputs(env, now);
    let mtimes: Vec<i64> = first.files.iter().map(|f| mtime(f)).collect();
    let (segment, inputs) = segment_and_inputs(env, now);
    let text = segment
        .and_then(|s| {
            render(
                s.format(args.format.as_deref(), args.guard_format.as_deref()),
                &s,
            )
        })
        .filter(|t| !t.is_empty());
    let until = until(&inputs, &first, &mtimes, now);
    let change = match text {
        Some(text) => EnvChange::Set(SEGMENT_VARIABLE.into(), text),
        None => EnvChange::Unset(SEGMENT_VARIABLE.into()),
    };
    let paths = |files: &[PathBuf]| -> Vec<String> {
        files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect()
    };
    let mut lists = vec![
        ("__ssoenv_seg_until", vec![until.to_string()]),
        ("__ssoenv_seg_files", paths(&first.files)),
        (
            "__ssoenv_seg_mtimes",
            mtimes.iter().map(i64::to_string).collect(),
        ),
    ];
    if let Some(stamp) = stamp {
        lists.push(("__ssoenv_seg_stamp", paths(&[stamp])));
    }
    Ok(shell::hook_state(kind, &[change], &lists)?)
}

/// The epoch second from which the hook must ask again whatever else happens: when the text
/// changes by the clock; at once when the files changed between the two reads; and next second
/// when a file was written this very second, since a second write within it would leave the same
/// time behind. 0 for never.
fn until(inputs: &Inputs, first: &Inputs, mtimes: &[i64], now: Timestamp) -> i64 {
    let second = now.as_second();
    let mut until = inputs.changes_at.map(|t| t.as_second());
    if inputs.files != first.files {
        until = Some(second);
    } else if mtimes.iter().any(|m| *m >= second) {
        until = Some(until.map_or(second + 1, |u| u.min(second + 1)));
    }
    until.unwrap_or(0)
}

/// A file's modification time in whole seconds; 0 when it is missing or unreadable.
fn mtime(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok())
        .map_or(0, |t| t.as_second())
}

/// One stamp per shell session (the shell is this process's parent), in ssoenv's state folder.
fn stamp_path(env: &Env) -> Option<PathBuf> {
    #[cfg(unix)]
    let shell = std::os::unix::process::parent_id();
    #[cfg(not(unix))]
    let shell = 0;
    env.state_dir()
        .map(|d| d.join("prompt-stamps").join(shell.to_string()))
}

/// Stamps of shells long gone: untouched for a day. A live shell whose stamp this removes finds
/// it missing at its next prompt, which counts as a change, and gets a new one.
fn remove_stale_stamps(dir: &Path) {
    let Some(day_ago) = std::time::SystemTime::now().checked_sub(Duration::from_secs(86_400))
    else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < day_ago);
        if stale {
            let _ = fsutil::remove_if_exists(&entry.path());
        }
    }
}
