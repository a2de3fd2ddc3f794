//! `ssoenv sandbox`: serve the emulator around a command, or until stopped, or (`--browse`) play
//! a person's browser for a login against it.

use std::io::Write;
use std::time::Duration;

use crate::cli::SandboxArgs;
use crate::env::Env;
use crate::error::{Error, exit};
use crate::fsutil;
use crate::sandbox::child::{self, Signals};
use crate::sandbox::home::{
    KEEP_BROWSER_VAR, REMOVED_VARS, SandboxHome, path_with_exe_dir, shell_quote,
};
use crate::sandbox::{self, Options, SandboxError, browse};

pub fn run(args: SandboxArgs) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| to_error(SandboxError::Runtime(e)))?;
    runtime.block_on(serve(args))
}

async fn serve(args: SandboxArgs) -> Result<(), Error> {
    if let Some(url) = &args.browse {
        return browse::browse(url).await.map_err(to_error);
    }
    let running = sandbox::start(Options {
        port: args.port,
        auto_approve: args.auto_approve,
        token_ttl: lifetime(args.token_ttl),
        credentials_ttl: lifetime(args.credentials_ttl),
        throttle: args.throttle,
        fail: args.fail,
    })
    .await
    .map_err(to_error)?;
    let base_url = running.base_url.clone();
    let home = SandboxHome::create(&base_url).map_err(to_error)?;
    let mut vars = home.env_vars(&base_url, browser_command()?);
    if !args.command.is_empty() {
        let path = Env::process().var_os("PATH");
        let exe = std::env::current_exe()?;
        vars.push(("PATH", path_with_exe_dir(&exe, path.as_deref())));
        write_ready_file(&args, &base_url)?;
        let code = child::run(&args.command, &vars, REMOVED_VARS)
            .await
            .map_err(to_error)?;
        return if code == 0 {
            Ok(())
        } else {
            Err(Error::SilentExit(code))
        };
    }
    let mut signals = Signals::install().map_err(to_error)?;
    let mut stdout = std::io::stdout().lock();
    for (name, value) in vars.iter().filter(|(name, _)| *name != "HOME") {
        writeln!(
            stdout,
            "export {name}={}",
            shell_quote(&value.to_string_lossy())
        )?;
    }
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
/// with the sandbox's own browser — unless the caller asked to keep theirs.
fn browser_command() -> Result<Option<String>, Error> {
    if Env::process().var(KEEP_BROWSER_VAR).as_deref() == Some("1") {
        return Ok(None);
    }
    let exe = std::env::current_exe()?;
    Ok(Some(format!(
        "{} sandbox --browse",
        shell_quote(&exe.to_string_lossy())
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
    let code = match e {
        SandboxError::CommandNotFound { .. } => exit::NOT_FOUND,
        SandboxError::CannotExecute { .. } => exit::CANNOT_EXECUTE,
        _ => exit::FAILURE,
    };
    Error::message(code, format!("sandbox: {e}"))
}
