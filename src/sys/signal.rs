//! Signals: masks, synchronous waiting and sending.

use super::{syscall, Errno, Sysno};
use static_assertions::assert_eq_size;

/// The kernel's `sigset_t`: one bit per signal, bit `n - 1` for signal `n`.
/// It is 8 bytes on x86_64, unlike glibc's 128-byte type.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct SigSet(pub u64);
assert_eq_size!(SigSet, u64);

impl SigSet {
    pub const fn with(self, sig: i32) -> Self {
        SigSet(self.0 | 1 << (sig - 1))
    }
}

/// `siginfo_t`, as rt_sigtimedwait fills it: 128 bytes.
#[repr(C)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    _rest: [u8; 116],
}
assert_eq_size!(SigInfo, [u8; 128]);

/// `int rt_sigprocmask(int how, const sigset_t *set, sigset_t *old,
/// size_t size)`: changes the blocked set and returns the previous one.
/// See sigprocmask(2).
pub fn rt_sigprocmask(how: i32, set: &SigSet) -> Result<SigSet, Errno> {
    let mut old = SigSet(0);
    let args = [
        how as usize,
        set as *const SigSet as usize,
        &mut old as *mut SigSet as usize,
        8,
    ];
    // SAFETY: `set` and `old` are 8-byte sigsets that outlive the call.
    unsafe { syscall(Sysno::rt_sigprocmask, &args) }?;
    Ok(old)
}

/// `int rt_sigtimedwait(const sigset_t *set, siginfo_t *info, NULL,
/// size_t size)`: waits with no timeout for one of the blocked signals in
/// `set`, dequeues it and returns its number. See sigtimedwait(2).
pub fn rt_sigtimedwait(set: &SigSet) -> Result<i32, Errno> {
    let mut info = SigInfo {
        signo: 0,
        errno: 0,
        code: 0,
        _rest: [0; 116],
    };
    let args = [
        set as *const SigSet as usize,
        &mut info as *mut SigInfo as usize,
        0,
        8,
    ];
    // SAFETY: `set` is an 8-byte sigset and `info` a writable 128-byte
    // siginfo, both outliving the call; a NULL timeout waits forever.
    unsafe { syscall(Sysno::rt_sigtimedwait, &args) }.map(|sig| sig as i32)
}

/// `int kill(pid_t pid, int sig)`. See kill(2).
pub fn kill(pid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: kill takes no pointer.
    unsafe { syscall(Sysno::kill, &[pid as usize, sig as usize]) }.map(drop)
}
