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
        Some(path) => std::fs::canonicalize(&path)
            .unwrap_or_else(|err| panic!("JAIL_BIN={path:?}: {err}")),
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

/// A jail command with the given options, ROOTFS, then `command`.
pub fn jail(options: &[&str], command: &[&str]) -> Command {
    let mut cmd = Command::new(jail_bin());
    cmd.args(options).arg(rootfs()).args(command);
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs `sh -c script` in a container with `options` and returns its output.
pub fn sh(options: &[&str], script: &str) -> Output {
    jail(options, &["/bin/sh", "-c", script]).output().expect("run jail")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The host's mount table without the per-mount ids, which change with
/// every mount, for comparing before and after a run.
pub fn host_mounts() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo");
    text.lines().map(|line| line.split(' ').skip(3).collect::<Vec<_>>().join(" ")).collect()
}

/// Every directory below a `jail/` cgroup parent, in every hierarchy.
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
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(needle) {
                pids.push(pid);
            }
        }
    }
    pids
}
