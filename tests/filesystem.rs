//! The container's filesystem: the new root, `/proc`, `/sys`, `/dev`, and
//! mounts that stay inside the container.

mod common;

use common::{host_mounts, jail, jail_bin, rootfs, sh, stderr, stdout, wait_timeout};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

fn assert_success(output: &std::process::Output) {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
}

fn lines(text: &str) -> BTreeSet<String> {
    text.lines().map(str::to_owned).collect()
}

/// Lists the names in the rootfs as read on the host, without the `jail-test-*`
/// directories that other tests create and remove while this one runs.
fn rootfs_names() -> BTreeSet<String> {
    std::fs::read_dir(rootfs())
        .expect("read rootfs")
        .map(|entry| {
            entry
                .expect("read rootfs entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !name.starts_with("jail-test-"))
        .collect()
}

fn without_test_dirs(names: BTreeSet<String>) -> BTreeSet<String> {
    names
        .into_iter()
        .filter(|name| !name.starts_with("jail-test-"))
        .collect()
}

#[test]
fn proc_lists_only_container_pids() {
    // `; true` keeps sh alive, so the container runs init, sh and ls.
    let output = sh(&[], "ls /proc | grep -E '^[0-9]+$'; true");
    assert_success(&output);
    let pids: BTreeSet<u32> = stdout(&output)
        .lines()
        .map(|pid| pid.parse().expect("pid"))
        .collect();
    assert!(pids.contains(&1), "pids in /proc: {pids:?}");
    assert!(pids.len() <= 4, "pids in /proc: {pids:?}");
    assert!(
        !pids.contains(&std::process::id()),
        "test runner in /proc: {pids:?}"
    );
}

#[test]
fn proc_is_procfs_nosuid_nodev_noexec() {
    let output = sh(&[], "grep ' /proc proc ' /proc/mounts");
    assert_success(&output);
    let line = stdout(&output);
    let options = line.split(' ').nth(3).unwrap_or("");
    for flag in ["nosuid", "nodev", "noexec"] {
        assert!(
            options.split(',').any(|option| option == flag),
            "/proc mounted with {options}"
        );
    }
}

#[test]
fn sys_read_only() {
    let output = sh(&[], "touch /sys/kernel/jail-test-file");
    assert_ne!(output.status.code(), Some(0), "touch in /sys succeeded");
    assert!(
        stderr(&output).contains("Read-only file system"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn sys_mounted_read_only() {
    let output = sh(&[], "grep ' /sys sysfs ' /proc/mounts");
    assert_success(&output);
    let line = stdout(&output);
    let options = line.split(' ').nth(3).unwrap_or("");
    assert!(
        options.split(',').any(|option| option == "ro"),
        "/sys mounted with {options}"
    );
}

#[test]
fn dev_contains_exactly_minimal_set() {
    let output = jail(&[], &["ls", "-A", "/dev"]).output().expect("run jail");
    assert_success(&output);
    let expected: BTreeSet<String> = [
        "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty",
        "urandom", "zero",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(lines(&stdout(&output)), expected);
}

#[test]
fn dev_is_tmpfs() {
    let output = sh(&[], "grep ' /dev ' /proc/mounts");
    assert_success(&output);
    assert!(
        stdout(&output).starts_with("tmpfs /dev tmpfs "),
        "/dev: {}",
        stdout(&output)
    );
}

#[test]
fn dev_devices_have_right_numbers() {
    // stat prints the major and minor numbers in hex.
    let script = "for dev in null zero full random urandom tty; do \
                  stat -c '%n %F %t:%T %a' /dev/$dev; done";
    let output = sh(&[], script);
    assert_success(&output);
    let expected = [
        "/dev/null character special file 1:3 666",
        "/dev/zero character special file 1:5 666",
        "/dev/full character special file 1:7 666",
        "/dev/random character special file 1:8 666",
        "/dev/urandom character special file 1:9 666",
        "/dev/tty character special file 5:0 666",
    ];
    assert_eq!(stdout(&output).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn dev_null_writable() {
    let output = sh(&[], "echo data > /dev/null && wc -c < /dev/null");
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "0");
}

#[test]
fn dev_zero_reads_zeros() {
    let output = sh(&[], "head -c 4 /dev/zero | od -An -tx1");
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "00 00 00 00");
}

#[test]
fn dev_full_write_fails() {
    let output = sh(&[], "echo data > /dev/full");
    assert_ne!(
        output.status.code(),
        Some(0),
        "write to /dev/full succeeded"
    );
    assert!(
        stderr(&output).contains("No space left"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn dev_urandom_readable() {
    let output = sh(&[], "head -c 32 /dev/urandom | wc -c");
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "32");
}

#[test]
fn dev_ptmx_links_to_pts() {
    let output = jail(&[], &["readlink", "/dev/ptmx"])
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "pts/ptmx\n");
}

#[test]
fn dev_pts_new_instance_empty() {
    let output = jail(&[], &["ls", "-A", "/dev/pts"])
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "ptmx\n");
}

#[test]
fn dev_ptmx_opens_new_pty() {
    let output = sh(&[], "exec 3<>/dev/ptmx && ls -A /dev/pts");
    assert_success(&output);
    assert_eq!(stdout(&output), "0\nptmx\n");
}

#[test]
fn dev_ptmx_usable_by_non_root() {
    let script = "su -s /bin/sh nobody -c 'id -u; exec 3<>/dev/ptmx && ls -A /dev/pts'";
    let output = sh(&[], script);
    assert_success(&output);
    assert_eq!(stdout(&output), "65534\n0\nptmx\n");
}

#[test]
fn dev_shm_writable_sticky() {
    let script = "stat -c %a /dev/shm; echo data > /dev/shm/f && cat /dev/shm/f";
    let output = sh(&[], script);
    assert_success(&output);
    assert_eq!(stdout(&output), "1777\ndata\n");
}

#[test]
fn dev_fd_links_point_to_proc() {
    let output = sh(
        &[],
        "for link in fd stdin stdout stderr; do readlink /dev/$link; done",
    );
    assert_success(&output);
    let expected = [
        "/proc/self/fd",
        "/proc/self/fd/0",
        "/proc/self/fd/1",
        "/proc/self/fd/2",
    ];
    assert_eq!(stdout(&output).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn dev_stdout_link_writes_to_stdout() {
    let output = sh(&[], "echo through-link > /dev/stdout");
    assert_success(&output);
    assert_eq!(stdout(&output), "through-link\n");
}

#[test]
fn proc_keys_masked() {
    let output = sh(&[], "wc -c < /proc/keys");
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "0");
}

#[test]
fn proc_timer_list_masked() {
    let output = sh(&[], "wc -c < /proc/timer_list");
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "0");
}

#[test]
fn proc_kcore_masked_or_absent() {
    // This kernel may be built without /proc/kcore; where it exists it
    // must read empty.
    let output = sh(
        &[],
        "if [ -e /proc/kcore ]; then wc -c < /proc/kcore; else echo 0; fi",
    );
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "0");
}

#[test]
fn proc_acpi_masked_read_only() {
    let output = sh(&[], "ls -A /proc/acpi; touch /proc/acpi/jail-test-file");
    assert_ne!(
        output.status.code(),
        Some(0),
        "touch in /proc/acpi succeeded"
    );
    assert_eq!(stdout(&output), "", "/proc/acpi not empty");
}

#[test]
fn proc_sys_read_only() {
    let output = sh(&[], "echo renamed > /proc/sys/kernel/hostname");
    assert_ne!(
        output.status.code(),
        Some(0),
        "write to /proc/sys succeeded"
    );
    assert!(
        stderr(&output).contains("Read-only file system"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn proc_sys_still_readable() {
    let output = sh(&["-n", "readable"], "cat /proc/sys/kernel/hostname");
    assert_success(&output);
    assert_eq!(stdout(&output), "readable\n");
}

#[test]
fn root_listing_matches_rootfs() {
    let output = jail(&[], &["ls", "-A", "/"]).output().expect("run jail");
    assert_success(&output);
    assert_eq!(without_test_dirs(lines(&stdout(&output))), rootfs_names());
}

#[test]
fn proc_1_root_is_container_root() {
    let output = jail(&[], &["ls", "-A", "/proc/1/root/"])
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(without_test_dirs(lines(&stdout(&output))), rootfs_names());
}

#[test]
fn proc_1_root_is_container_root_without_init() {
    let output = sh(&["--no-init"], "ls -A /proc/1/root/; true");
    assert_success(&output);
    assert_eq!(without_test_dirs(lines(&stdout(&output))), rootfs_names());
}

#[test]
fn parent_of_root_is_root() {
    let output = sh(&[], "cd /../../.. && pwd -P && ls -A");
    assert_success(&output);
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("/"));
    let names: BTreeSet<String> = lines.map(str::to_owned).collect();
    assert_eq!(without_test_dirs(names), rootfs_names());
}

#[test]
fn host_rootfs_path_not_reachable() {
    // From inside, the rootfs's host path names nothing: the old root is
    // detached.
    let host_path = rootfs().canonicalize().expect("canonicalize rootfs");
    let probe = host_path.join("bin/busybox");
    let script = format!("[ -e '{}' ] && echo reachable; true", probe.display());
    let output = sh(&[], &script);
    assert_success(&output);
    assert_eq!(stdout(&output), "");
}

#[test]
fn mounts_inside_only_container_ones() {
    let output = sh(&[], "cut -d' ' -f5 /proc/self/mountinfo");
    assert_success(&output);
    let allowed = [
        "/",
        "/proc",
        "/dev",
        "/dev/pts",
        "/dev/shm",
        "/sys",
        "/proc/keys",
        "/proc/timer_list",
        "/proc/kcore",
        "/proc/sched_debug",
        "/proc/latency_stats",
        "/proc/sysrq-trigger",
        "/proc/acpi",
        "/proc/scsi",
        "/proc/sys",
        "/proc/irq",
        "/proc/bus",
        "/proc/fs",
    ];
    for mount_point in stdout(&output).lines() {
        assert!(
            allowed.contains(&mount_point),
            "unexpected mount inside: {mount_point}"
        );
    }
}

#[test]
fn mounts_not_visible_on_host_during_run() {
    let before = host_mounts();
    let mut cmd = jail(&[], &["/bin/sh", "-c", "echo ready; read line"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("read ready line");
    assert_eq!(line, "ready\n", "container did not start");
    let during = host_mounts();
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"done\n").expect("release container");
    drop(stdin);
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(during, before, "host mount table changed while jail ran");
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        host_mounts(),
        before,
        "host mount table changed after jail ran"
    );
}

/// Runs jail on a rootfs below a shared bind mount, in a mount namespace
/// of the test's own so that the host's table stays untouched. Without
/// private propagation, jail's /proc, /dev and /sys mounts would appear
/// below the shared mount there. Prints the propagated mounts, or
/// `none-propagated`.
const SHARED_PARENT_SCRIPT: &str = r#"
set -eu
dir=$(mktemp -d /tmp/jail-test-shared.XXXXXX)
trap 'umount -R "$dir" 2>/dev/null; rmdir "$dir"' EXIT
mount --bind "$ROOTFS" "$dir"
mount --make-shared "$dir"
"$JAIL" "$dir" /bin/true
grep " $dir/" /proc/self/mountinfo || echo none-propagated
"#;

#[test]
fn mounts_private_under_shared_parent() {
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        SHARED_PARENT_SCRIPT,
    ]);
    cmd.env("ROOTFS", rootfs()).env("JAIL", jail_bin());
    let output = cmd.output().expect("run unshare");
    assert_success(&output);
    assert_eq!(stdout(&output), "none-propagated\n");
}

#[test]
fn rootfs_relative_path_works() {
    let root = rootfs();
    let parent = root.parent().expect("rootfs parent");
    let name = root.file_name().expect("rootfs name");
    let output = Command::new(jail_bin())
        .arg(name)
        .args(["echo", "relative"])
        .current_dir(parent)
        .stdin(Stdio::null())
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "relative\n");
}

#[test]
fn rootfs_dot_works() {
    // ROOTFS "." is the working directory itself, which the bind mount of
    // ROOTFS onto itself covers.
    let output = Command::new(jail_bin())
        .args([".", "echo", "dot"])
        .current_dir(rootfs())
        .stdin(Stdio::null())
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "dot\n");
}

#[test]
fn rootfs_through_symlink_works() {
    let link = std::env::temp_dir().join(format!("jail-test-rootfs-link-{}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(rootfs(), &link).expect("create rootfs link");
    let output = Command::new(jail_bin())
        .arg(&link)
        .args(["echo", "linked"])
        .stdin(Stdio::null())
        .output()
        .expect("run jail");
    let _ = std::fs::remove_file(&link);
    assert_success(&output);
    assert_eq!(stdout(&output), "linked\n");
}

#[test]
fn workdir_symlink_never_reaches_host() {
    // A link in the rootfs to an absolute path resolves inside the
    // container: the workdir is created in the rootfs's copy of the
    // target, never in the host's.
    let id = std::process::id();
    let target = format!("tmp/jail-test-outside-{id}");
    let host_target = std::path::PathBuf::from("/").join(&target);
    let _inside_target = common::RootfsDir::new(&target);
    let link = common::RootfsDir::new(&format!("jail-test-link-{id}"));
    std::fs::create_dir_all(&host_target).expect("create host target");
    std::fs::create_dir_all(rootfs().join(&target)).expect("create target in rootfs");
    std::os::unix::fs::symlink(&host_target, &link.host_path).expect("create link");

    let workdir = format!("/jail-test-link-{id}/sub");
    let output = jail(&["-w", &workdir], &["/bin/sh", "-c", "pwd -P"])
        .output()
        .expect("run jail");
    let host_sub_exists = host_target.join("sub").exists();
    let _ = std::fs::remove_dir_all(&host_target);
    assert_success(&output);
    assert_eq!(stdout(&output), format!("/{target}/sub\n"));
    assert!(
        !host_sub_exists,
        "workdir created on the host at {}",
        host_target.display()
    );
    assert!(
        rootfs().join(&target).join("sub").is_dir(),
        "workdir not created in the rootfs"
    );
}
