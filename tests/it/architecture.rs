//! The house plan, held by a test: every `crate::…`, `super::…` (and, in `main.rs`, `ssoenv::…`)
//! path in `src/` is resolved to the file it names, and the imports must run downward through
//! the layers drawn in `src/lib.rs` and the README, with no two files importing each other.
//! Test modules (`#[cfg(test)]`, always at the end of a file) are not part of the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layer of a top-level module; higher layers may import lower ones only.
fn layer(top: &str) -> Option<u8> {
    Some(match top {
        "main" => 7,
        "cmd" | "error" => 6,
        "cli" => 5,
        "active" | "console" | "doctor" => 4,
        "credentials" => 3,
        "sso" => 2,
        "config" | "shell" => 1,
        "child" | "env" | "exit" | "fsutil" | "pyjson" | "report" | "runtime" | "time" => 0,
        // Apart from the stack: see `sandbox_rule`.
        "sandbox" => 0,
        _ => return None,
    })
}

/// A module path, as segments below the crate root (`["config", "chain"]`); `main.rs` is `main`.
type Module = Vec<String>;

fn module_of(relative: &Path) -> Module {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The source that counts: test modules and comments removed.
fn plan_text(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines.peek().is_some_and(|next| {
                next.trim_start()
                    .trim_start_matches("pub(crate) ")
                    .starts_with("mod ")
            })
        {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every path that starts with one of `roots`, with `{a, b::c}` groups expanded, as segments.
fn paths(text: &str, roots: &[&str]) -> Vec<Vec<String>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for root in roots {
        let needle = format!("{root}::");
        let mut from = 0;
        while let Some(at) = text[from..].find(&needle).map(|i| i + from) {
            from = at + needle.len();
            if at > 0 && (is_ident_byte(bytes[at - 1]) || bytes[at - 1] == b':') {
                continue;
            }
            let mut prefix = vec![(*root).to_string()];
            let mut rest = &text[from..];
            // `super::super::x`
            while let Some(r) = rest.strip_prefix("super::") {
                prefix.push("super".into());
                rest = r;
            }
            expand(rest, prefix, &mut found);
        }
    }
    found
}

/// Reads one path (or `{…}` group) at the start of `rest` onto `prefix`.
fn expand(rest: &str, prefix: Vec<String>, found: &mut Vec<Vec<String>>) {
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(group[start..i].trim(), prefix.clone(), found);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(group[start..i].trim(), prefix.clone(), found);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let ident = &rest[..end];
    if ident.is_empty() {
        return;
    }
    let mut path = prefix;
    path.push(ident.to_string());
    match rest[end..].strip_prefix("::") {
        Some(more) => expand(more, path, found),
        None => found.push(path),
    }
}

/// The modules a file declares (`mod name;`, `pub mod name;`).
fn children(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("mod "))?;
            Some(rest.strip_suffix(';')?.to_string())
        })
        .collect()
}

/// The module file a path names: its longest prefix that is a module.
fn resolve(from: &Module, path: &[String], modules: &BTreeSet<Module>) -> Module {
    let (mut base, mut rest): (Module, &[String]) = match path[0].as_str() {
        "crate" | "ssoenv" => (Vec::new(), &path[1..]),
        "super" => (from.clone(), &path[1..]),
        // A child of this module.
        _ => (from.clone(), path),
    };
    if path[0] == "super" {
        base.pop();
    }
    while rest.first().is_some_and(|s| s == "super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut target = base.clone();
    for segment in rest {
        let mut next = target.clone();
        next.push(segment.clone());
        if !modules.contains(&next) {
            break;
        }
        target = next;
    }
    target
}

/// What is wrong with the plan of these files (path relative to `src/`, text).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeSet<Module> = files.iter().map(|(p, _)| module_of(Path::new(p))).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (file, text) in files {
        let from = module_of(Path::new(file));
        if from.is_empty() {
            continue; // lib.rs only declares the modules.
        }
        let text = plan_text(text);
        // A module's own children are named without a prefix (`pub use cache::X`).
        let children = children(&text);
        let mut roots: Vec<&str> = children.iter().map(String::as_str).collect();
        roots.extend(if from == ["main"] {
            ["ssoenv"].as_slice()
        } else {
            ["crate", "super"].as_slice()
        });
        for path in paths(&text, &roots) {
            let to = resolve(&from, &path, &modules);
            if to.is_empty() || to == from || from.starts_with(&to) && to.len() < from.len() {
                // The crate root, the file itself, or an ancestor's item reached through
                // `super` — an ancestor is checked by the cycle rule below.
                if to.is_empty() || to == from {
                    continue;
                }
            }
            edges.entry(from.clone()).or_default().insert(to);
        }
    }
    for (from, targets) in &edges {
        let (Some(own), name) = (layer(&from[0]), from.join("::")) else {
            problems.push(format!("{}: no layer for `{}`", from.join("::"), from[0]));
            continue;
        };
        for to in targets {
            let target = to.join("::");
            let Some(theirs) = layer(&to[0]) else {
                problems.push(format!("{name} imports {target}, which has no layer"));
                continue;
            };
            let sandbox = (from[0] == "sandbox", to[0] == "sandbox");
            if theirs > own && sandbox == (false, false) {
                problems.push(format!("{name} imports {target}, a layer above its own"));
            }
            if edges.get(to).is_some_and(|back| back.contains(from)) && from < to {
                problems.push(format!("{name} and {target} import each other"));
            }
            match sandbox {
                (true, false) if theirs > 0 => problems.push(format!(
                    "{name} imports {target}: the sandbox imports leaves only"
                )),
                (false, true) if *from != ["cmd", "sandbox"] => problems.push(format!(
                    "{name} imports {target}: only the sandbox command imports the sandbox"
                )),
                _ => {}
            }
            if from[0] == "cmd" && to[0] == "cmd" && from.len() > 1 && to.len() > 1 {
                problems.push(format!(
                    "{name} imports {target}: commands do not import each other"
                ));
            }
        }
    }
    problems
}

fn source_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir)
        .expect("read src")
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((
                relative,
                std::fs::read_to_string(&path).expect("read source"),
            ));
        }
    }
}

#[test]
fn imports_run_down_the_layers_and_never_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &src, &mut files);
    assert!(files.len() > 40, "read {} files", files.len());
    let problems = violations(&files);
    assert!(
        problems.is_empty(),
        "the house plan is broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_upward_imports_cycles_and_sandbox_leaks() {
    let file = |path: &str, text: &str| (path.to_string(), text.to_string());
    let files = [
        file(
            "sso/mod.rs",
            "pub mod cache;\npub mod client;\nuse crate::credentials::Credentials;\n",
        ),
        file("sso/cache.rs", "use super::client::{self, X};\n"),
        file("sso/client.rs", "use super::cache::Y;\n"),
        file("sso/login/mod.rs", "mod flow;\npub use flow::show;\n"),
        file("sso/login/flow.rs", "use super::LoginOptions;\n"),
        file(
            "credentials/mod.rs",
            "use crate::sso::{cache, client::Z};\n",
        ),
        file("config/mod.rs", "use crate::sandbox::state;\n"),
        file(
            "sandbox/mod.rs",
            "pub mod state;\nuse crate::{env::Env, config::Section};\n",
        ),
        file(
            "sandbox/state.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::cmd::x;\n}\n",
        ),
        file("env.rs", "// use crate::cmd::x;\n"),
        file("cmd/mod.rs", "mod a;\n"),
        file("cmd/a.rs", "use crate::credentials::X;\n"),
    ];
    let mut problems = violations(&files);
    problems.sort();
    assert_eq!(
        problems,
        [
            "config imports sandbox::state: only the sandbox command imports the sandbox",
            "sandbox imports config: the sandbox imports leaves only",
            "sso imports credentials, a layer above its own",
            "sso::cache and sso::client import each other",
            "sso::login and sso::login::flow import each other",
        ]
    );
}
