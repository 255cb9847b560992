//! The container side: what the cloned child does, in its new namespaces,
//! from its release by the host to the exec of COMMAND.

use crate::args::Argv;
use crate::cli::{Config, Net};
use crate::env::{self, Environment};
use crate::error::{Error, Result, STATUS_FAILED};
use crate::sys::{fs, io, process, sched, uts, Errno};
use crate::trace::{self, Role};
use crate::tty::{self, Terminal};
use crate::{caps, exec, init, mounts, net, seccomp};
use core::ffi::CStr;

/// The data the host passes to the cloned child.
pub struct Launch<'a> {
    pub config: &'a Config<'a>,
    pub caller_env: Argv<'a>,
    pub terminal: Terminal,
    /// A pipe on which one byte from the host releases the child.
    pub release: [i32; 2],
}

/// Runs in the cloned child; returns the status the child exits with.
pub fn enter(launch: &Launch<'_>) -> i32 {
    trace::set_role(Role::Container);
    match start(launch) {
        Ok(status) => status as i32,
        Err(error) => {
            error.print();
            error.status as i32
        }
    }
}

fn start(launch: &Launch<'_>) -> Result<u8> {
    let config = launch.config;
    wait_for_release(launch.release)?;
    if config.limits.any() {
        enter_cgroup_namespace()?;
    }
    // Device nodes and directories get exactly the modes jail requests.
    fs::umask(0);
    build_root(config.rootfs, launch.terminal.is_terminal())?;
    set_hostname(config.hostname)?;
    if config.net == Net::None {
        net::bring_up_loopback()?;
    }
    if launch.terminal.is_terminal() {
        tty::reopen_on_console()?;
    }
    fs::umask(0o022);
    enter_workdir(config.workdir)?;
    mark_inherited_fds_cloexec()?;
    drop_privileges(config.seccomp)?;
    start_command(launch)
}

/// Waits for the host's byte, which comes once the child is in its cgroup.
///
/// The parent-death signal is set first, so a host killed from then on
/// takes the container with it. A host killed before that cannot send the
/// signal any more, so the child checks for its closed pipe after the byte.
fn wait_for_release([read_end, write_end]: [i32; 2]) -> Result<()> {
    let _ = io::close(write_end);
    process::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as usize, 0)
        .map_err(|errno| Error::new("set parent-death signal", b"SIGKILL", errno))?;
    let mut byte = [0u8; 1];
    let released = io::read(read_end, &mut byte) == Ok(1);
    let mut poll = [io::PollFd {
        fd: read_end,
        events: 0,
        revents: 0,
    }];
    let host_alive = io::ppoll_now(&mut poll).is_ok() && poll[0].revents & libc::POLLHUP == 0;
    if !(released && host_alive) {
        // The host failed and reports it, or was killed: nothing to add.
        process::exit_group(STATUS_FAILED as i32);
    }
    Ok(())
}

/// Makes a cgroup namespace rooted at the container's cgroup, which the
/// host has just moved the child into, so /proc/self/cgroup inside shows
/// `/` instead of the host's cgroup paths.
fn enter_cgroup_namespace() -> Result<()> {
    sched::unshare(libc::CLONE_NEWCGROUP)
        .map_err(|errno| Error::new("create cgroup namespace", b"", errno))
}

/// Builds the container's root filesystem and makes it `/`. Propagation
/// is made private first, so no mount below reaches the host.
fn build_root(rootfs: &CStr, terminal: bool) -> Result<()> {
    mounts::make_mounts_private()?;
    mounts::bind_rootfs(rootfs)?;
    mounts::mount_proc()?;
    mounts::mount_dev(terminal)?;
    mounts::mount_sys()?;
    mounts::mask_proc()?;
    mounts::switch_root()
}

fn set_hostname(hostname: &[u8]) -> Result<()> {
    uts::sethostname(hostname).map_err(|errno| Error::new("set hostname", hostname, errno))
}

/// Enters the working directory, creating it and its parents when missing,
/// as docker does. The old root is detached by now, so every path resolves
/// inside the container.
fn enter_workdir(workdir: Option<&CStr>) -> Result<()> {
    let Some(workdir) = workdir else {
        return Ok(());
    };
    let fail = |errno| Error::new("enter workdir", workdir.to_bytes(), errno);
    match fs::chdir(workdir) {
        Err(Errno::ENOENT) => {}
        other => return other.map_err(fail),
    }
    let mut path = crate::path::PathBuf::<4096>::new();
    for part in workdir
        .to_bytes()
        .split(|&b| b == b'/')
        .filter(|part| !part.is_empty())
    {
        path.join(part)?;
        match fs::mkdirat(fs::AT_FDCWD, path.as_cstr(), 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(errno) => return Err(Error::new("create workdir", path.as_bytes(), errno)),
        }
    }
    fs::chdir(workdir).map_err(fail)
}

/// Marks every descriptor above stderr close-on-exec in one call, so
/// COMMAND inherits none that the caller left open. jail's own are
/// close-on-exec from the start.
fn mark_inherited_fds_cloexec() -> Result<()> {
    io::close_range(3, u32::MAX, libc::CLOSE_RANGE_CLOEXEC)
        .map_err(|errno| Error::new("mark inherited descriptors close-on-exec", b"3..", errno))
}

/// Leaves the container's processes, jail's init included, with docker's
/// default capabilities, `no_new_privs` and the seccomp filter. The filter
/// comes last because it rejects mount, which the setup above needs.
fn drop_privileges(seccomp: bool) -> Result<()> {
    caps::drop_capabilities()?;
    caps::set_no_new_privs()?;
    if seccomp {
        seccomp::load_default_filter()?;
    }
    Ok(())
}

/// Execs COMMAND, as PID 1 with `--no-init`, or as PID 2 under jail's init.
fn start_command(launch: &Launch<'_>) -> Result<u8> {
    let config = launch.config;
    let mut hostname_var = [0u8; 80];
    let env = Environment::build(config, launch.caller_env, &mut hostname_var);
    let path_var = env::lookup(env.argv(), b"PATH").unwrap_or(b"");
    let foreground = launch.terminal.is_foreground();
    let prepare = || {
        if foreground {
            tty::take_foreground()
        } else {
            Ok(())
        }
    };
    if config.init {
        let child = init::spawn(config.command, env.argv(), path_var, prepare)?;
        return init::supervise(child, foreground);
    }
    prepare()?;
    init::unblock_signals()?;
    Err(exec::exec_command(config.command, env.argv(), path_var))
}
