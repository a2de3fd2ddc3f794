//! The files we share with other processes. Writing: never a half-written file, never readable
//! by other users — every cache write goes through [`write_private`]. Reading: never blocked or
//! crashed by what another tool put there — every read goes through [`open_regular`].

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

/// Opens `path` for reading only if it is a regular file (after following links). Opening does
/// not block: a FIFO or a device put where a config or token belongs would otherwise stall the
/// prompt forever. Anything but a regular file is `InvalidInput`, saying what it is.
pub fn open_regular(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, what));
    }
    Ok(file)
}

/// The whole of a regular file (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Creates `dir` (and parents) with mode 0700 when missing. An existing folder keeps its mode: it
/// may be the AWS CLI's, and it is not ours to change.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `contents` to `path` atomically: a temp file in the same folder (mode 0600), fsync, then
/// rename over the target. A reader sees the old file or the new one, never a mix; a crash or
/// Ctrl-C leaves at most a stray temp file, which `tempfile` removes when dropped.
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    // tempfile creates its files with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".ssoenv-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Rewrites the one-byte file `path` (mode 0600, its folder created), so that the kernel stamps
/// it with the same clock as every other file written from now on: a stamp for `-nt`/`-ot`
/// comparisons. Not atomic and not synced; a stamp holds nothing.
pub fn touch_stamp(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    // Truncating a one-byte file and writing the byte changes its size twice, and each change
    // sets the modification time.
    options.open(path)?.write_all(b"\n")
}

/// Replaces a file the user owns (`~/.aws/config`) atomically, like [`write_private`], but keeps
/// its mode (0600 for a new file) and writes through a symbolic link to its target, so a config
/// kept in a dotfiles repository stays a link. The folder must exist: a missing or read-only one
/// is an error and the old file is left as it was.
pub fn replace_keeping_mode(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = match fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".ssoenv-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    if let Ok(meta) = fs::metadata(&target) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Removes a file; a file that is already gone is not an error.
pub fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_private_modes_and_replaces_atomically() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/b/token.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&root.path().join("a/b")), 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(root.path().join("a/b")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file may remain");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_directory_is_refused_without_blocking() {
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read_regular(&fifo).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "not a regular file");
        assert_eq!(
            read_regular(root.path()).unwrap_err().to_string(),
            "a directory"
        );
        fs::write(root.path().join("f"), "x").unwrap();
        assert_eq!(read_regular(&root.path().join("f")).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode_and_its_link() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        replace_keeping_mode(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let fresh = root.path().join("fresh");
        replace_keeping_mode(&fresh, b"x").unwrap();
        assert_eq!(
            fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let missing = root.path().join("no/such/config");
        assert!(replace_keeping_mode(&missing, b"x").is_err());
    }

    #[test]
    fn removing_a_missing_file_is_fine() {
        let root = tempfile::tempdir().unwrap();
        remove_if_exists(&root.path().join("nope")).unwrap();
    }
}
