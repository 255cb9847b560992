//! jail's exit status: COMMAND's own, 128+N for a signal, and docker's
//! 125, 126 and 127 for failures; signals sent to jail reach COMMAND.

mod common;

use common::{
    assert_single_error_line, jail, jail_bin, processes_matching, rootfs, sh, stderr, stdout,
    wait_timeout, wait_until, RootfsDir,
};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

fn assert_status(options: &[&str], script: &str, expected: i32) {
    let output = sh(options, script);
    assert_eq!(
        output.status.code(),
        Some(expected),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn status_0_on_success() {
    assert_status(&[], "exit 0", 0);
}

#[test]
fn status_3_passed_through() {
    assert_status(&[], "exit 3", 3);
}

#[test]
fn status_255_passed_through() {
    assert_status(&[], "exit 255", 255);
}

#[test]
fn status_passed_through_without_init() {
    assert_status(&["--no-init"], "exit 3", 3);
}

#[test]
fn status_of_false_is_1() {
    let output = jail(&[], &["false"]).output().expect("run jail");
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
}

#[test]
fn status_137_on_sigkill() {
    assert_status(&[], "kill -9 $$", 137);
}

#[test]
fn status_143_on_sigterm() {
    // sh is PID 2 under jail's init, so a signal from itself is delivered.
    assert_status(&[], "kill -TERM $$", 143);
}

#[test]
fn status_130_on_sigint() {
    assert_status(&[], "kill -INT $$", 130);
}

#[test]
fn status_126_for_non_executable() {
    let output = jail(&[], &["/etc/passwd"]).output().expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(126),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
    assert!(
        stderr(&output).contains("/etc/passwd"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn status_126_for_directory() {
    let output = jail(&[], &["/etc"]).output().expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(126),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn status_126_without_init() {
    let output = jail(&["--no-init"], &["/etc/passwd"])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(126),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn status_127_for_missing_path() {
    let output = jail(&[], &["/nope"]).output().expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(127),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
    assert!(
        stderr(&output).contains("/nope"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn status_127_for_missing_name_on_path() {
    let output = jail(&[], &["nope"]).output().expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(127),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
    assert!(
        stderr(&output).contains("nope"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn status_127_without_init() {
    let output = jail(&["--no-init"], &["/nope"]).output().expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(127),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn status_127_for_empty_command() {
    // An empty name is found nowhere, as for execvp and the shells.
    let output = jail(&[], &[""]).output().expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(127),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

/// Creates a directory in the rootfs with `files` (name, content, mode).
fn rootfs_dir_with(name: &str, files: &[(&str, &[u8], u32)]) -> RootfsDir {
    let dir = RootfsDir::new(&format!("{name}-{}", std::process::id()));
    std::fs::create_dir(&dir.host_path).expect("create test dir");
    for (file, content, mode) in files {
        let path = dir.host_path.join(file);
        std::fs::write(&path, content).expect("write test file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).expect("chmod");
    }
    dir
}

#[test]
fn status_126_for_non_executable_on_path() {
    let dir = rootfs_dir_with("jail-test-path-noexec", &[("plain", b"echo no\n", 0o644)]);
    let path_var = format!(
        "PATH=/{}",
        dir.host_path.file_name().unwrap().to_string_lossy()
    );
    let output = jail(&["-e", &path_var], &["plain"])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(126),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn status_127_for_missing_interpreter() {
    let script: &[u8] = b"#!/nonexistent/interpreter\necho no\n";
    let dir = rootfs_dir_with("jail-test-interpreter", &[("script", script, 0o755)]);
    let name = dir
        .host_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let output = jail(&[], &[&format!("/{name}/script")])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(127),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn status_126_for_exec_format_error() {
    let dir = rootfs_dir_with(
        "jail-test-format",
        &[("garbage", b"\x00\x01\x02garbage", 0o755)],
    );
    let name = dir
        .host_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let output = jail(&[], &[&format!("/{name}/garbage")])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(126),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn script_with_shebang_runs() {
    let script: &[u8] = b"#!/bin/sh\necho \"script:$1\"\nexit 6\n";
    let dir = rootfs_dir_with("jail-test-script", &[("script", script, 0o755)]);
    let name = dir
        .host_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let output = jail(&[], &[&format!("/{name}/script"), "arg"])
        .output()
        .expect("run jail");
    assert_eq!(stdout(&output), "script:arg\n");
    assert_eq!(output.status.code(), Some(6), "stderr: {}", stderr(&output));
}

#[test]
fn command_relative_to_workdir() {
    let output = jail(&["-w", "/bin"], &["./echo", "relative"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "relative\n");
}

#[test]
fn status_125_for_jail_failure() {
    let output = jail(&["--net", "bogus"], &["/bin/true"])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(125),
        "stderr: {}",
        stderr(&output)
    );
    assert_single_error_line(&stderr(&output));
}

#[test]
fn command_found_on_path() {
    let output = jail(&[], &["echo", "found"]).output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "found\n");
}

#[test]
fn command_default_is_bin_sh() {
    let mut cmd = std::process::Command::new(jail_bin());
    cmd.arg(rootfs());
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut stdin = child.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut stdin, b"echo shell:$0:$$; exit 4\n").expect("write script");
    drop(stdin);
    let output = child.wait_with_output().expect("wait for jail");
    assert_eq!(stdout(&output), "shell:/bin/sh:2\n");
    assert_eq!(output.status.code(), Some(4), "stderr: {}", stderr(&output));
}

/// Starts jail with `script` and waits until it prints `ready`; returns
/// the child, with its stdout reader for the rest of the output.
fn spawn_ready(
    options: &[&str],
    script: &str,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut cmd = jail(options, &["/bin/sh", "-c", script]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("read ready line");
    assert_eq!(line, "ready\n", "COMMAND did not start");
    (child, reader)
}

fn send_signal(pid: u32, signal: libc::c_int) {
    // SAFETY: kill has no memory effects; the pid is our own child.
    let result = unsafe { libc::kill(pid as libc::pid_t, signal) };
    assert_eq!(result, 0, "kill({pid}, {signal}) failed");
}

/// Waits for jail to exit, with a timeout, then reads the rest of its
/// stdout and its stderr.
fn finish(
    mut child: std::process::Child,
    mut reader: BufReader<std::process::ChildStdout>,
) -> (String, std::process::ExitStatus, String) {
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("read stdout");
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        std::io::Read::read_to_string(&mut stderr, &mut errors).expect("read stderr");
    }
    (rest, status, errors)
}

#[test]
fn sigterm_to_jail_reaches_command() {
    let marker = "sleep 7101";
    // The quotes keep the marker out of jail's and sh's command lines.
    let script = "echo ready; exec sleep 710''1";
    let (child, reader) = spawn_ready(&[], script);
    let started = wait_until(Duration::from_secs(5), || {
        !processes_matching(marker).is_empty()
    });
    assert!(started, "{marker} did not start");
    send_signal(child.id(), libc::SIGTERM);
    let (_, status, errors) = finish(child, reader);
    assert_eq!(status.code(), Some(143), "stderr: {errors}");
    assert_eq!(processes_matching(marker), Vec::<u32>::new());
}

#[test]
fn sigterm_to_jail_reaches_trap_without_init() {
    // COMMAND is PID 1 here, and the kernel delivers a signal to PID 1 of
    // a namespace only when it has a handler, so the script sets one.
    let script = "trap 'echo got-term; exit 9' TERM; echo ready; \
                  i=0; while [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done; exit 1";
    let (child, reader) = spawn_ready(&["--no-init"], script);
    send_signal(child.id(), libc::SIGTERM);
    let (rest, status, errors) = finish(child, reader);
    assert_eq!(rest, "got-term\n");
    assert_eq!(status.code(), Some(9), "stderr: {errors}");
}

#[test]
fn sigusr1_to_jail_reaches_trap() {
    // The trap runs between two short sleeps, so the loop keeps polling.
    let script = "trap 'echo got-usr1; exit 7' USR1; echo ready; \
                  i=0; while [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done; exit 1";
    let (child, reader) = spawn_ready(&[], script);
    send_signal(child.id(), libc::SIGUSR1);
    let (rest, status, errors) = finish(child, reader);
    assert_eq!(rest, "got-usr1\n");
    assert_eq!(status.code(), Some(7), "stderr: {errors}");
}

#[test]
fn sighup_to_jail_reaches_command() {
    let marker = "sleep 7103";
    // The quotes keep the marker out of jail's and sh's command lines.
    let script = "echo ready; exec sleep 710''3";
    let (child, reader) = spawn_ready(&[], script);
    let started = wait_until(Duration::from_secs(5), || {
        !processes_matching(marker).is_empty()
    });
    assert!(started, "{marker} did not start");
    send_signal(child.id(), libc::SIGHUP);
    let (_, status, errors) = finish(child, reader);
    assert_eq!(status.code(), Some(129), "stderr: {errors}");
}

#[test]
fn sigkill_to_jail_ends_container() {
    let marker = "sleep 7104";
    // The quotes keep the marker out of jail's and sh's command lines.
    let script = "echo ready; sleep 710''4; true";
    let (mut child, _reader) = spawn_ready(&[], script);
    let started = wait_until(Duration::from_secs(5), || {
        !processes_matching(marker).is_empty()
    });
    assert!(started, "{marker} did not start");
    child.kill().expect("kill jail");
    wait_timeout(&mut child, Duration::from_secs(10));
    let ended = wait_until(Duration::from_secs(5), || {
        processes_matching(marker).is_empty()
    });
    assert!(ended, "left running: {:?}", processes_matching(marker));
}

#[test]
fn background_processes_gone_at_exit() {
    let marker = "sleep 7105";
    let output = sh(
        &[],
        &format!("{marker} >/dev/null & {marker} >/dev/null & echo started"),
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "started\n");
    assert_eq!(processes_matching(marker), Vec::<u32>::new());
}

#[test]
fn background_processes_gone_at_exit_without_init() {
    let marker = "sleep 7106";
    let output = sh(
        &["--no-init"],
        &format!("{marker} >/dev/null & {marker} >/dev/null & echo started"),
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "started\n");
    assert_eq!(processes_matching(marker), Vec::<u32>::new());
}
