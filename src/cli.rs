//! The whole command-line interface in one place. Every command that takes a profile accepts it
//! both as a positional argument and as `--profile` (AWS users type `--profile` by habit).

use std::ffi::OsString;

use clap::builder::StyledStr;
use clap::{Args, Parser, Subcommand};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::config::profile::{account_of_role_arn, role_name_of_arn};
use crate::config::sync_block::DEFAULT_TEMPLATE;
use crate::shell::ShellKind;

#[derive(Debug, Parser)]
#[command(
    name = "ssoenv",
    version = env!("SSOENV_VERSION"),
    about = "AWS IAM Identity Center credentials in every shell, tool and prompt",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every profile with its kind, account, role, region and sso-session.
    List(ListArgs),
    /// Log in to IAM Identity Center (once per sso-session or start URL).
    Login(LoginArgs),
    /// Log out: revoke the session's token and delete it with the credentials cached from it.
    Logout(LogoutArgs),
    /// Print a script that the shell evaluates to switch profile.
    Env(EnvArgs),
    /// Run a command with the profile's credentials in its environment.
    Exec(ExecArgs),
    /// Serve the profile's credentials on a loopback endpoint every AWS SDK reads, until
    /// interrupted; prints the variables that point a shell at it.
    Serve(ServeArgs),
    /// Print credentials as `credential_process` JSON (`credential_process = ssoenv credential-process dev`).
    CredentialProcess(ProfileArg),
    /// Show the active (or named) profile, its account, role, region and time left.
    Whoami(WhoamiArgs),
    /// Open the AWS console as the profile (federation sign-in, or the access portal's link).
    Console(ConsoleArgs),
    /// Print the compact prompt segment for the active profile (nothing when none is active).
    Prompt(PromptArgs),
    /// Print the shell hook: `asp`, completion, fresh credentials and the prompt segment.
    Init(InitArgs),
    /// Write, update and prune a profile for every account and role of an sso-session.
    Sync(SyncArgs),
    /// Run a local IAM Identity Center emulator, optionally around a command.
    Sandbox(SandboxArgs),
    /// Check the set-up: binary, hook, config, tokens, variables, file modes (and the clock).
    Doctor(DoctorArgs),
}

/// A profile, positional or with `--profile`.
#[derive(Debug, Clone, Args)]
pub struct ProfileArg {
    /// The profile name.
    #[arg(value_name = "PROFILE", conflicts_with = "profile_flag", add = profile_completer())]
    pub profile: Option<String>,
    /// The profile name (same as the positional argument).
    #[arg(long = "profile", value_name = "PROFILE", id = "profile_flag", add = profile_completer())]
    pub profile_flag: Option<String>,
}

impl ProfileArg {
    /// The profile named on the command line, if any.
    pub fn name(&self) -> Option<&str> {
        self.profile.as_deref().or(self.profile_flag.as_deref())
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Machine-readable JSON (one object per profile; field names are stable).
    #[arg(long, conflicts_with = "names")]
    pub json: bool,
    /// Only the profile names, one a line.
    #[arg(long)]
    pub names: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Log in to this sso-session instead of a profile's.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["profile", "profile_flag"])]
    pub sso_session: Option<String>,
    /// Use the device authorization flow even for an sso-session.
    #[arg(long)]
    pub use_device_code: bool,
    /// Print the URL (and code) instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Log in even when a valid or refreshable token exists.
    #[arg(long)]
    pub force: bool,
    /// The 127.0.0.1 port the browser is redirected to (PKCE), e.g. for
    /// `ssh -L PORT:127.0.0.1:PORT`; default: a random free one.
    #[arg(long, value_name = "PORT", conflicts_with = "use_device_code", value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The sso-session to sync (default: the only one in the config, else the active profile's).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// How profiles are named: {account_name}, {account_id}, {role_name}, {session} and text.
    #[arg(long, value_name = "TEMPLATE", default_value = DEFAULT_TEMPLATE)]
    pub name: String,
    /// The region of new profiles (default: the [default] profile's, else the session's
    /// sso_region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Remove synced profiles whose account or role is no longer assigned.
    #[arg(long)]
    pub prune: bool,
    /// Print a unified diff of the config file and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --sso-session and --sso-region: the start URL of an sso-session to create.
    #[arg(long, value_name = "URL", requires_all = ["sso_session", "sso_region"])]
    pub start_url: Option<String>,
    /// The region of the sso-session --start-url creates.
    #[arg(long, value_name = "REGION", requires = "start_url")]
    pub sso_region: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Log out of this sso-session.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["profile", "profile_flag", "all"])]
    pub sso_session: Option<String>,
    /// Log out of every session, as `aws sso logout` does.
    #[arg(long, conflicts_with_all = ["profile", "profile_flag"])]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// The shell to print for (default: from `$SHELL`).
    #[arg(long, value_enum)]
    pub shell: Option<ShellKind>,
    /// Export resolved credentials instead of `AWS_PROFILE`.
    #[arg(long, short = 'c', conflicts_with = "unset")]
    pub credentials: bool,
    /// Clear every variable ssoenv sets.
    #[arg(long, conflicts_with_all = ["profile", "profile_flag"])]
    pub unset: bool,
    /// Log in first when the profile's SSO session needs it (what `asp` does). Without it,
    /// `--credentials` logs in only when a person is at the terminal.
    #[arg(long, conflicts_with = "unset")]
    pub login: bool,
    /// Never log in, even with a person at the terminal: fail with the command to run
    /// (also `SSOENV_NO_LOGIN=1`).
    #[arg(long, conflicts_with = "login")]
    pub no_login: bool,
    /// Switch to a guarded profile without asking.
    #[arg(long, short = 'y', conflicts_with = "unset")]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The profile name (instead of giving it before the command).
    #[arg(long = "profile", value_name = "PROFILE", add = profile_completer())]
    pub profile_flag: Option<String>,
    /// Never log in, even with a person at the terminal: fail with the command to run
    /// (also `SSOENV_NO_LOGIN=1`).
    #[arg(long, conflicts_with = "server")]
    pub no_login: bool,
    /// Serve the credentials to the command from a loopback endpoint, refreshed as they near
    /// expiry, instead of exporting keys (for jobs that outlive the credentials). Never logs in.
    #[arg(long)]
    pub server: bool,
    /// Run on a guarded profile without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// The profile name.
    #[arg(value_name = "PROFILE", add = profile_completer())]
    pub profile: Option<String>,
    /// The command and its arguments, passed byte for byte.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

impl ExecArgs {
    /// The profile and the command. With `--profile`, the word clap took as the positional
    /// profile is really the command's first word.
    pub fn split(&self) -> (Option<String>, Vec<OsString>) {
        match (&self.profile_flag, &self.profile) {
            (Some(flag), Some(first)) => {
                let command =
                    std::iter::once(OsString::from(first)).chain(self.command.iter().cloned());
                (Some(flag.clone()), command.collect())
            }
            (flag, positional) => (
                flag.clone().or_else(|| positional.clone()),
                self.command.clone(),
            ),
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// The shell to print the variables for (default: from `$SHELL`).
    #[arg(long, value_enum)]
    pub shell: Option<ShellKind>,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Machine-readable JSON.
    #[arg(long)]
    pub json: bool,
    /// Ask STS GetCallerIdentity and print the ARN (uses the network).
    #[arg(long)]
    pub verify: bool,
    /// Never log in, even with a person at the terminal: fail with the command to run
    /// (also `SSOENV_NO_LOGIN=1`).
    #[arg(long)]
    pub no_login: bool,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Print the URL on stdout and open nothing. A federation URL signs in whoever opens it
    /// until it expires: treat it as a password.
    #[arg(long)]
    pub print: bool,
    /// Where to land: a service's console in the region (`s3`, `ec2`), or an https:// console
    /// URL taken as it is.
    #[arg(long, value_name = "SERVICE|URL")]
    pub destination: Option<String>,
    /// The console's region, which also picks the partition (default: the profile's region,
    /// then AWS_REGION, AWS_DEFAULT_REGION, us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The IAM Identity Center access portal's shortcut link for the profile's account and role
    /// (no credentials needed; works with the console's multi-session sign-in). The default when
    /// the sso-session sets `ssoenv_console_portal = true`.
    #[arg(long, conflicts_with = "federation")]
    pub portal: bool,
    /// Federation sign-in even where the sso-session makes `--portal` the default.
    #[arg(long)]
    pub federation: bool,
    /// Never log in, even with a person at the terminal: fail with the command to run
    /// (also `SSOENV_NO_LOGIN=1`).
    #[arg(long)]
    pub no_login: bool,
    /// Open a guarded profile's console without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct PromptArgs {
    /// The segment's format; see the README for placeholders. [default: `{account}/{role}
    /// {region} {expiry}`, or `{profile} {region} {expiry}` for a profile with neither account
    /// nor role]
    #[arg(long)]
    pub format: Option<String>,
    /// The format for a guarded profile, used instead of `--format` (default: `--format`).
    #[arg(long, value_name = "FORMAT")]
    pub guard_format: Option<String>,
    /// Print, for the prompt hook of SHELL to evaluate, the segment (as SSOENV_SEGMENT) and what
    /// it was made from: the files to watch and the instant its text next changes.
    #[arg(long, value_enum, value_name = "SHELL")]
    pub for_hook: Option<ShellKind>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to print the hook for.
    #[arg(value_enum)]
    pub shell: ShellKind,
    /// The name of the profile-switching function.
    #[arg(long, default_value = "asp", value_name = "NAME")]
    pub cmd: String,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Machine-readable JSON: `{"ok": BOOL, "checks": [{"check", "ok", "text", "fix"}]}`.
    #[arg(long)]
    pub json: bool,
    /// Also compare this machine's clock with IAM Identity Center's (uses the network).
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Approve device authorizations at once instead of when the verification URL is opened.
    #[arg(long)]
    pub auto_approve: bool,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 28800)]
    pub token_ttl: u64,
    /// The `expiresIn` device authorizations announce, in seconds. The sandbox itself keeps
    /// answering "pending" for 10 minutes regardless, as a service that ignores it would.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub device_code_ttl: u64,
    /// Lifetime of issued role credentials, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub credentials_ttl: u64,
    /// Answer this many requests with 429 TooManyRequests before serving normally.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub throttle: u32,
    /// Answer this many requests with 500 before serving normally.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fail: u32,
    /// Serve N generated accounts after the three fixed ones, with awkward names (spaces,
    /// unicode, duplicates, 50+ characters); the same on every run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub accounts: u32,
    /// Roles the user holds in each generated account.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub roles_per_account: u32,
    /// Answer sso requests beyond N a second with 429 TooManyRequestsException (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rate_limit: u32,
    /// Port to listen on (default: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Write the sandbox's address to this file once it is listening (for scripts and tests).
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<std::path::PathBuf>,
    /// A command to run against the sandbox; the sandbox stops when it exits.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
    /// Act as a person's browser: open URL on this machine, follow its redirects, succeed on 2xx
    /// (what `BROWSER` runs inside the sandbox).
    #[arg(long, hide = true, value_name = "URL")]
    pub browse: Option<String>,
}

/// The completion engines `COMPLETE=<shell> ssoenv` answers for: clap_complete's own, and nushell.
pub const COMPLETION_SHELLS: clap_complete::env::Shells<'static> = clap_complete::env::Shells(&[
    &clap_complete::env::Bash,
    &clap_complete::env::Elvish,
    &clap_complete::env::Fish,
    &clap_complete::env::Powershell,
    &clap_complete::env::Zsh,
    &Nushell,
]);

/// nushell for clap_complete's `COMPLETE` protocol, which has no nushell adapter of its own (clap
/// #5840): `COMPLETE=nu ssoenv -- WORDS...` completes the last word and answers with data, a JSON
/// list of `{"value": …, "description": …}` records, which is exactly what nushell's external
/// completer returns (and what elvish's `from-json` reads). The registration script chains any
/// external completer that was already set.
pub struct Nushell;

impl clap_complete::env::EnvCompleter for Nushell {
    fn name(&self) -> &'static str {
        "nu"
    }

    fn is(&self, name: &str) -> bool {
        name == "nu" || name == "nushell"
    }

    fn write_registration(
        &self,
        var: &str,
        _name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        // Raw strings: nothing inside them is special, whatever the names hold.
        let raw = |s: &str| format!("r#'{s}'#");
        write!(
            buf,
            "# {bin} completion for nushell, through {bin}'s own engine. Load it from config.nu
             # (save it to a file and `source` it); any external completer set before is kept for
             # other commands.
             do --env {{
                     let previous = $env.config.completions.external.completer?
                     $env.config.completions.external.enable = true
                     $env.config.completions.external.completer = {{|spans: list<string>|
                             if ($spans | first) == {bin} {{
                                     {var}=nu ^{completer} -- ...$spans | from json
                             }} else if $previous != null {{
                                     do $previous $spans
                             }}
                     }}
             }}
",
            bin = raw(bin),
            completer = raw(completer),
        )
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let index = args.len().saturating_sub(1);
        let candidates = clap_complete::engine::complete(cmd, args, index, current_dir)?;
        let records: Vec<serde_json::Value> = candidates
            .iter()
            .map(|c| {
                let mut record = serde_json::Map::new();
                record.insert("value".into(), c.get_value().to_string_lossy().into());
                if let Some(help) = c.get_help() {
                    record.insert("description".into(), help.to_string().into());
                }
                record.into()
            })
            .collect();
        serde_json::to_writer(&mut *buf, &records)?;
        writeln!(buf)
    }
}

/// Completes profile names from the local config (never the network), with account and role as
/// the description zsh, fish and PowerShell show beside each name.
fn profile_completer() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let Ok(files) = crate::config::ConfigFiles::read(&crate::env::Env::process()) else {
            return Vec::new();
        };
        files
            .summaries()
            .into_iter()
            .map(|(name, s)| {
                let role_arn = s.role_arn.as_deref();
                let account = s
                    .sso_account_id
                    .as_deref()
                    .or_else(|| role_arn.and_then(account_of_role_arn));
                let role = s
                    .sso_role_name
                    .as_deref()
                    .or_else(|| role_arn.and_then(role_name_of_arn));
                let help = match (account, role) {
                    (Some(a), Some(r)) => Some([a, r].join(" ")),
                    (Some(a), None) => Some(a.to_string()),
                    _ => s.sso_session.map(|s| ["sso-session", &s].join(" ")),
                };
                // clap_complete uses tags only to order candidates, and formats the argument's
                // name into each candidate that has none (a third of the time for ten thousand
                // profiles). An empty tag keeps profiles together and costs no allocation.
                CompletionCandidate::new(name.into_owned())
                    .help(help.map(Into::into))
                    .tag(Some(StyledStr::new()))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn profile_is_positional_or_a_flag() {
        let a = Cli::try_parse_from(["ssoenv", "whoami", "dev"]).unwrap();
        let b = Cli::try_parse_from(["ssoenv", "whoami", "--profile", "dev"]).unwrap();
        for cli in [a, b] {
            let Command::Whoami(args) = cli.command else {
                panic!("not whoami")
            };
            assert_eq!(args.profile.name(), Some("dev"));
        }
        assert!(Cli::try_parse_from(["ssoenv", "whoami", "dev", "--profile", "prod"]).is_err());
    }

    fn exec_split(argv: &[&str]) -> (Option<String>, Vec<String>) {
        let cli = Cli::try_parse_from(argv).unwrap();
        let Command::Exec(args) = cli.command else {
            panic!("not exec")
        };
        let (profile, cmd) = args.split();
        (
            profile,
            cmd.into_iter().map(|w| w.into_string().unwrap()).collect(),
        )
    }

    #[test]
    fn exec_takes_the_profile_before_the_command_with_or_without_dashes() {
        let want = (
            Some("dev".to_string()),
            vec!["terraform".to_string(), "-x".to_string()],
        );
        assert_eq!(
            exec_split(&["ssoenv", "exec", "dev", "--", "terraform", "-x"]),
            want
        );
        assert_eq!(
            exec_split(&["ssoenv", "exec", "dev", "terraform", "-x"]),
            want
        );
        assert_eq!(
            exec_split(&["ssoenv", "exec", "--profile", "dev", "terraform", "-x"]),
            want
        );
        assert_eq!(
            exec_split(&[
                "ssoenv",
                "exec",
                "--profile",
                "dev",
                "--",
                "terraform",
                "-x"
            ]),
            want
        );
        assert_eq!(
            exec_split(&["ssoenv", "exec", "dev"]),
            (Some("dev".to_string()), vec![])
        );
    }

    /// `completions/` holds what `COMPLETE=<shell> ssoenv` prints, for packagers who install
    /// completion files instead of using `ssoenv init`. Regenerate with
    /// `SSOENV_UPDATE_COMPLETIONS=1 cargo test --lib checked_in_completions`.
    #[test]
    fn checked_in_completions_are_current() {
        use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        let shells: [(&dyn EnvCompleter, &str); 6] = [
            (&Bash, "ssoenv.bash"),
            (&Zsh, "_ssoenv"),
            (&Fish, "ssoenv.fish"),
            (&Powershell, "ssoenv.ps1"),
            (&Nushell, "ssoenv.nu"),
            (&Elvish, "ssoenv.elv"),
        ];
        for (shell, file) in shells {
            let mut want = Vec::new();
            shell
                .write_registration("COMPLETE", "ssoenv", "ssoenv", "ssoenv", &mut want)
                .unwrap();
            let path = dir.join(file);
            if std::env::var_os("SSOENV_UPDATE_COMPLETIONS").is_some() {
                std::fs::write(&path, &want).unwrap();
            }
            let have = std::fs::read(&path).unwrap_or_default();
            assert!(
                have == want,
                "{} is stale: run SSOENV_UPDATE_COMPLETIONS=1 cargo test --lib checked_in_completions",
                path.display()
            );
        }
    }

    /// `man/` holds the manual pages, one for `ssoenv` and one per command (`ssoenv-login.1`, as
    /// git names its own), rendered from these definitions by clap_mangen. They carry the crate's
    /// version without the commit, so a commit alone never makes them stale. Regenerate with
    /// `SSOENV_UPDATE_MAN=1 cargo test --lib checked_in_man_pages`.
    #[test]
    fn checked_in_man_pages_are_current() {
        use clap::CommandFactory;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
        let fresh = tempfile::tempdir().unwrap();
        let cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
        clap_mangen::generate_to(cmd, fresh.path()).unwrap();
        let names = |dir: &std::path::Path| -> Vec<std::ffi::OsString> {
            let mut names: Vec<_> = std::fs::read_dir(dir)
                .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
                .unwrap_or_default();
            names.sort();
            names
        };
        let update = std::env::var_os("SSOENV_UPDATE_MAN").is_some();
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            for stale in names(&dir) {
                std::fs::remove_file(dir.join(stale)).unwrap();
            }
        }
        let want_names = names(fresh.path());
        for name in &want_names {
            let want = std::fs::read(fresh.path().join(name)).unwrap();
            let path = dir.join(name);
            if update {
                std::fs::write(&path, &want).unwrap();
            }
            let have = std::fs::read(&path).unwrap_or_default();
            assert!(
                have == want,
                "{} is stale: run SSOENV_UPDATE_MAN=1 cargo test --lib checked_in_man_pages",
                path.display()
            );
        }
        assert_eq!(
            names(&dir),
            want_names,
            "man/ holds pages for commands that no longer exist: \
             run SSOENV_UPDATE_MAN=1 cargo test --lib checked_in_man_pages"
        );
    }
}
