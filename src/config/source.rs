//! Reading a config file into memory for the parser.

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::error::ConfigError;

/// A file's path and contents, as handed to the parser. The contents are bytes: the parser
/// converts what it reads as UTF-8, replacing invalid bytes, so a stray one hides no profile.
#[derive(Debug)]
pub struct SourceFile {
    pub path: Arc<Path>,
    contents: Contents,
}

#[derive(Debug)]
enum Contents {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

/// Below this size a copy costs less than setting up a mapping and faulting its pages in.
pub(crate) const MAP_THRESHOLD: u64 = 64 * 1024;

impl SourceFile {
    /// A file from text already in memory (tests, or a caller that read it itself).
    pub fn new(path: impl AsRef<Path>, contents: impl Into<String>) -> Self {
        Self {
            path: Arc::from(path.as_ref()),
            contents: Contents::Owned(contents.into().into_bytes()),
        }
    }

    /// Reads a file; `None` when it does not exist (the SDKs treat that as empty).
    pub fn read(path: &Path) -> Result<Option<Self>, ConfigError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(Self {
                path: Arc::from(path),
                contents: Contents::Owned(bytes),
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(read_error(path, source)),
        }
    }

    /// Maps a large file into memory instead of copying it: for a 1.4 MB config, reading it costs
    /// several times what `ProfileSet::parse_selected` then spends on it. Small files, and files
    /// that cannot be mapped (pipes, some network file systems), are read. `None` when the file
    /// does not exist.
    pub fn map(path: &Path) -> Result<Option<Self>, ConfigError> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_error(path, source)),
        };
        let large = file
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() >= MAP_THRESHOLD);
        if large {
            // SAFETY: the map is read-only and dropped with this value. If another process
            // truncates the file while it is mapped, reading the lost pages faults (SIGBUS):
            // `aws configure set` rewrites the file in place, but a parse takes microseconds, and
            // this is the same risk ripgrep accepts for the same speed. Every caller reads the
            // whole file, so its pages are mapped in one call rather than faulted in one by one.
            if let Ok(map) = unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
                return Ok(Some(Self {
                    path: Arc::from(path),
                    contents: Contents::Mapped(map),
                }));
            }
        }
        Self::read(path)
    }

    /// The raw contents.
    pub fn bytes(&self) -> &[u8] {
        match &self.contents {
            Contents::Owned(b) => b,
            Contents::Mapped(m) => m,
        }
    }
}

fn read_error(path: &Path, source: io::Error) -> ConfigError {
    ConfigError::Read {
        path: path.to_owned(),
        source,
    }
}
