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
    SIGCHLD, SIGCONT, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU,
    SIGUSR1, SIGUSR2, SIGWINCH,
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

/// Blocks the signals jail takes one at a time with rt_sigtimedwait: the
/// forwarded ones, SIGCHLD and SIGCONT. SIGCONT still continues a stopped
/// process while blocked. Also blocks SIGTTOU, so that jail can give the
/// terminal away and take it back from the background, and SIGPIPE, so
/// that a write to a child that died fails with EPIPE instead of killing
/// jail before it cleans up.
///
/// Blocking rather than handling also works for PID 1 of a namespace: the
/// kernel drops signals to it that have the default action unless they
/// are blocked or handled.
pub fn block_signals() -> Result<()> {
    let set = FORWARDED
        .with(SIGCHLD)
        .with(SIGTTOU)
        .with(SIGPIPE)
        .with(SIGCONT);
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
///
/// With `job_control`, COMMAND owns the terminal's foreground, and Ctrl-Z
/// stops only COMMAND, which would leave the user's shell waiting on a
/// jail that never ends. So a terminal stop of COMMAND stops jail's whole
/// process group on the host too, through SIGTSTP to the group that jail
/// and this init share, and the shell takes the terminal back as for any
/// job. Its `fg` continues that group; this init then gives the terminal
/// back to COMMAND, if the group is in the foreground, and continues it.
pub fn supervise(child: i32, job_control: bool) -> Result<u8> {
    let mut waited = FORWARDED.with(SIGCHLD);
    if job_control {
        waited = waited.with(SIGCONT);
    }
    loop {
        let sig = match signal::rt_sigtimedwait(&waited) {
            Ok(sig) => sig,
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(Error::new("wait for signals", b"", errno)),
        };
        match sig {
            SIGCHLD => match reap(child, job_control)? {
                Reaped::Exited(status) => return Ok(status),
                Reaped::StoppedByTerminal => {
                    // Init itself, as PID 1 of its namespace, ignores it.
                    let _ = signal::kill(0, SIGTSTP);
                }
                Reaped::Nothing => {}
            },
            SIGCONT => continue_in_foreground(child),
            // The child may already be gone; its SIGCHLD comes next.
            _ => drop(signal::kill(child, sig)),
        }
    }
}

/// Continues COMMAND's process group, first handing it the terminal when
/// jail's group was continued into the foreground (`fg`, not `bg`).
fn continue_in_foreground(child: i32) {
    let foreground = crate::sys::tty::tiocgpgrp(0).ok();
    if foreground.is_some() && foreground == process::getpgid(0).ok() {
        let _ = crate::sys::tty::tiocspgrp(0, child);
    }
    let _ = signal::kill(-child, SIGCONT);
}

enum Reaped {
    Exited(u8),
    StoppedByTerminal,
    Nothing,
}

/// Reaps every child that has exited; returns `child`'s status once it is
/// among them. One SIGCHLD may stand for several exits. With
/// `job_control`, also reports COMMAND stopped by a terminal signal.
fn reap(child: i32, job_control: bool) -> Result<Reaped> {
    let options = libc::WNOHANG | if job_control { libc::WUNTRACED } else { 0 };
    loop {
        match process::wait4(-1, options) {
            Ok((0, _)) => return Ok(Reaped::Nothing),
            Ok((pid, status)) if pid == child && status & 0xff == 0x7f => {
                let stop = (status >> 8) & 0xff;
                if matches!(stop, SIGTSTP | SIGTTIN | SIGTTOU) {
                    return Ok(Reaped::StoppedByTerminal);
                }
            }
            Ok((pid, status)) if pid == child => return Ok(Reaped::Exited(exit_status(status))),
            Ok(_) => continue,
            Err(Errno::ECHILD) => return Ok(Reaped::Nothing),
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
    // Outside PID 1, orphans would go to the real init instead of this
    // one; a child subreaper adopts them, as tini -s does.
    if process::getpid() != 1 {
        let _ = process::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0);
    }
    let path_var = crate::env::lookup(env, b"PATH").unwrap_or(crate::env::DEFAULT_PATH_VALUE);
    let started = block_signals().and_then(|()| spawn(command, env, path_var, || Ok(())));
    match started.and_then(|child| supervise(child, false)) {
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
    let program = command
        .get(0)
        .map_or(&b"/bin/sh"[..], |name| name.to_bytes());
    let pid = process::fork().map_err(|errno| {
        let error = Error::new("fork COMMAND", program, errno);
        match errno {
            Errno::EAGAIN => error.hint("a pids limit counts jail's init too: raise --pids-max"),
            _ => error,
        }
    })?;
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
