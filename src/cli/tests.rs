use super::*;
use crate::args::tests::Args;
use proptest::prelude::*;

fn parse_ok(args: &[&str]) -> Config<'static> {
    let bytes: Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
    // Leaked so the Config can outlive this helper; tests are short-lived.
    let owned = Box::leak(Box::new(Args::new(&bytes)));
    match parse(owned.argv()) {
        Ok(Request::Run(config)) => config,
        Ok(_) => panic!("{args:?}: not a run request"),
        Err(error) => panic!("{args:?}: {}", message(&error)),
    }
}

fn parse_err(args: &[&str]) -> String {
    let bytes: Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
    let owned = Args::new(&bytes);
    match parse(owned.argv()) {
        Ok(_) => panic!("{args:?}: parsed, expected a usage error"),
        Err(error) => {
            assert_eq!(error.status, 125);
            message(&error)
        }
    }
}

fn message(error: &Error) -> String {
    let mut line = crate::out::Line::new();
    error.format(&mut line);
    String::from_utf8_lossy(line.as_bytes()).into_owned()
}

fn command_of(config: &Config<'_>) -> Vec<String> {
    config
        .command
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn parse_defaults() {
    let config = parse_ok(&["/srv/root"]);
    assert_eq!(config.rootfs, c"/srv/root");
    assert!(config.command.is_empty());
    assert_eq!(config.hostname, b"jail");
    assert_eq!(config.net, Net::None);
    assert!(!config.limits.any());
    assert!(config.workdir.is_none());
    assert!(config.init);
    assert!(config.seccomp);
    assert!(!config.quiet);
    assert!(!config.trace);
}

#[test]
fn parse_long_options_with_space_and_equals() {
    let config = parse_ok(&[
        "--hostname",
        "box",
        "--net=host",
        "--pids-max=7",
        "-w",
        "/w",
        "r",
    ]);
    assert_eq!(config.hostname, b"box");
    assert_eq!(config.net, Net::Host);
    assert_eq!(config.limits.pids, Some(7));
    assert_eq!(config.workdir, Some(c"/w"));
}

#[test]
fn parse_short_option_with_attached_value() {
    let config = parse_ok(&["-nbox", "-eA=1", "r"]);
    assert_eq!(config.hostname, b"box");
    let env: Vec<&CStr> = config.env().collect();
    assert_eq!(env, vec![c"A=1"]);
}

#[test]
fn parse_grouped_short_flags() {
    let config = parse_ok(&["-qn", "box", "r"]);
    assert!(config.quiet);
    assert_eq!(config.hostname, b"box");
    let config = parse_ok(&["-qnbox", "r"]);
    assert!(config.quiet);
    assert_eq!(config.hostname, b"box");
}

#[test]
fn parse_short_option_with_equals() {
    let config = parse_ok(&["-n=box", "-e=A=1", "-w=/tmp", "r"]);
    assert_eq!(config.hostname, b"box");
    assert_eq!(config.env().collect::<Vec<_>>(), vec![c"A=1"]);
    assert_eq!(config.workdir, Some(c"/tmp"));
}

#[test]
fn parse_env_keeps_order() {
    let config = parse_ok(&["-e", "A=1", "--env", "B=2", "--env=A=3", "r"]);
    let env: Vec<&CStr> = config.env().collect();
    assert_eq!(env, vec![c"A=1", c"B=2", c"A=3"]);
}

#[test]
fn parse_options_after_rootfs_belong_to_command() {
    let config = parse_ok(&["-q", "r", "echo", "-n", "--trace"]);
    assert_eq!(command_of(&config), ["echo", "-n", "--trace"]);
    assert!(!config.trace);
    assert!(config.quiet);
}

#[test]
fn parse_double_dash_ends_options() {
    let config = parse_ok(&["--", "-weird-root", "ls"]);
    assert_eq!(config.rootfs, c"-weird-root");
    assert_eq!(command_of(&config), ["ls"]);
}

#[test]
fn parse_flags() {
    let config = parse_ok(&["--no-init", "--no-seccomp", "--trace", "--quiet", "r"]);
    assert!(!config.init);
    assert!(!config.seccomp);
    assert!(config.trace);
    assert!(config.quiet);
}

#[test]
fn parse_help_and_version() {
    for args in [&["-h"][..], &["--help"], &["-q", "--help", "r"]] {
        let bytes: Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
        let owned = Args::new(&bytes);
        assert!(matches!(parse(owned.argv()), Ok(Request::Help)), "{args:?}");
    }
    let owned = Args::new(&[b"-V"]);
    assert!(matches!(parse(owned.argv()), Ok(Request::Version)));
}

#[test]
fn parse_init_subcommand() {
    for args in [
        &[&b"init"[..], b"sleep", b"1"][..],
        &[b"init", b"--", b"sleep", b"1"],
    ] {
        let owned = Args::new(args);
        match parse(owned.argv()) {
            Ok(Request::Init(command)) => {
                let words: Vec<&CStr> = command.iter().collect();
                assert_eq!(words, vec![c"sleep", c"1"]);
            }
            _ => panic!("not an init request"),
        }
    }
    assert!(parse_err(&["init"]).contains("missing COMMAND"));
    assert!(parse_err(&["init", "--"]).contains("missing COMMAND"));
}

#[test]
fn parse_rejects_unknown_and_missing() {
    assert!(parse_err(&["--frob", "r"]).contains("unknown option: --frob"));
    assert!(parse_err(&["-x", "r"]).contains("unknown option: -x"));
    assert!(parse_err(&["-qx", "r"]).contains("unknown option: -qx"));
    assert!(parse_err(&["-nq"]).contains("missing ROOTFS"));
    assert!(parse_err(&["--hostname"]).contains("missing value for option: --hostname"));
    assert!(parse_err(&[]).contains("missing ROOTFS"));
    assert!(parse_err(&["-q"]).contains("missing ROOTFS"));
    assert!(parse_err(&[""]).contains("missing ROOTFS"));
    assert!(parse_err(&["--trace=1", "r"]).contains("option takes no value: --trace=1"));
}

#[test]
fn parse_rejects_bad_values() {
    assert!(parse_err(&["--net", "bridge", "r"]).contains("invalid --net: bridge"));
    for bad in ["0", "-1", "abc", "", "1x", "9999999999999999999"] {
        assert!(
            parse_err(&["--pids-max", bad, "r"]).contains("invalid --pids-max"),
            "{bad}"
        );
    }
    let long_name = "a".repeat(65);
    for bad in ["", "a b", "a/b", long_name.as_str()] {
        assert!(
            parse_err(&["-n", bad, "r"]).contains("invalid --hostname"),
            "{bad}"
        );
    }
    assert!(parse_err(&["-w", "tmp", "r"]).contains("invalid --workdir: tmp"));
    assert!(parse_err(&["-e", "=x", "r"]).contains("invalid --env: =x"));
    assert!(parse_err(&["-e", "", "r"]).contains("invalid --env"));
}

#[test]
fn parse_rejects_unbuilt_options_by_name() {
    let message = parse_err(&["--userns", "r"]);
    assert!(
        message.contains("not supported by this version: --userns"),
        "{message}"
    );
    let message = parse_err(&["--read-only", "r"]);
    assert!(message.contains("--read-only"), "{message}");
}

#[test]
fn parse_caps_env_options() {
    let mut args = vec!["-eA=1"; crate::env::MAX_ENV_OPTIONS];
    args.push("r");
    assert_eq!(parse_ok(&args).env().count(), crate::env::MAX_ENV_OPTIONS);
    let mut too_many = vec!["-eA=1"; crate::env::MAX_ENV_OPTIONS + 1];
    too_many.push("r");
    assert!(parse_err(&too_many).contains("too many --env options"));
}

#[test]
fn parse_limits_combine() {
    let config = parse_ok(&["--memory", "64m", "--cpus=0.5", "--pids-max", "9", "r"]);
    assert_eq!(config.limits.memory, Some(64 << 20));
    assert_eq!(config.limits.cpu_quota_us, Some(50_000));
    assert_eq!(config.limits.pids, Some(9));
}

#[test]
fn parse_rejects_bad_limits() {
    assert!(parse_err(&["--memory", "lots", "r"]).contains("invalid --memory: lots"));
    assert!(parse_err(&["--memory=0", "r"]).contains("invalid --memory: 0"));
    assert!(parse_err(&["--cpus", "0", "r"]).contains("invalid --cpus: 0"));
    assert!(parse_err(&["--cpus", "half", "r"]).contains("invalid --cpus: half"));
}

#[test]
fn parse_accepts_64_byte_hostname() {
    let name = "h".repeat(64);
    let config = parse_ok(&["-n", &name, "r"]);
    assert_eq!(config.hostname.len(), 64);
}

#[test]
fn parse_u64_bounds() {
    assert_eq!(parse_u64(b"0"), Some(0));
    assert_eq!(
        parse_u64(b"999999999999999999"),
        Some(999_999_999_999_999_999)
    );
    assert_eq!(parse_u64(b"1000000000000000000"), None);
    assert_eq!(parse_u64(b""), None);
    assert_eq!(parse_u64(b"+1"), None);
}

fn arbitrary_arg() -> impl Strategy<Value = Vec<u8>> {
    let words = prop_oneof![
        Just(b"-n".to_vec()),
        Just(b"-e".to_vec()),
        Just(b"-w".to_vec()),
        Just(b"--net".to_vec()),
        Just(b"--net=".to_vec()),
        Just(b"--pids-max".to_vec()),
        Just(b"--no-init".to_vec()),
        Just(b"--".to_vec()),
        Just(b"-".to_vec()),
        Just(b"init".to_vec()),
        Just(b"-q".to_vec()),
        Just(b"--memory".to_vec()),
        Just(b"--cpus=0.5".to_vec()),
    ];
    let bytes = proptest::collection::vec(1u8..=255, 0..12);
    prop_oneof![words, bytes]
}

proptest! {
    /// Any argument list parses to a request or a usage error (125), and
    /// never panics.
    #[test]
    fn parse_never_panics(args in proptest::collection::vec(arbitrary_arg(), 0..8)) {
        let slices: Vec<&[u8]> = args.iter().map(|arg| arg.as_slice()).collect();
        let owned = Args::new(&slices);
        match parse(owned.argv()) {
            Ok(Request::Run(config)) => {
                prop_assert!(!config.rootfs.is_empty());
                prop_assert!(!config.hostname.is_empty() && config.hostname.len() <= 64);
                prop_assert!(config.limits.pids != Some(0));
                let _ = config.env().count();
            }
            Ok(_) => {}
            Err(error) => prop_assert_eq!(error.status, 125),
        }
    }
}
