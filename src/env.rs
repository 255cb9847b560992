//! COMMAND's environment: cleared, then the defaults, then every `-e`.

use crate::args::{Argv, ArgvBuf};
use crate::cli::Config;
use core::ffi::CStr;

/// The most `-e` options one command line may carry; the environment is
/// built in a fixed array because jail allocates no heap.
pub const MAX_ENV_OPTIONS: usize = 1000;

const DEFAULT_PATH: &CStr = c"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The value part of DEFAULT_PATH.
pub const DEFAULT_PATH_VALUE: &[u8] =
    b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const ROOT_HOME: &CStr = c"HOME=/root";
const DEFAULT_TERM: &CStr = c"TERM=xterm";

/// Room for `HOSTNAME=` and a 64-byte name with its NUL.
pub type HostnameVar = [u8; 80];

/// A NULL-terminated environment array, as execve takes it.
pub struct Environment<'a> {
    /// Four defaults, the options, and the NULL.
    vars: ArgvBuf<'a, { MAX_ENV_OPTIONS + 5 }>,
}

impl<'a> Environment<'a> {
    /// Builds the environment of `config`; `hostname_var` stores the one
    /// string that is not already in argv or envp.
    pub fn build(
        config: &Config<'a>,
        caller: Argv<'a>,
        hostname_var: &'a mut HostnameVar,
    ) -> Environment<'a> {
        let mut env = Environment {
            vars: ArgvBuf::new(),
        };
        env.set(DEFAULT_PATH);
        env.set(ROOT_HOME);
        env.set(hostname_entry(config.hostname, hostname_var));
        env.set(entry(caller, b"TERM").unwrap_or(DEFAULT_TERM));
        for option in config.env() {
            let has_value = option.to_bytes().contains(&b'=');
            // A bare KEY copies the caller's value and is skipped when the
            // caller has none, as docker does.
            let copied = if has_value {
                Some(option)
            } else {
                entry(caller, option.to_bytes())
            };
            if let Some(copied) = copied {
                env.set(copied);
            }
        }
        env
    }

    /// Adds `entry` (`KEY=VALUE`), replacing an entry with the same KEY.
    fn set(&mut self, entry: &'a CStr) {
        let key = key_of(entry.to_bytes());
        let existing = self.iter().position(|old| key_of(old.to_bytes()) == key);
        // The parser caps the number of -e options, so the array has room.
        self.vars.set(existing.unwrap_or(self.vars.len()), entry);
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + '_ {
        self.argv().iter()
    }

    pub fn argv(&self) -> Argv<'a> {
        self.vars.argv()
    }
}

fn key_of(entry: &[u8]) -> &[u8] {
    let end = entry.iter().position(|&b| b == b'=').unwrap_or(entry.len());
    &entry[..end]
}

/// Finds the entry `KEY=...` in an environment.
fn entry<'a>(env: Argv<'a>, key: &[u8]) -> Option<&'a CStr> {
    env.iter().find(|entry| {
        let bytes = entry.to_bytes();
        bytes.len() > key.len() && bytes.starts_with(key) && bytes[key.len()] == b'='
    })
}

/// Returns the value of `key` in an environment.
pub fn lookup<'a>(env: Argv<'a>, key: &[u8]) -> Option<&'a [u8]> {
    entry(env, key).map(|entry| &entry.to_bytes()[key.len() + 1..])
}

fn hostname_entry<'a>(hostname: &[u8], buf: &'a mut HostnameVar) -> &'a CStr {
    const PREFIX: &[u8] = b"HOSTNAME=";
    let len = hostname.len().min(buf.len() - PREFIX.len() - 1);
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    buf[PREFIX.len()..PREFIX.len() + len].copy_from_slice(&hostname[..len]);
    buf[PREFIX.len() + len] = 0;
    CStr::from_bytes_until_nul(buf).unwrap_or(c"HOSTNAME=")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::tests::Args;
    use crate::cli::{parse, Request};

    fn environment(options: &[&str], caller: &[&str]) -> Vec<String> {
        let mut argv: Vec<&[u8]> = options.iter().map(|arg| arg.as_bytes()).collect();
        argv.push(b"rootfs");
        let args = Args::new(&argv);
        let caller: Vec<&[u8]> = caller.iter().map(|entry| entry.as_bytes()).collect();
        let caller = Args::new(&caller);
        let Ok(Request::Run(config)) = parse(args.argv()) else {
            panic!("parse {options:?}")
        };
        let mut hostname_var = [0u8; 80];
        let env = Environment::build(&config, caller.argv(), &mut hostname_var);
        env.iter()
            .map(|entry| entry.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn environment_defaults_only() {
        let env = environment(&[], &["SECRET=1", "TERM=vt100"]);
        assert_eq!(
            env,
            [
                DEFAULT_PATH.to_str().unwrap(),
                "HOME=/root",
                "HOSTNAME=jail",
                "TERM=vt100"
            ]
        );
    }

    #[test]
    fn environment_term_defaults_to_xterm() {
        let env = environment(&["-n", "box"], &[]);
        assert_eq!(env[2], "HOSTNAME=box");
        assert_eq!(env[3], "TERM=xterm");
    }

    #[test]
    fn environment_options_override_in_order() {
        let env = environment(&["-e", "PATH=/bin", "-e", "A=1", "-e", "A=2"], &[]);
        assert_eq!(env[0], "PATH=/bin");
        assert_eq!(env[4], "A=2");
        assert_eq!(env.len(), 5);
    }

    #[test]
    fn environment_bare_key_copies_or_drops() {
        let env = environment(&["-e", "USER", "-e", "MISSING"], &["USER=alice", "USERX=1"]);
        assert_eq!(env[4], "USER=alice");
        assert_eq!(env.len(), 5);
    }

    #[test]
    fn lookup_finds_exact_key() {
        let caller = Args::new(&[b"PATHX=1", b"PATH=/bin"]);
        assert_eq!(lookup(caller.argv(), b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(lookup(caller.argv(), b"PAT"), None);
    }
}
