//! `--memory`, `--cpus` and `--pids-max` on the real cgroup hierarchies of
//! this machine, alone and combined, and that no cgroup is left behind.

mod common;

use common::*;
use std::path::PathBuf;
use std::time::Duration;

/// Returns the container's directory for `controller`, named after jail's pid.
fn cgroup_dir(controller: &str, jail_pid: i32) -> PathBuf {
    let hierarchy = hierarchy_of(controller).unwrap_or_else(|| panic!("no {controller} hierarchy"));
    hierarchy.join("jail").join(jail_pid.to_string())
}

fn read_trimmed(path: PathBuf) -> String {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
        .trim()
        .to_owned()
}

/// Returns whether the hierarchy of `controller` is v2 (it has `cgroup.controllers`).
fn is_v2(controller: &str) -> bool {
    hierarchy_of(controller).is_some_and(|path| path.join("cgroup.controllers").exists())
}

fn wait_for_dir(dir: &PathBuf) {
    assert!(
        wait_until(Duration::from_secs(10), || dir.exists()),
        "{} never appeared",
        dir.display()
    );
}

fn assert_gone(dirs: &[PathBuf]) {
    for dir in dirs {
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
}

#[test]
fn memory_hog_dies_at_limit() {
    let script = "x=0123456789; while true; do x=$x$x; done";
    let result = run(jail(&["--memory", "32m"], &["/bin/sh", "-c", script]));
    assert_eq!(result.status(), Some(137), "stderr: {}", result.stderr());
    // Tests running beside this one may leave stale cgroups that this run
    // removes, with a notice of its own.
    let lines: Vec<String> = result
        .stderr()
        .lines()
        .filter(|line| !line.contains("removed stale cgroup"))
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 1, "stderr: {:?}", lines);
    assert_eq!(
        lines[0],
        "jail: memory limit reached: 33554432 bytes (--memory 32m); the kernel killed COMMAND"
    );
    assert_gone(&[cgroup_dir("memory", result.pid as i32)]);
}

#[test]
fn memory_limit_written_with_swap() {
    let mut jail = RunningJail::spawn(
        &["--memory", "48m"],
        &["/bin/sh", "-c", "echo up; sleep 30"],
    );
    jail.wait_for_stdout("up", Duration::from_secs(10));
    let dir = cgroup_dir("memory", jail.pid());
    if is_v2("memory") {
        assert_eq!(read_trimmed(dir.join("memory.max")), "50331648");
        if dir.join("memory.swap.max").exists() {
            assert_eq!(read_trimmed(dir.join("memory.swap.max")), "0");
        }
    } else {
        assert_eq!(read_trimmed(dir.join("memory.limit_in_bytes")), "50331648");
        if dir.join("memory.memsw.limit_in_bytes").exists() {
            assert_eq!(
                read_trimmed(dir.join("memory.memsw.limit_in_bytes")),
                "50331648"
            );
        }
    }
    jail.signal(libc::SIGTERM);
    assert_eq!(jail.wait(Duration::from_secs(10)).code(), Some(143));
    assert_gone(&[dir]);
}

#[test]
fn memory_under_limit_runs_normally() {
    let result = run(jail(&["--memory", "64m"], &["/bin/sh", "-c", "echo fine"]));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "fine\n");
    assert_eq!(result.stderr(), "");
}

#[test]
fn quiet_hides_memory_notice() {
    let script = "x=0123456789; while true; do x=$x$x; done";
    let result = run(jail(&["-q", "--memory", "16m"], &["/bin/sh", "-c", script]));
    assert_eq!(result.status(), Some(137));
    assert_eq!(result.stderr(), "");
}

/// CPU time the container used, in nanoseconds, from the cgroup's own
/// accounting: v2 `cpu.stat` usage_usec, or v1 `cpuacct.usage`.
fn cpu_usage_ns(jail_pid: i32) -> u64 {
    if is_v2("cpu") {
        let stat = read_trimmed(cgroup_dir("cpu", jail_pid).join("cpu.stat"));
        let line = stat
            .lines()
            .find(|line| line.starts_with("usage_usec "))
            .expect("usage_usec");
        line[11..].parse::<u64>().expect("usage_usec value") * 1000
    } else {
        let dir = cgroup_dir("cpuacct", jail_pid);
        read_trimmed(dir.join("cpuacct.usage"))
            .parse()
            .expect("cpuacct.usage value")
    }
}

#[test]
fn cpus_half_gets_half_a_cpu() {
    let mut jail = RunningJail::spawn(
        &["--cpus", "0.5"],
        &["/bin/sh", "-c", "echo up; while :; do :; done"],
    );
    jail.wait_for_stdout("up", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let (start, begin) = (std::time::Instant::now(), cpu_usage_ns(jail.pid()));
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_usage_ns(jail.pid()) - begin;
    let share = used as f64 / start.elapsed().as_nanos() as f64;
    assert!(
        (0.35..=0.65).contains(&share),
        "CPU share {share:.2}, expected about 0.5"
    );
    let dir = cgroup_dir("cpu", jail.pid());
    if is_v2("cpu") {
        assert_eq!(read_trimmed(dir.join("cpu.max")), "50000 100000");
    } else {
        assert_eq!(read_trimmed(dir.join("cpu.cfs_quota_us")), "50000");
        assert_eq!(read_trimmed(dir.join("cpu.cfs_period_us")), "100000");
    }
    jail.signal(libc::SIGTERM);
    jail.wait(Duration::from_secs(10));
    assert_gone(&[dir]);
}

#[test]
fn cpus_two_leaves_loop_unthrottled() {
    let mut jail = RunningJail::spawn(
        &["--cpus", "2"],
        &["/bin/sh", "-c", "echo up; while :; do :; done"],
    );
    jail.wait_for_stdout("up", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    let (start, begin) = (std::time::Instant::now(), cpu_usage_ns(jail.pid()));
    std::thread::sleep(Duration::from_secs(1));
    let share = (cpu_usage_ns(jail.pid()) - begin) as f64 / start.elapsed().as_nanos() as f64;
    assert!(
        share > 0.8,
        "CPU share {share:.2}, expected a whole CPU for one loop"
    );
    jail.signal(libc::SIGKILL);
}

#[test]
fn pids_max_limits_fork_loop() {
    let script = "i=0; while [ $i -lt 50 ]; do sleep 5 & i=$((i+1)); done; echo never";
    let result = run(jail(&["--pids-max", "10"], &["/bin/sh", "-c", script]));
    assert!(
        result.stderr().contains("can't fork"),
        "stderr: {}",
        result.stderr()
    );
    assert!(!result.stdout().contains("never"));
    assert_gone(&[cgroup_dir("pids", result.pid as i32)]);
}

#[test]
fn limits_combine_in_one_run() {
    let mut jail = RunningJail::spawn(
        &["--memory", "64m", "--cpus", "1.5", "--pids-max", "12"],
        &["/bin/sh", "-c", "echo up; sleep 30"],
    );
    jail.wait_for_stdout("up", Duration::from_secs(10));
    let pid = jail.pid();
    let dirs = [
        cgroup_dir("memory", pid),
        cgroup_dir("cpu", pid),
        cgroup_dir("pids", pid),
    ];
    for dir in &dirs {
        wait_for_dir(dir);
        // jail's init and COMMAND; sh execs its last command in place.
        let procs = read_trimmed(dir.join("cgroup.procs"));
        assert_eq!(procs.lines().count(), 2, "{}: {procs}", dir.display());
    }
    assert_eq!(read_trimmed(dirs[2].join("pids.max")), "12");
    jail.signal(libc::SIGTERM);
    assert_eq!(jail.wait(Duration::from_secs(10)).code(), Some(143));
    assert_gone(&dirs);
}

#[test]
fn each_limit_alone_makes_only_its_cgroups() {
    for (option, value, controller) in [
        ("--memory", "64m", "memory"),
        ("--cpus", "1", "cpu"),
        ("--pids-max", "20", "pids"),
    ] {
        let mut jail =
            RunningJail::spawn(&[option, value], &["/bin/sh", "-c", "echo up; sleep 30"]);
        jail.wait_for_stdout("up", Duration::from_secs(10));
        let own = cgroup_dir(controller, jail.pid());
        assert!(own.exists(), "{option}: {} missing", own.display());
        for other in ["memory", "cpu", "pids"]
            .into_iter()
            .filter(|name| *name != controller)
        {
            let dir = cgroup_dir(other, jail.pid());
            if dir != own {
                assert!(!dir.exists(), "{option} made {}", dir.display());
            }
        }
        jail.signal(libc::SIGKILL);
        jail.wait(Duration::from_secs(10));
    }
}

#[test]
fn no_limits_make_no_cgroup() {
    let mut jail = RunningJail::spawn(&[], &["/bin/sh", "-c", "echo up; sleep 30"]);
    jail.wait_for_stdout("up", Duration::from_secs(10));
    for controller in ["memory", "cpu", "pids"] {
        let dir = cgroup_dir(controller, jail.pid());
        assert!(!dir.exists(), "{} made without a limit", dir.display());
    }
}

#[test]
fn cgroup_removed_when_command_killed() {
    let script = &["/bin/sh", "-c", "kill -9 $$"];
    let result = run(jail(&["--memory", "64m", "--pids-max", "9"], script));
    assert_eq!(result.status(), Some(137));
    assert!(
        !result.stderr().contains("memory limit"),
        "stderr: {}",
        result.stderr()
    );
    let pid = result.pid as i32;
    assert_gone(&[cgroup_dir("memory", pid), cgroup_dir("pids", pid)]);
}

#[test]
fn cgroup_removed_after_setup_failure() {
    let result = run(jail(&["--memory", "64m", "-w", "/proc/nope"], &["true"]));
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_gone(&[cgroup_dir("memory", result.pid as i32)]);
}

#[test]
fn cgroup_removed_after_sigint_to_jail() {
    let mut jail = RunningJail::spawn(
        &["--cpus", "1", "--pids-max", "9"],
        &["/bin/sh", "-c", "echo up; sleep 30"],
    );
    jail.wait_for_stdout("up", Duration::from_secs(10));
    let dirs = [
        cgroup_dir("cpu", jail.pid()),
        cgroup_dir("pids", jail.pid()),
    ];
    jail.signal(libc::SIGINT);
    assert_eq!(jail.wait(Duration::from_secs(10)).code(), Some(130));
    assert_gone(&dirs);
}

#[test]
fn killed_jail_cgroup_removed_by_next_run() {
    let mut killed = RunningJail::spawn(
        &["--memory", "64m", "--pids-max", "9"],
        &["/bin/sh", "-c", "echo up; sleep 30"],
    );
    killed.wait_for_stdout("up", Duration::from_secs(10));
    let pid = killed.pid();
    let stale = [cgroup_dir("memory", pid), cgroup_dir("pids", pid)];
    killed.signal(libc::SIGKILL);
    killed.wait(Duration::from_secs(10));
    // The container dies with its parent; its cgroups stay, empty.
    for dir in &stale {
        let empty = wait_until(Duration::from_secs(10), || {
            std::fs::read_to_string(dir.join("cgroup.procs")).is_ok_and(|procs| procs.is_empty())
        });
        assert!(empty, "{} not left empty", dir.display());
    }
    let next = run(jail(&["--memory", "64m", "--pids-max", "9"], &["true"]));
    assert_eq!(next.status(), Some(0), "stderr: {}", next.stderr());
    assert_gone(&stale);
}

#[test]
fn cgroup_in_use_is_never_removed() {
    // A live jail's cgroup must survive another jail's stale sweep.
    let mut first = RunningJail::spawn(
        &["--pids-max", "9"],
        &["/bin/sh", "-c", "echo up; sleep 30"],
    );
    first.wait_for_stdout("up", Duration::from_secs(10));
    let dir = cgroup_dir("pids", first.pid());
    let second = run(jail(&["--pids-max", "9"], &["true"]));
    assert_eq!(second.status(), Some(0));
    assert!(dir.exists(), "{} removed while in use", dir.display());
    first.signal(libc::SIGKILL);
}
