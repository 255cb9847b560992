//! The UTS and PID namespaces: hostname, PID numbering, jail's init, and
//! what `ps` and `/proc` show inside.

mod common;

use common::{host_hostname, sh, stderr, stdout};

#[test]
fn hostname_default_is_jail() {
    let output = sh(&[], "hostname");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "jail\n");
}

#[test]
fn hostname_short_option_sets_name() {
    let output = sh(&["-n", "box-1.example"], "hostname");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "box-1.example\n");
}

#[test]
fn hostname_long_option_with_equals() {
    let output = sh(&["--hostname=builder"], "hostname");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "builder\n");
}

#[test]
fn hostname_long_option_separate_value() {
    let output = sh(&["--hostname", "builder2"], "hostname");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "builder2\n");
}

#[test]
fn hostname_64_bytes_accepted() {
    // The kernel's limit for a UTS hostname is 64 bytes.
    let name = "h".repeat(64);
    let output = sh(&["-n", &name], "hostname");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), format!("{name}\n"));
}

#[test]
fn hostname_of_host_unchanged() {
    let before = host_hostname();
    let output = sh(&["-n", "not-the-host"], "hostname");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "not-the-host\n");
    assert_eq!(host_hostname(), before);
}

#[test]
fn pid_of_command_is_2_under_init() {
    let output = sh(&[], "echo $$");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "2\n");
}

#[test]
fn pid_of_command_is_1_without_init() {
    let output = sh(&["--no-init"], "echo $$");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "1\n");
}

#[test]
fn pid_1_is_jail_under_init() {
    let output = sh(&[], "tr '\\0' ' ' < /proc/1/cmdline");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let cmdline = stdout(&output);
    assert!(cmdline.contains("jail"), "/proc/1/cmdline: {cmdline:?}");
}

#[test]
fn pid_1_is_command_without_init() {
    // `; true` keeps sh from exec'ing tr, so PID 1 is still sh.
    let output = sh(&["--no-init"], "tr '\\0' ' ' < /proc/1/cmdline; true");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let cmdline = stdout(&output);
    assert!(
        cmdline.starts_with("/bin/sh -c "),
        "/proc/1/cmdline: {cmdline:?}"
    );
}

/// Parses the PID column of `ps` output, skipping the header.
fn ps_pids(text: &str) -> Vec<u32> {
    text.lines()
        .skip(1)
        .map(|line| {
            let first = line.split_whitespace().next().unwrap_or("");
            first
                .parse()
                .unwrap_or_else(|_| panic!("no pid in ps line {line:?}"))
        })
        .collect()
}

#[test]
fn ps_shows_only_container_processes() {
    // `; true` keeps sh from exec'ing ps, so the container runs jail's
    // init, sh and ps.
    let output = sh(&[], "ps; true");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let listing = stdout(&output);
    let pids = ps_pids(&listing);
    assert_eq!(pids.len(), 3, "ps output:\n{listing}");
    assert!(pids.contains(&1), "ps output:\n{listing}");
    assert!(pids.contains(&2), "ps output:\n{listing}");
    assert!(
        !pids.contains(&std::process::id()),
        "test runner visible:\n{listing}"
    );
    assert!(
        !listing.contains("cargo"),
        "host process visible:\n{listing}"
    );
}

#[test]
fn ps_without_init_shows_command_as_1() {
    let output = sh(&["--no-init"], "ps; true");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let listing = stdout(&output);
    let pids = ps_pids(&listing);
    assert_eq!(pids.len(), 2, "ps output:\n{listing}");
    assert!(pids.contains(&1), "ps output:\n{listing}");
}

#[test]
fn init_reaps_orphans() {
    // The inner sh exits at once, so its `sleep 0` child is reparented to
    // PID 1, which must reap it when it exits.
    let script = r#"
        orphan=$(sh -c 'sleep 0 & echo $!')
        i=0
        while [ -e /proc/$orphan ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
        if [ -e /proc/$orphan ]; then echo "left: $(cat /proc/$orphan/stat)"; exit 1; fi
        echo reaped
    "#;
    let output = sh(&[], script);
    assert_eq!(stdout(&output), "reaped\n");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
}

/// Reads the namespace links of the host (this test process) and of a
/// container run with `options`, in the order of `NAMESPACES`.
fn namespace_links(options: &[&str]) -> (Vec<String>, Vec<String>) {
    let host = NAMESPACES
        .iter()
        .map(|name| {
            let link = std::fs::read_link(format!("/proc/self/ns/{name}")).expect("read ns link");
            link.to_string_lossy().into_owned()
        })
        .collect();
    let script = NAMESPACES
        .map(|name| format!("readlink /proc/self/ns/{name}"))
        .join("; ");
    let output = sh(options, &script);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let inside = stdout(&output).lines().map(str::to_owned).collect();
    (host, inside)
}

const NAMESPACES: [&str; 5] = ["pid", "uts", "mnt", "ipc", "net"];

#[test]
fn namespaces_all_new_by_default() {
    let (host, inside) = namespace_links(&[]);
    assert_eq!(inside.len(), NAMESPACES.len(), "links inside: {inside:?}");
    for (host_link, inside_link) in host.iter().zip(&inside) {
        assert_ne!(host_link, inside_link, "namespace shared with the host");
    }
}

#[test]
fn namespaces_net_host_shares_only_net() {
    let (host, inside) = namespace_links(&["--net", "host"]);
    assert_eq!(inside.len(), NAMESPACES.len(), "links inside: {inside:?}");
    for (host_link, inside_link) in host.iter().zip(&inside) {
        if host_link.starts_with("net:") {
            assert_eq!(host_link, inside_link, "network namespace not shared");
        } else {
            assert_ne!(host_link, inside_link, "namespace shared with the host");
        }
    }
}

/// The container has a cgroup namespace of its own: /proc/self/cgroup
/// shows `/` for every hierarchy, never a host cgroup path.
#[test]
fn cgroup_paths_hidden_inside() {
    for options in [&[][..], &["-q", "--pids-max", "50"][..]] {
        let output = sh(options, "cat /proc/self/cgroup");
        assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
        let text = stdout(&output);
        assert!(!text.is_empty());
        for line in text.lines() {
            assert!(line.ends_with(":/"), "{options:?}: host path in {line:?}");
        }
    }
}
