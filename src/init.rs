//! jail's init: PID 1 of the container, or of an image with `jail init`.
//!
//! It starts COMMAND as its child, passes the usual signals on to it,
//! reaps every process that ends up as its child, and exits with COMMAND's
//! status. The kernel then kills whatever else is left in the namespace.

use crate::args::Argv;
use crate::error::{Error, Result, STATUS_FAILED};
use crate::sys::signal::{self, SigSet};
use crate::sys::{process, Errno};
use libc::{
    SIGCHLD, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTTOU, SIGUSR1, SIGUSR2, SIGWINCH,
};

/// Signals passed on to COMMAND, from jail on the host to the container's
/// init and from there to COMMAND.
const FORWARDED: SigSet = SigSet(0)
    .with(SIGHUP)
    .with(SIGINT)
    .with(SIGQUIT)
    .with(SIGTERM)
    .with(SIGUSR1)
    .with(SIGUSR2)
    .with(SIGWINCH);

/// Blocks the forwarded signals and SIGCHLD, which jail then takes one at
/// a time with rt_sigtimedwait; SIGTTOU, so that jail can give the
/// terminal away and take it back from the background; and SIGPIPE, so
/// that a write to a child that died fails with EPIPE instead of killing
/// jail before it cleans up.
///
/// Blocking rather than handling also works for PID 1 of a namespace: the
/// kernel drops signals to it that have the default action unless they
/// are blocked or handled.
pub fn block_signals() -> Result<()> {
    let set = FORWARDED.with(SIGCHLD).with(SIGTTOU).with(SIGPIPE);
    signal::rt_sigprocmask(libc::SIG_BLOCK, &set)
        .map(drop)
        .map_err(|errno| Error::new("block signals", b"SIGCHLD", errno))
}

/// Clears the signal mask, for the process that is about to exec COMMAND.
pub fn unblock_signals() -> Result<()> {
    signal::rt_sigprocmask(libc::SIG_SETMASK, &SigSet(0))
        .map(drop)
        .map_err(|errno| Error::new("unblock signals", b"", errno))
}

/// Waits for `child` to exit while passing forwarded signals on to it and
/// reaping any other child; returns the exit status jail reports for it.
pub fn supervise(child: i32) -> Result<u8> {
    let waited = FORWARDED.with(SIGCHLD);
    loop {
        let sig = match signal::rt_sigtimedwait(&waited) {
            Ok(sig) => sig,
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(Error::new("wait for signals", b"", errno)),
        };
        if sig != SIGCHLD {
            // The child may already be gone; its SIGCHLD comes next.
            let _ = signal::kill(child, sig);
            continue;
        }
        if let Some(status) = reap(child)? {
            return Ok(status);
        }
    }
}

/// Reaps every child that has exited; returns `child`'s status once it is
/// among them. One SIGCHLD may stand for several exits.
fn reap(child: i32) -> Result<Option<u8>> {
    loop {
        match process::wait4(-1, libc::WNOHANG) {
            Ok((0, _)) => return Ok(None),
            Ok((pid, status)) if pid == child => return Ok(Some(exit_status(status))),
            Ok(_) => continue,
            Err(Errno::ECHILD) => return Ok(None),
            Err(errno) => return Err(Error::new("wait for child", b"", errno)),
        }
    }
}

/// Maps a wait status to a shell-style exit status: the exit code, or
/// 128 + N for death by signal N.
pub fn exit_status(status: i32) -> u8 {
    let signal = status & 0x7f;
    if signal == 0 {
        (status >> 8) as u8
    } else {
        128u8.wrapping_add(signal as u8)
    }
}

/// `jail init COMMAND...`: runs as the init of the current PID namespace,
/// with the caller's environment passed to COMMAND unchanged.
pub fn run_as_init(command: Argv<'_>, env: Argv<'_>) -> u8 {
    let path_var = crate::env::lookup(env, b"PATH").unwrap_or(crate::env::DEFAULT_PATH_VALUE);
    let started = block_signals().and_then(|()| spawn(command, env, path_var, || Ok(())));
    match started.and_then(supervise) {
        Ok(status) => status,
        Err(error) => {
            error.print();
            STATUS_FAILED
        }
    }
}

/// Forks the process that execs COMMAND. It runs `prepare`, then unblocks
/// signals, since the mask survives execve.
pub fn spawn(
    command: Argv<'_>,
    env: Argv<'_>,
    path_var: &[u8],
    prepare: impl FnOnce() -> Result<()>,
) -> Result<i32> {
    let pid = process::fork().map_err(|errno| Error::new("fork", b"COMMAND", errno))?;
    if pid == 0 {
        crate::trace::set_role(crate::trace::Role::Command);
        let error = match prepare().and_then(|()| unblock_signals()) {
            Ok(()) => crate::exec::exec_command(command, env, path_var),
            Err(error) => error,
        };
        error.print();
        process::exit_group(error.status as i32);
    }
    Ok(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_of_normal_exit() {
        assert_eq!(exit_status(0), 0);
        assert_eq!(exit_status(3 << 8), 3);
        assert_eq!(exit_status(255 << 8), 255);
    }

    #[test]
    fn exit_status_of_signal_is_128_plus_n() {
        assert_eq!(exit_status(libc::SIGKILL), 137);
        assert_eq!(exit_status(libc::SIGTERM | 0x80), 143);
    }
}
