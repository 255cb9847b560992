//! Signals sent to jail on the host reach COMMAND, and a jail that is
//! killed takes the whole container with it.

mod common;

use common::{jail, processes_with_command_line, wait_until, RunningJail};
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Returns a `sleep` command line that no concurrent test run uses, so
/// that its processes can be found by command line: the duration is
/// 1,000,000 + 10 × this test process's pid + `base` seconds.
fn unique_sleep(base: u32) -> String {
    format!("sleep {}", 1_000_000 + std::process::id() * 10 + base)
}

/// Returns a script that traps `name`, prints `ready` once the trap is
/// set, and on the signal prints `got NAME` and exits 0.
fn trap_script(name: &str) -> String {
    format!("trap 'echo got {name}; exit 0' {name}; echo ready; while :; do sleep 0.05; done")
}

/// Sends `signal` to jail once COMMAND has trapped it, and checks that
/// COMMAND ran its trap and that jail exits with COMMAND's status 0.
fn assert_forwarded(options: &[&str], signal: i32, name: &str) {
    let script = trap_script(name);
    let mut running = RunningJail::spawn(options, &["/bin/sh", "-c", &script]);
    running.wait_for_stdout("ready\n", TIMEOUT);

    running.signal(signal);
    running.wait_for_stdout(&format!("got {name}\n"), TIMEOUT);

    let status = running.wait(TIMEOUT);
    assert_eq!(
        status.code(),
        Some(0),
        "jail exit status after SIG{name}; stderr: {:?}",
        running.stderr()
    );
}

#[test]
fn sighup_reaches_command() {
    assert_forwarded(&[], libc::SIGHUP, "HUP");
}

#[test]
fn sigint_reaches_command() {
    assert_forwarded(&[], libc::SIGINT, "INT");
}

#[test]
fn sigquit_reaches_command() {
    assert_forwarded(&[], libc::SIGQUIT, "QUIT");
}

#[test]
fn sigterm_reaches_command() {
    assert_forwarded(&[], libc::SIGTERM, "TERM");
}

#[test]
fn sigusr1_reaches_command() {
    assert_forwarded(&[], libc::SIGUSR1, "USR1");
}

#[test]
fn sigusr2_reaches_command() {
    assert_forwarded(&[], libc::SIGUSR2, "USR2");
}

#[test]
fn sigwinch_reaches_command() {
    assert_forwarded(&[], libc::SIGWINCH, "WINCH");
}

/// With `--no-init` COMMAND is PID 1 of the namespace, which the kernel
/// lets a signal reach only because COMMAND has a handler for it.
#[test]
fn no_init_sigusr1_reaches_command() {
    assert_forwarded(&["--no-init"], libc::SIGUSR1, "USR1");
}

#[test]
fn sigterm_ends_command_without_trap() {
    let sleep = unique_sleep(1);
    let script = format!("echo ready; {sleep}; echo survived");
    let mut running = RunningJail::spawn(&[], &["/bin/sh", "-c", &script]);
    running.wait_for_stdout("ready\n", TIMEOUT);

    running.signal(libc::SIGTERM);
    let status = running.wait(TIMEOUT);

    assert_eq!(
        status.code(),
        Some(128 + libc::SIGTERM),
        "jail exit status; stderr: {:?}",
        running.stderr()
    );
    assert!(
        !running.stdout().contains("survived"),
        "stdout: {:?}",
        running.stdout()
    );
    let left = processes_with_command_line(&sleep);
    assert!(
        left.is_empty(),
        "container processes left after jail exited: {left:?}"
    );
}

/// COMMAND is `sleep` itself: a shell waiting for a foreground child
/// defers SIGINT until the child exits, as a shell on the host does.
#[test]
fn sigint_ends_command_without_trap() {
    let sleep = unique_sleep(2);
    let command: Vec<&str> = sleep.split(' ').collect();
    let mut running = RunningJail::spawn(&[], &command);
    wait_for_count(&sleep, 1);

    running.signal(libc::SIGINT);
    let status = running.wait(TIMEOUT);

    assert_eq!(
        status.code(),
        Some(128 + libc::SIGINT),
        "jail exit status; stderr: {:?}",
        running.stderr()
    );
}

/// jail's init dies with jail through its parent-death signal, and the
/// kernel then kills the rest of the PID namespace.
#[test]
fn sigkill_to_jail_leaves_no_process() {
    let sleep = unique_sleep(3);
    let script = format!("{sleep} & {sleep} & echo ready; wait");
    let mut running = RunningJail::spawn(&[], &["/bin/sh", "-c", &script]);
    running.wait_for_stdout("ready\n", TIMEOUT);
    wait_for_count(&sleep, 2);

    running.signal(libc::SIGKILL);
    let status = running.wait(TIMEOUT);
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "jail status: {status:?}"
    );

    wait_for_count(&sleep, 0);
}

/// Polls until exactly `count` processes run with command line `line`.
fn wait_for_count(line: &str, count: usize) {
    let reached = wait_until(TIMEOUT, || processes_with_command_line(line).len() == count);
    let pids = processes_with_command_line(line);
    assert!(
        reached,
        "timed out after {TIMEOUT:?} waiting for {count} processes `{line}`; found pids {pids:?}"
    );
}

/// COMMAND killed by signal N makes jail exit with 128 + N, through init.
#[test]
fn command_killed_by_signal_exits_128_plus_n() {
    let cases = [
        ("KILL", libc::SIGKILL),
        ("TERM", libc::SIGTERM),
        ("USR1", libc::SIGUSR1),
        ("ALRM", libc::SIGALRM),
    ];
    for (name, number) in cases {
        let output = jail(&[], &["/bin/sh", "-c", &format!("kill -{name} $$")])
            .output()
            .expect("run jail");
        assert_eq!(
            output.status.code(),
            Some(128 + number),
            "COMMAND killed by SIG{name}; stderr: {:?}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
