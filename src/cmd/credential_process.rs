//! `ssoenv credential-process PROFILE`: the JSON the AWS SDKs read from `credential_process`.

use std::io::Write;

use crate::active::Selected;
use crate::cli::ProfileArg;
use crate::credentials::contract;
use crate::env::Env;
use crate::error::Error;
use crate::report::Reporter;

pub fn run(
    args: ProfileArg,
    env: &Env,
    report: &Reporter,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let selected = Selected::load(env, args.name())?;
    let creds = selected.credentials(env, report, false)?;
    out.write_all(contract::credential_process_json(&creds).as_bytes())?;
    Ok(())
}
