//! COMMAND's environment: cleared, then the defaults, then every `-e`.

use crate::args::{Argv, ArgvBuf};
use crate::cli::Config;
use core::ffi::CStr;

/// The most `-e` options one command line may carry; the environment is
/// built in a fixed array because jail allocates no heap.
pub const MAX_ENV_OPTIONS: usize = 1000;

const DEFAULT_PATH: &CStr = c"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The value part of DEFAULT_PATH.
pub const DEFAULT_PATH_VALUE: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
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
    /// Builds the environment of `config`; `hostname_var` holds the one
    /// string that is not already in argv or envp.
    pub fn build(
        config: &Config<'a>,
        caller: Argv<'a>,
        hostname_var: &'a mut HostnameVar,
    ) -> Environment<'a> {
        let mut env = Environment { vars: ArgvBuf::new() };
        env.set(DEFAULT_PATH);
        env.set(ROOT_HOME);
        env.set(hostname_entry(config.hostname, hostname_var));
        env.set(entry(caller, b"TERM").unwrap_or(DEFAULT_TERM));
        for option in config.env() {
            let has_value = option.to_bytes().contains(&b'=');
            // A bare KEY copies the caller's value and is skipped when the
            // caller has none, as docker does.
            let copied = if has_value { Some(option) } else { entry(caller, option.to_bytes()) };
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
