//! `jail init COMMAND`: jail as the init of an image, run here on the host
//! itself, where it is not PID 1 and so works as a child subreaper.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

fn init(args: &[&str]) -> Command {
    let mut command = Command::new(jail_bin());
    command.arg("init").args(args).stdin(Stdio::null());
    command
}

#[test]
fn init_passes_exit_status() {
    let result = run(init(&["/bin/sh", "-c", "exit 7"]));
    assert_eq!(result.status(), Some(7), "stderr: {}", result.stderr());
    let result = run(init(&["--", "/bin/sh", "-c", "kill -TERM $$"]));
    assert_eq!(result.status(), Some(143), "stderr: {}", result.stderr());
}

#[test]
fn init_keeps_caller_environment() {
    let mut command = init(&["/bin/sh", "-c", "echo $JAIL_INIT_TEST"]);
    command.env("JAIL_INIT_TEST", "kept");
    let result = run(command);
    assert_eq!(result.stdout(), "kept\n");
}

#[test]
fn init_searches_path() {
    let result = run(init(&["true"]));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
}

#[test]
fn init_missing_command_is_usage_error() {
    for args in [&[][..], &["--"][..]] {
        let result = run(init(args));
        assert_eq!(result.status(), Some(125));
        assert!(
            result.stderr().starts_with("jail: missing COMMAND"),
            "stderr: {}",
            result.stderr()
        );
    }
}

#[test]
fn init_command_not_found_is_127() {
    let result = run(init(&["/nonexistent/command"]));
    assert_eq!(result.status(), Some(127));
    assert_eq!(
        result.stderr().lines().count(),
        1,
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn init_forwards_sigterm() {
    let mut command = init(&[
        "/bin/sh",
        "-c",
        "trap 'exit 9' TERM; echo ready; while :; do sleep 0.05; done",
    ]);
    command.stdout(Stdio::piped());
    let mut child = command.spawn().expect("spawn jail init");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 6];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("read ready");
    assert_eq!(&first, b"ready\n");
    // SAFETY: kill(2) takes no pointers; the pid is our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(9));
}

/// An orphan of COMMAND is reparented to jail init, not to the host's
/// init, and reaped when it exits.
#[test]
fn init_adopts_and_reaps_orphans() {
    let script = "sh -c 'sleep 0.5 & echo $!'; sleep 1.5";
    let mut command = init(&["/bin/sh", "-c", script]);
    command.stdout(Stdio::piped());
    let mut child = command.spawn().expect("spawn jail init");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let mut byte = [0u8; 1];
    while std::io::Read::read(&mut stdout, &mut byte).expect("read orphan pid") == 1
        && byte[0] != b'\n'
    {
        line.push(byte[0] as char);
    }
    let orphan: u32 = line.trim().parse().expect("orphan pid");
    let parent = || {
        let stat = std::fs::read_to_string(format!("/proc/{orphan}/stat")).unwrap_or_default();
        stat.rsplit(") ")
            .next()
            .and_then(|rest| rest.split(' ').nth(1)?.parse::<u32>().ok())
    };
    // The orphan's first parent, the inner sh, exits right after starting it.
    let adopted = wait_until(Duration::from_secs(5), || parent() == Some(child.id()));
    assert!(
        adopted,
        "orphan {orphan} not adopted by jail init: parent {:?}",
        parent()
    );
    let reaped = wait_until(Duration::from_secs(5), || {
        !std::path::Path::new(&format!("/proc/{orphan}")).exists()
    });
    assert!(reaped, "orphan {orphan} left as a zombie");
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}
