//! Paths and directories: open, create, inspect and remove.

use super::{ptr, syscall, Errno, Sysno};
use core::ffi::CStr;
use static_assertions::assert_eq_size;

pub use libc::stat as Stat;
// The x86_64 `struct stat` the kernel fills for newfstatat.
assert_eq_size!(Stat, [u8; 144]);

/// Directory file descriptor meaning "the current working directory".
pub const AT_FDCWD: i32 = libc::AT_FDCWD;

/// `int openat(int dirfd, const char *path, int flags, mode_t mode)`:
/// opens `path` relative to `dirfd`. See openat(2).
pub fn openat(dirfd: i32, path: &CStr, flags: i32, mode: u32) -> Result<i32, Errno> {
    // SAFETY: `path` is NUL-terminated and borrowed for the call.
    let args = [dirfd as usize, ptr(path), flags as usize, mode as usize];
    unsafe { syscall(Sysno::openat, &args) }.map(|fd| fd as i32)
}

/// `int mkdirat(int dirfd, const char *path, mode_t mode)`: creates a
/// directory. See mkdir(2).
pub fn mkdirat(dirfd: i32, path: &CStr, mode: u32) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::mkdirat, &[dirfd as usize, ptr(path), mode as usize]) }.map(drop)
}

/// `int newfstatat(int dirfd, const char *path, struct stat *buf, int flags)`:
/// reads a file's metadata. See stat(2).
pub fn fstatat(dirfd: i32, path: &CStr, flags: i32) -> Result<Stat, Errno> {
    // SAFETY: an all-zero `struct stat` is a valid value of plain integers.
    let mut st: Stat = unsafe { core::mem::zeroed() };
    let buf = &mut st as *mut Stat as usize;
    // SAFETY: `path` is NUL-terminated; `buf` points to a writable struct
    // stat of the kernel's size (asserted above) that outlives the call.
    unsafe {
        syscall(
            Sysno::newfstatat,
            &[dirfd as usize, ptr(path), buf, flags as usize],
        )
    }?;
    Ok(st)
}

/// `int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)`:
/// creates a device node or other special file. See mknod(2).
pub fn mknodat(dirfd: i32, path: &CStr, mode: u32, dev: u64) -> Result<(), Errno> {
    let args = [dirfd as usize, ptr(path), mode as usize, dev as usize];
    // SAFETY: `path` is NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::mknodat, &args) }.map(drop)
}

/// `int symlinkat(const char *target, int dirfd, const char *path)`:
/// creates a symbolic link `path` that points to `target`. See symlink(2).
pub fn symlinkat(target: &CStr, dirfd: i32, path: &CStr) -> Result<(), Errno> {
    // SAFETY: both strings are NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::symlinkat, &[ptr(target), dirfd as usize, ptr(path)]) }.map(drop)
}

/// `int unlinkat(int dirfd, const char *path, int flags)`: removes a file,
/// or a directory with `AT_REMOVEDIR`. See unlink(2).
pub fn unlinkat(dirfd: i32, path: &CStr, flags: i32) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and borrowed for the call.
    unsafe {
        syscall(
            Sysno::unlinkat,
            &[dirfd as usize, ptr(path), flags as usize],
        )
    }
    .map(drop)
}

/// `int chdir(const char *path)`: changes the working directory. See chdir(2).
pub fn chdir(path: &CStr) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::chdir, &[ptr(path)]) }.map(drop)
}

/// `int chroot(const char *path)`: changes the root directory. See chroot(2).
pub fn chroot(path: &CStr) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::chroot, &[ptr(path)]) }.map(drop)
}

/// `mode_t umask(mode_t mask)`: sets the file mode creation mask and returns
/// the previous one. It cannot fail. See umask(2).
pub fn umask(mask: u32) -> u32 {
    // SAFETY: umask takes no pointer.
    unsafe { syscall(Sysno::umask, &[mask as usize]) }.unwrap_or(0) as u32
}

/// `ssize_t getdents64(int fd, void *buf, size_t count)`: reads directory
/// entries into `buf` and returns the number of bytes filled, 0 at the end.
/// See getdents(2).
pub fn getdents64(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    let args = [fd as usize, buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: `buf` is writable for `buf.len()` bytes for the call.
    unsafe { syscall(Sysno::getdents64, &args) }
}

/// `ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t
/// size)`: reads a symbolic link's target, not NUL-terminated, and returns
/// its length; a result equal to `buf.len()` may be cut. See readlink(2).
pub fn readlinkat(dirfd: i32, path: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
    let args = [
        dirfd as usize,
        ptr(path),
        buf.as_mut_ptr() as usize,
        buf.len(),
    ];
    // SAFETY: `path` is NUL-terminated and `buf` writable for its length,
    // both for the call.
    unsafe { syscall(Sysno::readlinkat, &args) }
}

/// `int getcwd(char *buf, size_t size)` (the raw syscall): writes the
/// working directory's absolute path and its NUL into `buf` and returns
/// the length with the NUL. See getcwd(3).
pub fn getcwd(buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for its length for the call.
    unsafe { syscall(Sysno::getcwd, &[buf.as_mut_ptr() as usize, buf.len()]) }
}
