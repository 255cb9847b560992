//! Processes: create, replace, wait for, exit, group and configure.

use super::{ptr, syscall, Errno, Sysno};
use core::ffi::{c_char, CStr};

/// `pid_t fork(void)`: returns the child's pid in the parent and 0 in the
/// child. See fork(2).
pub fn fork() -> Result<i32, Errno> {
    // SAFETY: fork takes no pointer; jail is single-threaded, so the child's
    // copy of memory is consistent.
    unsafe { syscall(Sysno::fork, &[]) }.map(|pid| pid as i32)
}

/// `int execve(const char *path, char *const argv[], char *const envp[])`:
/// replaces the process image; returns only on failure. See execve(2).
///
/// # Safety
///
/// `argv` and `envp` must be NULL-terminated arrays of pointers to
/// NUL-terminated strings, all valid for the call.
pub unsafe fn execve(path: &CStr, argv: *const *const c_char, envp: *const *const c_char) -> Errno {
    // SAFETY: `path` is NUL-terminated; the caller guarantees the arrays.
    match unsafe { syscall(Sysno::execve, &[ptr(path), argv as usize, envp as usize]) } {
        Ok(_) => Errno::EINVAL,
        Err(errno) => errno,
    }
}

/// `pid_t wait4(pid_t pid, int *status, int options, NULL)`: waits for a
/// child to change state and returns its pid and wait status; pid 0 with
/// `WNOHANG` means none has. See wait4(2).
pub fn wait4(pid: i32, options: i32) -> Result<(i32, i32), Errno> {
    let mut status = 0i32;
    let args = [
        pid as usize,
        &mut status as *mut i32 as usize,
        options as usize,
        0,
    ];
    // SAFETY: `status` is a writable int that outlives the call; a NULL
    // rusage pointer is allowed.
    let pid = unsafe { syscall(Sysno::wait4, &args) }?;
    Ok((pid as i32, status))
}

/// `void exit_group(int status)`: ends every thread of the process.
/// See exit_group(2).
pub fn exit_group(status: i32) -> ! {
    // SAFETY: exit_group takes no pointer and does not return.
    let _ = unsafe { syscall(Sysno::exit_group, &[status as usize]) };
    unreachable_exit()
}

fn unreachable_exit() -> ! {
    // exit_group cannot fail; loop for the type checker.
    loop {
        core::hint::spin_loop();
    }
}

/// `pid_t getpid(void)`. See getpid(2).
pub fn getpid() -> i32 {
    // SAFETY: getpid takes no pointer and cannot fail.
    unsafe { syscall(Sysno::getpid, &[]) }.unwrap_or(0) as i32
}

/// `pid_t getpgid(pid_t pid)`: the process group of `pid`, 0 for the
/// caller. See getpgid(2).
pub fn getpgid(pid: i32) -> Result<i32, Errno> {
    // SAFETY: getpgid takes no pointer.
    unsafe { syscall(Sysno::getpgid, &[pid as usize]) }.map(|pgid| pgid as i32)
}

/// `int setpgid(pid_t pid, pid_t pgid)`: moves `pid` into process group
/// `pgid`; `(0, 0)` makes the caller a group leader. See setpgid(2).
pub fn setpgid(pid: i32, pgid: i32) -> Result<(), Errno> {
    // SAFETY: setpgid takes no pointer.
    unsafe { syscall(Sysno::setpgid, &[pid as usize, pgid as usize]) }.map(drop)
}

/// `int prctl(int option, unsigned long arg2, ...)`, for options whose
/// arguments are plain integers. See prctl(2).
pub fn prctl(option: i32, arg2: usize, arg3: usize) -> Result<usize, Errno> {
    // SAFETY: only integer-argument options are passed through here.
    unsafe { syscall(Sysno::prctl, &[option as usize, arg2, arg3, 0, 0]) }
}

/// `int nanosleep(const struct timespec *req, NULL)`, for `ms`
/// milliseconds; an interruption ends the sleep early. See nanosleep(2).
pub fn sleep_ms(ms: u64) {
    let request = libc::timespec {
        tv_sec: (ms / 1000) as i64,
        tv_nsec: ((ms % 1000) * 1_000_000) as i64,
    };
    // SAFETY: `request` is a timespec that outlives the call; a NULL
    // remainder pointer is allowed.
    let _ = unsafe {
        syscall(
            Sysno::nanosleep,
            &[&request as *const libc::timespec as usize, 0],
        )
    };
}
