//! Reading a config file into memory for the parser.

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::error::ConfigError;
use crate::fsutil;

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
    /// A large file's copy, in memory mapped with its pages already in place, and how much of it
    /// the read filled.
    Populated(memmap2::MmapMut, usize),
}

/// Below this size a plain read costs less than setting up a mapping.
pub(crate) const MAP_THRESHOLD: u64 = 64 * 1024;

impl SourceFile {
    /// A file from text already in memory (tests, or a caller that read it itself).
    pub fn new(path: impl AsRef<Path>, contents: impl Into<String>) -> Self {
        Self {
            path: Arc::from(path.as_ref()),
            contents: Contents::Owned(contents.into().into_bytes()),
        }
    }

    /// Reads a file; `None` when it does not exist (the SDKs treat that as empty). Only a
    /// regular file is read (see [`fsutil::open_regular`]): a FIFO is an error, never a wait.
    ///
    /// The file is copied, never mapped: `aws configure set`, editors and Python's `open('w')`
    /// truncate and rewrite `~/.aws/config` in place, and a mapped page past the new end kills the
    /// reader with SIGBUS. A large file is copied into memory whose pages are mapped in one call
    /// (MAP_POPULATE) rather than faulted in one by one, which is what made mapping the file fast:
    /// a fresh page costs ~3 µs to fault in here, a 1.4 MB config 350 of them. A file rewritten
    /// while it is read yields whatever bytes the read saw: perhaps a parse error, never a crash.
    pub fn read(path: &Path) -> Result<Option<Self>, ConfigError> {
        let mut file = match fsutil::open_regular(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_error(path, source)),
        };
        let len = file.metadata().map_err(|e| read_error(path, e))?.len();
        let contents = if len >= MAP_THRESHOLD {
            let (buffer, filled) =
                read_populated(&mut file, len).map_err(|e| read_error(path, e))?;
            Contents::Populated(buffer, filled)
        } else {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)
                .map_err(|e| read_error(path, e))?;
            Contents::Owned(bytes)
        };
        Ok(Some(Self {
            path: Arc::from(path),
            contents,
        }))
    }

    /// The raw contents.
    pub fn bytes(&self) -> &[u8] {
        match &self.contents {
            Contents::Owned(b) => b,
            Contents::Populated(m, filled) => &m[..*filled],
        }
    }
}

/// Up to `len` bytes of `file` into populated anonymous memory, and how many were read (a file
/// truncated meanwhile gives fewer; one that grew, its first `len`).
fn read_populated(file: &mut std::fs::File, len: u64) -> io::Result<(memmap2::MmapMut, usize)> {
    let len = usize::try_from(len).map_err(io::Error::other)?;
    let mut buffer = memmap2::MmapOptions::new().len(len).populate().map_anon()?;
    let mut filled = 0;
    while filled < len {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((buffer, filled))
}

fn read_error(path: &Path, source: io::Error) -> ConfigError {
    ConfigError::Read {
        path: path.to_owned(),
        source,
    }
}
