//! The network: `--net none` (the default) gives a new namespace with only
//! `lo`, up; `--net host` shares the host's. All traffic stays on the
//! container's own loopback.

mod common;

use common::{sh, stderr, stdout};
use std::collections::BTreeSet;

fn assert_success(output: &std::process::Output) {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
}

fn host_interfaces() -> BTreeSet<String> {
    std::fs::read_dir("/sys/class/net")
        .expect("read /sys/class/net")
        .map(|entry| {
            entry
                .expect("read interface")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Interface names from `ip -o link` output, whose lines read
/// `1: lo: <LOOPBACK,UP,...> ...`; names of veth-style links carry an
/// `@peer` suffix, which is cut.
fn link_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.split(": ").nth(1))
        .map(|name| name.split('@').next().unwrap_or(name).to_owned())
        .collect()
}

#[test]
fn net_none_default_has_only_lo() {
    let output = sh(&[], "ip -o link");
    assert_success(&output);
    assert_eq!(
        link_names(&stdout(&output)),
        BTreeSet::from(["lo".to_owned()])
    );
}

#[test]
fn net_none_explicit_has_only_lo() {
    let output = sh(&["--net", "none"], "ls /sys/class/net");
    assert_success(&output);
    assert_eq!(stdout(&output), "lo\n");
}

#[test]
fn net_none_lo_is_up() {
    let output = sh(&[], "ip -o link show lo");
    assert_success(&output);
    let text = stdout(&output);
    let flags = text
        .split('<')
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or("");
    assert!(
        flags.split(',').any(|flag| flag == "UP"),
        "lo flags: {flags}"
    );
}

#[test]
fn net_none_lo_has_127_0_0_1() {
    let output = sh(&[], "ip -o -4 addr show lo");
    assert_success(&output);
    assert!(
        stdout(&output).contains("inet 127.0.0.1/8"),
        "lo: {}",
        stdout(&output)
    );
}

#[test]
fn net_none_ping_loopback() {
    let output = sh(&[], "ping -c 1 -W 5 127.0.0.1");
    assert_success(&output);
    assert!(
        stdout(&output).contains("1 packets received"),
        "ping: {}",
        stdout(&output)
    );
}

#[test]
fn net_none_tcp_over_loopback() {
    // The listener may not be ready when the client first tries, so the
    // client retries for up to 5 s.
    let script = r#"
        nc -l -p 4321 &
        i=0
        until echo over-loopback | nc 127.0.0.1 4321; do
            i=$((i + 1))
            [ $i -ge 500 ] && { echo "no listener" >&2; exit 9; }
            sleep 0.01
        done
        wait
    "#;
    let output = sh(&[], script);
    assert_success(&output);
    assert_eq!(stdout(&output), "over-loopback\n");
}

#[test]
fn net_none_no_route_out() {
    // Only a routing-table lookup: with no interface but lo there is no
    // route to any other address, so nothing is sent.
    let output = sh(&[], "ip route get 192.0.2.1");
    assert_ne!(
        output.status.code(),
        Some(0),
        "route found: {}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("unreachable"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn net_host_sees_host_interfaces() {
    let output = sh(&["--net", "host"], "ls /sys/class/net");
    assert_success(&output);
    let inside: BTreeSet<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(inside, host_interfaces());
}

#[test]
fn net_host_ip_link_matches_host() {
    let output = sh(&["--net=host"], "ip -o link");
    assert_success(&output);
    assert_eq!(link_names(&stdout(&output)), host_interfaces());
}
