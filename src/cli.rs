//! The command line: argv to a [`Config`], validated before anything is
//! created.

use crate::args::Argv;
use crate::cgroup::{self, Limits};
use crate::error::{Error, Result};
use core::ffi::CStr;

pub const USAGE: &str = "\
usage: jail [OPTIONS] ROOTFS [COMMAND [ARG...]]   COMMAND defaults to /bin/sh
       jail init [--] COMMAND [ARG...]             run as a tiny init (PID 1)

Runs COMMAND inside ROOTFS in new PID, UTS, mount, IPC, network and
cgroup namespaces, and removes everything it made when COMMAND exits.

options:
  -n, --hostname NAME   hostname inside (default: jail)
  -e, --env KEY=VALUE   set a variable; KEY alone copies it from jail's
                        environment; repeatable
  -w, --workdir DIR     absolute working directory inside, created when
                        missing (default: /)
      --net none|host   none: new network namespace with only lo, up
                        (default); host: share the host's network
      --pids-max N      limit the container to N tasks (cgroup pids.max)
      --memory SIZE     limit memory and swap together to SIZE bytes, or
                        with a k, m or g suffix (powers of 1024)
      --cpus N          limit CPU time to N CPUs, such as 0.5 or 2
                        (a quota per 100 ms period)
      --no-init         run COMMAND as PID 1 instead of jail's init
      --no-seccomp      do not load the default seccomp filter
      --trace           print every syscall jail makes to stderr
  -q, --quiet           print errors only, no notices
  -h, --help            print this help
  -V, --version         print the version

exit status: COMMAND's own; 128+N when it was killed by signal N;
125 when jail fails; 126 when COMMAND cannot be executed; 127 when it
is not found.
";

/// The request a command line makes.
pub enum Request<'a> {
    Help,
    Version,
    Run(Config<'a>),
    /// `jail init COMMAND...`: be the init of the current PID namespace.
    Init(Argv<'a>),
}

/// Network setup of the container.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Net {
    /// A new network namespace with only `lo`, brought up.
    None,
    /// The host's network namespace.
    Host,
}

/// A validated container configuration.
pub struct Config<'a> {
    pub rootfs: &'a CStr,
    /// COMMAND and its arguments; empty means `/bin/sh`.
    pub command: Argv<'a>,
    pub hostname: &'a [u8],
    pub workdir: Option<&'a CStr>,
    pub net: Net,
    /// cgroup limits; none set means no cgroup is created.
    pub limits: Limits,
    pub init: bool,
    /// Whether to load the default seccomp filter.
    pub seccomp: bool,
    pub quiet: bool,
    pub trace: bool,
    /// The arguments after the program name, read again by [`Config::env`].
    args: Argv<'a>,
}

impl<'a> Config<'a> {
    /// Returns the `-e` values in command-line order.
    pub fn env(&self) -> impl Iterator<Item = &'a CStr> + 'a {
        Options::new(self.args).filter_map(|item| match item {
            Ok((Opt::Env, _, value)) => value,
            _ => None,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Opt {
    Hostname,
    Env,
    Workdir,
    Net,
    PidsMax,
    Memory,
    Cpus,
    NoInit,
    NoSeccomp,
    Trace,
    Quiet,
    Help,
    Version,
    /// Documented in the product contract but not built yet.
    Unsupported,
}

struct Spec {
    short: u8,
    long: &'static str,
    opt: Opt,
    takes_value: bool,
}

const fn spec(short: u8, long: &'static str, opt: Opt, takes_value: bool) -> Spec {
    Spec {
        short,
        long,
        opt,
        takes_value,
    }
}

const SPECS: &[Spec] = &[
    spec(b'n', "hostname", Opt::Hostname, true),
    spec(b'e', "env", Opt::Env, true),
    spec(b'w', "workdir", Opt::Workdir, true),
    spec(0, "net", Opt::Net, true),
    spec(0, "pids-max", Opt::PidsMax, true),
    spec(0, "memory", Opt::Memory, true),
    spec(0, "cpus", Opt::Cpus, true),
    spec(0, "no-init", Opt::NoInit, false),
    spec(0, "no-seccomp", Opt::NoSeccomp, false),
    spec(0, "trace", Opt::Trace, false),
    spec(b'q', "quiet", Opt::Quiet, false),
    spec(b'h', "help", Opt::Help, false),
    spec(b'V', "version", Opt::Version, false),
    // TODO: build these; until then each is rejected by name, never ignored.
    spec(b'u', "user", Opt::Unsupported, true),
    spec(b'v', "volume", Opt::Unsupported, true),
    spec(0, "tmpfs", Opt::Unsupported, true),
    spec(0, "read-only", Opt::Unsupported, false),
    spec(0, "ephemeral", Opt::Unsupported, false),
    spec(0, "userns", Opt::Unsupported, false),
    spec(0, "cap-add", Opt::Unsupported, true),
    spec(0, "cap-drop", Opt::Unsupported, true),
];

/// Walks the options at the front of argv and stops at the first operand
/// or after `--`; `operands` is then the index of ROOTFS.
struct Options<'a> {
    args: Argv<'a>,
    next: usize,
    operands: usize,
    done: bool,
    /// In a group of short options such as `-qn`, the index in the current
    /// argument of the next letter to read.
    group: usize,
}

/// One parsed option: what it is, the argument as typed and its value.
type Item<'a> = Result<(Opt, &'a CStr, Option<&'a CStr>)>;

impl<'a> Options<'a> {
    fn new(args: Argv<'a>) -> Self {
        Options {
            args,
            next: 0,
            operands: args.len(),
            done: false,
            group: 0,
        }
    }

    fn finish(&mut self, operands: usize) -> Option<Item<'a>> {
        self.done = true;
        self.operands = operands;
        None
    }

    fn long(&mut self, body: &'a [u8]) -> Item<'a> {
        let arg = self.current();
        let (name, inline) = match body.iter().position(|&b| b == b'=') {
            Some(at) => (&body[..at], Some(at + 1)),
            None => (body, None),
        };
        let Some(spec) = SPECS.iter().find(|spec| spec.long.as_bytes() == name) else {
            return Err(unknown(arg));
        };
        let value = match (spec.takes_value, inline) {
            (true, Some(at)) => Some(tail(arg, at + 2)),
            (true, None) => Some(self.take_value()?),
            (false, Some(_)) => return Err(Error::usage("option takes no value", arg.to_bytes())),
            (false, None) => None,
        };
        Ok((spec.opt, arg, value))
    }

    /// Reads the short option at index `at` of the current argument. As
    /// with getopt, flags may be grouped (`-qn NAME`), and the rest of the
    /// argument after a letter that takes a value is that value (`-nNAME`).
    fn short(&mut self, at: usize) -> Item<'a> {
        self.group = 0;
        let arg = self.current();
        let bytes = arg.to_bytes();
        let letter = bytes[at];
        let Some(spec) = SPECS
            .iter()
            .find(|spec| spec.short != 0 && spec.short == letter)
        else {
            return Err(unknown(arg));
        };
        let attached = at + 1 < bytes.len();
        let value = match (spec.takes_value, attached) {
            // `-n=NAME` as docker's parser takes it; no valid value of a
            // short option starts with '='.
            (true, true) if bytes[at + 1] == b'=' => Some(tail(arg, at + 2)),
            (true, true) => Some(tail(arg, at + 1)),
            (true, false) => Some(self.take_value()?),
            (false, true) => {
                self.group = at + 1;
                None
            }
            (false, false) => None,
        };
        Ok((spec.opt, arg, value))
    }

    fn current(&self) -> &'a CStr {
        self.args.get(self.next - 1).unwrap_or(c"")
    }

    fn take_value(&mut self) -> Result<&'a CStr> {
        let option = self.current();
        let value = self.args.get(self.next).ok_or_else(|| {
            Error::usage("missing value for option", option.to_bytes()).hint("see jail --help")
        })?;
        self.next += 1;
        Ok(value)
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        if self.done {
            return None;
        }
        if self.group > 0 {
            return Some(self.short(self.group));
        }
        let Some(arg) = self.args.get(self.next) else {
            return self.finish(self.next);
        };
        let bytes = arg.to_bytes();
        self.next += 1;
        match bytes {
            b"--" => self.finish(self.next),
            [b'-', b'-', body @ ..] => Some(self.long(body)),
            [b'-', _, ..] => Some(self.short(1)),
            _ => self.finish(self.next - 1),
        }
    }
}

/// Returns the part of a C string after its first `at` bytes.
fn tail(text: &CStr, at: usize) -> &CStr {
    let bytes = text.to_bytes_with_nul();
    CStr::from_bytes_with_nul(&bytes[at.min(bytes.len() - 1)..]).unwrap_or(c"")
}

fn unknown(option: &CStr) -> Error {
    Error::usage("unknown option", option.to_bytes()).hint("see jail --help")
}

/// Parses the arguments after the program name.
pub fn parse(args: Argv<'_>) -> Result<Request<'_>> {
    if args.get(0).map(CStr::to_bytes) == Some(b"init") {
        return parse_init(args.tail(1));
    }
    let mut config = Config {
        rootfs: c"",
        command: Argv::empty(),
        hostname: b"jail",
        workdir: None,
        net: Net::None,
        limits: Limits::default(),
        init: true,
        seccomp: true,
        quiet: false,
        trace: false,
        args,
    };
    let mut options = Options::new(args);
    let mut env_options = 0;
    for item in options.by_ref() {
        let (opt, arg, value) = item?;
        let value = value.unwrap_or(c"");
        match opt {
            Opt::Help => return Ok(Request::Help),
            Opt::Version => return Ok(Request::Version),
            Opt::Hostname => config.hostname = parse_hostname(value)?,
            Opt::Env => {
                check_env(value)?;
                env_options += 1;
                if env_options > crate::env::MAX_ENV_OPTIONS {
                    return Err(Error::usage("too many --env options", value.to_bytes())
                        .hint("at most 1000"));
                }
            }
            Opt::Workdir => config.workdir = Some(parse_workdir(value)?),
            Opt::Net => config.net = parse_net(value)?,
            Opt::PidsMax => config.limits.pids = Some(parse_pids_max(value)?),
            Opt::Memory => config.limits.memory = Some(parse_memory(value)?),
            Opt::Cpus => config.limits.cpu_quota_us = Some(parse_cpus(value)?),
            Opt::NoInit => config.init = false,
            Opt::NoSeccomp => config.seccomp = false,
            Opt::Trace => config.trace = true,
            Opt::Quiet => config.quiet = true,
            Opt::Unsupported => {
                return Err(Error::usage(
                    "option not supported by this version",
                    arg.to_bytes(),
                ))
            }
        }
    }
    let rootfs = args
        .get(options.operands)
        .filter(|rootfs| !rootfs.is_empty());
    config.rootfs = rootfs.ok_or_else(|| Error::usage("missing ROOTFS", b"").hint(USAGE_LINE))?;
    config.command = args.tail(options.operands + 1);
    Ok(Request::Run(config))
}

const USAGE_LINE: &str = "usage: jail [OPTIONS] ROOTFS [COMMAND [ARG...]]";

fn parse_init(args: Argv<'_>) -> Result<Request<'_>> {
    let command = match args.get(0).map(CStr::to_bytes) {
        Some(b"--") => args.tail(1),
        _ => args,
    };
    if command.is_empty() {
        return Err(
            Error::usage("missing COMMAND", b"").hint("usage: jail init [--] COMMAND [ARG...]")
        );
    }
    Ok(Request::Init(command))
}

/// Accepts an RFC 1123 host name: letters, digits, `-` and `.`, at most
/// 64 bytes, which is the kernel's limit for the UTS namespace.
fn parse_hostname(value: &CStr) -> Result<&[u8]> {
    let name = value.to_bytes();
    let valid_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.';
    if name.is_empty() || name.len() > 64 || !name.iter().all(valid_byte) {
        let shown = if name.is_empty() { &b"\"\""[..] } else { name };
        return Err(Error::usage("invalid --hostname", shown)
            .hint("use 1 to 64 letters, digits, '-' and '.'"));
    }
    Ok(name)
}

/// Accepts `KEY=VALUE` with a non-empty KEY, or a bare KEY to copy from
/// jail's own environment.
fn check_env(value: &CStr) -> Result<()> {
    let bytes = value.to_bytes();
    let key_len = bytes.iter().position(|&b| b == b'=').unwrap_or(bytes.len());
    if key_len == 0 {
        return Err(Error::usage("invalid --env", bytes).hint("expected KEY=VALUE"));
    }
    Ok(())
}

fn parse_workdir(value: &CStr) -> Result<&CStr> {
    if value.to_bytes().first() != Some(&b'/') {
        return Err(Error::usage("invalid --workdir", value.to_bytes())
            .hint("expected an absolute path inside the container"));
    }
    Ok(value)
}

fn parse_net(value: &CStr) -> Result<Net> {
    match value.to_bytes() {
        b"none" => Ok(Net::None),
        b"host" => Ok(Net::Host),
        other => Err(Error::usage("invalid --net", other).hint("expected none or host")),
    }
}

fn parse_memory(value: &CStr) -> Result<u64> {
    cgroup::parse_memory(value.to_bytes()).ok_or_else(|| {
        Error::usage("invalid --memory", value.to_bytes())
            .hint("expected bytes, or a number with k, m or g, at least 1m")
    })
}

fn parse_cpus(value: &CStr) -> Result<u64> {
    cgroup::parse_cpus(value.to_bytes()).ok_or_else(|| {
        Error::usage("invalid --cpus", value.to_bytes())
            .hint("expected a number of CPUs such as 0.5 or 2, at least 0.01")
    })
}

fn parse_pids_max(value: &CStr) -> Result<u64> {
    match parse_u64(value.to_bytes()) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(Error::usage("invalid --pids-max", value.to_bytes())
            .hint("expected a whole number of tasks, at least 1")),
    }
}

/// Parses a decimal number of up to 18 digits, so it cannot overflow.
pub fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 18 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0, |n, &d| n * 10 + (d - b'0') as u64))
}

#[cfg(test)]
mod tests;
