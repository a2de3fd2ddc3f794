//! Opening the authorization URL: `$BROWSER` when set (its words, then the URL as the last
//! argument, as the AWS CLI and `xdg-open` treat it), else the platform's opener. The URL holds
//! no secret (client id, state and the PKCE challenge are public by design).

use std::process::{Command, Stdio};

use crate::env::Env;

pub fn open(env: &Env, url: &str) -> Result<(), String> {
    let words = match env.var("BROWSER") {
        Some(browser) => {
            shell_words::split(&browser).map_err(|e| format!("cannot split $BROWSER: {e}"))?
        }
        None => vec![platform_opener().to_string()],
    };
    let (program, args) = words.split_first().ok_or("$BROWSER is empty")?;
    Command::new(program)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("{program}: {e}"))
}

fn platform_opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}
