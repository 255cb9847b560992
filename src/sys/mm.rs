//! Memory mappings.

use super::{syscall, Errno, Sysno};

/// `void *mmap(NULL, size_t len, int prot, int flags, -1, 0)`: maps
/// anonymous memory. See mmap(2).
pub fn mmap_anonymous(len: usize, prot: i32, flags: i32) -> Result<*mut u8, Errno> {
    let args = [
        0,
        len,
        prot as usize,
        (flags | libc::MAP_ANONYMOUS) as usize,
        usize::MAX,
        0,
    ];
    // SAFETY: a NULL hint lets the kernel pick fresh addresses, so no
    // existing mapping is replaced.
    unsafe { syscall(Sysno::mmap, &args) }.map(|addr| addr as *mut u8)
}

/// `int mprotect(void *addr, size_t len, int prot)`. See mprotect(2).
///
/// # Safety
///
/// No live Rust reference may point into the range when access is removed.
pub unsafe fn mprotect(addr: *mut u8, len: usize, prot: i32) -> Result<(), Errno> {
    // SAFETY: the caller guarantees no reference into the range is used
    // after its access changes.
    unsafe { syscall(Sysno::mprotect, &[addr as usize, len, prot as usize]) }.map(drop)
}

/// `int munmap(void *addr, size_t len)`. See munmap(2).
///
/// # Safety
///
/// Nothing may use the range after the call.
pub unsafe fn munmap(addr: *mut u8, len: usize) -> Result<(), Errno> {
    // SAFETY: the caller guarantees the range is no longer used.
    unsafe { syscall(Sysno::munmap, &[addr as usize, len]) }.map(drop)
}
