//! The caller's terminal: passed through to COMMAND as its controlling
//! terminal, named `/dev/console` inside, and restored afterwards.
//!
//! COMMAND shares the caller's terminal and session rather than getting a
//! new pseudo-terminal: it becomes the foreground process group, so Ctrl-C
//! and Ctrl-Z reach it from the kernel directly, with no relay in between.

use crate::error::{Error, Result};
use crate::sys::tty::{self, Termios};
use crate::sys::{fs, io, process};

/// The state of stdin when jail started.
#[derive(Clone, Copy)]
pub struct Terminal {
    /// The settings to restore at exit; None when stdin is no terminal.
    saved: Option<Termios>,
    /// Whether jail runs in the terminal's foreground process group, the
    /// one case where COMMAND may take the terminal over.
    foreground: bool,
}

impl Terminal {
    /// Reads stdin's terminal settings and foreground process group.
    pub fn inspect() -> Terminal {
        let Ok(saved) = tty::tcgets(0) else {
            return Terminal {
                saved: None,
                foreground: false,
            };
        };
        // A background job, or a terminal that is not the controlling one,
        // stays with its owner.
        let foreground = match (tty::tiocgpgrp(0), process::getpgid(0)) {
            (Ok(foreground), Ok(own)) => foreground == own,
            _ => false,
        };
        Terminal {
            saved: Some(saved),
            foreground,
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.saved.is_some()
    }

    pub fn is_foreground(&self) -> bool {
        self.foreground
    }

    /// Gives the terminal back to jail's process group with the settings it
    /// had, whatever COMMAND changed. SIGTTOU must be blocked, since jail is
    /// in the background at this point. A jail started in the background
    /// leaves the terminal alone: its settings belong to the foreground
    /// job, such as the user's shell.
    pub fn restore(&self) {
        let (Some(saved), true) = (&self.saved, self.foreground) else {
            return;
        };
        if let Ok(own) = process::getpgid(0) {
            let _ = tty::tiocspgrp(0, own);
        }
        let _ = tty::tcsets(0, saved);
    }
}

/// Puts the calling process, about to exec COMMAND, into a process group
/// of its own and makes that group the terminal's foreground one, as a
/// shell does for a job. SIGTTOU must still be blocked.
///
/// The terminal is taken only while jail's group still has it. A Ctrl-Z
/// during the container's setup stops jail on the host, and the user's
/// shell takes the terminal back. Taking it from the shell then would
/// leave the shell unable to read, so init hands it over on `fg` instead.
pub fn take_foreground() -> Result<()> {
    let fail = |errno| Error::new("take terminal foreground", b"/dev/console", errno);
    let jail_group = process::getpgid(0).map_err(fail)?;
    process::setpgid(0, 0).map_err(fail)?;
    if tty::tiocgpgrp(0) == Ok(jail_group) {
        tty::tiocspgrp(0, process::getpid()).map_err(fail)?;
    }
    Ok(())
}

/// Reopens the stdio descriptors that are the terminal through
/// `/dev/console`, so their path inside the container is that name and
/// `tty` prints it.
pub fn reopen_on_console() -> Result<()> {
    let fail = |errno| Error::new("open terminal", b"/dev/console", errno);
    let terminal = fs::fstatat(0, c"", libc::AT_EMPTY_PATH).map_err(fail)?;
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    let console = fs::openat(fs::AT_FDCWD, c"/dev/console", flags, 0).map_err(fail)?;
    for fd in 0..3 {
        let same = match fd {
            0 => true,
            _ => fs::fstatat(fd, c"", libc::AT_EMPTY_PATH)
                .is_ok_and(|st| st.st_rdev == terminal.st_rdev && st.st_ino == terminal.st_ino),
        };
        if same {
            io::dup3(console, fd, 0).map_err(fail)?;
        }
    }
    let _ = io::close(console);
    Ok(())
}
