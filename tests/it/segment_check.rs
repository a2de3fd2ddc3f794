//! The segment check that bash and zsh compile into `__ssoenv_segment` (#19): it reads the
//! variables plainly unless nounset is on, so both ways are driven here, with every variable
//! change followed and the status the prompt sees kept; and a bash without `EPOCHSECONDS` still
//! follows the clock.

use jiff::{SignedDuration, Timestamp};
use ssoenv::shell::{ShellKind, init};

use crate::common::shell::strict_shell;
use crate::common::{Home, ssoenv_bin};

const CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\n\
    sso_role_name = Developer\nregion = eu-west-1\n\n[sso-session corp]\n\
    sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";

/// A home with `dev` and its session's token, expiring `secs` from now.
fn home_with_token(secs: i64) -> Home {
    let home = Home::new();
    home.write_config(CONFIG);
    let expires = ssoenv::time::cli_time(Timestamp::now() + SignedDuration::from_secs(secs));
    home.write_session_token(
        "corp",
        &format!(
            "{{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\", \
             \"accessToken\": \"t\", \"expiresAt\": \"{expires}\"}}"
        ),
    );
    home
}

/// Loads the hook from the real binary in `kind` (strict mode: `-e -u -o pipefail`), runs
/// `body`, and returns stdout, failing on any stderr.
fn run_hooked(kind: ShellKind, home: &Home, body: &str) -> String {
    let hook = init(kind, ssoenv_bin(), "asp").expect("init");
    let out = strict_shell(kind, home.path(), &format!("{hook}\n{body}"))
        .env("SSOENV_CACHE_DIR", home.path().join(".cache/ssoenv"))
        .output()
        .expect("shell");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{kind:?}: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_compiled_check_follows_each_variable_with_nounset_on_and_off_and_keeps_the_status() {
    let home = home_with_token(8 * 3600 + 30);
    let steps = r#"show() { __ssoenv_segment; echo "[${SSOENV_SEGMENT-}]"; }
fail() { return 3; }
export AWS_PROFILE=dev; show; show
export AWS_REGION=ap-south-1; show
unset AWS_REGION; show
export SSOENV_PROMPT_FORMAT='{profile}!'; show
unset AWS_PROFILE; show
fail || { __ssoenv_segment || echo "kept=$?"; }
export AWS_PROFILE=dev; fail || { __ssoenv_segment || echo "kept=$?"; }
"#;
    let want = "[111111111111/Developer eu-west-1 8h00m]\n\
                [111111111111/Developer eu-west-1 8h00m]\n\
                [111111111111/Developer ap-south-1 8h00m]\n\
                [111111111111/Developer eu-west-1 8h00m]\n\
                [dev!]\n[]\n";
    // bash runs the check from PROMPT_COMMAND, where the commands after it see its status; zsh
    // keeps the status around precmd functions itself.
    for (kind, kept) in [(ShellKind::Bash, "kept=3\nkept=3\n"), (ShellKind::Zsh, "")] {
        for nounset in ["set -u", "set +u"] {
            let out = run_hooked(kind, &home, &format!("{nounset}\n{steps}"));
            assert_eq!(out, format!("{want}{kept}"), "{kind:?} {nounset}");
        }
    }
}

/// bash before 5.0 has no `EPOCHSECONDS` (here: unset): the check then reads the clock by
/// `printf`, and the minute of time left still ticks over.
#[test]
fn a_bash_without_epochseconds_still_follows_the_clock() {
    let home = home_with_token(63);
    let out = run_hooked(
        ShellKind::Bash,
        &home,
        "unset EPOCHSECONDS\nexport AWS_PROFILE=dev\n__ssoenv_segment; echo \"[$SSOENV_SEGMENT]\"\n\
         sleep 4\n__ssoenv_segment; echo \"[$SSOENV_SEGMENT]\"\n",
    );
    assert_eq!(
        out,
        "[111111111111/Developer eu-west-1 1m]\n[111111111111/Developer eu-west-1 <1m]\n"
    );
}
