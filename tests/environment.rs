//! COMMAND's environment, umask and working directory.

mod common;

use common::{assert_single_error_line, jail, run, stderr, stdout, RootfsDir};
use std::os::unix::process::CommandExt;
use std::process::Command;

const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs `/usr/bin/env` directly as COMMAND, so that no shell adds its own
/// variables, and returns its lines.
fn env_inside(options: &[&str], setup: impl FnOnce(&mut Command)) -> Vec<String> {
    let mut cmd = jail(options, &["/usr/bin/env"]);
    setup(&mut cmd);
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

#[test]
fn env_defaults_exactly() {
    let vars = env_inside(&[], |cmd| {
        cmd.env("TERM", "vt100");
    });
    assert_eq!(
        vars,
        [DEFAULT_PATH, "HOME=/root", "HOSTNAME=jail", "TERM=vt100"]
    );
}

#[test]
fn env_under_sh_adds_pwd_shlvl() {
    let mut cmd = jail(&[], &["/bin/sh", "-c", "env"]);
    cmd.env("TERM", "vt100");
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let mut vars: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    vars.sort();
    let expected = [
        "HOME=/root",
        "HOSTNAME=jail",
        DEFAULT_PATH,
        "PWD=/",
        "SHLVL=1",
        "TERM=vt100",
    ];
    assert_eq!(vars, expected);
}

#[test]
fn env_term_copied_from_caller() {
    let vars = env_inside(&[], |cmd| {
        cmd.env("TERM", "screen-256color");
    });
    assert!(
        vars.contains(&"TERM=screen-256color".to_owned()),
        "env: {vars:?}"
    );
}

#[test]
fn env_term_xterm_when_unset() {
    let vars = env_inside(&[], |cmd| {
        cmd.env_remove("TERM");
    });
    assert!(vars.contains(&"TERM=xterm".to_owned()), "env: {vars:?}");
}

#[test]
fn env_term_empty_kept() {
    // An empty TERM is set, not unset: the caller's value is passed on.
    let vars = env_inside(&[], |cmd| {
        cmd.env("TERM", "");
    });
    assert!(vars.contains(&"TERM=".to_owned()), "env: {vars:?}");
}

#[test]
fn env_hostname_follows_option() {
    let vars = env_inside(&["-n", "web-7"], |_| {});
    assert!(vars.contains(&"HOSTNAME=web-7".to_owned()), "env: {vars:?}");
}

#[test]
fn env_host_variables_not_leaked() {
    let vars = env_inside(&[], |cmd| {
        cmd.env("JAIL_TEST_LEAK", "host-value").env("TERM", "vt100");
    });
    assert_eq!(vars.len(), 4, "env: {vars:?}");
    assert!(
        !vars.iter().any(|var| var.contains("JAIL_TEST_LEAK")),
        "env: {vars:?}"
    );
    assert!(
        !vars.iter().any(|var| var.starts_with("CARGO")),
        "env: {vars:?}"
    );
}

#[test]
fn env_options_appended_in_order() {
    let vars = env_inside(
        &["-e", "FIRST=1", "--env", "SECOND=2", "--env=THIRD=3"],
        |cmd| {
            cmd.env("TERM", "vt100");
        },
    );
    let expected = [
        DEFAULT_PATH,
        "HOME=/root",
        "HOSTNAME=jail",
        "TERM=vt100",
        "FIRST=1",
        "SECOND=2",
        "THIRD=3",
    ];
    assert_eq!(vars, expected);
}

#[test]
fn env_later_option_overrides_earlier() {
    let vars = env_inside(&["-e", "KEY=old", "-e", "KEY=new"], |_| {});
    let keys: Vec<&String> = vars.iter().filter(|var| var.starts_with("KEY=")).collect();
    assert_eq!(keys, ["KEY=new"]);
}

#[test]
fn env_option_overrides_path() {
    let vars = env_inside(&["-e", "PATH=/bin"], |_| {});
    let paths: Vec<&String> = vars.iter().filter(|var| var.starts_with("PATH=")).collect();
    assert_eq!(paths, ["PATH=/bin"]);
}

#[test]
fn env_option_overrides_home_and_term() {
    let vars = env_inside(&["-e", "HOME=/tmp", "-e", "TERM=dumb"], |cmd| {
        cmd.env("TERM", "vt100");
    });
    assert_eq!(
        vars.iter().filter(|var| var.starts_with("HOME=")).count(),
        1,
        "env: {vars:?}"
    );
    assert!(vars.contains(&"HOME=/tmp".to_owned()), "env: {vars:?}");
    assert_eq!(
        vars.iter().filter(|var| var.starts_with("TERM=")).count(),
        1,
        "env: {vars:?}"
    );
    assert!(vars.contains(&"TERM=dumb".to_owned()), "env: {vars:?}");
}

#[test]
fn env_path_option_used_for_search() {
    // With PATH=/nonexistent, a bare command name is not found.
    let output = jail(&["-e", "PATH=/nonexistent"], &["ls"])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(127),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn env_value_may_contain_equals() {
    let vars = env_inside(&["-e", "OPTS=a=b=c"], |_| {});
    assert!(vars.contains(&"OPTS=a=b=c".to_owned()), "env: {vars:?}");
}

#[test]
fn env_empty_value_set() {
    let vars = env_inside(&["-e", "EMPTY="], |_| {});
    assert!(vars.contains(&"EMPTY=".to_owned()), "env: {vars:?}");
}

#[test]
fn env_1000_options_accepted() {
    let values: Vec<String> = (0..1000).map(|i| format!("VAR{i}={i}")).collect();
    let mut options = Vec::new();
    for value in &values {
        options.extend(["-e", value.as_str()]);
    }
    let vars = env_inside(&options, |_| {});
    assert_eq!(vars.len(), 1004, "first: {:?}", vars.first());
    assert_eq!(vars[4], "VAR0=0");
    assert_eq!(vars[1003], "VAR999=999");
}

#[test]
fn env_1001_options_rejected() {
    let values: Vec<String> = (0..1001).map(|i| format!("VAR{i}={i}")).collect();
    let mut options = Vec::new();
    for value in &values {
        options.extend(["-e", value.as_str()]);
    }
    let output = jail(&options, &["/usr/bin/env"])
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(125),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
    assert_single_error_line(&stderr(&output));
}

#[test]
fn env_large_value_passed() {
    let value = "v".repeat(100_000);
    let option = format!("BIG={value}");
    let output = jail(&["-e", &option], &["/bin/sh", "-c", "echo ${#BIG}"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "100000\n");
}

#[test]
fn env_bare_key_copies_caller_value() {
    let vars = env_inside(&["-e", "JAIL_TEST_COPIED"], |cmd| {
        cmd.env("JAIL_TEST_COPIED", "from host");
    });
    assert!(
        vars.contains(&"JAIL_TEST_COPIED=from host".to_owned()),
        "env: {vars:?}"
    );
}

#[test]
fn env_bare_key_dropped_when_unset() {
    let vars = env_inside(&["-e", "JAIL_TEST_UNSET"], |cmd| {
        cmd.env_remove("JAIL_TEST_UNSET").env("TERM", "vt100");
    });
    assert!(
        !vars.iter().any(|var| var.starts_with("JAIL_TEST_UNSET")),
        "env: {vars:?}"
    );
    assert_eq!(vars.len(), 4, "env: {vars:?}");
}

#[test]
fn env_bare_key_copies_empty_value() {
    // The caller has the variable, with an empty value: docker passes
    // `KEY=` on in this case.
    let vars = env_inside(&["-e", "JAIL_TEST_EMPTY"], |cmd| {
        cmd.env("JAIL_TEST_EMPTY", "");
    });
    assert!(
        vars.contains(&"JAIL_TEST_EMPTY=".to_owned()),
        "env: {vars:?}"
    );
}

#[test]
fn env_bare_key_overrides_default() {
    let vars = env_inside(&["-e", "HOME"], |cmd| {
        cmd.env("HOME", "/home/caller");
    });
    let homes: Vec<&String> = vars.iter().filter(|var| var.starts_with("HOME=")).collect();
    assert_eq!(homes, ["HOME=/home/caller"]);
}

#[test]
fn umask_default_0022() {
    let output = jail(&[], &["/bin/sh", "-c", "umask"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "0022\n");
}

/// Sets the umask of the process `cmd` starts to `mask`.
fn set_umask(cmd: &mut Command, mask: libc::mode_t) {
    // SAFETY: umask is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(mask);
            Ok(())
        });
    }
}

#[test]
fn umask_0022_when_caller_uses_077() {
    // The same setup run on the host shows that the caller's umask is 077.
    let mut host = Command::new("/bin/sh");
    host.args(["-c", "umask"]);
    set_umask(&mut host, 0o077);
    let host_output = host.output().expect("run sh on the host");
    assert_eq!(stdout(&host_output), "0077\n");

    let mut cmd = jail(&[], &["/bin/sh", "-c", "umask"]);
    set_umask(&mut cmd, 0o077);
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "0022\n");
}

#[test]
fn umask_0022_when_caller_uses_0() {
    let mut cmd = jail(&[], &["/bin/sh", "-c", "umask"]);
    set_umask(&mut cmd, 0);
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "0022\n");
}

#[test]
fn umask_applies_to_new_files() {
    let top = format!("jail-test-umask-{}", std::process::id());
    let _dir = RootfsDir::new(&top);
    let script = format!("mkdir /{top} && touch /{top}/file && stat -c %a /{top}/file");
    let mut cmd = jail(&[], &["/bin/sh", "-c", &script]);
    set_umask(&mut cmd, 0o077);
    let output = cmd.output().expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "644\n");
}

#[test]
fn workdir_default_is_root() {
    let output = jail(&[], &["/bin/sh", "-c", "pwd"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "/\n");
}

#[test]
fn workdir_short_option() {
    let output = jail(&["-w", "/tmp"], &["/bin/sh", "-c", "pwd"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "/tmp\n");
}

#[test]
fn workdir_long_option_with_equals() {
    let output = jail(&["--workdir=/etc"], &["/bin/sh", "-c", "pwd"])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "/etc\n");
}

#[test]
fn workdir_created_when_missing() {
    let top = format!("jail-test-workdir-{}", std::process::id());
    let dir = RootfsDir::new(&top);
    let workdir = format!("/{top}/b/c");
    let script = "pwd; [ -d \"$PWD\" ] && echo is-dir; stat -c %a .";
    let output = jail(&["-w", &workdir], &["/bin/sh", "-c", script])
        .output()
        .expect("run jail");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), format!("{workdir}\nis-dir\n755\n"));
    assert!(
        dir.host_path.join("b/c").is_dir(),
        "workdir not created in the rootfs"
    );
}

#[test]
fn workdir_relative_rejected_before_run() {
    let marker = "jail-test-relative-workdir";
    let cmd = jail(
        &["-w", "tmp"],
        &["/bin/sh", "-c", &format!("echo {marker}")],
    );
    let result = run(cmd);
    assert_eq!(result.status(), Some(125), "stderr: {}", result.stderr());
    assert_eq!(result.stdout(), "", "COMMAND ran");
    assert_single_error_line(&result.stderr());
    assert!(
        result.stderr().contains("tmp"),
        "stderr: {}",
        result.stderr()
    );
}

#[test]
fn workdir_on_file_rejected() {
    let output = jail(&["-w", "/etc/passwd"], &["/bin/true"])
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
