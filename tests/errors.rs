//! The command line: usage errors and jail's own failures (one `jail: `
//! line on stderr, status 125, nothing left behind), help, version, `--`
//! and where options end.

mod common;

use common::{
    assert_nothing_left, assert_single_error_line, host_mounts, jail, jail_bin, rootfs, run,
    stderr, stdout, Run,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs jail with `args` as given (no ROOTFS added), checks the failure
/// contract and that nothing is left, and returns the run. `marker` must
/// be unique to the test: it is looked for among live processes.
fn assert_fails(args: &[&str], marker: &str) -> Run {
    let mounts_before = host_mounts();
    let mut cmd = Command::new(jail_bin());
    cmd.args(args);
    cmd.stdin(std::process::Stdio::null());
    let result = run(cmd);
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "", "stdout of a failed run");
    assert_single_error_line(&result.stderr());
    assert_nothing_left(result.pid, marker, &mounts_before);
    result
}

fn rootfs_arg() -> String {
    rootfs().to_string_lossy().into_owned()
}

#[test]
fn unknown_long_option_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["--bogus", &root, "sleep", "8101"], "sleep 8101");
    assert!(
        result.stderr().contains("--bogus"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn unknown_short_option_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["-x", &root, "sleep", "8102"], "sleep 8102");
    assert!(
        result.stderr().contains("-x"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn flag_with_value_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["--no-init=yes", &root, "sleep", "8103"], "sleep 8103");
    assert!(
        result.stderr().contains("--no-init"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn missing_value_hostname_rejected() {
    let result = assert_fails(&["-n"], "jail-test-8104");
    assert!(
        result.stderr().contains("-n"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn missing_value_pids_max_rejected() {
    let result = assert_fails(&["--pids-max"], "jail-test-8105");
    assert!(
        result.stderr().contains("--pids-max"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn missing_value_env_rejected() {
    let result = assert_fails(&["--env"], "jail-test-8106");
    assert!(
        result.stderr().contains("--env"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn missing_rootfs_rejected() {
    assert_fails(&[], "jail-test-8107");
}

#[test]
fn missing_rootfs_after_options_rejected() {
    assert_fails(&["-n", "box", "--net", "none"], "jail-test-8108");
}

#[test]
fn missing_rootfs_after_double_dash_rejected() {
    assert_fails(&["--"], "jail-test-8109");
}

#[test]
fn empty_rootfs_argument_rejected() {
    assert_fails(&["", "sleep", "8110"], "sleep 8110");
}

#[test]
fn rootfs_not_found_rejected() {
    let path = "/nonexistent/jail-test-rootfs";
    let result = assert_fails(&[path, "sleep", "8111"], "sleep 8111");
    assert!(
        result.stderr().contains(path),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn rootfs_not_found_with_pids_max() {
    let path = "/nonexistent/jail-test-rootfs";
    // -q hides the notice a parallel test's stale cgroup could cause.
    let args = ["-q", "--pids-max", "5", path, "sleep", "8112"];
    let result = assert_fails(&args, "sleep 8112");
    assert!(
        result.stderr().contains(path),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn rootfs_regular_file_rejected() {
    let file = rootfs().join("etc/passwd");
    let path = file.to_string_lossy().into_owned();
    let result = assert_fails(&[&path, "sleep", "8113"], "sleep 8113");
    assert!(
        result.stderr().contains(&path),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn net_invalid_value_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["--net", "bridge", &root, "sleep", "8114"], "sleep 8114");
    assert!(
        result.stderr().contains("bridge"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn net_empty_value_rejected() {
    let root = rootfs_arg();
    assert_fails(&["--net=", &root, "sleep", "8115"], "sleep 8115");
}

#[test]
fn net_value_case_sensitive() {
    let root = rootfs_arg();
    assert_fails(&["--net", "NONE", &root, "sleep", "8116"], "sleep 8116");
}

#[test]
fn pids_max_zero_rejected() {
    let root = rootfs_arg();
    assert_fails(&["--pids-max", "0", &root, "sleep", "8117"], "sleep 8117");
}

#[test]
fn pids_max_negative_rejected() {
    let root = rootfs_arg();
    assert_fails(&["--pids-max", "-1", &root, "sleep", "8118"], "sleep 8118");
}

#[test]
fn pids_max_word_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["--pids-max", "abc", &root, "sleep", "8119"], "sleep 8119");
    assert!(
        result.stderr().contains("abc"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn pids_max_empty_rejected() {
    let root = rootfs_arg();
    assert_fails(&["--pids-max", "", &root, "sleep", "8120"], "sleep 8120");
}

#[test]
fn pids_max_empty_after_equals_rejected() {
    let root = rootfs_arg();
    assert_fails(&["--pids-max=", &root, "sleep", "8121"], "sleep 8121");
}

#[test]
fn pids_max_overflow_rejected() {
    let root = rootfs_arg();
    let huge = "99999999999999999999999";
    assert_fails(&["--pids-max", huge, &root, "sleep", "8122"], "sleep 8122");
}

#[test]
fn pids_max_trailing_junk_rejected() {
    let root = rootfs_arg();
    assert_fails(&["--pids-max", "5x", &root, "sleep", "8123"], "sleep 8123");
}

#[test]
fn hostname_empty_rejected() {
    let root = rootfs_arg();
    assert_fails(&["-n", "", &root, "sleep", "8124"], "sleep 8124");
}

#[test]
fn hostname_65_bytes_rejected() {
    let root = rootfs_arg();
    let name = "h".repeat(65);
    let result = assert_fails(&["--hostname", &name, &root, "sleep", "8125"], "sleep 8125");
    assert!(
        result.stderr().contains(&name),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn hostname_with_space_rejected() {
    let root = rootfs_arg();
    assert_fails(&["-n", "my box", &root, "sleep", "8126"], "sleep 8126");
}

#[test]
fn hostname_with_slash_rejected() {
    let root = rootfs_arg();
    assert_fails(&["-n", "a/b", &root, "sleep", "8127"], "sleep 8127");
}

#[test]
fn env_empty_key_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["-e", "=x", &root, "sleep", "8128"], "sleep 8128");
    assert!(
        result.stderr().contains("=x"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn env_empty_argument_rejected() {
    let root = rootfs_arg();
    assert_fails(&["-e", "", &root, "sleep", "8129"], "sleep 8129");
}

#[test]
fn workdir_relative_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["-w", "tmp", &root, "sleep", "8130"], "sleep 8130");
    assert!(
        result.stderr().contains("tmp"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn memory_invalid_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["--memory", "lots", &root, "sleep", "8131"], "sleep 8131");
    assert!(
        result.stderr().contains("--memory"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn cpus_invalid_rejected() {
    let root = rootfs_arg();
    let result = assert_fails(&["--cpus", "0", &root, "sleep", "8139"], "sleep 8139");
    assert!(
        result.stderr().contains("--cpus"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn user_not_supported_yet() {
    let root = rootfs_arg();
    let result = assert_fails(&["-u", "1000", &root, "sleep", "8132"], "sleep 8132");
    assert!(
        result.stderr().contains("-u"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn read_only_not_supported_yet() {
    let root = rootfs_arg();
    let result = assert_fails(&["--read-only", &root, "sleep", "8133"], "sleep 8133");
    assert!(
        result.stderr().contains("--read-only"),
        "stderr: {}",
        result.stderr()
    );
}

/// A rootfs tree of the test's own, with busybox as `/bin/sh` and
/// `/bin/sleep`, for breaking in ways the shared rootfs must not be.
/// Removed on drop.
struct TestRootfs {
    path: PathBuf,
}

impl TestRootfs {
    fn new(name: &str) -> TestRootfs {
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("bin")).expect("create bin");
        std::fs::copy(rootfs().join("bin/busybox"), path.join("bin/busybox"))
            .expect("copy busybox");
        for applet in ["sh", "sleep"] {
            std::os::unix::fs::symlink("busybox", path.join("bin").join(applet))
                .expect("link applet");
        }
        TestRootfs { path }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn arg(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }
}

impl Drop for TestRootfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[test]
fn mount_point_file_rejected() {
    let tree = TestRootfs::new("jail-test-proc-file");
    std::fs::write(tree.path().join("proc"), "not a directory\n").expect("create proc file");
    let result = assert_fails(&[&tree.arg(), "sleep", "8134"], "sleep 8134");
    assert!(
        result.stderr().contains("/proc"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn mount_point_file_with_pids_max() {
    // This failure comes from the container's setup, after the cgroup was
    // created: the cgroup must still be removed.
    let tree = TestRootfs::new("jail-test-proc-file-cgroup");
    std::fs::write(tree.path().join("proc"), "not a directory\n").expect("create proc file");
    // -q hides the notice a parallel test's stale cgroup could cause.
    let args = ["-q", "--pids-max", "5", &tree.arg(), "sleep", "8135"];
    let result = assert_fails(&args, "sleep 8135");
    assert!(
        result.stderr().contains("/proc"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn mount_point_symlink_rejected() {
    // `dev` links to a host directory: jail must not mount or create
    // device nodes through it.
    let tree = TestRootfs::new("jail-test-dev-link");
    let outside = std::env::temp_dir().join(format!("jail-test-dev-target-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir(&outside).expect("create link target");
    std::os::unix::fs::symlink(&outside, tree.path().join("dev")).expect("link dev");
    let result = assert_fails(&[&tree.arg(), "sleep", "8138"], "sleep 8138");
    let entries: Vec<_> = std::fs::read_dir(&outside)
        .expect("read link target")
        .collect();
    let _ = std::fs::remove_dir_all(&outside);
    assert!(
        result.stderr().contains("/dev"),
        "stderr: {}",
        result.stderr()
    );
    assert_eq!(entries.len(), 0, "jail wrote through the dev link");
}

#[test]
fn missing_mount_points_created() {
    // The tree has no proc, dev or sys: jail creates them, as runc does.
    let tree = TestRootfs::new("jail-test-bare");
    let mut cmd = Command::new(jail_bin());
    cmd.arg(tree.path()).args(["/bin/sh", "-c", "echo ran"]);
    let result = run(cmd);
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "ran\n");
    for name in ["proc", "dev", "sys"] {
        assert!(tree.path().join(name).is_dir(), "/{name} not created");
    }
}

#[test]
fn normal_run_leaves_nothing() {
    let mounts_before = host_mounts();
    let marker = "sleep 8136";
    let result = run(jail(
        &["--pids-max", "5"],
        &["/bin/sh", "-c", "sleep 813''6 & echo ok"],
    ));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "ok\n");
    assert_nothing_left(result.pid, marker, &mounts_before);
}

#[test]
fn help_short_prints_usage() {
    let output = Command::new(jail_bin())
        .arg("-h")
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("usage: jail "), "stdout: {text}");
    assert!(text.contains("--pids-max"), "stdout: {text}");
    assert!(output.stderr.is_empty(), "stderr: {}", stderr(&output));
}

#[test]
fn help_long_prints_usage() {
    let output = Command::new(jail_bin())
        .arg("--help")
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("usage: jail "), "stdout: {text}");
    assert!(output.stderr.is_empty(), "stderr: {}", stderr(&output));
}

#[test]
fn help_same_for_both_forms() {
    let short = Command::new(jail_bin())
        .arg("-h")
        .output()
        .expect("run jail");
    let long = Command::new(jail_bin())
        .arg("--help")
        .output()
        .expect("run jail");
    assert_eq!(short.stdout, long.stdout);
}

#[test]
fn help_wins_over_rootfs() {
    let output = jail(&["--help"], &["/bin/true"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("usage: jail "));
}

#[test]
fn version_short_prints_version() {
    let output = Command::new(jail_bin())
        .arg("-V")
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "jail 0.1.0\n");
    assert!(output.stderr.is_empty(), "stderr: {}", stderr(&output));
}

#[test]
fn version_long_prints_version() {
    let output = Command::new(jail_bin())
        .arg("--version")
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "jail 0.1.0\n");
}

#[test]
fn double_dash_ends_options() {
    let mut cmd = Command::new(jail_bin());
    cmd.arg("--").arg(rootfs()).args(["echo", "after-dash"]);
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "after-dash\n");
}

#[test]
fn double_dash_after_options() {
    let mut cmd = Command::new(jail_bin());
    cmd.args(["-n", "dashed", "--"])
        .arg(rootfs())
        .arg("hostname");
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "dashed\n");
}

#[test]
fn options_after_rootfs_belong_to_command() {
    let output = jail(&[], &["echo", "-n", "x"]).output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "x");
}

#[test]
fn jail_options_after_rootfs_not_parsed() {
    // -V and --net after ROOTFS are COMMAND's arguments, not jail's.
    let output = jail(&[], &["echo", "-V", "--net", "bogus"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "-V --net bogus\n");
}

#[test]
fn short_option_value_attached() {
    let output = jail(
        &["-nattached", "-w/tmp"],
        &["/bin/sh", "-c", "hostname; pwd"],
    )
    .output()
    .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "attached\n/tmp\n");
}

#[test]
fn short_options_grouped() {
    // Flags grouped behind one dash, the last taking a value, as POSIX
    // utility syntax and getopt allow (`-qn NAME` is `-q -n NAME`).
    let output = jail(&["-qn", "grouped"], &["hostname"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "grouped\n");
}

#[test]
fn quiet_keeps_command_output() {
    let output = jail(&["-q"], &["/bin/sh", "-c", "echo out; echo err >&2"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "out\n");
    assert_eq!(stderr(&output), "err\n");
}

#[test]
fn quiet_still_prints_errors() {
    let root = rootfs_arg();
    let result = assert_fails(
        &["--quiet", "--net", "x", &root, "sleep", "8137"],
        "sleep 8137",
    );
    assert!(
        result.stderr().contains("--net"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn quiet_still_prints_exec_errors() {
    let output = jail(&["-q"], &["/nope"]).output().expect("run jail");
    assert_eq!(output.status.code(), Some(127));
    assert_single_error_line(&stderr(&output));
}

/// ROOTFS on a read-only mount that lacks a mount point: the error names
/// the missing directory. The read-only bind is made inside a mount
/// namespace of the test's own (`unshare -m`), so the host's mount table,
/// which other tests compare, never changes.
#[test]
fn read_only_rootfs_names_missing_dir() {
    let tree = TestRootfs::new("jail-test-ro");
    for dir in ["proc", "dev"] {
        std::fs::create_dir(tree.path().join(dir)).expect("create mount point");
    }
    let script = format!(
        "mount --bind '{root}' '{root}' && mount -o remount,bind,ro '{root}' && exec '{jail}' '{root}' /bin/sh -c true",
        root = tree.arg(),
        jail = jail_bin().display()
    );
    let mut command = Command::new("unshare");
    command.args(["-m", "--propagation", "private", "/bin/sh", "-c", &script]);
    let result = run(command);
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_single_error_line(&result.stderr());
    assert!(
        result.stderr().contains("/sys"),
        "stderr: {}",
        result.stderr()
    );
    assert!(
        result.stderr().contains("EROFS"),
        "stderr: {}",
        result.stderr()
    );
    assert!(!tree.path().join("sys").exists());
}

/// Inside a chroot, where `/` is no mount point, mounts cannot be made
/// private: jail refuses with one line and mounts nothing. The chroot
/// needs a static jail, so this always runs the release binary.
#[test]
fn chroot_refused_with_one_line() {
    let release = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/x86_64-unknown-linux-musl/release/jail");
    assert!(
        release.exists(),
        "{}: build it with `just release`",
        release.display()
    );
    let tree = TestRootfs::new("jail-test-chroot");
    let inner = tree.path().join("rootfs");
    std::fs::create_dir_all(inner.join("bin")).expect("create inner rootfs");
    std::fs::copy(rootfs().join("bin/busybox"), inner.join("bin/true")).expect("copy busybox");
    std::fs::copy(&release, tree.path().join("jail")).expect("copy jail");
    let mounts_before = host_mounts();
    let mut command = Command::new("chroot");
    command
        .arg(tree.path())
        .args(["/jail", "/rootfs", "/bin/true"]);
    let result = run(command);
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_single_error_line(&result.stderr());
    assert!(
        result.stderr().contains("chroot"),
        "stderr: {}",
        result.stderr()
    );
    assert_eq!(host_mounts(), mounts_before);
    assert!(
        !inner.join("proc").exists(),
        "jail created mount points before refusing"
    );
}
