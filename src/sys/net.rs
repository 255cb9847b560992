//! Sockets and network interfaces.

use super::{syscall, Errno, Sysno};
use static_assertions::assert_eq_size;

/// `struct ifreq` with the `ifr_flags` member of its union, as
/// SIOCGIFFLAGS and SIOCSIFFLAGS use it.
#[repr(C)]
pub struct IfreqFlags {
    pub name: [u8; libc::IFNAMSIZ],
    pub flags: i16,
    pub _pad: [u8; 22],
}
assert_eq_size!(IfreqFlags, [u8; 40]);

/// `int socket(int domain, int type, int protocol)`. See socket(2).
pub fn socket(domain: i32, kind: i32, protocol: i32) -> Result<i32, Errno> {
    // SAFETY: socket takes no pointer.
    unsafe {
        syscall(
            Sysno::socket,
            &[domain as usize, kind as usize, protocol as usize],
        )
    }
    .map(|fd| fd as i32)
}

/// `ioctl(fd, SIOCSIFFLAGS, struct ifreq *)`: sets an interface's flags.
/// See netdevice(7).
pub fn ioctl_siocsifflags(fd: i32, request: &mut IfreqFlags) -> Result<(), Errno> {
    // SAFETY: SIOCSIFFLAGS reads a struct ifreq, whose layout IfreqFlags
    // has (size asserted above).
    unsafe { super::io::ioctl(fd, libc::SIOCSIFFLAGS as u64, request) }.map(drop)
}
