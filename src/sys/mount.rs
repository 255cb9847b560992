//! Mounts and the root directory.

use super::{opt_ptr, ptr, syscall, Errno, Sysno};
use core::ffi::CStr;

/// `int mount(const char *source, const char *target, const char *fstype,
/// unsigned long flags, const void *data)`: mounts a filesystem, or with
/// `MS_BIND`, `MS_REMOUNT`, `MS_MOVE` or a propagation flag changes one.
/// See mount(2).
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: u64,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    let args = [
        opt_ptr(source),
        ptr(target),
        opt_ptr(fstype),
        flags as usize,
        opt_ptr(data),
    ];
    // SAFETY: every string is NUL-terminated or NULL, borrowed for the call.
    unsafe { syscall(Sysno::mount, &args) }.map(drop)
}

/// `int umount2(const char *target, int flags)`: unmounts, lazily with
/// `MNT_DETACH`. See umount(2).
pub fn umount2(target: &CStr, flags: i32) -> Result<(), Errno> {
    // SAFETY: `target` is NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::umount2, &[ptr(target), flags as usize]) }.map(drop)
}

/// `int pivot_root(const char *new_root, const char *put_old)`: makes
/// `new_root` the root mount of the calling mount namespace and moves the
/// old root to `put_old`. Fails with EINVAL when the current root is the
/// initramfs. See pivot_root(2).
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<(), Errno> {
    // SAFETY: both paths are NUL-terminated and borrowed for the call.
    unsafe { syscall(Sysno::pivot_root, &[ptr(new_root), ptr(put_old)]) }.map(drop)
}
