//! Process creation into new namespaces.

use super::{Errno, Sysno};

/// The function a cloned child runs on its new stack; its return value
/// becomes the child's exit status.
pub type ChildEntry = extern "C" fn(arg: usize) -> i32;

/// `long clone(unsigned long flags, void *stack, NULL, NULL, 0)`: creates a
/// child that starts on `stack_top` and runs `entry(arg)`, then exits with
/// its return value. Returns the child's pid in the caller's PID namespace.
/// See clone(2).
///
/// The raw syscall returns twice on two stacks, which Rust code cannot
/// survive, so the child's side is written in assembly: it takes `entry`
/// and `arg` from its new stack and never returns into the caller's frame.
///
/// # Safety
///
/// `flags` must not contain `CLONE_VM`, `CLONE_SETTLS` or the `*TID`
/// flags: the child then runs on a copy of the caller's memory, where
/// `arg` is as valid as it is in the caller. `stack_top` must be the
/// 16-byte aligned end of a writable mapping big enough for `entry`.
pub unsafe fn clone(
    flags: u64,
    stack_top: *mut u8,
    entry: ChildEntry,
    arg: usize,
) -> Result<i32, Errno> {
    let traced = crate::trace::enabled();

    let sp = (stack_top as usize - 16) as *mut usize;
    // SAFETY: the caller guarantees the 16 bytes below `stack_top` are
    // writable; the child pops them as its first two instructions.
    unsafe {
        sp.write(entry as usize);
        sp.add(1).write(arg);
    }
    let ret: usize;
    // SAFETY: the parent's side is an ordinary syscall that clobbers rax,
    // rcx and r11. The child's side runs only on the new stack, calls
    // `entry` with a 16-byte aligned stack and ends in exit_group, so it
    // never touches the caller's registers or frame.
    unsafe {
        core::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "pop rax",
            "pop rdi",
            "call rax",
            "mov edi, eax",
            "mov eax, {exit_group}",
            "syscall",
            "ud2",
            "2:",
            exit_group = const Sysno::exit_group as usize,
            inlateout("rax") Sysno::clone as usize => ret,
            in("rdi") flags,
            in("rsi") sp,
            in("rdx") 0usize,
            in("r10") 0usize,
            in("r8") 0usize,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    let result = Errno::from_ret(ret);
    if traced {
        crate::trace::after(Sysno::clone, &[flags as usize, stack_top as usize], result);
    }
    result.map(|pid| pid as i32)
}

/// A child's stack: an anonymous mapping whose lowest page is left
/// inaccessible, so an overflow faults instead of writing past the end.
pub struct Stack {
    base: *mut u8,
    len: usize,
}

const PAGE_SIZE: usize = 4096;

impl Stack {
    /// Maps `len` bytes, guard page included; pages are committed only
    /// when touched.
    pub fn map(len: usize) -> Result<Stack, Errno> {
        let prot = libc::PROT_READ | libc::PROT_WRITE;
        let flags = libc::MAP_PRIVATE | libc::MAP_STACK | libc::MAP_NORESERVE;
        let base = super::mm::mmap_anonymous(len, prot, flags)?;
        let stack = Stack { base, len };
        // SAFETY: the mapping was just made and nothing refers to it yet.
        unsafe { super::mm::mprotect(base, PAGE_SIZE, libc::PROT_NONE) }?;
        Ok(stack)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: only a cloned child ran on this stack, in its own copy of
        // memory, so nothing in this process refers to the range.
        let _ = unsafe { super::mm::munmap(self.base, self.len) };
    }
}

/// Clones a child that runs `run` on `stack` and exits with its return
/// value; returns the child's pid. See [`clone`] for the flags allowed.
pub fn clone_run<F: FnOnce() -> i32>(flags: u64, stack: &Stack, run: F) -> Result<i32, Errno> {
    extern "C" fn trampoline<F: FnOnce() -> i32>(arg: usize) -> i32 {
        // SAFETY: `arg` is the address of `slot` in clone_run's frame, which
        // the child has an identical copy of (no CLONE_VM), and the child
        // takes the closure exactly once.
        let slot = unsafe { &mut *(arg as *mut Option<F>) };
        slot.take().map_or(125, |run| run())
    }
    const SHARED: u64 = (libc::CLONE_VM | libc::CLONE_SETTLS | libc::CLONE_THREAD) as u64;
    if flags & SHARED != 0 {
        return Err(Errno::EINVAL);
    }
    let mut slot = Some(run);
    // SAFETY: the flags share no memory (checked above), so the child runs
    // on a copy where `slot` is valid; the top of a mapping is page
    // aligned, and the mapping below it is writable apart from the guard.
    unsafe {
        let top = stack.base.add(stack.len);
        clone(
            flags,
            top,
            trampoline::<F>,
            &mut slot as *mut Option<F> as usize,
        )
    }
}

/// `int unshare(int flags)`: moves the caller into new namespaces of the
/// kinds in `flags`. See unshare(2).
pub fn unshare(flags: i32) -> Result<(), Errno> {
    // SAFETY: unshare takes no pointer.
    unsafe { super::syscall(Sysno::unshare, &[flags as usize]) }.map(drop)
}
