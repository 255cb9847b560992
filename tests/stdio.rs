//! Standard streams and descriptors: pipes pass through both ways, jail
//! adds nothing of its own to them (except under `--trace`), and COMMAND
//! gets no other descriptor.

mod common;

use common::{jail, stderr, stdout, wait_timeout};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Output, Stdio};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

fn assert_success(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
}

/// Runs jail with `input` on stdin, written from a thread so that a full
/// stdout pipe cannot block the write.
fn run_with_input(options: &[&str], command: &[&str], input: Vec<u8>) -> Output {
    let mut cmd = jail(options, command);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait for jail");
    writer.join().expect("join writer").expect("write stdin");
    output
}

/// 1 MiB of bytes that are not all alike, so that a lost, repeated or
/// reordered block shows up.
fn mebibyte() -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    (0..1 << 20)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn stdin_pipe_reaches_cat() {
    let output = run_with_input(&[], &["cat"], b"hi\n".to_vec());
    assert_success(&output);
    assert_eq!(stdout(&output), "hi\n");
}

#[test]
fn stdin_1mib_passes_intact() {
    let data = mebibyte();
    let output = run_with_input(&[], &["cat"], data.clone());
    assert_success(&output);
    assert_eq!(output.stdout.len(), data.len());
    assert!(output.stdout == data, "output differs from input");
}

#[test]
fn stdin_1mib_passes_intact_without_init() {
    let data = mebibyte();
    let output = run_with_input(&["--no-init"], &["cat"], data.clone());
    assert_success(&output);
    assert_eq!(output.stdout.len(), data.len());
    assert!(output.stdout == data, "output differs from input");
}

#[test]
fn stdin_1mib_counted_inside() {
    let output = run_with_input(&[], &["wc", "-c"], mebibyte());
    assert_success(&output);
    assert_eq!(stdout(&output).trim(), "1048576");
}

#[test]
fn stdin_null_gives_eof() {
    let output = jail(&[], &["cat"]).output().expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "");
}

#[test]
fn stderr_passes_through() {
    let output = jail(&[], &["/bin/sh", "-c", "echo out; echo err >&2"])
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "out\n");
    assert_eq!(stderr(&output), "err\n");
}

#[test]
fn stderr_empty_on_success() {
    let output = jail(&[], &["true"]).output().expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
}

#[test]
fn stdout_closed_ends_command_with_sigpipe() {
    let mut cmd = jail(&[], &["yes"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("read a line");
    drop(reader);
    let status = wait_timeout(&mut child, TIMEOUT);
    assert_eq!(line, "y\n");
    // yes dies of SIGPIPE (13).
    assert_eq!(status.code(), Some(141));
}

#[test]
fn fds_only_stdio_inside() {
    // ls itself opens one more descriptor, for reading the directory.
    let output = jail(&[], &["ls", "/proc/self/fd"])
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "0\n1\n2\n3\n");
}

#[test]
fn fds_of_caller_not_inherited() {
    let mut cmd = jail(&[], &["ls", "/proc/self/fd"]);
    // SAFETY: dup2 is async-signal-safe; fd 2 is open in the child.
    unsafe {
        cmd.pre_exec(|| {
            if libc::dup2(2, 9) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = cmd.output().expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "0\n1\n2\n3\n");
}

#[test]
fn trace_names_syscalls() {
    let output = jail(&["--trace"], &["echo", "traced"])
        .output()
        .expect("run jail");
    assert_success(&output);
    assert_eq!(stdout(&output), "traced\n");
    let trace = stderr(&output);
    for line in trace.lines() {
        assert!(
            line.starts_with("jail: trace "),
            "line not from the trace: {line:?}"
        );
    }
    for call in ["clone(", "pivot_root(", "execve(", "mount(", "sethostname("] {
        assert!(trace.contains(call), "no {call} in trace:\n{trace}");
    }
}

#[test]
fn trace_shows_failed_call() {
    let output = jail(&["--trace"], &["/nope"]).output().expect("run jail");
    assert_eq!(output.status.code(), Some(127));
    let trace = stderr(&output);
    // execve is traced before the call, since it does not return on
    // success, and again with its result when it fails.
    let failed = trace
        .lines()
        .any(|line| line.contains("execve(\"/nope\"") && line.contains("= -1 ENOENT"));
    assert!(failed, "no failed execve of /nope in trace:\n{trace}");
    let errors: Vec<&str> = trace
        .lines()
        .filter(|line| !line.starts_with("jail: trace "))
        .collect();
    assert_eq!(errors.len(), 1, "error lines: {errors:?}");
    assert!(
        errors[0].starts_with("jail: exec"),
        "error line: {}",
        errors[0]
    );
}

#[test]
fn trace_off_by_default() {
    let output = jail(&[], &["echo", "plain"]).output().expect("run jail");
    assert_success(&output);
    assert!(
        !stderr(&output).contains("trace"),
        "stderr: {}",
        stderr(&output)
    );
}

/// Opens a pseudo-terminal pair; both ends are close-on-exec so that
/// processes spawned by parallel tests do not inherit them.
fn open_pty() -> (File, File) {
    let master = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
        .open("/dev/ptmx")
        .expect("open /dev/ptmx");
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads one int from the pointer.
    let result = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) };
    assert_eq!(result, 0, "unlock pty: {}", std::io::Error::last_os_error());
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes open flags and returns a new descriptor.
    let fd = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    assert!(
        fd >= 0,
        "open pty slave: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: `fd` was just opened and nothing else owns it.
    (master, unsafe { File::from_raw_fd(fd) })
}

#[test]
fn dev_console_only_with_terminal() {
    let (mut master, slave) = open_pty();
    let mut cmd = jail(&[], &["ls", "-A", "/dev"]);
    cmd.stdin(slave.try_clone().expect("dup slave"));
    cmd.stdout(slave.try_clone().expect("dup slave"));
    cmd.stderr(slave.try_clone().expect("dup slave"));
    let mut child = cmd.spawn().expect("spawn jail");
    // The Command keeps copies of the slave descriptor until it is dropped.
    drop(cmd);
    let status = wait_timeout(&mut child, TIMEOUT);
    drop(slave);
    // With the last slave descriptor closed, the master reads the rest of
    // the output and then fails with EIO.
    let mut screen = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(read @ 1..) = master.read(&mut buf) {
        screen.extend_from_slice(&buf[..read]);
    }
    let screen = String::from_utf8_lossy(&screen);
    assert_eq!(status.code(), Some(0), "output: {screen}");
    let names: Vec<&str> = screen.split_whitespace().collect();
    assert!(names.contains(&"console"), "/dev: {names:?}");
    assert!(names.contains(&"null"), "/dev: {names:?}");
}
