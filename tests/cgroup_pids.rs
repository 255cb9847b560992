//! `--pids-max`: the container's cgroup `jail/<jail's pid>` in the pids
//! hierarchy, its limit, and its removal on every exit path.

mod common;

use common::{
    assert_nothing_left, assert_single_error_line, host_mounts, jail, jail_cgroup,
    processes_matching, run, wait_timeout, wait_until,
};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts `sleep` in the background until a fork fails, printing
/// `started` for each. The quotes keep the marker `sleep 9NNN` out of
/// jail's and sh's own command lines.
fn fork_until_limit(seconds: &str) -> String {
    let (head, tail) = seconds.split_at(2);
    format!(
        "for i in 1 2 3 4 5 6 7 8; do sleep {head}''{tail} >/dev/null 2>&1 & echo started; done"
    )
}

#[test]
fn pids_max_limits_forks() {
    let mounts_before = host_mounts();
    let result = run(jail(
        &["--pids-max", "5"],
        &["/bin/sh", "-c", &fork_until_limit("9101")],
    ));
    assert!(
        result.stderr().contains("can't fork"),
        "stderr: {}",
        result.stderr()
    );
    // busybox sh exits with 2 when a fork fails.
    assert_eq!(result.status(), Some(2), "stderr: {}", result.stderr());
    // The 5 tasks are jail's init, sh and three sleeps.
    assert_eq!(
        result.stdout().lines().count(),
        3,
        "stdout: {}",
        result.stdout()
    );
    assert_nothing_left(result.pid, "sleep 9101", &mounts_before);
}

#[test]
fn pids_max_limits_forks_without_init() {
    let mounts_before = host_mounts();
    let options = ["--no-init", "--pids-max", "3"];
    let result = run(jail(
        &options,
        &["/bin/sh", "-c", &fork_until_limit("9102")],
    ));
    assert!(
        result.stderr().contains("can't fork"),
        "stderr: {}",
        result.stderr()
    );
    assert_eq!(result.status(), Some(2), "stderr: {}", result.stderr());
    // The 3 tasks are sh and two sleeps.
    assert_eq!(
        result.stdout().lines().count(),
        2,
        "stdout: {}",
        result.stdout()
    );
    assert_nothing_left(result.pid, "sleep 9102", &mounts_before);
}

#[test]
fn pids_max_high_limit_allows_forks() {
    let mounts_before = host_mounts();
    let result = run(jail(
        &["--pids-max", "50"],
        &["/bin/sh", "-c", &fork_until_limit("9103")],
    ));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(
        result.stdout().lines().count(),
        8,
        "stdout: {}",
        result.stdout()
    );
    assert_nothing_left(result.pid, "sleep 9103", &mounts_before);
}

#[test]
fn pids_max_1_enough_without_init() {
    let mounts_before = host_mounts();
    let result = run(jail(&["--no-init", "--pids-max", "1"], &["echo", "alone"]));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "alone\n");
    assert_nothing_left(result.pid, "jail-test-9104", &mounts_before);
}

#[test]
fn pids_max_1_under_init_fails_cleanly() {
    // jail's init is the one task allowed, so it cannot fork COMMAND.
    let mounts_before = host_mounts();
    // -q hides the notice a parallel test's stale cgroup could cause.
    let result = run(jail(
        &["-q", "--pids-max", "1"],
        &["echo", "jail-test-9105"],
    ));
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "");
    assert_single_error_line(&result.stderr());
    assert_nothing_left(result.pid, "jail-test-9105", &mounts_before);
}

/// Starts jail with `--pids-max 5` and a script that prints its pids
/// cgroup line, then `ready`, then waits for a line on stdin.
fn spawn_waiting() -> (Child, BufReader<std::process::ChildStdout>, String) {
    let script = "grep ':pids:' /proc/self/cgroup; echo ready; read line";
    let mut cmd = jail(&["--pids-max", "5"], &["/bin/sh", "-c", script]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut before_ready = String::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).expect("read stdout");
        if line == "ready\n" {
            break;
        }
        assert_ne!(read, 0, "container did not start; stdout: {before_ready:?}");
        before_ready.push_str(&line);
    }
    (child, reader, before_ready)
}

#[test]
fn pids_cgroup_exists_while_running() {
    let (mut child, _reader, _) = spawn_waiting();
    let cgroup = jail_cgroup(child.id());
    let limit = std::fs::read_to_string(cgroup.join("pids.max"));
    let procs = std::fs::read_to_string(cgroup.join("cgroup.procs"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"done\n").expect("release container");
    drop(stdin);
    let status = wait_timeout(&mut child, TIMEOUT);

    assert_eq!(limit.expect("read pids.max").trim(), "5");
    // jail's init and sh; jail itself stays outside.
    let procs = procs.expect("read cgroup.procs");
    assert_eq!(procs.lines().count(), 2, "cgroup.procs: {procs}");
    assert!(
        !procs.lines().any(|pid| pid == child.id().to_string()),
        "jail in its own cgroup"
    );
    assert_eq!(status.code(), Some(0));
    assert!(!cgroup.exists(), "{} left behind", cgroup.display());
}

/// Inside, a cgroup namespace rooted at the container's cgroup shows it
/// as `/`, not as the host's `/jail/<pid>`.
#[test]
fn pids_cgroup_is_namespace_root_inside() {
    let (mut child, _reader, cgroup_line) = spawn_waiting();
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"done\n").expect("release container");
    drop(stdin);
    wait_timeout(&mut child, TIMEOUT);
    let path = cgroup_line.trim_end().rsplit(':').next().unwrap_or("");
    assert_eq!(path, "/", "cgroup line: {cgroup_line:?}");
}

#[test]
fn pids_cgroup_gone_after_exit() {
    let mounts_before = host_mounts();
    let result = run(jail(&["--pids-max", "5"], &["/bin/sh", "-c", "exit 3"]));
    assert_eq!(result.status(), Some(3), "stderr: {}", result.stderr());
    assert_nothing_left(result.pid, "jail-test-9106", &mounts_before);
}

#[test]
fn pids_cgroup_gone_after_command_killed() {
    let mounts_before = host_mounts();
    let result = run(jail(&["--pids-max", "5"], &["/bin/sh", "-c", "kill -9 $$"]));
    assert_eq!(result.status(), Some(137), "stderr: {}", result.stderr());
    assert_nothing_left(result.pid, "jail-test-9107", &mounts_before);
}

#[test]
fn pids_cgroup_gone_after_exec_failure() {
    let mounts_before = host_mounts();
    let result = run(jail(&["--pids-max", "5"], &["/jail-test-9108"]));
    assert_eq!(result.status(), Some(127), "stderr: {}", result.stderr());
    assert_nothing_left(result.pid, "jail-test-9108", &mounts_before);
}

#[test]
fn pids_cgroup_gone_after_jail_sigterm() {
    let mounts_before = host_mounts();
    let marker = "sleep 9109";
    let mut cmd = jail(
        &["--pids-max", "5"],
        &["/bin/sh", "-c", "exec sleep 91''09"],
    );
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jail");
    let pid = child.id();
    let cgroup = jail_cgroup(pid);
    let started = wait_until(TIMEOUT, || {
        cgroup.exists() && !processes_matching(marker).is_empty()
    });
    assert!(started, "no cgroup or no {marker} for jail {pid}");

    // SAFETY: kill has no memory effects; the pid is our own child.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    let status = wait_timeout(&mut child, TIMEOUT);
    assert_eq!(status.code(), Some(143));
    assert_nothing_left(pid, marker, &mounts_before);
}

#[test]
fn pids_cgroup_stale_removed_by_next_run() {
    let marker = "sleep 9110";
    let mut cmd = jail(
        &["--pids-max", "5"],
        &["/bin/sh", "-c", "exec sleep 91''10"],
    );
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn jail");
    let stale = jail_cgroup(child.id());
    let started = wait_until(TIMEOUT, || {
        stale.exists() && !processes_matching(marker).is_empty()
    });
    assert!(started, "no cgroup or no {marker} for jail {}", child.id());

    // SIGKILL leaves jail no chance to remove its cgroup; the container
    // dies with it, which empties the cgroup.
    child.kill().expect("kill jail");
    wait_timeout(&mut child, TIMEOUT);
    let emptied = wait_until(TIMEOUT, || {
        std::fs::read_to_string(stale.join("cgroup.procs")).map_or(true, |procs| procs.is_empty())
    });
    assert!(emptied, "{} still has processes", stale.display());
    assert_eq!(processes_matching(marker), Vec::<u32>::new());

    let result = run(jail(&["--pids-max", "5"], &["true"]));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert!(
        !stale.exists(),
        "stale {} not removed by the next run",
        stale.display()
    );
}

#[test]
fn pids_cgroup_absent_without_option() {
    let (head, tail) = ("sleep 91", "11");
    let script = format!("echo ready; exec {head}''{tail}");
    let mut cmd = jail(&[], &["/bin/sh", "-c", &script]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn jail");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut ready = String::new();
    reader.read_line(&mut ready).expect("read ready line");
    let exists = jail_cgroup(child.id()).exists();
    child.kill().expect("kill jail");
    wait_timeout(&mut child, TIMEOUT);
    assert_eq!(ready, "ready\n");
    assert!(!exists, "cgroup created without --pids-max");
}

#[test]
fn quiet_hides_stale_cgroup_notice() {
    // A cgroup named after a pid that has exited stands for one left by
    // a jail killed with SIGKILL.
    let mut exited = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    exited.wait().expect("wait for true");
    let stale = jail_cgroup(exited.id());
    std::fs::create_dir_all(stale.parent().expect("jail/ parent")).expect("create jail/");
    std::fs::create_dir(&stale).expect("create stale cgroup");

    let result = run(jail(&["-q", "--pids-max", "5"], &["true"]));
    let left = stale.exists();
    if left {
        let _ = std::fs::remove_dir(&stale);
    }
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stderr(), "");
    assert!(!left, "stale {} not removed", stale.display());
}

#[test]
fn pids_max_above_kernel_limit_fails_cleanly() {
    // The kernel rejects limits above its pid maximum (4194304 at most)
    // when pids.max is written, after the cgroup was created.
    let mounts_before = host_mounts();
    let result = run(jail(
        &["-q", "--pids-max", "99999999"],
        &["echo", "jail-test-9112"],
    ));
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "");
    assert_single_error_line(&result.stderr());
    assert!(
        result.stderr().contains("pids.max"),
        "stderr: {}",
        result.stderr()
    );
    assert_nothing_left(result.pid, "jail-test-9112", &mounts_before);
}
