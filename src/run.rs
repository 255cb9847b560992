//! The host side of a run: check the input, create the cgroup, clone the
//! container, release it, pass signals on, and clean up on every path.

use crate::args::Argv;
use crate::cgroup::{self, Cgroup};
use crate::cli::{Config, Net};
use crate::container::{self, Launch};
use crate::error::{Error, Result};
use crate::sys::sched::{self, Stack};
use crate::sys::{fs, io, process, signal};
use crate::tty::Terminal;
use crate::{init, trace};
use core::ffi::CStr;

/// Size of the container's first stack. It runs the whole setup and then
/// jail's init, whose deepest frame is the 8 KiB environment array.
const STACK_SIZE: usize = 256 * 1024;

/// Runs the container; returns jail's exit status.
pub fn run(config: &Config<'_>, caller_env: Argv<'_>) -> u8 {
    if config.trace {
        trace::enable();
    }
    if config.quiet {
        crate::out::set_quiet();
    }
    match run_checked(config, caller_env) {
        Ok(status) => status,
        Err(error) => {
            error.print();
            error.status
        }
    }
}

fn run_checked(config: &Config<'_>, caller_env: Argv<'_>) -> Result<u8> {
    check_rootfs(config.rootfs)?;
    init::block_signals()?;
    let terminal = Terminal::inspect();
    let cgroup = match config.limits.any() {
        true => Some(cgroup::create(&config.limits)?),
        false => None,
    };
    let status = run_container(config, caller_env, terminal, cgroup.as_ref());
    if let Some(cgroup) = &cgroup {
        report_oom(cgroup, &config.limits, &status);
    }
    let removed = cgroup.as_ref().and_then(Cgroup::remove);
    terminal.restore();
    match (status, removed) {
        (Ok(_), Some(error)) => Err(error),
        (status, _) => status,
    }
}

/// Prints a notice when the kernel killed a process in the container for
/// reaching the memory limit. When that process was COMMAND, jail's status
/// is 137, from SIGKILL.
fn report_oom(cgroup: &Cgroup, limits: &cgroup::Limits, status: &Result<u8>) {
    let (Some(kills @ 1..), Some(bytes)) = (cgroup.oom_kills(), limits.memory) else {
        return;
    };
    let mut line = crate::out::Line::new();
    line.str("memory limit reached: ");
    line.dec(bytes as i64).str(" bytes (--memory ");
    match bytes % (1 << 20) {
        0 => line.dec((bytes >> 20) as i64).str("m"),
        _ => line.dec(bytes as i64),
    };
    line.str("); the kernel killed ");
    match status {
        Ok(137) if kills == 1 => line.str("COMMAND"),
        _ => line.dec(kills as i64).str(" process(es) in the container"),
    };
    crate::out::notice("", line.as_bytes());
}

/// Rejects a ROOTFS that is missing or not a directory, before anything
/// is created.
fn check_rootfs(rootfs: &CStr) -> Result<()> {
    let st = fs::fstatat(fs::AT_FDCWD, rootfs, 0)
        .map_err(|errno| Error::new("rootfs", rootfs.to_bytes(), errno))?;
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Error::usage("rootfs is not a directory", rootfs.to_bytes()));
    }
    Ok(())
}

fn run_container(
    config: &Config<'_>,
    caller_env: Argv<'_>,
    terminal: Terminal,
    cgroup: Option<&Cgroup>,
) -> Result<u8> {
    let release =
        io::pipe2(libc::O_CLOEXEC).map_err(|errno| Error::new("create pipe", b"release", errno))?;
    let launch = Launch {
        config,
        caller_env,
        terminal,
        release,
    };
    let child = clone_container(&launch);
    let status = child.and_then(|child| {
        let started = join_and_release(child, cgroup, release[1]);
        match started {
            Ok(()) => init::supervise(child, false),
            Err(error) => {
                let _ = signal::kill(child, libc::SIGKILL);
                let _ = process::wait4(child, 0);
                Err(error)
            }
        }
    });
    status
}

/// Clones the child into new PID, mount, UTS, IPC and, with `--net none`,
/// network namespaces. Without limits it also gets a new cgroup
/// namespace, rooted at jail's own cgroup; with limits the child makes its
/// own once it is in the container's cgroup.
fn clone_container(launch: &Launch<'_>) -> Result<i32> {
    let mut flags =
        libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC;
    if launch.config.net == Net::None {
        flags |= libc::CLONE_NEWNET;
    }
    if !launch.config.limits.any() {
        flags |= libc::CLONE_NEWCGROUP;
    }
    let stack =
        Stack::map(STACK_SIZE).map_err(|errno| Error::new("map stack", b"256 KiB", errno))?;
    let flags = (flags | libc::SIGCHLD) as u64;
    sched::clone_run(flags, &stack, || container::enter(launch))
        .map_err(|errno| Error::new("clone", b"new namespaces", errno).hint(clone_hint(errno)))
}

fn clone_hint(errno: crate::sys::Errno) -> &'static str {
    match errno {
        crate::sys::Errno::EPERM => "creating namespaces needs root (CAP_SYS_ADMIN)",
        _ => "",
    }
}

/// Moves the child into its cgroup, then lets it go on: COMMAND never runs
/// outside the limits.
fn join_and_release(child: i32, cgroup: Option<&Cgroup>, release: i32) -> Result<()> {
    if let Some(cgroup) = cgroup {
        cgroup.add(child)?;
    }
    io::write(release, b"1")
        .map(drop)
        .map_err(|errno| Error::new("release container", b"", errno))
}
