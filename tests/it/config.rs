//! Integration tests: config. The library reads the files a throw-away HOME holds, as the
//! commands will.

use ssoenv::config::{AwsConfig, ConfigError, ConfigFiles};
use ssoenv::env::Env;

use crate::common::Home;

fn env(home: &Home) -> Env {
    Env::from_map([("HOME", home.path())])
}

#[test]
fn both_files_are_read_from_home_and_merged() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\noutput = json\n");
    home.write_credentials("[dev]\nregion = us-east-1\n");
    assert!(ConfigFiles::read(&env(&home)).unwrap().config.is_some());
    let cfg = AwsConfig::load(&env(&home)).unwrap();
    assert_eq!(cfg.locations.config, home.config_path());
    let dev = &cfg.set.profiles["dev"];
    assert_eq!(dev.get("region"), Some("us-east-1"));
    assert_eq!(dev.get("output"), Some("json"));
}

#[test]
fn missing_files_are_empty() {
    let home = Home::new();
    assert!(ConfigFiles::read(&env(&home)).unwrap().config.is_none());
    let cfg = AwsConfig::load(&env(&home)).unwrap();
    assert!(cfg.set.profiles.is_empty());
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let home = Home::new();
    home.write_config("[profile dev]\nregion = eu-west-1\n[profile broken\n");
    let err = AwsConfig::load(&env(&home)).unwrap_err();
    assert!(matches!(err, ConfigError::Syntax { .. }));
    let expected = format!(
        "{}:3: Profile definition must end with ']'",
        home.config_path().display()
    );
    assert!(err.to_string().starts_with(&expected), "{err}");
}

#[test]
fn load_selected_agrees_with_load_on_a_large_config() {
    let home = Home::new();
    let mut text =
        String::from("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "[profile p{i}]\nsso_session = corp\nsso_account_id = {i:012}\nsso_role_name = Admin\n"
        ));
    }
    home.write_config(&text);
    home.write_credentials("[p2999]\naws_session_token = t\n");
    let full = AwsConfig::load(&env(&home)).unwrap();
    let part = AwsConfig::load_selected(&env(&home), &["p2999"]).unwrap();
    assert_eq!(part.set.profiles.len(), 1);
    assert_eq!(part.set.profiles["p2999"], full.set.profiles["p2999"]);
    assert_eq!(part.set.sso_sessions, full.set.sso_sessions);
    assert_eq!(part.locations, full.locations);
}
