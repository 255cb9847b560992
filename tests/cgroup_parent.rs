//! The `jail/` parent cgroups: the last jail to leave removes them. This
//! file contains one test, so no other test of this binary runs beside it.

mod common;

use common::*;

#[test]
fn last_jail_removes_parent_cgroups() {
    let result = run(jail(
        &["-q", "--memory", "64m", "--cpus", "1", "--pids-max", "9"],
        &["true"],
    ));
    assert_eq!(result.status(), Some(0), "stderr: {}", result.stderr());
    for controller in ["memory", "cpu", "cpuacct", "pids"] {
        let Some(hierarchy) = hierarchy_of(controller) else {
            continue;
        };
        let parent = hierarchy.join("jail");
        assert!(!parent.exists(), "{} left behind", parent.display());
    }
}
