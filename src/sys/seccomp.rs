//! Seccomp filters: classic BPF programs the kernel runs on every syscall.

use super::{syscall, Errno, Sysno};
use static_assertions::assert_eq_size;

/// `struct sock_filter`: one classic BPF instruction.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}
assert_eq_size!(SockFilter, u64);

/// `struct sock_fprog`: a program's length and its instructions.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}
assert_eq_size!(SockFprog, [u8; 16]);

/// `int seccomp(SECCOMP_SET_MODE_FILTER, 0, const struct sock_fprog *)`:
/// installs `program` for the calling thread and every later child. Needs
/// `no_new_privs` or CAP_SYS_ADMIN. See seccomp(2).
pub fn set_mode_filter(program: &[SockFilter]) -> Result<(), Errno> {
    let fprog = SockFprog {
        len: program.len() as u16,
        filter: program.as_ptr(),
    };
    let args = [
        libc::SECCOMP_SET_MODE_FILTER as usize,
        0,
        &fprog as *const SockFprog as usize,
    ];
    // SAFETY: `fprog` points to `program.len()` instructions; both outlive
    // the call, and the kernel copies the program before returning.
    unsafe { syscall(Sysno::seccomp, &args) }.map(drop)
}
