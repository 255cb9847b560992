//! jail's error: the failed step, the object it acted on and the errno,
//! printed as one line on stderr.

use crate::out::Line;
use crate::sys::Errno;

/// Exit status when jail itself fails, as docker and podman use it.
pub const STATUS_FAILED: u8 = 125;
/// Exit status when COMMAND exists but cannot be executed.
pub const STATUS_CANNOT_EXEC: u8 = 126;
/// Exit status when COMMAND is not found.
pub const STATUS_NOT_FOUND: u8 = 127;

/// A failure, formatted as `jail: WHAT: DETAIL: ERRNO (description)` and
/// an optional hint after ` - `.
#[cfg_attr(test, derive(Debug))]
pub struct Error {
    pub status: u8,
    what: &'static str,
    detail: [u8; 200],
    detail_len: u8,
    errno: Option<Errno>,
    hint: &'static str,
}

pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// Creates the error of a failed step: `what` names the step, `detail`
    /// the path or value it acted on.
    pub fn new(what: &'static str, detail: &[u8], errno: Errno) -> Self {
        Error::usage(what, detail).errno(errno)
    }

    /// Creates an error with no errno, such as for invalid input.
    pub fn usage(what: &'static str, detail: &[u8]) -> Self {
        let mut error = Error {
            status: STATUS_FAILED,
            what,
            detail: [0; 200],
            detail_len: 0,
            errno: None,
            hint: "",
        };
        error.push(detail);
        error
    }

    /// Appends to the detail, for objects built from parts such as a
    /// directory and a file name.
    pub fn append(mut self, more: &[u8]) -> Self {
        self.push(more);
        self
    }

    fn push(&mut self, more: &[u8]) {
        let at = self.detail_len as usize;
        let take = more.len().min(self.detail.len() - at);
        self.detail[at..at + take].copy_from_slice(&more[..take]);
        self.detail_len += take as u8;
    }

    pub fn errno(mut self, errno: Errno) -> Self {
        self.errno = Some(errno);
        self
    }

    /// Adds what to do, where the errno alone would mislead.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub fn status(mut self, status: u8) -> Self {
        self.status = status;
        self
    }

    pub fn format(&self, line: &mut Line) {
        line.str("jail: ").str(self.what);
        if self.detail_len > 0 {
            line.str(": ")
                .bytes(&self.detail[..self.detail_len as usize]);
        }
        if let Some(errno) = self.errno {
            line.str(": ").errno(errno);
        }
        if !self.hint.is_empty() {
            line.str(" - ").str(self.hint);
        }
    }

    /// Prints the error as one line on stderr.
    pub fn print(&self) {
        let mut line = Line::new();
        self.format(&mut line);
        line.write_to(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(error: &Error) -> String {
        let mut line = Line::new();
        error.format(&mut line);
        String::from_utf8(line.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn error_line_has_all_parts() {
        let error = Error::new("mount tmpfs", b"/srv/root/dev", Errno::EACCES);
        assert_eq!(
            text(&error),
            "jail: mount tmpfs: /srv/root/dev: EACCES (Permission denied)"
        );
        assert_eq!(error.status, STATUS_FAILED);
    }

    #[test]
    fn usage_error_has_no_errno() {
        let error = Error::usage("unknown option", b"--frob").hint("see jail --help");
        assert_eq!(
            text(&error),
            "jail: unknown option: --frob - see jail --help"
        );
    }

    #[test]
    fn append_joins_parts_and_cuts_at_capacity() {
        let error = Error::usage("write", b"/sys/fs/cgroup/").append(b"pids.max");
        assert_eq!(text(&error), "jail: write: /sys/fs/cgroup/pids.max");
        let long = Error::usage("x", &[b'a'; 150]).append(&[b'b'; 150]);
        assert_eq!(long.detail_len, 200);
    }
}
