//! Terminal control through ioctl: settings and the foreground process
//! group. See ioctl_tty(2).

use super::{io::ioctl, Errno};
use static_assertions::assert_eq_size;

/// The kernel's `struct termios` as TCGETS and TCSETS use it; glibc's type
/// of the same name is larger.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; 19],
}
assert_eq_size!(Termios, [u8; 36]);

/// `ioctl(fd, TCGETS, struct termios *)`: reads the terminal's settings;
/// ENOTTY when `fd` is not a terminal.
pub fn tcgets(fd: i32) -> Result<Termios, Errno> {
    let mut termios = Termios {
        iflag: 0,
        oflag: 0,
        cflag: 0,
        lflag: 0,
        line: 0,
        cc: [0; 19],
    };
    // SAFETY: TCGETS writes a kernel struct termios, which Termios is.
    unsafe { ioctl(fd, libc::TCGETS as u64, &mut termios) }?;
    Ok(termios)
}

/// `ioctl(fd, TCSETS, const struct termios *)`: applies settings now.
pub fn tcsets(fd: i32, termios: &Termios) -> Result<(), Errno> {
    let mut copy = *termios;
    // SAFETY: TCSETS reads a kernel struct termios, which Termios is.
    unsafe { ioctl(fd, libc::TCSETS as u64, &mut copy) }.map(drop)
}

/// `ioctl(fd, TIOCGPGRP, pid_t *)`: the terminal's foreground process
/// group; ENOTTY when it is not the caller's controlling terminal.
pub fn tiocgpgrp(fd: i32) -> Result<i32, Errno> {
    let mut pgrp = 0i32;
    // SAFETY: TIOCGPGRP writes a pid_t.
    unsafe { ioctl(fd, libc::TIOCGPGRP as u64, &mut pgrp) }?;
    Ok(pgrp)
}

/// `ioctl(fd, TIOCSPGRP, const pid_t *)`: makes `pgrp` the foreground
/// process group. A background caller gets SIGTTOU unless it blocks it.
pub fn tiocspgrp(fd: i32, pgrp: i32) -> Result<(), Errno> {
    let mut value = pgrp;
    // SAFETY: TIOCSPGRP reads a pid_t.
    unsafe { ioctl(fd, libc::TIOCSPGRP as u64, &mut value) }.map(drop)
}
