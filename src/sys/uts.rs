//! Host and domain names of the UTS namespace.

use super::{syscall, Errno, Sysno};

/// `int sethostname(const char *name, size_t len)`: sets the hostname of
/// the caller's UTS namespace; `name` needs no NUL. See sethostname(2).
pub fn sethostname(name: &[u8]) -> Result<(), Errno> {
    // SAFETY: `name` is readable for `name.len()` bytes for the call.
    unsafe { syscall(Sysno::sethostname, &[name.as_ptr() as usize, name.len()]) }.map(drop)
}
