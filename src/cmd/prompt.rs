//! `ssoenv prompt`: the compact account/role/region/expiry segment. It runs before every prompt,
//! so it reads only the environment and, when a profile is active, the one config section and
//! token file it needs — never the network, never an async runtime — and on any error it prints
//! nothing and exits 0: a prompt must never break.

use std::io::Write;

use jiff::Timestamp;

use crate::active::segment::render;
use crate::active::status::segment;
use crate::cli::PromptArgs;
use crate::env::Env;
use crate::error::Error;

pub fn run(args: PromptArgs, env: &Env, out: &mut dyn Write) -> Result<(), Error> {
    let Some(segment) = segment(env, Timestamp::now()) else {
        return Ok(());
    };
    let format = match (&args.guard_format, segment.guarded) {
        (Some(guard_format), true) => guard_format.as_str(),
        _ => args.format.as_deref().unwrap_or(segment.default_format()),
    };
    if let Some(text) = render(format, &segment).filter(|t| !t.is_empty()) {
        // A closed terminal is not worth an error either.
        let _ = writeln!(out, "{text}");
    }
    Ok(())
}
