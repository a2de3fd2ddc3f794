//! `ssoenv doctor [--json] [--online]`: every check of `crate::doctor`, one line each (✓, or ✗ and
//! the fix); exit 0 only when all is well.

use std::io::Write;

use jiff::Timestamp;

use crate::cli::DoctorArgs;
use crate::doctor::{self, Finding};
use crate::env::Env;
use crate::error::Error;
use crate::exit;
use crate::report::Reporter;
use crate::runtime;

pub fn run(args: DoctorArgs, env: &Env, out: &mut dyn Write) -> Result<(), Error> {
    // Warnings about unreadable cache files are findings of their own here, not noise on stderr.
    let report = Reporter::silent();
    let me = std::env::current_exe()?;
    let mut findings = doctor::binary(env, &me);
    findings.extend(doctor::config(env, &report, Timestamp::now()));
    findings.extend(doctor::modes(env));
    if args.online {
        let runtime = runtime::start()?;
        findings.push(runtime.block_on(doctor::clock(env)));
    }
    let all_well = findings.iter().all(|f| f.ok);
    if args.json {
        let checks: Vec<serde_json::Value> = findings.iter().map(json).collect();
        let doc = serde_json::json!({ "ok": all_well, "checks": checks });
        writeln!(out, "{doc}")?;
    } else {
        for f in &findings {
            match &f.fix {
                None => writeln!(out, "✓ {}", f.text)?,
                Some(fix) => writeln!(out, "✗ {} — fix: {fix}", f.text)?,
            }
        }
    }
    if all_well {
        Ok(())
    } else {
        out.flush()?;
        Err(Error::SilentExit(exit::FAILURE))
    }
}

fn json(f: &Finding) -> serde_json::Value {
    serde_json::json!({ "check": f.check, "ok": f.ok, "text": f.text, "fix": f.fix })
}
