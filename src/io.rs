//! Reading input files and writing output files safely, for the command line.
//!
//! Every file the CLI reads goes through [`read_input`] (or [`for_each_line`] for logs),
//! which caps what it keeps in memory, so that `/dev/zero`, a FIFO that never ends or a
//! huge file gets a clear error instead of exhausting memory; `-` names standard input.
//! Every output file goes through [`write_output`], which never leaves a partial file or
//! a stray temporary behind. The limits are listed in `docs/limits.md`.

use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

/// The most one input file (binary policy, policy.conf, xl config, tree file) may hold.
/// Xen's largest generated policies are about 160 MB; a file ten times that is not a policy.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The longest line of an AVC log: Xen prints lines of a few hundred bytes, so a line
/// longer than this means the input is not a log (or is `/dev/zero`).
pub const MAX_LOG_LINE_BYTES: usize = 1 << 20;

/// Whether a path names standard input or output (`-`).
pub fn is_std(path: &Path) -> bool {
    path == Path::new("-")
}

/// A way to read a regular file's text again later ([`crate::source::Reread`]), as long
/// as it keeps the size and modification time it has now (call it before reading the
/// file the first time); `None` for standard input and anything else that is not a
/// regular file, whose text cannot be read twice.
pub fn reread(path: &Path) -> Option<crate::source::Reread> {
    if is_std(path) {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let (len, modified) = (meta.len(), meta.modified().ok()?);
    let path = path.to_path_buf();
    Some(crate::source::Reread::new(move || {
        let now = std::fs::metadata(&path).ok()?;
        if now.len() != len || now.modified().ok()? != modified {
            return None;
        }
        read_text(&path).ok()
    }))
}

/// How a path is named in messages: `standard input` for `-`.
pub fn input_name(path: &Path) -> String {
    if is_std(path) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// What an input is expected to hold, so that reading can stop at the first sign that it
/// does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A binary policy: reading stops after the first bytes when they are not a policy's
    /// magic number (the binary reader then reports it).
    Binary,
    /// Text: a NUL byte is refused.
    Text,
    /// Anything (m4 input, which may hold any byte).
    Bytes,
}

/// Why an input could not be read. The message does not name the file: callers do.
#[derive(Debug)]
pub enum InputError {
    /// The system refused (no such file, permission, out of memory ...).
    Io(io::Error),
    /// More than [`MAX_INPUT_BYTES`].
    TooLarge,
    /// Not text: a NUL byte or invalid UTF-8 at this byte offset.
    NotText {
        /// The byte offset.
        offset: u64,
        /// `a NUL byte` or `invalid UTF-8`.
        what: &'static str,
    },
    /// A line longer than [`MAX_LOG_LINE_BYTES`].
    LineTooLong {
        /// Its 1-based number.
        line: u64,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io(e) => write!(f, "{e}"),
            InputError::TooLarge => write!(
                f,
                "larger than {} MiB, the limit for an input file",
                MAX_INPUT_BYTES >> 20
            ),
            InputError::NotText { offset, what } => {
                write!(f, "not a text file ({what} at offset {offset})")
            }
            InputError::LineTooLong { line } => write!(
                f,
                "line {line} is longer than {} MiB, the limit for a log line (not a log?)",
                MAX_LOG_LINE_BYTES >> 20
            ),
        }
    }
}

impl From<io::Error> for InputError {
    fn from(e: io::Error) -> Self {
        InputError::Io(e)
    }
}

/// Opens a file for reading, or standard input for `-`.
fn open(path: &Path) -> io::Result<(Box<dyn Read>, Option<u64>)> {
    if is_std(path) {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let f = std::fs::File::open(path)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::from(io::ErrorKind::IsADirectory));
    }
    let size = meta.is_file().then_some(meta.len());
    Ok((Box::new(f), size))
}

/// Reads a whole input (standard input for `-`), at most [`MAX_INPUT_BYTES`].
///
/// # Errors
/// When it cannot be read, is too large, or is not what `expect` says.
pub fn read_input(path: &Path, expect: Expect) -> Result<Vec<u8>, InputError> {
    read_capped(path, expect, MAX_INPUT_BYTES)
}

/// The m4 loaders' read: at most `limit` bytes (what is left of m4's memory limit), so
/// that `include(/dev/zero)` stops there.
pub fn read_for_m4(path: &Path, limit: usize) -> Result<Vec<u8>, crate::m4::LoadError> {
    match read_capped(path, Expect::Bytes, (limit as u64).min(MAX_INPUT_BYTES)) {
        Ok(b) => Ok(b),
        Err(InputError::TooLarge) => Err(crate::m4::LoadError::TooLarge),
        Err(_) => Err(crate::m4::LoadError::Missing),
    }
}

/// [`read_input`] with a size limit of `limit` bytes ([`InputError::TooLarge`] past it).
fn read_capped(path: &Path, expect: Expect, limit: u64) -> Result<Vec<u8>, InputError> {
    let (mut r, size) = open(path)?;
    let mut buf = Vec::new();
    match size {
        Some(n) if n > limit => return Err(InputError::TooLarge),
        // A regular file's size is known: one allocation, no doubling.
        Some(n) => buf
            .try_reserve_exact(n as usize)
            .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?,
        None => {}
    }
    // A small file needs no 64 KiB buffer (one more byte than its size sees the end; at
    // least 4 KiB, since files of `/proc` say they are empty).
    let chunk_len = size.map_or(64 << 10, |n| {
        (n as usize).saturating_add(1).clamp(4 << 10, 64 << 10)
    });
    let mut chunk = vec![0u8; chunk_len];
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if (buf.len() + n) as u64 > limit {
            return Err(InputError::TooLarge);
        }
        let start = buf.len();
        buf.try_reserve(n)
            .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
        buf.extend_from_slice(&chunk[..n]);
        match expect {
            Expect::Text => {
                // `contains` on bytes is a vectorised search; the position only on a hit.
                let read = &buf[start..];
                let nul = read.contains(&0).then(|| read.iter().position(|&b| b == 0));
                if let Some(i) = nul.flatten() {
                    return Err(InputError::NotText {
                        offset: (start + i) as u64,
                        what: "a NUL byte",
                    });
                }
            }
            Expect::Binary => {
                if buf.len() >= 4 && buf[..4] != crate::binary::format::MAGIC.to_le_bytes() {
                    return Ok(buf);
                }
            }
            Expect::Bytes => {}
        }
    }
}

/// Reads a whole text input that must be UTF-8 without NUL bytes (an xl config).
///
/// # Errors
/// As [`read_input`], and [`InputError::NotText`] for invalid UTF-8.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let bytes = read_input(path, Expect::Text)?;
    String::from_utf8(bytes).map_err(|e| InputError::NotText {
        offset: e.utf8_error().valid_up_to() as u64,
        what: "invalid UTF-8",
    })
}

/// A regular file's text read in pieces of about `len` bytes, each ending at a line end
/// (the last one where the file ends), for [`crate::syntax::parse_pieces`]: a large
/// policy.conf is never held whole. Each piece is checked as [`read_text`] checks the
/// whole: an item is `None`, and the last one, when the file cannot be read further,
/// grows past [`MAX_INPUT_BYTES`], or holds a NUL byte or invalid UTF-8 (the caller then
/// reads the file whole, which reports why).
pub struct TextPieces {
    reader: io::BufReader<std::fs::File>,
    len: usize,
    total: u64,
    done: bool,
}

impl TextPieces {
    /// The pieces of the regular file at `path` if it holds at least `from` bytes;
    /// `None` for anything else.
    pub fn open(path: &Path, from: u64, len: usize) -> Option<TextPieces> {
        if is_std(path) {
            return None;
        }
        let f = std::fs::File::open(path).ok()?;
        let meta = f.metadata().ok()?;
        if !meta.is_file() || meta.len() < from || meta.len() > MAX_INPUT_BYTES {
            return None;
        }
        Some(TextPieces {
            reader: io::BufReader::with_capacity(64 << 10, f),
            len,
            total: 0,
            done: false,
        })
    }

    /// The next piece, `Ok(None)` at the end of the file.
    fn read_piece(&mut self) -> Result<Option<String>, ()> {
        let mut buf = Vec::with_capacity(self.len + 4096);
        let reader = self.reader.by_ref();
        let n = (reader.take(self.len as u64).read_to_end(&mut buf)).map_err(drop)?;
        if n == 0 {
            return Ok(None);
        }
        if buf.contains(&0) {
            return Err(());
        }
        if buf.last() != Some(&b'\n') {
            // The rest of the line, unless it is longer than a piece (then not text to
            // read in pieces).
            let limit = self.len as u64;
            (reader.take(limit).read_until(b'\n', &mut buf)).map_err(drop)?;
            if buf.len() >= 2 * self.len || buf[n..].contains(&0) {
                return Err(());
            }
        }
        self.total += buf.len() as u64;
        if self.total > MAX_INPUT_BYTES {
            return Err(());
        }
        String::from_utf8(buf).map(Some).map_err(drop)
    }
}

impl Iterator for TextPieces {
    type Item = Option<String>;

    fn next(&mut self) -> Option<Option<String>> {
        if self.done {
            return None;
        }
        let piece = self.read_piece();
        self.done = !matches!(piece, Ok(Some(_)));
        piece.map_or(Some(None), |text| text.map(Some))
    }
}

/// Calls `each` with every line of an input (standard input for `-`) and its 1-based
/// number, without its line ending, holding one line at a time. Invalid UTF-8 is replaced.
///
/// # Errors
/// When the input cannot be read or a line is longer than [`MAX_LOG_LINE_BYTES`].
pub fn for_each_line(path: &Path, mut each: impl FnMut(u64, &str)) -> Result<(), InputError> {
    let (r, _) = open(path)?;
    let mut r = io::BufReader::with_capacity(64 << 10, r);
    let mut buf = Vec::new();
    for number in 1u64.. {
        buf.clear();
        let limit = MAX_LOG_LINE_BYTES as u64 + 1;
        let n = r.by_ref().take(limit).read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        if buf.len() > MAX_LOG_LINE_BYTES {
            return Err(InputError::LineTooLong { line: number });
        }
        each(number, &String::from_utf8_lossy(&buf));
    }
    Ok(())
}

/// Why an output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// Standard output is a pipe whose reader has gone.
    BrokenPipe,
    /// Anything else, as a sentence (never naming an internal temporary file).
    Failed(String),
}

impl OutputError {
    /// Classifies an I/O error of the final destination.
    pub fn from_io(e: &io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            OutputError::BrokenPipe
        } else {
            OutputError::Failed(plain(e).to_string())
        }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::BrokenPipe => f.write_str("Broken pipe"),
            OutputError::Failed(m) => f.write_str(m),
        }
    }
}

/// The error without any context a library added (tempfile adds the temporary's path).
fn plain(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// A writer that remembers the first I/O error of its sink, whatever the code above it
/// turns that error into.
struct Watch<W> {
    inner: W,
    error: Option<io::Error>,
}

impl<W: Write> Watch<W> {
    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            if self.error.is_none() {
                self.error = Some(plain(e));
            }
        }
        r
    }
}

impl<W: Write> Write for Watch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// What `fill` produces for an output: the bytes written to the writer, or a message.
pub type Fill<'a> = &'a mut dyn FnMut(&mut dyn Write) -> Result<(), String>;

/// Runs `fill` on `sink` (buffered) and flushes; a sink error wins over `fill`'s message,
/// since it is the cause.
fn fill_into(sink: impl Write, fill: Fill<'_>) -> Result<(), OutputError> {
    let mut w = io::BufWriter::with_capacity(
        1 << 20,
        Watch {
            inner: sink,
            error: None,
        },
    );
    let filled = fill(&mut w);
    let flushed = if filled.is_ok() { w.flush() } else { Ok(()) };
    // On failure what is still buffered is dropped, not written.
    let (watch, _) = w.into_parts();
    if let Some(e) = &watch.error {
        return Err(OutputError::from_io(e));
    }
    filled.map_err(OutputError::Failed)?;
    flushed.map_err(|e| OutputError::from_io(&e))
}

/// Writes what `fill` produces to `path`:
///
/// - `-`: standard output;
/// - an existing file that is not a regular file (a character device such as
///   `/dev/null`, a FIFO): opened for writing and written directly, as checkpolicy does;
/// - otherwise a regular file, written in full before it appears: on Linux an unnamed
///   `O_TMPFILE` file in the destination's directory is linked into place (nothing is
///   left behind, whatever kills the process); elsewhere a named `.flaskc-PID-*`
///   temporary renamed into place, removed on SIGINT/SIGTERM and, when a killed run left
///   one, by the next run. A symbolic link is written through: its target is replaced
///   (as `cp` and checkpolicy write through it); a dangling link is refused, as `cp` does.
///
/// An existing file the user may not write is refused, as checkpolicy refuses it. A new
/// file gets mode 0666 less the umask, as checkpolicy's do.
///
/// # Errors
/// When `fill` fails or the output cannot be written; nothing is left at `path` then
/// (except what a device or FIFO already took).
pub fn write_output(path: &Path, fill: Fill<'_>) -> Result<(), OutputError> {
    if is_std(path) {
        return fill_into(io::stdout().lock(), fill);
    }
    let failed = |e: io::Error| OutputError::Failed(plain(&e).to_string());
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(failed)?;
            return fill_into(f, fill);
        }
        Ok(_) if !writable(path) => {
            return Err(failed(io::Error::from(io::ErrorKind::PermissionDenied)));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(failed(e)),
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target: PathBuf = if is_link {
        std::fs::canonicalize(path).map_err(|_| {
            OutputError::Failed("not writing through a dangling symbolic link".into())
        })?
    } else {
        path.to_path_buf()
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    temp::remove_stale(&dir);
    #[cfg(target_os = "linux")]
    if let Some(f) = temp::unnamed_in(&dir) {
        fill_into(&f, fill)?;
        return temp::link_into_place(&f, &dir, &target).map_err(failed);
    }
    let named = temp::Named::create_in(&dir).map_err(failed)?;
    fill_into(named.file(), fill)?;
    named.persist(&target).map_err(failed)
}

/// Whether the user may write the existing file at `path` (following links). A file
/// that could not be opened for writing is refused, as checkpolicy's `fopen` refuses it,
/// although replacing it by a rename would succeed.
#[cfg(unix)]
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn writable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}

/// Temporary files for [`write_output`].
mod temp {
    use std::io;
    use std::path::Path;

    /// The name prefix of named temporaries: `.flaskc-PID-` then random characters.
    const PREFIX: &str = ".flaskc-";

    /// An unnamed file in `dir` (`O_TMPFILE`), when the file system supports it and
    /// `/proc` is there to link it by.
    #[cfg(target_os = "linux")]
    pub(super) fn unnamed_in(dir: &Path) -> Option<std::fs::File> {
        use std::os::unix::fs::OpenOptionsExt;
        if !Path::new("/proc/self/fd").is_dir() {
            return None;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .mode(0o666)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
            .ok()
    }

    /// Gives the unnamed file `f` the name `target`, replacing what is there. `linkat`
    /// cannot replace, so an existing target is replaced through a named link renamed
    /// over it (a named file exists only between the two calls).
    #[cfg(target_os = "linux")]
    pub(super) fn link_into_place(f: &std::fs::File, dir: &Path, target: &Path) -> io::Result<()> {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::io::AsRawFd;
        let link = |to: &Path| -> io::Result<()> {
            let from = CString::new(format!("/proc/self/fd/{}", f.as_raw_fd()))?;
            let to = CString::new(to.as_os_str().as_bytes())?;
            // SAFETY: both are valid NUL-terminated paths that outlive the call.
            let r = unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            };
            if r == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        };
        match link(target) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            other => return other,
        }
        for _ in 0..16 {
            let name = dir.join(name());
            match link(&name) {
                Ok(()) => {
                    return std::fs::rename(&name, target).inspect_err(|_| {
                        let _ = std::fs::remove_file(&name);
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::from(io::ErrorKind::AlreadyExists))
    }

    /// A fresh temporary name for this process.
    fn name() -> String {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        format!("{PREFIX}{}-{:016x}", std::process::id(), h.finish())
    }

    /// Removes the temporaries in `dir` left by runs that no longer exist (killed before
    /// they could clean up). Another live run's temporaries are left alone.
    pub(super) fn remove_stale(dir: &Path) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|rest| rest.split_once('-'))
                .and_then(|(pid, _)| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if !alive(pid) && e.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Whether a process with this id exists.
    fn alive(pid: u32) -> bool {
        #[cfg(unix)]
        {
            let Ok(pid) = libc::pid_t::try_from(pid) else {
                return false;
            };
            // SAFETY: signal 0 only checks that the process exists.
            let r = unsafe { libc::kill(pid, 0) };
            r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
        }
        #[cfg(not(unix))]
        {
            pid == std::process::id()
        }
    }

    /// A named temporary file, removed when dropped or when SIGINT or SIGTERM arrives.
    pub(super) struct Named {
        file: std::fs::File,
        path: std::path::PathBuf,
    }

    impl Named {
        /// Creates one in `dir`, mode 0666 less the umask.
        pub(super) fn create_in(dir: &Path) -> io::Result<Named> {
            loop {
                let path = dir.join(name());
                let mut o = std::fs::OpenOptions::new();
                o.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o666);
                match o.open(&path) {
                    Ok(file) => {
                        signals::remove_on_signal(&path);
                        return Ok(Named { file, path });
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
        }

        /// The open file.
        pub(super) fn file(&self) -> &std::fs::File {
            &self.file
        }

        /// Renames it to `target`.
        pub(super) fn persist(self, target: &Path) -> io::Result<()> {
            std::fs::rename(&self.path, target)
            // Dropping `self` removes the name if the rename failed, and forgets it.
        }
    }

    impl Drop for Named {
        fn drop(&mut self) {
            signals::forget();
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Removal of the named temporary when the process is interrupted or terminated.
    mod signals {
        use std::path::Path;

        #[cfg(unix)]
        use std::sync::atomic::{AtomicPtr, Ordering};

        /// The temporary to remove (a leaked C string), or null.
        #[cfg(unix)]
        static PATH: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

        #[cfg(unix)]
        extern "C" fn on_signal(sig: libc::c_int) {
            let p = PATH.swap(std::ptr::null_mut(), Ordering::SeqCst);
            // SAFETY: unlink, signal and raise are async-signal-safe; `p` is null or a
            // leaked, never freed C string.
            unsafe {
                if !p.is_null() {
                    libc::unlink(p);
                }
                libc::signal(sig, libc::SIG_DFL);
                libc::raise(sig);
            }
        }

        /// Registers `path` for removal on SIGINT/SIGTERM (installing the handler once).
        pub(super) fn remove_on_signal(path: &Path) {
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStrExt;
                static INSTALL: std::sync::Once = std::sync::Once::new();
                let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
                    return;
                };
                // Leaked: the handler may read it at any time (a few bytes per output).
                PATH.store(c.into_raw(), Ordering::SeqCst);
                INSTALL.call_once(|| {
                    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
                    // SAFETY: the handler only does async-signal-safe calls.
                    unsafe {
                        libc::signal(libc::SIGINT, handler);
                        libc::signal(libc::SIGTERM, handler);
                    }
                });
            }
            #[cfg(not(unix))]
            let _ = path;
        }

        /// The temporary is gone or renamed: nothing to remove any more.
        pub(super) fn forget() {
            #[cfg(unix)]
            PATH.store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }
}

/// The first failure writing each standard stream outside [`write_output`], so that the
/// exit status can report it once the command is done: 0 none, [`BROKEN_PIPE`], else the
/// OS error number (or [`OTHER_ERROR`] when there is none).
static STD_FAILURES: [AtomicI32; 2] = [AtomicI32::new(0), AtomicI32::new(0)];

/// A pipe whose reader has gone, in [`STD_FAILURES`].
const BROKEN_PIPE: i32 = -1;

/// An error without an OS error number, in [`STD_FAILURES`].
const OTHER_ERROR: i32 = -2;

/// A standard stream written outside [`write_output`] (diagnostics, messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdStream {
    /// Standard output.
    Out = 0,
    /// Standard error.
    Err = 1,
}

/// Remembers that writing `stream` failed with `e` (the first failure wins).
pub fn note_std_failure(stream: StdStream, e: &io::Error) {
    let code = match (e.kind(), e.raw_os_error()) {
        (io::ErrorKind::BrokenPipe, _) => BROKEN_PIPE,
        (_, Some(n)) if n > 0 => n,
        _ => OTHER_ERROR,
    };
    let _ = STD_FAILURES[stream as usize].compare_exchange(
        0,
        code,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
}

/// Writes `bytes` to `stream`, remembering a failure for [`exit_status`] instead of
/// panicking as `std`'s `print!` and `eprint!` do.
pub fn write_std(stream: StdStream, bytes: &[u8]) {
    let r = match stream {
        StdStream::Out => {
            let mut out = io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        StdStream::Err => io::stderr().lock().write_all(bytes),
    };
    if let Err(e) = r {
        note_std_failure(stream, &e);
    }
}

/// Writes to standard error (see [`write_std`]).
pub fn write_stderr(args: fmt::Arguments<'_>) {
    match args.as_str() {
        Some(s) => write_std(StdStream::Err, s.as_bytes()),
        None => write_std(StdStream::Err, args.to_string().as_bytes()),
    }
}

/// The exit status of a command that would return `code`, once the failures to write
/// standard output or error outside [`write_output`] are counted, as gnulib's
/// `close_stdout` counts them for GNU m4. A failure status is kept; a success becomes 141
/// (128 + SIGPIPE) when a stream was a pipe whose reader had gone, 2 after a message when
/// standard output could not be written, 1 when standard error could not be written.
pub fn exit_status(code: i32) -> i32 {
    if code != 0 {
        return code;
    }
    let out = STD_FAILURES[StdStream::Out as usize].load(Ordering::Relaxed);
    let err = STD_FAILURES[StdStream::Err as usize].load(Ordering::Relaxed);
    if out == BROKEN_PIPE || err == BROKEN_PIPE {
        return 141;
    }
    match (out, err) {
        (0, 0) => 0,
        (0, _) => 1,
        (OTHER_ERROR, _) => {
            write_stderr(format_args!("flaskc: error writing standard output\n"));
            2
        }
        (n, _) => {
            let e = io::Error::from_raw_os_error(n);
            write_stderr(format_args!("flaskc: error writing standard output: {e}\n"));
            2
        }
    }
}

/// `eprintln!` through [`write_stderr`]: the command line's messages never panic.
macro_rules! eprintln {
    () => {
        $crate::io::write_stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::io::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` through [`write_stderr`].
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::io::write_stderr(format_args!($($arg)*))
    };
}

pub(crate) use {eprint, eprintln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_of_dead_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // No process has id 0x7fffffff (above Linux's pid_max).
        let dead = dir.path().join(".flaskc-2147483647-abc");
        let mine = dir
            .path()
            .join(format!(".flaskc-{}-abc", std::process::id()));
        let other = dir.path().join(".flaskc-notes");
        for p in [&dead, &mine, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        temp::remove_stale(dir.path());
        assert!(!dead.exists());
        assert!(mine.exists() && other.exists());
    }

    #[test]
    fn named_temporaries_are_renamed_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let t = temp::Named::create_in(dir.path()).unwrap();
        let mut f = t.file();
        f.write_all(b"x").unwrap();
        t.persist(&out).unwrap();
        drop(temp::Named::create_in(dir.path()).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(std::fs::read(&out).unwrap(), b"x");
    }

    #[test]
    fn write_output_replaces_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        for text in ["first", "second"] {
            write_output(&out, &mut |w| {
                w.write_all(text.as_bytes()).map_err(|e| e.to_string())
            })
            .unwrap();
            assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
        }
        let err = write_output(&out, &mut |w| {
            w.write_all(b"partial").map_err(|e| e.to_string())?;
            Err("no".into())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "no");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
