//! The AWS SDKs' own conformance suites (vendored in `tests/data/conformance/`), one test per
//! case so `cargo test` names each rule it checks and a failure says which one broke.
//!
//! - `profile-parser: NAME`: the smithy-rs profile-parser suite against `ProfileSet::parse`.
//! - `parse-selected: NAME`: the same inputs through `ProfileSet::parse_selected`, which must agree
//!   with `parse` on every profile it is asked for.
//! - `file-location: NAME`: the file-location suite against `Locations::from_env` (the Windows
//!   cases are listed as ignored: ssoenv follows the platform it runs on). The cases' `profile`
//!   field is not checked here: ssoenv picks the profile by its own order (`SSOENV_PROFILE`,
//!   `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`), outside `Locations`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use serde_json::Value;
use ssoenv::config::{Locations, ProfileSet, Section, SourceFile};
use ssoenv::env::Env;

const PARSER_TESTS: &str =
    include_str!("data/conformance/smithy-rs__aws-runtime__profile-parser-tests.json");
const LOCATION_TESTS: &str =
    include_str!("data/conformance/smithy-rs__aws-runtime__file-location-tests.json");

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    trials.extend(parser_trials());
    trials.extend(location_trials());
    libtest_mimic::run(&args, trials).exit_code()
}

#[derive(Deserialize)]
struct Suite<T> {
    tests: Vec<T>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ParserCase {
    name: String,
    input: ParserInput,
    output: Value,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ParserInput {
    config_file: Option<String>,
    credentials_file: Option<String>,
}

impl ParserInput {
    fn files(&self) -> (Option<SourceFile>, Option<SourceFile>) {
        (
            self.config_file
                .as_ref()
                .map(|t| SourceFile::new("/home/user/.aws/config", t.as_str())),
            self.credentials_file
                .as_ref()
                .map(|t| SourceFile::new("/home/user/.aws/credentials", t.as_str())),
        )
    }
}

/// Names made unique: the suite has one case twice.
fn unique_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    names
        .map(|name| {
            let n = seen.entry(name).or_insert(0);
            *n += 1;
            match *n {
                1 => name.to_owned(),
                n => format!("{name} ({n})"),
            }
        })
        .collect()
}

fn parser_trials() -> Vec<Trial> {
    let suite: Suite<ParserCase> = serde_json::from_str(PARSER_TESTS).expect("parser suite");
    let names = unique_names(suite.tests.iter().map(|c| c.name.as_str()));
    let mut trials = Vec::new();
    for (case, name) in suite.tests.into_iter().zip(names) {
        let selected = case.clone();
        trials.push(Trial::test(format!("profile-parser: {name}"), move || {
            check_parser(&case)
        }));
        trials.push(Trial::test(format!("parse-selected: {name}"), move || {
            check_selected(&selected)
        }));
    }
    trials
}

/// A section as the suite writes it: key → value.
fn flat(sections: &BTreeMap<Cow<str>, Section>) -> BTreeMap<String, BTreeMap<String, String>> {
    sections
        .iter()
        .map(|(name, s)| {
            let props = s
                .properties
                .iter()
                .map(|(k, p)| (k.to_string(), p.value.to_string()))
                .collect();
            (name.to_string(), props)
        })
        .collect()
}

fn expected_sections(v: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    serde_json::from_value(v.clone()).expect("sections in the suite")
}

fn check_parser(case: &ParserCase) -> Result<(), Failed> {
    let (config, credentials) = case.input.files();
    let result = ProfileSet::parse(config.as_ref(), credentials.as_ref());
    if let Some(text) = case.output.get("errorContaining").and_then(Value::as_str) {
        return match result {
            Err(e) if e.to_string().contains(text) => Ok(()),
            Err(e) => Err(format!("expected an error containing {text:?}, got {e}").into()),
            Ok(set) => Err(format!("expected an error containing {text:?}, got {set:?}").into()),
        };
    }
    let expected = case.output.get("config").ok_or("case without output")?;
    let set = result.map_err(|e| format!("unexpected error: {e}"))?;
    let want = expected_sections(&expected["profiles"]);
    let got = flat(&set.profiles);
    if got != want {
        return Err(format!("profiles:\n  got  {got:?}\n  want {want:?}").into());
    }
    if let Some(sessions) = expected.get("sso_sessions") {
        let want = expected_sections(sessions);
        let got = flat(&set.sso_sessions);
        if got != want {
            return Err(format!("sso_sessions:\n  got  {got:?}\n  want {want:?}").into());
        }
    }
    Ok(())
}

/// Each profile alone, and all of them together, come out of `parse_selected` exactly as out of
/// `parse`, with every sso-session and services section.
fn check_selected(case: &ParserCase) -> Result<(), Failed> {
    let (config, credentials) = case.input.files();
    let Ok(full) = ProfileSet::parse(config.as_ref(), credentials.as_ref()) else {
        return Ok(());
    };
    let names: Vec<&str> = full.profiles.keys().map(AsRef::as_ref).collect();
    let mut selections: Vec<Vec<&str>> = names.iter().map(|n| vec![*n]).collect();
    selections.push(names.clone());
    selections.push(vec!["no-such-profile"]);
    for selection in selections {
        let part = ProfileSet::parse_selected(config.as_ref(), credentials.as_ref(), &selection)
            .map_err(|e| format!("{selection:?}: unexpected error: {e}"))?;
        let want: BTreeMap<_, _> = full
            .profiles
            .iter()
            .filter(|(n, _)| selection.contains(&n.as_ref()))
            .map(|(n, s)| (n.clone(), s.clone()))
            .collect();
        if part.profiles != want {
            return Err(format!(
                "{selection:?}:\n  got  {:?}\n  want {want:?}",
                part.profiles
            )
            .into());
        }
        if part.sso_sessions != full.sso_sessions || part.services != full.services {
            return Err(format!("{selection:?}: sso-sessions or services differ").into());
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationCase {
    name: String,
    environment: HashMap<String, String>,
    platform: String,
    config_location: String,
    credentials_location: String,
}

fn location_trials() -> Vec<Trial> {
    let suite: Suite<LocationCase> = serde_json::from_str(LOCATION_TESTS).expect("location suite");
    let names = unique_names(suite.tests.iter().map(|c| c.name.as_str()));
    suite
        .tests
        .into_iter()
        .zip(names)
        .map(|(case, name)| {
            let ignored = case.platform != "linux";
            Trial::test(format!("file-location: {name}"), move || {
                check_location(&case)
            })
            .with_ignored_flag(ignored)
        })
        .collect()
}

fn check_location(case: &LocationCase) -> Result<(), Failed> {
    let env = Env::from_map(case.environment.clone());
    let got = Locations::from_env(&env).map_err(|e| e.to_string())?;
    let want = Locations {
        config: PathBuf::from(&case.config_location),
        credentials: PathBuf::from(&case.credentials_location),
    };
    if got != want {
        return Err(format!("got {got:?}, want {want:?}").into());
    }
    Ok(())
}
