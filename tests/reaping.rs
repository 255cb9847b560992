//! jail's init, PID 1 of the container, reaps the processes that are
//! orphaned inside it, so none of them stays a zombie.

mod common;

use common::{sh, stderr, stdout};

/// Lines of `ps -o pid,stat,comm` output below its header, each split
/// into its columns.
fn process_table(output: &str) -> Vec<Vec<String>> {
    let mut lines = output
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("PID"));
    lines.next();
    lines
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// An orphan is reparented to PID 1, and once it exits it is reaped: the
/// script polls until the orphan's /proc entry is gone, for up to 10 s.
#[test]
fn orphan_is_reaped_by_init() {
    let script = r#"
        orphan=$(sleep 0.5 >/dev/null 2>&1 & echo $!)
        echo "orphan=$orphan"
        echo "parent=$(cut -d' ' -f4 /proc/$orphan/stat)"
        i=0
        while [ -e /proc/$orphan ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
        ps -o pid,stat,comm
    "#;
    let output = sh(&[], script);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {text:?}; stderr: {:?}",
        stderr(&output)
    );

    assert!(
        text.contains("parent=1\n"),
        "orphan's parent is not PID 1: {text:?}"
    );
    let orphan = text
        .lines()
        .find_map(|line| line.strip_prefix("orphan="))
        .unwrap_or_else(|| panic!("no orphan pid in output: {text:?}"));
    let table = process_table(&text);
    assert!(!table.is_empty(), "no ps output: {text:?}");
    for row in &table {
        assert_ne!(
            row[0], orphan,
            "orphan still in the process table: {text:?}"
        );
        assert!(
            !row[1].contains('Z'),
            "zombie in the process table: {text:?}"
        );
    }
}

/// Fifty orphans exit close together, so one SIGCHLD may stand for
/// several exits, and all are reaped: the script polls until no process
/// named sleep remains, running or zombie, for up to 10 s.
#[test]
fn many_orphans_leave_no_zombie() {
    let script = r#"
        for i in $(seq 50); do (sleep 0.1 >/dev/null 2>&1 &); done
        i=0
        while [ $i -lt 200 ] && grep -qx sleep /proc/[0-9]*/comm 2>/dev/null; do
            sleep 0.05
            i=$((i + 1))
        done
        ps -o pid,stat,comm
    "#;
    let output = sh(&[], script);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {text:?}; stderr: {:?}",
        stderr(&output)
    );

    let table = process_table(&text);
    assert!(!table.is_empty(), "no ps output: {text:?}");
    for row in &table {
        assert!(
            !row[1].contains('Z'),
            "zombie in the process table: {text:?}"
        );
        assert_ne!(
            row[2], "sleep",
            "orphaned sleep still in the process table: {text:?}"
        );
    }
}
