//! `ssoenv credential-process PROFILE`: the JSON the AWS SDKs read from `credential_process`.

use std::io::Write;

use crate::cli::ProfileArg;
use crate::credentials::contract;
use crate::env::Env;
use crate::error::Error;

pub fn run(args: ProfileArg, env: &Env, out: &mut dyn Write) -> Result<(), Error> {
    let selected = super::Selected::load(env, args.name())?;
    let creds = selected.credentials(env, false)?;
    out.write_all(contract::credential_process_json(&creds).as_bytes())?;
    Ok(())
}
