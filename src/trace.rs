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
    line.str("jail: trace ").str(role_name()).str(": ");
    match syscall_name(nr) {
        Some(name) => line.str(name),
        None => line.str("syscall_").dec(nr as i64),
    };
    line.str("(");
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

/// Lists the syscalls jail's wrappers make, with names from the
/// identifiers `Sysno` uses. `Sysno::name` would do the same for all ~450
/// syscalls, at a cost of about 9 KiB, a sixth of the size budget.
macro_rules! syscall_names {
    ($($name:ident),* $(,)?) => {
        fn syscall_name(nr: Sysno) -> Option<&'static str> {
            match nr {
                $(Sysno::$name => Some(stringify!($name)),)*
                _ => None,
            }
        }

        #[cfg(test)]
        const NAMED: &[Sysno] = &[$(Sysno::$name),*];
    };
}

syscall_names!(
    capset,
    chdir,
    chroot,
    clone,
    close,
    close_range,
    dup3,
    execve,
    exit_group,
    fork,
    getcwd,
    getdents64,
    getpgid,
    getpid,
    ioctl,
    kill,
    mkdirat,
    mknodat,
    mmap,
    mount,
    mprotect,
    munmap,
    nanosleep,
    newfstatat,
    openat,
    pipe2,
    pivot_root,
    ppoll,
    prctl,
    read,
    readlinkat,
    rt_sigprocmask,
    rt_sigtimedwait,
    seccomp,
    sethostname,
    setpgid,
    socket,
    symlinkat,
    umask,
    umount2,
    unlinkat,
    unshare,
    wait4,
    write,
);

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
        line.str("jail: trace ")
            .str(role_name())
            .str(": ")
            .str(text);
        line.write_to(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_names_match_sysno() {
        for &nr in NAMED {
            assert_eq!(syscall_name(nr), Some(nr.name()));
        }
        assert_eq!(syscall_name(Sysno::reboot), None);
    }

    #[test]
    fn every_wrapped_syscall_is_named() {
        // Every `Sysno::x` that a wrapper in src/sys passes to the kernel.
        let sources = [
            include_str!("sys/fs.rs"),
            include_str!("sys/io.rs"),
            include_str!("sys/mm.rs"),
            include_str!("sys/mount.rs"),
            include_str!("sys/net.rs"),
            include_str!("sys/process.rs"),
            include_str!("sys/sched.rs"),
            include_str!("sys/signal.rs"),
            include_str!("sys/cred.rs"),
            include_str!("sys/seccomp.rs"),
            include_str!("sys/uts.rs"),
        ];
        for source in sources {
            for part in source.split("Sysno::").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    NAMED.iter().any(|nr| nr.name() == name),
                    "{name} is not in syscall_names!"
                );
            }
        }
    }
}
