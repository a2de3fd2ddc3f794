//! `asp --yes` (#15): the switching function passes `-y`/`--yes`, in any order with `-c`, on to
//! `ssoenv env --yes`, so a guarded profile is switched to without a question or a notice, in
//! each real shell against the real binary; the freshness check still knows credentials mode
//! from profile mode; and a bad option is still refused with the usage.

use std::path::Path;

use ssoenv::shell::{ShellKind, init};

use crate::common::shell::{Interactive, with_hook};
use crate::common::{Home, ssoenv_bin};

const USAGE: &str = "usage: asp [-c|--credentials] [-y|--yes] [PROFILE]";

/// Switches to the guarded `prod` with `-y`, then `-c --yes`, then `--yes -c`, printing the
/// profile, the key and (where the hook keeps one) whether the freshness check is on; then a bad
/// option. Without a terminal, a guarded profile without `--yes` would print a notice.
#[test]
fn asp_yes_switches_to_a_guarded_profile_without_a_question_or_notice_in_every_shell() {
    let posix = r#"asp -y prod
echo "profile=$AWS_PROFILE key=${AWS_ACCESS_KEY_ID-none} fresh=${__ssoenv_fresh_on:-off}"
asp -c --yes prod
echo "profile=${AWS_PROFILE-none} key=$AWS_ACCESS_KEY_ID fresh=${__ssoenv_fresh_on:-off}"
asp --yes -c prod
echo "profile=${AWS_PROFILE-none} key=$AWS_ACCESS_KEY_ID fresh=${__ssoenv_fresh_on:-off}"
asp --yes prod
echo "profile=$AWS_PROFILE key=${AWS_ACCESS_KEY_ID-none} fresh=${__ssoenv_fresh_on:-off}"
asp -y -x prod || echo "usage=$?"
"#;
    let fish = r#"function show
    set -q AWS_PROFILE; or set -l AWS_PROFILE none
    set -q AWS_ACCESS_KEY_ID; or set -l AWS_ACCESS_KEY_ID none
    set -l fresh off
    test -n "$__ssoenv_fresh_on"; and set fresh on
    echo "profile=$AWS_PROFILE key=$AWS_ACCESS_KEY_ID fresh=$fresh"
end
asp -y prod; show
asp -c --yes prod; show
asp --yes -c prod; show
asp --yes prod; show
asp -y -x prod; or echo "usage=$status"
"#;
    let home = Home::guarded();
    let profile = "profile=prod key=none fresh=off\n";
    let keys = "profile=none key=AKIAPROD fresh=on\n";
    for (kind, body, fresh_on) in [
        (ShellKind::Bash, posix, "1"),
        (ShellKind::Zsh, posix, "1"),
        (ShellKind::Fish, fish, "on"),
    ] {
        let hook = init(kind, ssoenv_bin(), "asp").expect("init");
        let (stdout, stderr, code) = with_hook(kind, &home, &hook, body);
        let keys = keys.replace("fresh=on", &format!("fresh={fresh_on}"));
        assert_eq!(
            (stdout.as_str(), code),
            (
                format!("{profile}{keys}{keys}{profile}usage=2\n").as_str(),
                0
            ),
            "{kind:?}: {stderr}"
        );
        assert_eq!(stderr, format!("{USAGE}\n"), "{kind:?}");
    }
}

#[test]
fn asp_yes_switches_to_a_guarded_profile_without_a_question_or_notice_in_nu_and_elvish() {
    let nu = r#"asp -y prod
print $"profile=($env.AWS_PROFILE)"
asp -c --yes prod
print $"profile=($env.AWS_PROFILE? | default none) key=($env.AWS_ACCESS_KEY_ID)"
asp --yes -c prod
print $"key=($env.AWS_ACCESS_KEY_ID)"
"#;
    let elvish = r#"asp -y prod
echo profile=$E:AWS_PROFILE
asp -c --yes prod
echo profile=(if (has-env AWS_PROFILE) { put $E:AWS_PROFILE } else { put none }) key=$E:AWS_ACCESS_KEY_ID
asp --yes -c prod
echo key=$E:AWS_ACCESS_KEY_ID
try { asp -y -x prod } catch e { echo (to-string $e[reason][content]) }
"#;
    let want = "profile=prod\nprofile=none key=AKIAPROD\nkey=AKIAPROD\n";
    let home = Home::guarded();
    for (kind, body, extra) in [
        (ShellKind::Nu, nu, String::new()),
        (ShellKind::Elvish, elvish, format!("{USAGE}\n")),
    ] {
        let hook = init(kind, ssoenv_bin(), "asp").expect("init");
        let (stdout, stderr, code) = with_hook(kind, &home, &hook, body);
        assert_eq!(
            (stdout.as_str(), code),
            (format!("{want}{extra}").as_str(), 0),
            "{kind:?}: {stderr}"
        );
        assert_eq!(stderr, "", "{kind:?}");
    }
    // nushell checks the call against asp's signature before anything runs; its usage (`asp
    // --help`) names the new flag.
    let hook = init(ShellKind::Nu, ssoenv_bin(), "asp").expect("init");
    let (stdout, stderr, code) = with_hook(ShellKind::Nu, &home, &hook, "asp -y -x prod");
    assert_eq!((stdout.as_str(), code), ("", 1), "{stderr}");
    assert!(
        stderr.contains("`asp` command doesn't have flag `-x`"),
        "{stderr}"
    );
    let (stdout, stderr, code) = with_hook(ShellKind::Nu, &home, &hook, "asp --help");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("-y, --yes") && stdout.contains("skip the question a guarded profile asks"),
        "{stdout}"
    );
}

/// Without `--yes`, the same hook still gets the guard's notice: the option is what silences it.
#[test]
fn asp_without_yes_still_gets_the_guard_notice_without_a_terminal() {
    let home = Home::guarded();
    let hook = init(ShellKind::Bash, ssoenv_bin(), "asp").expect("init");
    let (stdout, stderr, code) = with_hook(
        ShellKind::Bash,
        &home,
        &hook,
        "asp prod </dev/null; echo \"profile=$AWS_PROFILE\"\n",
    );
    assert_eq!((stdout.as_str(), code), ("profile=prod\n", 0), "{stderr}");
    assert!(stderr.starts_with("ssoenv: prod is guarded"), "{stderr}");
}

/// PowerShell is not installed here: its hook's lines are pinned exactly.
#[test]
fn the_powershell_asp_takes_a_yes_switch_and_passes_it_on() {
    let hook = init(ShellKind::Powershell, Path::new("ssoenv"), "asp").expect("init");
    for line in [
        "# asp [-c|-Credentials] [-y|-Yes] [PROFILE]: switch this shell to PROFILE",
        "        [Alias('y')][switch] $Yes,",
        "    if ($Name -or $Credentials -or $Yes) {",
        "        if ($Yes) { $arguments += '--yes' }",
        "    __ssoenv_fresh_arm $Credentials.IsPresent",
    ] {
        assert!(
            hook.lines().any(|l| l == line),
            "missing {line:?} in\n{hook}"
        );
    }
}

/// In a real terminal, where `asp prod` asks (guard.rs), `asp -y prod` switches at once.
#[test]
fn asp_yes_asks_nothing_in_a_terminal() {
    let home = Home::guarded();
    let shell = Interactive::start(ShellKind::Bash, &home);
    shell.send(&["asp -y prod; echo \"rc=$? now=$AWS_PROFILE\"", "Enter"]);
    let screen = shell.wait_for("the switch", |s| s.contains("rc=0 now=prod"));
    assert!(
        !screen.contains("guarded") && !screen.contains("Type prod"),
        "{screen}"
    );
}

/// TAB after `-y` (and after `-c --yes`) still offers the profile names, in each shell whose
/// completion the hook registers by hand.
#[test]
fn tab_completes_the_profile_after_yes_in_bash_zsh_and_fish() {
    for kind in [ShellKind::Bash, ShellKind::Zsh, ShellKind::Fish] {
        // A home each: each tmux server has its socket there.
        let home = Home::guarded();
        let shell = Interactive::start(kind, &home);
        shell.complete("asp -y pr", "> asp -y prod");
        shell.complete("asp -c --yes pr", "> asp -c --yes prod");
        shell.complete("asp --yes -c pr", "> asp --yes -c prod");
    }
}
