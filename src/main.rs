//! jail: runs one command in a root filesystem isolated by Linux
//! namespaces and limited by cgroups, as one small static binary.
//!
//! The binary has no C runtime: `_start` below takes argc, argv and envp
//! from the stack the kernel set up, and every kernel call goes through
//! the wrappers in `sys`.

#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]
#![deny(unsafe_code)]
// The unit-test build has no entry point, so most of the binary looks unused.
#![cfg_attr(test, allow(dead_code))]
#![warn(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

#[allow(unsafe_code)]
mod args;
#[allow(unsafe_code)]
mod sys;
#[allow(unsafe_code)]
mod trace;

#[cfg(all(not(test), target_env = "musl"))]
mod mem;

mod caps;
mod cgroup;
mod cli;
mod container;
mod env;
mod error;
mod exec;
mod init;
mod mounts;
mod net;
mod out;
mod path;
mod run;
mod seccomp;
mod tty;

use args::Argv;
use cli::Request;

/// Dispatches the command line; returns the exit status.
fn run_main(args: Argv<'_>, caller_env: Argv<'_>) -> u8 {
    match cli::parse(args) {
        Ok(Request::Run(config)) => run::run(&config, caller_env),
        Ok(Request::Init(command)) => init::run_as_init(command, caller_env),
        Ok(Request::Help) => print_stdout(cli::USAGE.as_bytes()),
        Ok(Request::Version) => {
            print_stdout(concat!("jail ", env!("CARGO_PKG_VERSION"), "\n").as_bytes())
        }
        Err(error) => {
            error.print();
            error.status
        }
    }
}

fn print_stdout(text: &[u8]) -> u8 {
    match sys::io::write(1, text) {
        Ok(_) => 0,
        Err(_) => error::STATUS_FAILED,
    }
}

/// The process entry point of the static build: passes the initial stack
/// pointer, where the kernel put argc, argv and envp, to [`start`].
#[cfg(all(not(test), target_env = "musl"))]
#[unsafe(naked)]
#[no_mangle]
#[allow(unsafe_code)]
extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov rdi, rsp",
        "and rsp, -16",
        "call {start}",
        "ud2",
        start = sym start,
    )
}

/// Reads argc, argv and envp from the initial stack and runs [`run_main`].
///
/// # Safety
///
/// `stack` must be the initial stack pointer of a new process: argc, then
/// argc argv pointers and a NULL, then the envp pointers and a NULL, as
/// the System V x86_64 ABI describes.
#[cfg(all(not(test), target_env = "musl"))]
#[allow(unsafe_code)]
unsafe extern "C" fn start(stack: *const usize) -> ! {
    // SAFETY: the kernel's initial stack layout, as the caller guarantees.
    let (args, caller_env) = unsafe {
        let argc = *stack;
        let argv = stack.add(1) as *const *const core::ffi::c_char;
        let envp = argv.add(argc + 1);
        // Skip the program name; with argc 0 there is nothing to skip.
        let args = match argc {
            0 => Argv::empty(),
            _ => Argv::from_raw(argv.add(1), argc - 1),
        };
        (args, Argv::from_null_terminated(envp))
    };
    sys::process::exit_group(run_main(args, caller_env) as i32)
}

/// The entry point of the host build, called by the C runtime's start
/// files with the same argc, argv and envp.
///
/// # Safety
///
/// As for [`start`]: the C runtime passes the kernel's vectors.
#[cfg(all(not(test), not(target_env = "musl")))]
#[no_mangle]
#[allow(unsafe_code)]
unsafe extern "C" fn main(
    argc: i32,
    argv: *const *const core::ffi::c_char,
    envp: *const *const core::ffi::c_char,
) -> i32 {
    // SAFETY: argv contains argc entries and a NULL, envp ends in NULL.
    let (args, caller_env) = unsafe {
        let args = match argc {
            ..=0 => Argv::empty(),
            _ => Argv::from_raw(argv.add(1), argc as usize - 1),
        };
        (args, Argv::from_null_terminated(envp))
    };
    sys::process::exit_group(run_main(args, caller_env) as i32)
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    let _ = sys::io::write_untraced(2, b"jail: internal error: panic\n");
    sys::process::exit_group(error::STATUS_FAILED as i32)
}

/// The unwinding personality routine that the precompiled `core` refers
/// to. With `panic = "abort"` nothing unwinds, so it is never called.
#[cfg(not(test))]
#[no_mangle]
#[allow(unsafe_code)]
extern "C" fn rust_eh_personality() {}
