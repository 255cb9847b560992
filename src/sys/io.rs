//! File descriptors: read, write, duplicate, poll and control.

use super::{syscall, Errno, Sysno};
use static_assertions::assert_eq_size;

/// `ssize_t read(int fd, void *buf, size_t count)`. See read(2).
pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    let args = [fd as usize, buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: `buf` is writable for `buf.len()` bytes for the call.
    unsafe { syscall(Sysno::read, &args) }
}

/// `ssize_t write(int fd, const void *buf, size_t count)`. See write(2).
pub fn write(fd: i32, buf: &[u8]) -> Result<usize, Errno> {
    let args = [fd as usize, buf.as_ptr() as usize, buf.len()];
    // SAFETY: `buf` is readable for `buf.len()` bytes for the call.
    unsafe { syscall(Sysno::write, &args) }
}

/// `int close(int fd)`. See close(2).
pub fn close(fd: i32) -> Result<(), Errno> {
    // SAFETY: close takes no pointer.
    unsafe { syscall(Sysno::close, &[fd as usize]) }.map(drop)
}

/// `int close_range(unsigned first, unsigned last, unsigned flags)`: closes,
/// or with `CLOSE_RANGE_CLOEXEC` marks close-on-exec, every descriptor in
/// the range without looping over numbers. Linux 5.9, CLOEXEC 5.11.
/// See close_range(2).
pub fn close_range(first: u32, last: u32, flags: u32) -> Result<(), Errno> {
    // SAFETY: close_range takes no pointer.
    unsafe {
        syscall(
            Sysno::close_range,
            &[first as usize, last as usize, flags as usize],
        )
    }
    .map(drop)
}

/// `int dup3(int oldfd, int newfd, int flags)`. See dup(2).
pub fn dup3(oldfd: i32, newfd: i32, flags: i32) -> Result<(), Errno> {
    // SAFETY: dup3 takes no pointer.
    unsafe {
        syscall(
            Sysno::dup3,
            &[oldfd as usize, newfd as usize, flags as usize],
        )
    }
    .map(drop)
}

/// `int pipe2(int fds[2], int flags)`: returns `[read end, write end]`.
/// See pipe(2).
pub fn pipe2(flags: i32) -> Result<[i32; 2], Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a writable array of two ints that outlives the call.
    unsafe { syscall(Sysno::pipe2, &[fds.as_mut_ptr() as usize, flags as usize]) }?;
    Ok(fds)
}

/// `struct pollfd`.
pub use libc::pollfd as PollFd;
assert_eq_size!(PollFd, [u8; 8]);

/// `int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
/// const sigset_t *mask, size_t sigsetsize)`, with a zero timeout: reports
/// which events are pending now, without waiting. See poll(2).
pub fn ppoll_now(fds: &mut [PollFd]) -> Result<usize, Errno> {
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let args = [
        fds.as_mut_ptr() as usize,
        fds.len(),
        &zero as *const _ as usize,
        0,
        8,
    ];
    // SAFETY: `fds` is writable for its length and `zero` outlives the call;
    // a NULL signal mask leaves the mask unchanged.
    unsafe { syscall(Sysno::ppoll, &args) }
}

/// `int ioctl(int fd, unsigned long request, void *arg)`, for requests that
/// take a pointer to `T`. See ioctl(2).
///
/// # Safety
///
/// `T` must be the type the kernel reads or writes for `request`.
pub unsafe fn ioctl<T>(fd: i32, request: u64, arg: &mut T) -> Result<usize, Errno> {
    let args = [fd as usize, request as usize, arg as *mut T as usize];
    // SAFETY: the caller guarantees `T` matches `request`, and `arg` is a
    // writable `T` that outlives the call.
    unsafe { syscall(Sysno::ioctl, &args) }
}

/// `write(2)` without the `--trace` hook, for the trace output itself and
/// for error lines, which would otherwise trace their own writes.
pub fn write_untraced(fd: i32, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is readable for `buf.len()` bytes for the call.
    unsafe { syscalls::syscall3(Sysno::write, fd as usize, buf.as_ptr() as usize, buf.len()) }
}
