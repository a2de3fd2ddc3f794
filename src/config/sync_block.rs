//! The profiles `ssoenv sync` writes: one managed block per sso-session in `~/.aws/config`,
//! between marker comments that name the session. Pure: the file's text in, the new text and what
//! changed out; nothing here touches a file.
//!
//! Everything outside the blocks is the user's and is kept byte for byte (comments, order, blank
//! lines, unknown keys, a byte-order mark, CRLF). Inside a block ssoenv owns the text, except
//! for two hand edits it keeps: a region changed by hand (the BEGIN marker records the region
//! ssoenv last wrote, so a different one was the user's) and keys the user added to a synced
//! profile.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use super::error::ConfigError;
use super::model::Origin;
use super::parse::{FileKind, Target, classify, header_inner, is_identifier_byte, strip_cr};

/// What every BEGIN marker starts with.
const BEGIN: &str = "# BEGIN ssoenv sync";
/// What every END marker starts with.
const END: &str = "# END ssoenv sync";
/// The keys of a synced profile that ssoenv writes.
const MANAGED_KEYS: [&str; 4] = ["sso_session", "sso_account_id", "sso_role_name", "region"];

/// The default name template: `asp <TAB>` then lists profiles grouped by account, as the AWS
/// CLI's own `aws configure sso` suggests (`AccountName.RoleName`).
pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

/// One role the user holds in one account (ListAccounts × ListAccountRoles).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

/// A profile-name template: literal text valid in a profile name, and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    AccountName,
    AccountId,
    RoleName,
    Session,
}

impl Template {
    /// Parses `{account_name}`, `{account_id}`, `{role_name}`, `{session}` and literal text; the
    /// literal text must already be valid in a profile name (`A-Za-z0-9_-/.%@:+`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let (name, tail) = after.split_once('}').ok_or_else(|| {
                    format!("the name template `{text}` has a `{{` without its `}}`")
                })?;
                pieces.push(match name {
                    "account_name" => Piece::AccountName,
                    "account_id" => Piece::AccountId,
                    "role_name" => Piece::RoleName,
                    "session" => Piece::Session,
                    other => {
                        return Err(format!(
                            "the name template `{text}` has an unknown placeholder `{{{other}}}` \
                             (known: {{account_name}}, {{account_id}}, {{role_name}}, {{session}})"
                        ));
                    }
                });
                rest = tail;
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let (literal, tail) = rest.split_at(end);
                if let Some(bad) = literal.chars().find(|c| !is_name_char(*c)) {
                    return Err(format!(
                        "the name template `{text}` has `{bad}`, which a profile name cannot \
                         hold (only letters, digits and _-/.%@:+)"
                    ));
                }
                pieces.push(Piece::Text(literal.to_string()));
                rest = tail;
            }
        }
        if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
            return Err(format!(
                "the name template `{text}` has no placeholder, so every profile would get the \
                 same name"
            ));
        }
        Ok(Self(pieces))
    }

    /// The name for one assignment, each value made valid for a profile name (see
    /// [`sanitise`]).
    pub fn render(&self, session: &str, a: &Assignment) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::AccountName => out.push_str(&or_else(sanitise(&a.account_name), || {
                    sanitise(&a.account_id)
                })),
                Piece::AccountId => out.push_str(&sanitise(&a.account_id)),
                Piece::RoleName => {
                    out.push_str(&or_else(sanitise(&a.role_name), || "role".to_string()))
                }
                Piece::Session => out.push_str(&sanitise(session)),
            }
        }
        out
    }
}

fn or_else(value: String, fallback: impl FnOnce() -> String) -> String {
    if value.is_empty() { fallback() } else { value }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii() && is_identifier_byte(c as u8)
}

/// A value made valid for the AWS config grammar's names: Latin letters with accents lose them
/// (`é` → `e`, `ß` → `ss`), every other character but ASCII letters, digits and `_.@+-`
/// becomes `-` (spaces, `=`, `,`, emoji, other scripts, and the `/`, `:` and `%` the grammar
/// allows but that read as paths and URLs), runs of `-` become one, and none is left at either end.
pub fn sanitise(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '+' | '-') {
            out.push(c);
        } else if let Some(ascii) = fold(c) {
            out.push_str(ascii);
        } else {
            out.push('-');
        }
        if out.ends_with("--") {
            out.pop();
        }
    }
    out.trim_matches('-').to_string()
}

/// The ASCII letters of an accented Latin letter.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'Æ' => "AE",
        'æ' => "ae",
        'Ç' | 'Ć' | 'Č' => "C",
        'ç' | 'ć' | 'č' => "c",
        'Ð' | 'Ď' | 'Đ' => "D",
        'ð' | 'ď' | 'đ' => "d",
        'È'..='Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
        'è'..='ë' | 'ē' | 'ę' | 'ě' => "e",
        'Ğ' => "G",
        'ğ' => "g",
        'Ì'..='Ï' | 'İ' => "I",
        'ì'..='ï' | 'ı' => "i",
        'Ł' => "L",
        'ł' => "l",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ñ' | 'ń' | 'ň' => "n",
        'Ò'..='Ö' | 'Ø' | 'Ő' => "O",
        'ò'..='ö' | 'ø' | 'ő' => "o",
        'Œ' => "OE",
        'œ' => "oe",
        'Ř' => "R",
        'ř' => "r",
        'Ś' | 'Š' | 'Ş' => "S",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'Ť' => "T",
        'ť' => "t",
        'Þ' => "Th",
        'þ' => "th",
        'Ù'..='Ü' | 'Ů' | 'Ű' => "U",
        'ù'..='ü' | 'ů' | 'ű' => "u",
        'Ý' | 'Ÿ' => "Y",
        'ý' | 'ÿ' => "y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// What to sync into a config file.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub session: &'a str,
    pub template: &'a Template,
    /// The region of new profiles (and of synced ones whose region nobody changed by hand).
    pub region: &'a str,
    pub assignments: &'a [Assignment],
    /// Remove block profiles whose assignment is gone (else they stay, counted as stale).
    pub prune: bool,
    /// Profile names defined elsewhere (the credentials file): never written.
    pub taken: &'a BTreeSet<String>,
    /// `[sso-session NAME]` to create before the block: its start URL and region.
    pub new_session: Option<(&'a str, &'a str)>,
}

/// A synced profile that was not written because its name is already the user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub account_id: String,
    pub role_name: String,
    /// Where the user's profile of that name is: `config:LINE`, another session's block, or the
    /// credentials file.
    pub owner: String,
}

/// The new text and what changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub text: String,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub stale: usize,
    pub unchanged: usize,
    pub skipped: Vec<Skipped>,
    /// Every profile the block now holds, by name.
    pub profiles: Vec<String>,
}

/// Where a block is in the text: bytes `start..end` (its END line included) and its BEGIN line.
#[derive(Debug, Clone)]
struct Block<'t> {
    session: String,
    region: Option<String>,
    start: usize,
    end: usize,
    eol: &'static str,
    /// The lines between the markers, without their line ending.
    body: Vec<&'t str>,
}

/// One `[profile …]` section read back from a block.
#[derive(Debug, Clone)]
struct OldProfile<'t> {
    name: String,
    /// Comment lines right above the header.
    comments: Vec<&'t str>,
    header: &'t str,
    /// Each property's lines (the key line and its continuation lines), with its key.
    properties: Vec<(String, Vec<&'t str>)>,
}

impl OldProfile<'_> {
    fn value(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, lines)| lines.first())
            .and_then(|line| line.split_once('='))
            .map(|(_, v)| v.trim())
    }

    fn lines(&self) -> Vec<&str> {
        let mut out = self.comments.clone();
        out.push(self.header);
        out.extend(self.properties.iter().flat_map(|(_, l)| l.iter().copied()));
        out
    }
}

/// Lines of `text` as (start byte, end byte including the line ending, line without ending).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = at;
        at += raw.len();
        let line = strip_cr(raw.strip_suffix('\n').unwrap_or(raw));
        (start, at, line)
    })
}

/// The value of `key=` in a marker line.
fn marker_field(line: &str, key: &str) -> Option<String> {
    line.split_whitespace()
        .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_string)
}

fn syntax(path: &Path, line: usize, message: String) -> ConfigError {
    ConfigError::Syntax {
        origin: Origin {
            file: Arc::from(path),
            line,
        },
        message,
    }
}

/// Every block of the text, and the profile names defined outside them (with their line).
#[allow(clippy::type_complexity)]
fn blocks<'t>(
    path: &Path,
    text: &'t str,
) -> Result<(Vec<Block<'t>>, BTreeMap<String, usize>), ConfigError> {
    let mut found = Vec::new();
    let mut outside = BTreeMap::new();
    let mut open: Option<(usize, Block<'t>)> = None;
    for (number, (start, end, line)) in lines(text).enumerate() {
        let number = number + 1;
        let raw = &text[start..end];
        if line.starts_with(BEGIN) {
            if let Some((begun, _)) = open {
                return Err(syntax(
                    path,
                    begun,
                    format!(
                        "this `{BEGIN}` block has no `{END}` line before the next block begins \
                         at line {number}; restore it (or delete the block) and sync again"
                    ),
                ));
            }
            let session = marker_field(line, "sso-session").unwrap_or_default();
            if found.iter().any(|b: &Block| b.session == session) {
                return Err(syntax(
                    path,
                    number,
                    format!(
                        "a second `{BEGIN}` block for sso-session `{session}`; merge or delete \
                         one and sync again"
                    ),
                ));
            }
            let eol = if raw.ends_with("\r\n") { "\r\n" } else { "\n" };
            open = Some((
                number,
                Block {
                    region: marker_field(line, "region"),
                    session,
                    start,
                    end,
                    eol,
                    body: Vec::new(),
                },
            ));
        } else if line.starts_with(END) {
            let Some((_, mut block)) = open.take() else {
                return Err(syntax(
                    path,
                    number,
                    format!("an `{END}` line without its `{BEGIN}` line; delete it and sync again"),
                ));
            };
            block.end = end;
            found.push(block);
        } else if let Some((_, block)) = open.as_mut() {
            block.body.push(line);
        } else if let Some(inner) = header_inner(line) {
            let name = match classify(FileKind::Config, inner) {
                Target::Profile(name) => name,
                Target::BareDefault => "default",
                _ => continue,
            };
            outside.entry(name.to_string()).or_insert(number);
        }
    }
    if let Some((begun, block)) = open {
        return Err(syntax(
            path,
            begun,
            format!(
                "the `{BEGIN}` block of sso-session `{}` has no `{END}` line; restore it (or \
                 delete the block) and sync again — nothing was written",
                block.session
            ),
        ));
    }
    Ok((found, outside))
}

/// The `[profile …]` sections of a block's body.
fn old_profiles<'t>(body: &[&'t str]) -> Vec<OldProfile<'t>> {
    let mut out: Vec<OldProfile<'t>> = Vec::new();
    let mut comments = Vec::new();
    for &line in body {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            comments.clear();
        } else if trimmed.starts_with('#') || trimmed.starts_with(';') {
            comments.push(line);
        } else if let Some(inner) = header_inner(line) {
            let name = match classify(FileKind::Config, inner) {
                Target::Profile(name) => name.to_string(),
                _ => inner.trim().to_string(),
            };
            out.push(OldProfile {
                name,
                comments: std::mem::take(&mut comments),
                header: line,
                properties: Vec::new(),
            });
        } else if let Some(profile) = out.last_mut() {
            comments.clear();
            let continued = line.starts_with([' ', '\t']);
            match profile.properties.last_mut() {
                Some((_, lines)) if continued => lines.push(line),
                _ => {
                    let key = line.split('=').next().unwrap_or("").trim().to_lowercase();
                    profile.properties.push((key, vec![line]));
                }
            }
        }
    }
    out
}

/// Names for every assignment, unique and deterministic: when several render the same name, the
/// one with the lowest (account id, role) keeps it and the others get `-ACCOUNTID` (then
/// `-ROLE`, then a counter) appended, so adding an account never renames an older one unless
/// its id sorts first.
fn unique_names(request: &Request<'_>) -> Vec<(Assignment, String)> {
    let mut sorted: Vec<Assignment> = request.assignments.to_vec();
    sorted.sort();
    sorted.dedup_by(|a, b| a.account_id == b.account_id && a.role_name == b.role_name);
    let mut used = BTreeSet::new();
    let mut out = Vec::with_capacity(sorted.len());
    for a in sorted {
        let base = request.template.render(request.session, &a);
        let role = or_else(sanitise(&a.role_name), || "role".to_string());
        let mut candidates = vec![
            base.clone(),
            format!("{base}-{}", sanitise(&a.account_id)),
            format!("{base}-{}-{role}", sanitise(&a.account_id)),
        ]
        .into_iter()
        .chain((2..).map(|n| format!("{base}-{}-{role}-{n}", sanitise(&a.account_id))));
        let name = candidates
            .find(|c| !used.contains(c))
            .unwrap_or_else(|| base.clone());
        used.insert(name.clone());
        out.push((a, name));
    }
    out
}

/// The lines of a synced profile.
fn render_profile(
    session: &str,
    name: &str,
    a: &Assignment,
    region: &str,
    extra: &[&str],
) -> Vec<String> {
    let label: String = a
        .account_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut lines = vec![
        format!("# {} ({})", label.trim(), a.account_id),
        format!("[profile {name}]"),
        format!("sso_session = {session}"),
        format!("sso_account_id = {}", a.account_id),
        format!("sso_role_name = {}", a.role_name),
        format!("region = {region}"),
    ];
    lines.extend(extra.iter().map(|l| l.to_string()));
    lines
}

/// Syncs `request` into `text` (the config file at `path`, named in errors). The text outside
/// the session's block is kept byte for byte; an unclosed or doubled block is an error naming
/// its line, and then nothing may be written.
pub fn sync(path: &Path, text: &str, request: &Request<'_>) -> Result<Outcome, ConfigError> {
    let (found, outside) = blocks(path, text)?;
    let mine = found.iter().find(|b| b.session == request.session);
    let old: Vec<OldProfile<'_>> = mine.map(|b| old_profiles(&b.body)).unwrap_or_default();
    let old_region = mine.and_then(|b| b.region.as_deref());

    // Names nobody else may lose: the user's own profiles, other sessions' blocks, the
    // credentials file, and `default` (a synced `[profile default]` would replace theirs).
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for name in request.taken {
        owners.insert(name.clone(), "the credentials file".to_string());
    }
    for block in found.iter().filter(|b| b.session != request.session) {
        for p in old_profiles(&block.body) {
            owners.insert(
                p.name,
                format!("the block of sso-session `{}`", block.session),
            );
        }
    }
    for (name, line) in &outside {
        owners.insert(name.clone(), format!("{}:{line}", path.display()));
    }
    owners
        .entry("default".to_string())
        .or_insert_with(|| "the name `default`, which AWS tools treat specially".to_string());

    let mut outcome = Outcome::default();
    let mut used_old = vec![false; old.len()];
    // The block's profiles by (account, role), the first of each first: a large organisation
    // must not cost a scan of the block per assignment.
    let mut by_assignment: BTreeMap<(String, String), VecDeque<usize>> = BTreeMap::new();
    for (i, p) in old.iter().enumerate() {
        if let (Some(account), Some(role)) = (p.value("sso_account_id"), p.value("sso_role_name")) {
            by_assignment
                .entry((account.to_string(), role.to_string()))
                .or_default()
                .push_back(i);
        }
    }
    let mut rendered: Vec<(String, Vec<String>)> = Vec::new();
    for (a, name) in unique_names(request) {
        if let Some(owner) = owners.get(&name) {
            outcome.skipped.push(Skipped {
                name,
                account_id: a.account_id.clone(),
                role_name: a.role_name.clone(),
                owner: owner.clone(),
            });
            continue;
        }
        let previous = by_assignment
            .get_mut(&(a.account_id.clone(), a.role_name.clone()))
            .and_then(VecDeque::pop_front)
            .map(|i| (i, &old[i]));
        let lines = match previous {
            None => {
                outcome.added += 1;
                render_profile(request.session, &name, &a, request.region, &[])
            }
            Some((i, p)) => {
                used_old[i] = true;
                // A region other than the one ssoenv wrote last time was set by hand.
                let region = match p.value("region") {
                    Some(r) if !r.is_empty() && Some(r) != old_region => r,
                    _ => request.region,
                };
                let extra: Vec<&str> = p
                    .properties
                    .iter()
                    .filter(|(k, _)| !MANAGED_KEYS.contains(&k.as_str()))
                    .flat_map(|(_, l)| l.iter().copied())
                    .collect();
                let lines = render_profile(request.session, &name, &a, region, &extra);
                if lines.iter().map(String::as_str).eq(p.lines()) {
                    outcome.unchanged += 1;
                } else {
                    outcome.updated += 1;
                }
                lines
            }
        };
        rendered.push((name, lines));
    }
    let written: BTreeSet<String> = rendered.iter().map(|(n, _)| n.clone()).collect();
    for (i, p) in old.iter().enumerate() {
        if used_old[i] || written.contains(&p.name) {
            if !used_old[i] {
                outcome.removed += 1;
            }
            continue;
        }
        if request.prune {
            outcome.removed += 1;
        } else {
            outcome.stale += 1;
            rendered.push((
                p.name.clone(),
                p.lines().into_iter().map(str::to_string).collect(),
            ));
        }
    }
    rendered.sort_by(|a, b| a.0.cmp(&b.0));
    outcome.profiles = rendered.iter().map(|(n, _)| n.clone()).collect();

    let eol = match mine {
        Some(b) => b.eol,
        None if lines(text)
            .next()
            .is_some_and(|(s, e, _)| text[s..e].ends_with("\r\n")) =>
        {
            "\r\n"
        }
        None => "\n",
    };
    let mut block = String::new();
    let mut push = |line: &str| {
        block.push_str(line);
        block.push_str(eol);
    };
    push(&format!(
        "{BEGIN} sso-session={} region={} (written by `ssoenv sync`: edits here are replaced, \
         except a changed region and added keys)",
        request.session, request.region
    ));
    for (_, lines) in &rendered {
        push("");
        for line in lines {
            push(line);
        }
    }
    push("");
    push(&format!("{END} sso-session={}", request.session));

    outcome.text = match mine {
        Some(b) => format!("{}{block}{}", &text[..b.start], &text[b.end..]),
        None => {
            let mut out = text.to_string();
            if !out.is_empty() {
                if !out.ends_with('\n') {
                    out.push_str(eol);
                }
                out.push_str(eol);
            }
            if let Some((start_url, region)) = request.new_session {
                for line in [
                    format!("[sso-session {}]", request.session),
                    format!("sso_start_url = {start_url}"),
                    format!("sso_region = {region}"),
                    "sso_registration_scopes = sso:account:access".to_string(),
                    String::new(),
                ] {
                    out.push_str(&line);
                    out.push_str(eol);
                }
            }
            out.push_str(&block);
            out
        }
    };
    Ok(outcome)
}

/// A unified diff from `old` to `new`, both named `path` (what `--dry-run` prints); empty when
/// they are the same.
pub fn diff(path: &Path, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::config::{ProfileSet, SourceFile};

    const PATH: &str = "/h/.aws/config";

    fn a(id: &str, name: &str, role: &str) -> Assignment {
        Assignment {
            account_id: id.into(),
            account_name: name.into(),
            role_name: role.into(),
        }
    }

    fn org() -> Vec<Assignment> {
        vec![
            a("111111111111", "Sandbox Dev", "Developer"),
            a("111111111111", "Sandbox Dev", "ReadOnly"),
            a("222222222222", "Prod", "ReadOnly"),
        ]
    }

    fn run(text: &str, assignments: &[Assignment], prune: bool, region: &str) -> Outcome {
        let template = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let taken = BTreeSet::new();
        sync(
            Path::new(PATH),
            text,
            &Request {
                session: "corp",
                template: &template,
                region,
                assignments,
                prune,
                taken: &taken,
                new_session: None,
            },
        )
        .unwrap()
    }

    fn parsed(text: &str) -> ProfileSet<'static> {
        let file = SourceFile::new(PATH, text);
        ProfileSet::parse(Some(&file), None).unwrap().into_owned()
    }

    const USER: &str = "# my settings\r\n[default]\r\nregion = eu-west-1\r\n\r\n; a note\r\n\
                        [profile mine]\r\nregion=us-west-2   \r\nodd_key = kept\r\n";

    #[test]
    fn a_first_sync_appends_one_block_and_keeps_every_byte_before_it() {
        let out = run(USER, &org(), false, "eu-west-1");
        assert!(out.text.starts_with(USER), "{}", out.text);
        let block = &out.text[USER.len()..];
        assert!(block.starts_with("\r\n# BEGIN ssoenv sync sso-session=corp region=eu-west-1"));
        assert!(block.ends_with("# END ssoenv sync sso-session=corp\r\n"));
        assert!(!block.replace("\r\n", "").contains('\n'), "CRLF throughout");
        assert_eq!((out.added, out.unchanged, out.stale), (3, 0, 0));
        let set = parsed(&out.text);
        let dev = &set.profiles["Sandbox-Dev.Developer"];
        assert_eq!(dev.get("sso_session"), Some("corp"));
        assert_eq!(dev.get("sso_account_id"), Some("111111111111"));
        assert_eq!(dev.get("sso_role_name"), Some("Developer"));
        assert_eq!(dev.get("region"), Some("eu-west-1"));
        assert!(dev.get("sso_start_url").is_none(), "never the legacy form");
        assert_eq!(set.profiles["mine"].get("odd_key"), Some("kept"));
        assert_eq!(
            out.profiles,
            [
                "Prod.ReadOnly",
                "Sandbox-Dev.Developer",
                "Sandbox-Dev.ReadOnly"
            ]
        );
    }

    #[test]
    fn a_resync_that_finds_nothing_new_gives_the_same_bytes() {
        let first = run(USER, &org(), false, "eu-west-1").text;
        let second = run(&first, &org(), false, "eu-west-1");
        assert_eq!(second.text, first);
        assert_eq!((second.added, second.updated, second.unchanged), (0, 0, 3));
        assert_eq!(diff(Path::new(PATH), &first, &second.text), "");
    }

    #[test]
    fn text_after_the_block_is_kept_too_and_the_block_stays_where_it_is() {
        let first = run("[profile a]\nregion = x\n", &org(), false, "r").text;
        let edited = format!("# top\n{first}\n# after\n[profile z]\nregion = y\n");
        let again = run(&edited, &org()[..1], true, "r");
        assert!(
            again
                .text
                .starts_with("# top\n[profile a]\nregion = x\n\n# BEGIN")
        );
        assert!(
            again
                .text
                .ends_with("sso-session=corp\n\n# after\n[profile z]\nregion = y\n")
        );
        assert_eq!(again.removed, 2);
    }

    #[test]
    fn a_block_without_its_end_marker_is_refused_naming_its_line() {
        let first = run("[profile a]\n", &org(), false, "r").text;
        let broken: String = first
            .lines()
            .filter(|l| !l.starts_with(END))
            .map(|l| format!("{l}\n"))
            .collect();
        let template = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let taken = BTreeSet::new();
        let request = Request {
            session: "corp",
            template: &template,
            region: "r",
            assignments: &[],
            prune: false,
            taken: &taken,
            new_session: None,
        };
        let err = sync(Path::new(PATH), &broken, &request).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/h/.aws/config:3: "), "{text}");
        assert!(text.contains("no `# END ssoenv sync` line"), "{text}");
        let stray = "[profile a]\n# END ssoenv sync sso-session=corp\n";
        let err = sync(Path::new(PATH), stray, &request).unwrap_err();
        assert!(err.to_string().starts_with("/h/.aws/config:2: "), "{err}");
        let doubled = format!("{first}{first}");
        let err = sync(Path::new(PATH), &doubled, &request).unwrap_err();
        assert!(err.to_string().contains("a second"), "{err}");
    }

    #[test]
    fn a_name_the_user_wrote_is_never_overwritten_and_the_skip_names_both() {
        let user = "[profile Prod.ReadOnly]\nregion = us-east-1\n";
        let out = run(user, &org(), false, "r");
        assert_eq!(
            out.skipped,
            [Skipped {
                name: "Prod.ReadOnly".into(),
                account_id: "222222222222".into(),
                role_name: "ReadOnly".into(),
                owner: "/h/.aws/config:1".into(),
            }]
        );
        assert_eq!(out.added, 2);
        assert_eq!(
            parsed(&out.text).profiles["Prod.ReadOnly"].get("region"),
            Some("us-east-1")
        );
        assert_eq!(out.text.matches("[profile Prod.ReadOnly]").count(), 1);
        // The credentials file's names are the user's too, and `default` is never synced.
        let template = Template::parse("{account_name}").unwrap();
        let taken = BTreeSet::from(["Prod".to_string()]);
        let out = sync(
            Path::new(PATH),
            "",
            &Request {
                session: "corp",
                template: &template,
                region: "r",
                assignments: &[a("2", "Prod", "R"), a("3", "default", "R")],
                prune: false,
                taken: &taken,
                new_session: None,
            },
        )
        .unwrap();
        assert_eq!(out.added, 0);
        assert_eq!(out.skipped[0].owner, "the credentials file");
        assert!(out.skipped[1].owner.contains("`default`"));
    }

    #[test]
    fn a_lost_assignment_stays_as_stale_until_pruned() {
        let first = run("", &org(), false, "r").text;
        let kept = run(&first, &org()[..2], false, "r");
        assert_eq!((kept.stale, kept.removed, kept.unchanged), (1, 0, 2));
        assert_eq!(kept.text, first, "stale profiles keep their text");
        let pruned = run(&first, &org()[..2], true, "r");
        assert_eq!((pruned.stale, pruned.removed), (0, 1));
        assert!(!parsed(&pruned.text).profiles.contains_key("Prod.ReadOnly"));
    }

    #[test]
    fn a_region_changed_by_hand_survives_and_untouched_ones_follow_the_default() {
        let first = run("", &org(), false, "eu-west-1").text;
        let edited = first.replacen("region = eu-west-1", "region = ap-south-1", 1);
        let edited = edited.replace(
            "[profile Sandbox-Dev.ReadOnly]",
            "[profile Sandbox-Dev.ReadOnly]\noutput = json",
        );
        let out = run(&edited, &org(), false, "us-east-2");
        let set = parsed(&out.text);
        assert_eq!(
            set.profiles["Prod.ReadOnly"].get("region"),
            Some("ap-south-1")
        );
        assert_eq!(
            set.profiles["Sandbox-Dev.Developer"].get("region"),
            Some("us-east-2")
        );
        assert_eq!(
            set.profiles["Sandbox-Dev.ReadOnly"].get("output"),
            Some("json")
        );
        assert_eq!(out.updated, 2);
        // And the next sync keeps both hand edits, changing nothing.
        let again = run(&out.text, &org(), false, "us-east-2");
        assert_eq!(again.text, out.text);
    }

    #[test]
    fn awkward_account_names_become_valid_unique_names() {
        assert_eq!(sanitise("Équipe Données (prod)"), "Equipe-Donnees-prod");
        assert_eq!(sanitise("  ☃ snow  "), "snow");
        assert_eq!(sanitise("Straße=1,2"), "Strasse-1-2");
        assert_eq!(sanitise("日本"), "");
        assert_eq!(sanitise("a/b@c+d:e%f_g.h"), "a-b@c+d-e-f_g.h");
        assert_eq!(sanitise("Sales & Marketing / 7"), "Sales-Marketing-7");
        let accounts = [
            a("333", "Dup", "Admin"),
            a("111", "Dup", "Admin"),
            a("222", "日本", "Admin"),
            a("444", "Dup", "Admin Role"),
        ];
        let out = run("", &accounts, false, "r");
        assert_eq!(
            out.profiles,
            ["222.Admin", "Dup.Admin", "Dup.Admin-333", "Dup.Admin-Role"]
        );
        let set = parsed(&out.text);
        assert_eq!(set.profiles["Dup.Admin"].get("sso_account_id"), Some("111"));
        assert_eq!(
            set.profiles["Dup.Admin-Role"].get("sso_role_name"),
            Some("Admin Role")
        );
    }

    #[test]
    fn templates_accept_only_known_placeholders_and_valid_text() {
        let t = Template::parse("{session}/{account_id}/{role_name}").unwrap();
        assert_eq!(t.render("corp", &a("1", "x", "R")), "corp/1/R");
        for bad in ["{account}", "a b {role_name}", "{role_name", "fixed"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_sso_session_is_written_before_the_block() {
        let template = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let taken = BTreeSet::new();
        let out = sync(
            Path::new(PATH),
            "[profile a]",
            &Request {
                session: "corp",
                template: &template,
                region: "eu-west-1",
                assignments: &org(),
                prune: false,
                taken: &taken,
                new_session: Some(("https://corp.awsapps.com/start", "eu-west-1")),
            },
        )
        .unwrap();
        assert!(out.text.starts_with("[profile a]\n\n[sso-session corp]\n"));
        let set = parsed(&out.text);
        let session = &set.sso_sessions["corp"];
        assert_eq!(
            session.get("sso_registration_scopes"),
            Some("sso:account:access")
        );
        assert_eq!(session.get("sso_region"), Some("eu-west-1"));
    }

    #[test]
    fn dry_run_diffs_are_unified() {
        let d = diff(Path::new(PATH), "a\n", "a\nb\n");
        assert!(
            d.starts_with("--- /h/.aws/config\n+++ /h/.aws/config\n@@"),
            "{d}"
        );
        assert!(d.contains("\n+b\n"), "{d}");
    }

    fn user_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "# [^\r\n]{0,20}",
            "; [^\r\n]{0,20}",
            "[a-z_]{1,8} = [a-z0-9 ]{0,8}",
            "\\[profile [a-z]{1,6}\\]",
            "\\[sso-session [a-z]{1,6}\\]",
        ]
    }

    proptest! {
        #[test]
        fn any_org_gives_valid_unique_names_and_keeps_the_users_text(
            names in proptest::collection::vec("\\PC{0,60}", 1..12),
            roles in proptest::collection::vec("[A-Za-z =,.@-]{1,12}", 1..4),
            user in proptest::collection::vec(user_line(), 0..8),
            crlf in any::<bool>(),
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let user: String = std::iter::once("[profile first]")
                .chain(user.iter().map(String::as_str))
                .map(|l| format!("{l}{eol}"))
                .collect();
            let org: Vec<Assignment> = names
                .iter()
                .enumerate()
                .flat_map(|(i, n)| roles.iter().map(move |r| a(&format!("{:012}", i), n, r)))
                .collect();
            let out = run(&user, &org, false, "eu-west-1");
            prop_assert!(out.text.starts_with(&user));
            let set = parsed(&out.text);
            for name in &out.profiles {
                prop_assert!(name.bytes().all(is_identifier_byte), "{}", name);
                let p = &set.profiles[name.as_str()];
                prop_assert_eq!(p.get("sso_session"), Some("corp"));
            }
            let unique: BTreeSet<&String> = out.profiles.iter().collect();
            prop_assert_eq!(unique.len(), out.profiles.len());
            prop_assert_eq!(out.added + out.skipped.len(), unique_names(&Request {
                session: "corp",
                template: &Template::parse(DEFAULT_TEMPLATE).unwrap(),
                region: "r",
                assignments: &org,
                prune: false,
                taken: &BTreeSet::new(),
                new_session: None,
            }).len());
            let again = run(&out.text, &org, false, "eu-west-1");
            prop_assert_eq!(&again.text, &out.text);
        }
    }
}
