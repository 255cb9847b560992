//! Thin wrappers around Linux system calls, one per syscall.
//!
//! Every kernel call jail makes goes through [`syscall`], so `--trace` prints
//! all of them. Each wrapper converts its arguments, makes one call and
//! decodes the result. Wrappers never retry, print or decide policy.

pub mod cred;
pub mod fs;
pub mod io;
pub mod mm;
pub mod mount;
pub mod net;
pub mod process;
pub mod sched;
pub mod seccomp;
pub mod signal;
pub mod tty;
pub mod uts;

pub use syscalls::{Errno, Sysno};

use core::ffi::CStr;

/// Issues syscall `nr` with up to six arguments, tracing it when `--trace`
/// is on.
///
/// The kernel ignores registers beyond a syscall's own argument count, so
/// every call goes through the six-argument entry.
///
/// # Safety
///
/// The arguments must be valid for `nr` as the kernel documents it: every
/// pointer points to memory of the size and mutability the syscall expects,
/// and stays valid for the duration of the call.
#[inline(never)]
pub unsafe fn syscall(nr: Sysno, args: &[usize]) -> Result<usize, Errno> {
    let mut regs = [0usize; 6];
    regs[..args.len()].copy_from_slice(args);
    let traced = crate::trace::enabled();
    if traced && matches!(nr, Sysno::execve | Sysno::exit_group) {
        crate::trace::before(nr, args);
    }
    // SAFETY: the caller guarantees that the arguments are valid for `nr`;
    // the unused registers are zero and ignored by the kernel.
    let result =
        unsafe { syscalls::syscall6(nr, regs[0], regs[1], regs[2], regs[3], regs[4], regs[5]) };
    if traced {
        crate::trace::after(nr, args, result);
    }
    result
}

/// Passes a C string to the kernel as a pointer argument.
pub fn ptr(path: &CStr) -> usize {
    path.as_ptr() as usize
}

/// Passes an optional C string to the kernel, NULL when absent.
pub fn opt_ptr(path: Option<&CStr>) -> usize {
    path.map_or(0, ptr)
}
