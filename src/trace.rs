//! `--trace`: every syscall jail makes, printed to stderr as it returns.
//!
//! The hook sits in `sys::syscall`, so no call can bypass it. Each line
//! names the process that made the call, because the host side, the
//! container's setup and its init all trace to the same stderr.

use crate::out::Line;
use crate::sys::{Errno, Sysno};
use core::ffi::{c_char, CStr};
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);
static ROLE: AtomicU8 = AtomicU8::new(Role::Host as u8);

/// The jail process that makes a call; each fork sets its own copy.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum Role {
    /// jail on the host, before and after the container.
    Host,
    /// The cloned child, setting up the container, then its init.
    Container,
    /// The child that execs COMMAND.
    Command,
}

pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

pub fn set_role(role: Role) {
    ROLE.store(role as u8, Ordering::Relaxed);
}

fn role_name() -> &'static str {
    match ROLE.load(Ordering::Relaxed) {
        0 => "host",
        1 => "container",
        _ => "command",
    }
}

/// Prints a call that may not return (execve on success, exit_group, the
/// child's side of clone) before it is made.
pub fn before(nr: Sysno, args: &[usize]) {
    let mut line = Line::new();
    call(&mut line, nr, args);
    line.str(" ...");
    line.write_to(2);
}

/// Prints a call and its result. The string arguments are still borrowed
/// by the wrapper, so they are read here, after the call.
pub fn after(nr: Sysno, args: &[usize], result: Result<usize, Errno>) {
    let mut line = Line::new();
    call(&mut line, nr, args);
    line.str(" = ");
    match result {
        Ok(value) if value > 0xffff => line.hex(value as u64),
        Ok(value) => line.dec(value as i64),
        Err(errno) => line.str("-1 ").errno(errno),
    };
    line.write_to(2);
}

fn call(line: &mut Line, nr: Sysno, args: &[usize]) {
    line.str("jail: trace ").str(role_name()).str(": ").str(nr.name()).str("(");
    let strings = string_args(nr);
    for (index, &arg) in args.iter().enumerate() {
        if index > 0 {
            line.str(", ");
        }
        if strings & (1 << index) != 0 && arg != 0 {
            // SAFETY: for the syscalls in `string_args`, these arguments are
            // NUL-terminated strings that the wrapper borrowed for the call.
            line.quoted(unsafe { CStr::from_ptr(arg as *const c_char) }.to_bytes());
        } else if let Some(len) = buffer_arg(nr, index, args) {
            // SAFETY: for these syscalls the argument is a buffer of `len`
            // readable bytes, borrowed by the wrapper for the call.
            let bytes = unsafe { core::slice::from_raw_parts(arg as *const u8, len.min(64)) };
            line.quoted(bytes);
        } else if (arg as isize) < 0 && (arg as isize) > -4096 {
            line.dec(arg as isize as i64);
        } else if arg > 0xffff {
            line.hex(arg as u64);
        } else {
            line.dec(arg as i64);
        }
    }
    line.str(")");
}

/// Returns a mask of the arguments that are C strings, one bit each.
fn string_args(nr: Sysno) -> u8 {
    match nr {
        Sysno::chdir | Sysno::chroot | Sysno::umount2 | Sysno::execve => 0b1,
        Sysno::openat | Sysno::mkdirat | Sysno::newfstatat | Sysno::mknodat => 0b10,
        Sysno::readlinkat => 0b10,
        Sysno::unlinkat => 0b10,
        Sysno::symlinkat => 0b101,
        Sysno::pivot_root => 0b11,
        Sysno::mount => 0b10111,
        _ => 0,
    }
}

/// Returns the length of an argument that is a byte buffer whose length
/// is the next argument, so that the trace shows what a write sends.
fn buffer_arg(nr: Sysno, index: usize, args: &[usize]) -> Option<usize> {
    match (nr, index) {
        (Sysno::write, 1) | (Sysno::sethostname, 0) => args.get(index + 1).copied(),
        _ => None,
    }
}

/// Prints a decision jail took that the syscalls alone do not explain.
pub fn note(text: &str) {
    if enabled() {
        let mut line = Line::new();
        line.str("jail: trace ").str(role_name()).str(": ").str(text);
        line.write_to(2);
    }
}
