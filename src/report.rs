//! What library code has to tell a person while it works — a warning about a corrupt cache file,
//! the URL and code of a login — goes through a [`Reporter`] that `cmd/` owns and passes down,
//! never straight to stderr: the prompt passes a silent one, tests a capturing one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where messages go.
#[derive(Debug)]
pub struct Reporter {
    sink: Sink,
    /// Files already warned about: a file is looked at more than once in a run (the local fast
    /// path, then under a lock), and one warning says it all.
    warned: Mutex<Vec<PathBuf>>,
}

#[derive(Debug)]
enum Sink {
    Stderr,
    Silent,
    Capture(Mutex<String>),
}

impl Reporter {
    /// A person's terminal: standard error.
    pub fn stderr() -> Self {
        Self::with(Sink::Stderr)
    }

    /// Nothing is shown (the prompt, completion).
    pub fn silent() -> Self {
        Self::with(Sink::Silent)
    }

    /// Kept for [`Reporter::captured`] (tests).
    pub fn capture() -> Self {
        Self::with(Sink::Capture(Mutex::default()))
    }

    fn with(sink: Sink) -> Self {
        Self {
            sink,
            warned: Mutex::default(),
        }
    }

    /// What a capturing reporter was told.
    pub fn captured(&self) -> String {
        match &self.sink {
            Sink::Capture(text) => text.lock().map(|t| t.clone()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Text as it is (the caller ends its lines).
    pub fn say(&self, text: &str) {
        match &self.sink {
            // A closed terminal is no reason to fail the work.
            Sink::Stderr => drop(std::io::stderr().write_all(text.as_bytes())),
            Sink::Silent => {}
            Sink::Capture(all) => {
                if let Ok(mut all) = all.lock() {
                    all.push_str(text);
                }
            }
        }
    }

    /// Asks the person at the terminal: the question on stderr (never stdout, which `asp`
    /// captures), the answer one line of standard input, trimmed. `None` when nobody can answer:
    /// a silent or capturing reporter, or input that is closed or unreadable. Only for callers
    /// that checked `Env::person_at_terminal` first.
    pub fn ask(&self, question: &str) -> Option<String> {
        self.say(question);
        if !matches!(self.sink, Sink::Stderr) {
            return None;
        }
        let mut answer = String::new();
        match std::io::stdin().read_line(&mut answer) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(answer.trim().to_string()),
        }
    }

    /// `ssoenv: warning: …` on a line of its own.
    pub fn warn(&self, text: &str) {
        self.say(&format!("ssoenv: warning: {text}\n"));
    }

    /// A warning about `path`, once per run however often the file is looked at.
    pub fn warn_once(&self, path: &Path, text: &str) {
        let first = match self.warned.lock() {
            Ok(warned) if warned.iter().any(|p| p == path) => false,
            Ok(mut warned) => {
                warned.push(path.to_path_buf());
                true
            }
            Err(_) => true,
        };
        if first {
            self.warn(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_warned_about_once() {
        let report = Reporter::capture();
        report.warn_once(Path::new("/a"), "a is bad");
        report.warn_once(Path::new("/a"), "a is bad");
        report.warn_once(Path::new("/b"), "b is bad");
        assert_eq!(
            report.captured(),
            "ssoenv: warning: a is bad\nssoenv: warning: b is bad\n"
        );
        let silent = Reporter::silent();
        silent.warn("nothing");
        assert_eq!(silent.captured(), "");
    }

    #[test]
    fn only_the_terminal_can_answer_a_question() {
        let capture = Reporter::capture();
        assert_eq!(capture.ask("Go on? "), None);
        assert_eq!(capture.captured(), "Go on? ", "the question is shown");
        assert_eq!(Reporter::silent().ask("Go on? "), None);
    }
}
