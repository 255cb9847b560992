//! Shared helpers for the integration tests: they run the real jail binary
//! as root against the busybox rootfs that `just rootfs` builds.
//!
//! `JAIL_BIN` selects the binary (the static release build in `just test`),
//! else the host build of this crate. `JAIL_ROOTFS` selects the rootfs,
//! else `build/rootfs`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn jail_bin() -> PathBuf {
    match std::env::var_os("JAIL_BIN") {
        Some(path) => {
            std::fs::canonicalize(&path).unwrap_or_else(|err| panic!("JAIL_BIN={path:?}: {err}"))
        }
        None => PathBuf::from(env!("CARGO_BIN_EXE_jail")),
    }
}

pub fn rootfs() -> PathBuf {
    let path = match std::env::var_os("JAIL_ROOTFS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("build/rootfs"),
    };
    assert!(
        path.join("bin/busybox").exists(),
        "{}: no busybox rootfs; run `just rootfs`",
        path.display()
    );
    path
}

/// Returns a jail command with the given options, ROOTFS, then `command`.
pub fn jail(options: &[&str], command: &[&str]) -> Command {
    let mut cmd = Command::new(jail_bin());
    cmd.args(options).arg(rootfs()).args(command);
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs `sh -c script` in a container with `options` and returns its output.
pub fn sh(options: &[&str], script: &str) -> Output {
    jail(options, &["/bin/sh", "-c", script])
        .output()
        .expect("run jail")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Returns the host's mount table without the per-mount ids, which change with
/// every mount, for comparing before and after a run.
pub fn host_mounts() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo");
    text.lines()
        .map(|line| line.split(' ').skip(3).collect::<Vec<_>>().join(" "))
        .collect()
}

/// Lists every directory below a `jail/` cgroup parent, in every hierarchy.
pub fn jail_cgroups() -> Vec<PathBuf> {
    let mut parents = vec![PathBuf::from("/sys/fs/cgroup/jail")];
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for entry in entries.flatten() {
            parents.push(entry.path().join("jail"));
        }
    }
    let mut found = Vec::new();
    for parent in parents {
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                if entry.path().is_dir() {
                    found.push(entry.path());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Pids of live processes whose command line contains `needle`.
pub fn processes_matching(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(needle) {
                pids.push(pid);
            }
        }
    }
    pids
}

/// Output of a finished jail run, with the pid jail had, which names its
/// cgroup (`jail/<pid>`).
pub struct Run {
    pub pid: u32,
    pub output: Output,
}

impl Run {
    pub fn status(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn stdout(&self) -> String {
        stdout(&self.output)
    }

    pub fn stderr(&self) -> String {
        stderr(&self.output)
    }
}

/// Spawns `cmd` with stdout and stderr captured, waits for it, and keeps
/// its pid.
pub fn run(mut cmd: Command) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn jail");
    let pid = child.id();
    let output = child.wait_with_output().expect("wait for jail");
    Run { pid, output }
}

/// Polls `condition` every 10 ms until it is true or `timeout` passes;
/// returns whether it became true.
pub fn wait_until(timeout: std::time::Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Mount point of the hierarchy that offers the pids controller.
pub fn pids_hierarchy() -> PathBuf {
    hierarchy_of("pids").expect("no cgroup hierarchy offers the pids controller")
}

/// Mount point of the hierarchy that offers `controller`, read from
/// `/proc/self/mountinfo`: a cgroup2 mount whose `cgroup.controllers`
/// lists it, else the v1 mount with the controller's option.
pub fn hierarchy_of(controller: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo");
    let mut v1 = None;
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(dash) = fields.iter().position(|&field| field == "-") else {
            continue;
        };
        let (Some(fstype), Some(options)) = (fields.get(dash + 1), fields.get(dash + 3)) else {
            continue;
        };
        let mount_point = PathBuf::from(fields[4]);
        if *fstype == "cgroup2" {
            let controllers =
                std::fs::read_to_string(mount_point.join("cgroup.controllers")).unwrap_or_default();
            if controllers
                .split_whitespace()
                .any(|name| name == controller)
            {
                return Some(mount_point);
            }
        }
        let in_v1 = *fstype == "cgroup" && options.split(',').any(|option| option == controller);
        if in_v1 && v1.is_none() {
            v1 = Some(mount_point);
        }
    }
    v1
}

/// Returns the cgroup directory of the jail process `pid`.
pub fn jail_cgroup(pid: u32) -> PathBuf {
    pids_hierarchy().join("jail").join(pid.to_string())
}

/// Asserts that the run of the jail process `pid` left nothing behind:
/// the host mount table equals `mounts_before`, no process has `marker`
/// in its command line, and the cgroup named after `pid` is gone.
pub fn assert_nothing_left(pid: u32, marker: &str, mounts_before: &[String]) {
    assert_eq!(host_mounts(), mounts_before, "host mount table changed");
    assert_eq!(
        processes_matching(marker),
        Vec::<u32>::new(),
        "processes left matching {marker:?}"
    );
    let cgroup = jail_cgroup(pid);
    assert!(!cgroup.exists(), "{} left behind", cgroup.display());
    assert!(
        !jail_cgroups().contains(&cgroup),
        "{} listed as a jail cgroup",
        cgroup.display()
    );
}

/// Reads the host's hostname.
pub fn host_hostname() -> String {
    let text = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("read hostname");
    text.trim_end().to_owned()
}

/// A directory that a test creates inside the rootfs, removed with
/// everything below it when dropped.
pub struct RootfsDir {
    pub host_path: PathBuf,
}

impl RootfsDir {
    /// Names `/<name>` in the rootfs without creating it, and removes what
    /// a crashed earlier run left there. `name` must be unique to the
    /// test, since tests share the rootfs.
    pub fn new(name: &str) -> RootfsDir {
        let host_path = rootfs().join(name);
        let _ = std::fs::remove_dir_all(&host_path);
        RootfsDir { host_path }
    }
}

impl Drop for RootfsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.host_path);
    }
}

/// Asserts that `text` (jail's stderr) is exactly one line starting with
/// `jail: `, as every failure is reported.
pub fn assert_single_error_line(text: &str) {
    assert!(text.ends_with('\n'), "error line not terminated: {text:?}");
    assert_eq!(text.lines().count(), 1, "expected one line, got: {text:?}");
    assert!(
        text.starts_with("jail: "),
        "expected a `jail: ` prefix: {text:?}"
    );
}

/// Pids of live processes whose whole command line, with its arguments
/// joined by spaces, is `line`.
pub fn processes_with_command_line(line: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let args: Vec<String> = cmdline
                .split(|&byte| byte == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            if args.join(" ") == line {
                pids.push(pid);
            }
        }
    }
    pids
}

/// A jail running in the background whose stdout and stderr are collected
/// by reader threads, so a test can wait for a line while it runs. Drop
/// kills jail with SIGKILL when it is still running.
pub struct RunningJail {
    child: std::process::Child,
    stdout: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl RunningJail {
    /// Starts jail with `options`, ROOTFS and `command`, and stdin on
    /// /dev/null.
    pub fn spawn(options: &[&str], command: &[&str]) -> RunningJail {
        let mut command = jail(options, command);
        restore_default_interrupt(&mut command);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn jail");
        let stdout = collect_in_background(child.stdout.take().expect("stdout pipe"));
        let stderr = collect_in_background(child.stderr.take().expect("stderr pipe"));
        RunningJail {
            child,
            stdout,
            stderr,
        }
    }

    /// jail's pid on the host.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `signal` to jail on the host; panics when jail has exited.
    pub fn signal(&mut self, signal: i32) {
        // Once reaped, the pid may belong to another process.
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "jail exited before signal {signal}: {status}\nstderr: {:?}",
                self.stderr()
            );
        }
        // SAFETY: kill(2) takes no pointers.
        let result = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(
            result,
            0,
            "kill({}, {signal}): {}",
            self.pid(),
            std::io::Error::last_os_error()
        );
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until stdout contains `needle`; panics with both outputs on
    /// timeout.
    pub fn wait_for_stdout(&mut self, needle: &str, timeout: std::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while !self.stdout().contains(needle) {
            if std::time::Instant::now() >= deadline {
                let exited = self.child.try_wait().ok().flatten();
                panic!(
                    "timed out after {timeout:?} waiting for {needle:?} on jail's stdout \
                     (jail exit status: {exited:?})\nstdout: {:?}\nstderr: {:?}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Waits for jail to exit; panics with both outputs on timeout.
    pub fn wait(&mut self, timeout: std::time::Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for jail") {
                return status;
            }
            if std::time::Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for jail to exit\nstdout: {:?}\nstderr: {:?}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for RunningJail {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `source` to its end on a thread, appending to the returned buffer.
fn collect_in_background(
    mut source: impl std::io::Read + Send + 'static,
) -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&buffer);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(count @ 1..) = source.read(&mut chunk) {
            sink.lock().unwrap().extend_from_slice(&chunk[..count]);
        }
    });
    buffer
}

/// Waits up to `timeout` for `child` to exit. A child still running then
/// is killed and the test panics, so a hung jail fails instead of blocking.
pub fn wait_timeout(
    child: &mut std::process::Child,
    timeout: std::time::Duration,
) -> std::process::ExitStatus {
    let mut status = None;
    wait_until(timeout, || {
        status = child.try_wait().expect("wait for jail");
        status.is_some()
    });
    match status {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "jail (pid {}) still running after {timeout:?}; killed it",
                child.id()
            );
        }
    }
}

/// Makes `command` start with the default action for SIGINT and SIGQUIT,
/// as under an interactive shell. A test run as a background job of a
/// non-interactive shell inherits both ignored, and so would COMMAND.
pub fn restore_default_interrupt(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGQUIT, libc::SIG_DFL);
            Ok(())
        });
    }
}
