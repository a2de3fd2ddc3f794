//! Guarded profiles (#15 §1 and §2): the prompt snippets of the README in the real shells, the
//! question before `asp`, `env` and `exec` act on one (tmux, for a real terminal), what happens
//! without a terminal, that the AWS SDKs still load a config with ssoenv's key in it, and `asp`
//! taking its name back from another definition.

use std::process::{Command, Stdio};

use ssoenv::shell::ShellKind;

use crate::common::shell::{Interactive, readme_snippet, strict_shell};
use crate::common::{Home, js_sdk, keep_pyenv, path_with_bin, run};

const GUARDED: &str = "## Guarded profiles";

/// Runs `script` in `kind` with ssoenv on PATH and a colour terminal, returning stdout.
fn in_shell(kind: ShellKind, home: &Home, script: &str) -> String {
    let out = strict_shell(kind, home.path(), script)
        .env("PATH", path_with_bin())
        .env("TERM", "xterm-256color")
        .output()
        .expect("run shell");
    assert!(
        out.status.success(),
        "{kind:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_readme_prompt_snippets_colour_a_guarded_profile_in_zsh_bash_and_fish() {
    let home = Home::guarded();
    let zsh = format!(
        "{}\nfor p in prod dev; do export AWS_PROFILE=$p; print -rn -- \"${{(%)${{(e)RPROMPT}}}}|\"; done\n",
        readme_snippet(GUARDED, "```zsh\n")
    );
    let bash = format!(
        "{}\nfor p in prod dev; do export AWS_PROFILE=$p; printf '%s|' \"${{PS1@P}}\"; done\n",
        readme_snippet(GUARDED, "```bash\n")
    );
    let fish = format!(
        "{}\nfor p in prod dev; set -gx AWS_PROFILE $p; fish_right_prompt; printf '|'; end\n",
        readme_snippet(GUARDED, "```fish\n")
    );
    // What zsh does to RPROMPT when it shows it: substitutions (PROMPT_SUBST), then `%` escapes.
    let cases = [
        (
            ShellKind::Zsh,
            zsh,
            "\u{1b}[1m",
            "guarded prod",
            "eu-west-1",
        ),
        (
            ShellKind::Bash,
            bash,
            "\u{1}\u{1b}[1;31m\u{2}[guarded prod]\u{1}\u{1b}[0m\u{2} ",
            "[guarded prod]",
            "[dev] ",
        ),
        (
            ShellKind::Fish,
            fish,
            "\u{1b}[",
            "guarded prod",
            "eu-west-1",
        ),
    ];
    for (kind, script, colour, guarded, plain) in cases {
        let out = in_shell(kind, &home, &script);
        let (prod, dev) = out.split_once('|').expect("two prompts");
        assert!(
            prod.contains(colour) && prod.contains(guarded),
            "{kind:?} prod: {prod:?}"
        );
        assert!(
            !dev.contains('\u{1b}') && !dev.contains("guarded") && dev.contains(plain),
            "{kind:?} dev: {dev:?}"
        );
    }
}

/// PowerShell is not installed here: its snippet's command line is run as PowerShell would pass
/// it (`$esc` is the ESC character). starship is not installed either: its two custom modules'
/// commands are run through `sh -c`, as starship runs them (`shell = ["sh"]`).
#[test]
fn the_powershell_and_starship_snippets_split_guarded_from_ordinary_profiles() {
    let home = Home::guarded();
    let powershell = readme_snippet(GUARDED, "```powershell\n");
    assert!(
        powershell.contains(
            "ssoenv prompt --format '[{profile}]' --guard-format \"$esc[1;31m[{guard} {profile}]$esc[0m\""
        ),
        "{powershell}"
    );
    let pwsh = |profile: &str| {
        let (out, stdout, stderr) = run(home
            .ssoenv([
                "prompt",
                "--format",
                "[{profile}]",
                "--guard-format",
                "\u{1b}[1;31m[{guard} {profile}]\u{1b}[0m",
            ])
            .env("AWS_PROFILE", profile));
        assert!(out.status.success(), "{stderr}");
        stdout
    };
    assert_eq!(pwsh("prod"), "\u{1b}[1;31m[guarded prod]\u{1b}[0m\n");
    assert_eq!(pwsh("dev"), "[dev]\n");

    let starship = readme_snippet(GUARDED, "```toml\n");
    let commands: Vec<&str> = starship
        .lines()
        .filter_map(|l| l.strip_prefix("command = \"")?.strip_suffix('"'))
        .collect();
    assert_eq!(commands.len(), 2, "{starship}");
    let module = |command: &str, profile: &str| {
        let mut sh = Command::new("sh");
        sh.args(["-c", command]);
        let (out, stdout, stderr) = run(home_env(&mut sh, &home).env("AWS_PROFILE", profile));
        assert!(out.status.success(), "{stderr}");
        stdout
    };
    assert_eq!(module(commands[0], "prod"), "", "the ordinary module hides");
    assert_eq!(module(commands[1], "prod"), "guarded prod\n");
    assert_eq!(module(commands[0], "dev"), "dev eu-west-1\n");
    assert_eq!(module(commands[1], "dev"), "", "the guard module hides");
}

fn home_env<'c>(cmd: &'c mut Command, home: &Home) -> &'c mut Command {
    cmd.env_clear()
        .env("PATH", path_with_bin())
        .env("HOME", home.path())
}

#[test]
fn an_sso_session_key_or_a_guard_file_pattern_guards_a_profile() {
    let home = Home::guarded();
    let guard = |profile: &str, xdg: Option<&std::path::Path>| {
        let mut cmd = home.ssoenv(["prompt", "--format", "{guard} {profile}"]);
        cmd.env("AWS_PROFILE", profile);
        if let Some(dir) = xdg {
            cmd.env("XDG_CONFIG_HOME", dir);
        }
        run(&mut cmd).1
    };
    assert_eq!(
        guard("corp-admin", None),
        "guarded corp-admin\n",
        "by its session"
    );
    assert_eq!(guard("dev", None), "dev\n");
    let xdg = home.path().join("xdg");
    std::fs::create_dir_all(xdg.join("ssoenv")).unwrap();
    std::fs::write(xdg.join("ssoenv/guard"), "# ours\nde?\n").unwrap();
    assert_eq!(guard("dev", Some(&xdg)), "guarded dev\n", "by a pattern");
}

#[test]
fn without_a_terminal_a_guarded_profile_gets_a_one_line_notice_and_yes_silences_it() {
    let home = Home::guarded();
    for args in [
        &["env", "--shell", "bash", "prod"][..],
        &["exec", "prod", "--", "true"],
    ] {
        let (out, _, stderr) = run(home.ssoenv(args).stdin(Stdio::null()));
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("ssoenv: prod is guarded") && stderr.contains("no terminal"),
            "{stderr}"
        );
    }
    let (out, stdout, stderr) = run(home
        .ssoenv(["env", "--shell", "bash", "--yes", "prod"])
        .stdin(Stdio::null()));
    assert!(out.status.success() && stderr.is_empty(), "{stderr}");
    assert!(stdout.contains("export AWS_PROFILE=prod"), "{stdout}");
    let (_, _, stderr) = run(home
        .ssoenv(["env", "--shell", "bash", "dev"])
        .stdin(Stdio::null()));
    assert!(stderr.is_empty(), "an unguarded profile is quiet: {stderr}");
    let (out, stdout, stderr) = run(home
        .ssoenv(["console", "corp-admin", "--portal", "--print"])
        .stdin(Stdio::null()));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("account_id=222222222222"), "{stdout}");
    assert!(
        stderr.starts_with("ssoenv: corp-admin is guarded") && stderr.lines().count() == 1,
        "console notices a guard like env and exec: {stderr}"
    );
}

/// In a real terminal: `asp prod` asks on the terminal; `n` leaves the shell on `dev` with exit 7,
/// typing `prod` switches it.
#[test]
fn asp_asks_before_a_guarded_profile_and_a_refusal_changes_nothing() {
    let home = Home::guarded();
    let shell = Interactive::start(ShellKind::Zsh, &home);
    shell.send(&[
        "asp dev; asp prod; echo \"rc=$? now=$AWS_PROFILE\"",
        "Enter",
    ]);
    let screen = shell.wait_for("the question", |s| s.contains("Type prod or y to go on:"));
    assert!(screen.contains("prod is guarded"), "{screen}");
    shell.send(&["n", "Enter"]);
    let screen = shell.wait_for("the refusal", |s| s.contains("rc=7 now=dev"));
    assert!(screen.contains("was not confirmed"), "{screen}");
    shell.send(&["asp prod; echo \"rc=$? now=$AWS_PROFILE\"", "Enter"]);
    shell.wait_for("the second question", |s| {
        s.matches("Type prod or y to go on:").count() == 2
    });
    shell.send(&["prod", "Enter"]);
    shell.wait_for("the switch", |s| s.contains("rc=0 now=prod"));
}

/// In a real terminal: `exec` asks, `y` runs the command; `--yes` runs it without a question.
#[test]
fn exec_runs_on_a_guarded_profile_once_confirmed_and_yes_skips_the_question() {
    let home = Home::guarded();
    let shell = Interactive::start(ShellKind::Zsh, &home);
    shell.send(&[
        "\"$SSOENV_BIN\" exec prod -- sh -c 'echo \"ran with $AWS_ACCESS_KEY_ID\"'",
        "Enter",
    ]);
    shell.wait_for("the question", |s| s.contains("Type prod or y to go on:"));
    shell.send(&["y", "Enter"]);
    shell.wait_for("the command", |s| s.contains("ran with AKIAPROD"));
    shell.send(&[
        "\"$SSOENV_BIN\" exec --yes prod -- sh -c 'echo \"again with $AWS_ACCESS_KEY_ID\"'",
        "Enter",
    ]);
    let screen = shell.wait_for("the command", |s| s.contains("again with AKIAPROD"));
    assert_eq!(screen.matches("Type prod").count(), 1, "{screen}");
}

/// botocore, the Rust SDK and the JS SDK ignore `ssoenv_guard` in a profile and an sso-session:
/// the guarded home's `prod` resolves to its keys in each.
#[test]
fn the_aws_sdks_load_a_config_with_ssoenv_guard_keys() {
    let home = Home::guarded();
    let files = |cmd: &mut Command| {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_CONFIG_FILE", home.config_path())
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                home.path().join(".aws/credentials"),
            );
    };
    let mut python = Command::new("python3");
    python.args([
        "-c",
        "import botocore.session\n\
         print(botocore.session.Session(profile='prod').get_credentials().access_key)",
    ]);
    files(&mut python);
    let (out, stdout, stderr) = run(keep_pyenv(&mut python));
    assert!(out.status.success(), "botocore: {stderr}");
    assert_eq!(stdout, "AKIAPROD\n");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // aws-config names its file list only by these deprecated aliases (of aws-runtime's types,
    // which is no dependency of ours).
    #[allow(deprecated)]
    let key = runtime.block_on(async {
        use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
        use aws_sdk_sso::config::ProvideCredentials;
        let profile_files = ProfileFiles::builder()
            .with_file(ProfileFileKind::Config, home.config_path())
            .with_file(
                ProfileFileKind::Credentials,
                home.path().join(".aws/credentials"),
            )
            .build();
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_files(profile_files)
            .profile_name("prod")
            .build();
        let creds = provider.provide_credentials().await.expect("Rust SDK");
        creds.access_key_id().to_string()
    });
    assert_eq!(key, "AKIAPROD");

    let modules = js_sdk();
    let mut node = Command::new("node");
    node.args([
        "-e",
        "require('@aws-sdk/credential-providers').fromIni({profile: 'prod'})()\
         .then(c => console.log(c.accessKeyId), e => { console.error(String(e)); process.exit(1); })",
    ]);
    files(&mut node);
    node.env("NODE_PATH", &modules);
    let (out, stdout, stderr) = run(&mut node);
    assert!(out.status.success(), "JS SDK: {stderr}");
    assert_eq!(stdout, "AKIAPROD\n");
}

/// oh-my-zsh's aws plugin defines `asp` before ssoenv's hook is loaded: the hook takes the name
/// and says so once, with how to keep the other; loading it again is silent.
#[test]
fn the_zsh_hook_takes_asp_from_another_function_once_and_reloads_silently() {
    let home = Home::guarded();
    let script = "asp() { echo 'the aws plugin'; }\n\
                  eval \"$(ssoenv init zsh)\"\n\
                  eval \"$(ssoenv init zsh)\"\n\
                  asp dev\n\
                  echo \"now=$AWS_PROFILE\"\n\
                  alias acp='echo plugin'\n\
                  eval \"$(ssoenv init zsh --cmd acp)\"\n\
                  acp prod </dev/null\n\
                  echo \"now=$AWS_PROFILE\"\n";
    let out = strict_shell(ShellKind::Zsh, home.path(), script)
        .env("PATH", path_with_bin())
        .output()
        .expect("zsh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "now=dev\nnow=prod\n");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].starts_with("ssoenv: asp was already defined")
            && lines[0].contains("ssoenv init zsh --cmd NAME"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("ssoenv: acp was already defined"),
        "{stderr}"
    );
    assert!(lines[2].starts_with("ssoenv: prod is guarded"), "{stderr}");
}

/// The same for bash and fish, and an `asp` that is already ssoenv's is taken over silently.
#[test]
fn the_bash_and_fish_hooks_take_the_name_once_and_reload_silently() {
    let home = Home::guarded();
    for (kind, script) in [
        (
            ShellKind::Bash,
            "asp() { echo plugin; }\neval \"$(ssoenv init bash)\"\neval \"$(ssoenv init bash)\"\n\
             asp dev\necho \"now=$AWS_PROFILE\"\n",
        ),
        (
            ShellKind::Fish,
            "function asp; echo plugin; end\nssoenv init fish | source\nssoenv init fish | source\n\
             asp dev\necho \"now=$AWS_PROFILE\"\n",
        ),
    ] {
        let out = strict_shell(kind, home.path(), script)
            .env("PATH", path_with_bin())
            .output()
            .expect("shell");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{kind:?}: {stderr}");
        assert_eq!(stdout, "now=dev\n", "{kind:?}");
        assert_eq!(stderr.lines().count(), 1, "{kind:?}: {stderr}");
        assert!(
            stderr.starts_with("ssoenv: asp was already defined"),
            "{kind:?}: {stderr}"
        );
    }
}
