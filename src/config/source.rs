//! Reading a config file into memory for the parser: whole, or only the sections a hot path keeps.

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use memchr::{memchr, memchr_iter};

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

/// Some sections of a file, each with the line it starts on: what a hot path keeps of a large
/// file, read without ever holding the whole of it.
#[derive(Debug)]
pub struct Sections {
    pub path: Arc<Path>,
    /// The kept sections' text, one after the other.
    text: Vec<u8>,
    /// Where each kept section starts in `text`, and its line in the file.
    starts: Vec<(usize, usize)>,
}

/// How much of a file is read at a time into the one reused buffer: small enough that the buffer
/// costs few fresh pages, large enough that the reads are few.
const CHUNK: usize = 16 * 1024;

/// Files saved by some Windows editors start with a byte-order mark; it is not part of the text.
pub(crate) const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

impl Sections {
    /// Reads a file section by section, keeping the text before the first header and each section
    /// whose header line (from its `[`, without the line break) `keep` accepts. A header is a line
    /// that starts with `[`; a leading byte-order mark is dropped. `None` when the file does not
    /// exist; only a regular file is read, and it is copied, never mapped (see
    /// [`SourceFile::read`]).
    pub fn read(path: &Path, keep: impl FnMut(&[u8]) -> bool) -> Result<Option<Self>, ConfigError> {
        let file = match fsutil::open_regular(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_error(path, source)),
        };
        Self::read_from(Arc::from(path), file, CHUNK, keep)
            .map(Some)
            .map_err(|e| read_error(path, e))
    }

    /// [`Sections::read`] from any reader, `chunk` bytes at a time (tests try tiny chunks).
    pub(crate) fn read_from(
        path: Arc<Path>,
        mut reader: impl Read,
        chunk: usize,
        keep: impl FnMut(&[u8]) -> bool,
    ) -> io::Result<Self> {
        let mut kept = Kept {
            sections: Self {
                path,
                text: Vec::new(),
                starts: vec![(0, 1)],
            },
            keep,
            keeping: true,
            line: 1,
            line_start: true,
        };
        let mut buffer = Vec::new();
        let mut filled = 0;
        let mut at_start = true;
        loop {
            buffer.resize(filled + chunk, 0);
            let read = match reader.read(&mut buffer[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            filled += read;
            let end = read == 0;
            let mut from = 0;
            if at_start {
                // The mark may arrive split over reads, so wait until it can be told apart.
                if filled < BYTE_ORDER_MARK.len() && !end {
                    continue;
                }
                at_start = false;
                if buffer[..filled].starts_with(BYTE_ORDER_MARK) {
                    from = BYTE_ORDER_MARK.len();
                }
            }
            let used = from + kept.take(&buffer[from..filled], end);
            buffer.copy_within(used..filled, 0);
            filled -= used;
            if end {
                return Ok(kept.sections);
            }
        }
    }

    /// Each kept section's text and the line it starts on, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], usize)> {
        let ends = self.starts.iter().skip(1).map(|&(at, _)| at);
        self.starts
            .iter()
            .zip(ends.chain(std::iter::once(self.text.len())))
            .map(|(&(start, line), end)| (self.text.get(start..end).unwrap_or_default(), line))
    }
}

/// The state of a [`Sections::read`] between chunks.
struct Kept<F> {
    sections: Sections,
    keep: F,
    /// Whether the section being read is kept.
    keeping: bool,
    /// The line the next byte is on.
    line: usize,
    /// Whether the next byte starts a line.
    line_start: bool,
}

impl<F: FnMut(&[u8]) -> bool> Kept<F> {
    /// Takes what it can of `data`, the next bytes of the file, and says how many it took: all of
    /// them but a header line not yet complete (unless `end`, when the file ends there). Line
    /// breaks are counted in bulk, up to each kept header and at the end, never section by section.
    fn take(&mut self, data: &[u8], end: bool) -> usize {
        // Where the text not yet copied or passed over starts, and where counting stopped.
        let (mut from, mut counted) = (0, 0);
        let line_start = self.line_start;
        let headers = memchr_iter(b'[', data).filter(|&at| match at.checked_sub(1) {
            Some(before) => data.get(before) == Some(&b'\n'),
            None => line_start,
        });
        let mut taken = data.len();
        for at in headers {
            let line_end = match memchr(b'\n', &data[at..]) {
                Some(i) => at + i,
                None if end => data.len(),
                None => {
                    taken = at;
                    break;
                }
            };
            if self.keeping {
                self.sections.text.extend_from_slice(&data[from..at]);
            }
            from = at;
            self.keeping = (self.keep)(&data[at..line_end]);
            if self.keeping {
                self.line += memchr_iter(b'\n', &data[counted..at]).count();
                counted = at;
                self.sections
                    .starts
                    .push((self.sections.text.len(), self.line));
            }
        }
        if self.keeping {
            self.sections.text.extend_from_slice(&data[from..taken]);
        }
        self.line += memchr_iter(b'\n', &data[counted..taken]).count();
        if taken > 0 {
            self.line_start = data.get(taken - 1) == Some(&b'\n');
        }
        taken
    }
}

fn read_error(path: &Path, source: io::Error) -> ConfigError {
    ConfigError::Read {
        path: path.to_owned(),
        source,
    }
}
