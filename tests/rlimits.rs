//! Resource limits: COMMAND gets the caller's unchanged, and jail itself
//! needs only a handful of descriptors.

mod common;

use common::*;
use std::process::Command;

/// Runs jail from `sh` after `ulimit -n NOFILE`, with `options`.
fn jail_under_nofile(nofile: u32, options: &str, script: &str) -> Run {
    let line = format!(
        "ulimit -n {nofile}; exec '{}' {options} '{}' /bin/sh -c '{script}'",
        jail_bin().display(),
        rootfs().display()
    );
    let mut command = Command::new("/bin/sh");
    command.args(["-c", &line]);
    run(command)
}

#[test]
fn nofile_limit_passes_through() {
    let result = jail_under_nofile(100, "", "ulimit -n");
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "100\n");
}

#[test]
fn small_nofile_limit_is_enough() {
    let result = jail_under_nofile(6, "", "echo ran");
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "ran\n");
}

#[test]
fn small_nofile_limit_is_enough_with_cgroups() {
    let result = jail_under_nofile(6, "-q --memory 64m --cpus 1 --pids-max 20", "echo ran");
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "ran\n");
}

#[test]
fn process_limit_passes_through() {
    let line = format!(
        "ulimit -u 5000; exec '{}' '{}' /bin/sh -c 'ulimit -u'",
        jail_bin().display(),
        rootfs().display()
    );
    let mut command = Command::new("/bin/bash");
    command.args(["-c", &line]);
    let result = run(command);
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "5000\n");
}
