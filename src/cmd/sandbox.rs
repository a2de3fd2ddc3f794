//! `ssoenv sandbox`: serve the emulator around a command, or until stopped, or (`--browse`) play
//! a person's browser for a login against it.

use std::io::Write;
use std::time::Duration;

use crate::child::{self, Signals};
use crate::cli::SandboxArgs;
use crate::env::{Env, EnvChange};
use crate::error::Error;
use crate::exit;
use crate::fsutil;
use crate::runtime;
use crate::sandbox::home::{KEEP_BROWSER_VAR, REMOVED_VARS, SandboxHome, path_with_exe_dir};
use crate::sandbox::{self, Options, SandboxError, browse};
use crate::shell::{self, ShellKind};

pub fn run(args: SandboxArgs, env: &Env) -> Result<(), Error> {
    let runtime = runtime::start().map_err(|e| to_error(SandboxError::Runtime(e)))?;
    runtime.block_on(serve(args, env))
}

async fn serve(args: SandboxArgs, env: &Env) -> Result<(), Error> {
    if let Some(url) = &args.browse {
        return browse::browse(url).await.map_err(to_error);
    }
    let running = sandbox::start(Options {
        port: args.port,
        auto_approve: args.auto_approve,
        token_ttl: lifetime(args.token_ttl),
        credentials_ttl: lifetime(args.credentials_ttl),
        device_code_ttl: lifetime(args.device_code_ttl),
        throttle: args.throttle,
        fail: args.fail,
        accounts: args.accounts,
        roles_per_account: args.roles_per_account,
        rate_limit: args.rate_limit,
    })
    .await
    .map_err(to_error)?;
    let base_url = running.base_url.clone();
    let home = SandboxHome::create(&base_url).map_err(to_error)?;
    let mut vars = home.env_vars(&base_url, browser_command(env)?);
    if !args.command.is_empty() {
        let path = env.var_os("PATH");
        let exe = std::env::current_exe()?;
        vars.push(("PATH", path_with_exe_dir(&exe, path.as_deref())));
        write_ready_file(&args, &base_url)?;
        let code = child::run(&args.command, &vars, REMOVED_VARS)
            .await
            .map_err(|e| to_error(e.into()))?;
        return if code == 0 {
            Ok(())
        } else {
            Err(Error::SilentExit(code))
        };
    }
    let mut signals = Signals::install().map_err(|e| to_error(e.into()))?;
    // For the user's shell, through the renderer every script of ssoenv goes through; a shell
    // ssoenv cannot tell gets the POSIX form.
    let kind = ShellKind::from_env(env).unwrap_or(ShellKind::Bash);
    let exports: Vec<EnvChange> = vars
        .iter()
        .filter(|(name, _)| *name != "HOME")
        .map(|(name, value)| EnvChange::Set((*name).into(), value.to_string_lossy().into_owned()))
        .collect();
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(shell::render(kind, &exports)?.as_bytes())?;
    stdout.flush()?;
    drop(stdout);
    writeln!(
        std::io::stderr(),
        "ssoenv sandbox: serving {base_url} (profiles dev, readonly, prod, admin; Ctrl-C stops).\n\
         SSO tokens go to $HOME/.aws/sso/cache: run tools with HOME=\"$SSOENV_SANDBOX_HOME\" to keep \
         them out of your own ~/.aws."
    )?;
    write_ready_file(&args, &base_url)?;
    signals.next().await;
    Ok(())
}

/// A lifetime from the command line, capped where `expiresIn` (an int in the model) and time
/// arithmetic stay in range.
fn lifetime(seconds: u64) -> Duration {
    Duration::from_secs(seconds.min(i32::MAX as u64))
}

/// `'/path/to/ssoenv' sandbox --browse`, so a login run against the sandbox "opens" its URLs
/// with the sandbox's own browser — unless the caller asked to keep theirs. `BROWSER` is split
/// into words as a POSIX shell would (`shell_words`), so the path is quoted the same way.
fn browser_command(env: &Env) -> Result<Option<String>, Error> {
    if env.var(KEEP_BROWSER_VAR).as_deref() == Some("1") {
        return Ok(None);
    }
    let exe = std::env::current_exe()?;
    Ok(Some(format!(
        "{} sandbox --browse",
        shell_words::quote(&exe.to_string_lossy())
    )))
}

fn write_ready_file(args: &SandboxArgs, base_url: &str) -> Result<(), Error> {
    match &args.ready_file {
        Some(path) => fsutil::write_private(path, base_url.as_bytes()).map_err(|source| {
            to_error(SandboxError::ReadyFile {
                path: path.clone(),
                source,
            })
        }),
        None => Ok(()),
    }
}

fn to_error(e: SandboxError) -> Error {
    let code = match &e {
        SandboxError::Child(child) => child.exit_code(),
        _ => exit::FAILURE,
    };
    Error::message(code, format!("sandbox: {e}"))
}
