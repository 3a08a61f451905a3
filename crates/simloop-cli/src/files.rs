//! Every file the commands write (`render --out`, `--report`, `--junit`,
//! a failure's `.json` and `.svg`): complete or absent, and checked before
//! the work starts.
//!
//! - A regular file, or a name not taken yet, is written to a temporary
//!   file in the same directory, flushed to disk and renamed over it: a
//!   full disk or a crash leaves the old file, or none, never half of one.
//! - The file stdout writes to (`--report /dev/stdout`, whether stdout is
//!   a terminal, a pipe or `> out.txt`) is written through stdout, after
//!   what was printed: opening it afresh would write over that from the
//!   start.
//! - Anything else (`/dev/null`, a FIFO, `/dev/stderr`) is written in place,
//!   without truncating.
//!
//! [`OutputFile::create`] finds out which, and whether it can be written,
//! before the work: a bad path fails at once, not after a sweep.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file to write once the work is done; see the module docs.
pub(crate) struct OutputFile {
    path: PathBuf,
    to: Target,
}

enum Target {
    /// Through stdout.
    Stdout,
    /// In place, opened when checked.
    InPlace(File),
    /// A temporary file in `dir`, then renamed to `path` (symbolic links
    /// resolved, so that the link stays a link).
    Replace { target: PathBuf, dir: PathBuf },
}

impl OutputFile {
    /// Check that `path` can be written, as [`OutputFile::write`] will.
    pub(crate) fn create(path: &Path) -> io::Result<OutputFile> {
        let to = match fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                ))
            }
            Ok(m) if same_file(&m, &io::stdout()) => Target::Stdout,
            Ok(m) if !m.is_file() || same_file(&m, &io::stderr()) => {
                Target::InPlace(File::options().append(true).open(path)?)
            }
            Ok(_) => {
                let target = fs::canonicalize(path)?;
                let dir = parent(&target);
                probe(&dir)?;
                Target::Replace { target, dir }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let dir = parent(path);
                probe(&dir)?;
                Target::Replace {
                    target: path.to_path_buf(),
                    dir,
                }
            }
            Err(e) => return Err(e),
        };
        Ok(OutputFile {
            path: path.to_path_buf(),
            to,
        })
    }

    /// The path as given.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Write what `content` writes: all of it, or (on an error) nothing
    /// in place of a regular file.
    pub(crate) fn write(
        self,
        content: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        match self.to {
            Target::Stdout => {
                let mut out = io::stdout().lock();
                content(&mut out)?;
                out.flush()
            }
            Target::InPlace(file) => {
                let mut out = BufWriter::new(file);
                content(&mut out)?;
                out.flush()
            }
            Target::Replace { target, dir } => {
                let mut tmp = temp_in(&dir, &target)?;
                let mut out = BufWriter::new(tmp.as_file_mut());
                content(&mut out)?;
                out.flush()?;
                drop(out);
                // On disk before the rename: a crash then leaves the old
                // file or the new one.
                tmp.as_file().sync_all()?;
                tmp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// Write `bytes` to `path` as an [`OutputFile`].
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    OutputFile::create(path)?.write(|out| out.write_all(bytes))
}

/// Check that `dir` is a directory files can be written in (`--out-dir`).
pub(crate) fn check_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() {
        return probe(Path::new("."));
    }
    probe(dir)
}

/// The directory `path` is in (`.` for a bare name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file in `dir`, for `target`: readable as a file created
/// there would be (the umask applies), or as `target` is now.
fn temp_in(dir: &Path, target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".simloop-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(target).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        b.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = target;
    b.tempfile_in(dir)
}

/// Whether a temporary file can be made in `dir` (and removed again).
fn probe(dir: &Path) -> io::Result<()> {
    tempfile::Builder::new()
        .prefix(".simloop-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map(drop)
}

/// Whether `m` is the file `stream` (stdout or stderr) writes to.
#[cfg(unix)]
fn same_file(m: &fs::Metadata, stream: &impl std::os::fd::AsFd) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(fd) = stream.as_fd().try_clone_to_owned() else {
        return false;
    };
    File::from(fd)
        .metadata()
        .is_ok_and(|s| s.dev() == m.dev() && s.ino() == m.ino())
}

#[cfg(not(unix))]
fn same_file<S>(_: &fs::Metadata, _: &S) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("simloop-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("a scratch directory");
        d
    }

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .expect("readable")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_other() {
        let d = dir("fail");
        let path = d.join("out.svg");
        fs::write(&path, "old").expect("written");
        let r = OutputFile::create(&path).expect("writable").write(|out| {
            out.write_all(b"half of the ")?;
            Err(io::Error::other("the disk is full"))
        });
        assert_eq!(r.expect_err("failed").to_string(), "the disk is full");
        assert_eq!(fs::read_to_string(&path).expect("there"), "old");
        assert_eq!(names(&d), ["out.svg"]);
        // A new name: absent after a failure.
        let new = d.join("new.svg");
        let r = OutputFile::create(&new)
            .expect("writable")
            .write(|_| Err(io::Error::other("no")));
        assert!(r.is_err());
        assert_eq!(names(&d), ["out.svg"]);
        write_file(&new, b"whole").expect("written");
        assert_eq!(fs::read_to_string(&new).expect("there"), "whole");
        assert_eq!(names(&d), ["new.svg", "out.svg"]);
        fs::remove_dir_all(&d).expect("removed");
    }

    #[test]
    fn a_symbolic_link_stays_one() {
        let d = dir("link");
        fs::write(d.join("real.json"), "old").expect("written");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("real.json", d.join("link.json")).expect("a link");
            write_file(&d.join("link.json"), b"new").expect("written");
            assert!(fs::symlink_metadata(d.join("link.json"))
                .expect("there")
                .file_type()
                .is_symlink());
            assert_eq!(
                fs::read_to_string(d.join("real.json")).expect("there"),
                "new"
            );
        }
        fs::remove_dir_all(&d).expect("removed");
    }

    #[test]
    fn bad_paths_fail_when_checked() {
        let d = dir("bad");
        let e = OutputFile::create(&d.join("no/such/dir/out.svg")).err();
        assert_eq!(e.map(|e| e.kind()), Some(io::ErrorKind::NotFound));
        let e = OutputFile::create(&d).err();
        assert_eq!(e.map(|e| e.kind()), Some(io::ErrorKind::IsADirectory));
        assert!(check_dir(&d).is_ok());
        assert!(check_dir(&d.join("none")).is_err());
        // A device is written in place.
        #[cfg(unix)]
        {
            let r = write_file(Path::new("/dev/full"), b"x");
            assert_eq!(r.err().and_then(|e| e.raw_os_error()), Some(28));
            write_file(Path::new("/dev/null"), b"x").expect("written");
        }
        assert_eq!(names(&d), Vec::<String>::new());
        fs::remove_dir_all(&d).expect("removed");
    }
}
