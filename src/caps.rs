//! Capabilities: COMMAND keeps docker's default set and nothing more.

use crate::error::{Error, Result};
use crate::sys::cred::{self, CapData};
use crate::sys::{process, Errno};

// Capability numbers from linux/capability.h; the libc crate has none.
const CAP_CHOWN: u32 = 0;
const CAP_DAC_OVERRIDE: u32 = 1;
const CAP_FOWNER: u32 = 3;
const CAP_FSETID: u32 = 4;
const CAP_KILL: u32 = 5;
const CAP_SETGID: u32 = 6;
const CAP_SETUID: u32 = 7;
const CAP_SETPCAP: u32 = 8;
const CAP_NET_BIND_SERVICE: u32 = 10;
const CAP_NET_RAW: u32 = 13;
const CAP_SYS_CHROOT: u32 = 18;
const CAP_MKNOD: u32 = 27;
const CAP_AUDIT_WRITE: u32 = 29;
const CAP_SETFCAP: u32 = 31;

/// docker's default capabilities: enough to act as root on the container's
/// own files and processes, nothing that reaches the host kernel.
const DEFAULT_CAPS: u64 = 1 << CAP_CHOWN
    | 1 << CAP_DAC_OVERRIDE
    | 1 << CAP_FOWNER
    | 1 << CAP_FSETID
    | 1 << CAP_KILL
    | 1 << CAP_SETGID
    | 1 << CAP_SETUID
    | 1 << CAP_SETPCAP
    | 1 << CAP_NET_BIND_SERVICE
    | 1 << CAP_NET_RAW
    | 1 << CAP_SYS_CHROOT
    | 1 << CAP_MKNOD
    | 1 << CAP_AUDIT_WRITE
    | 1 << CAP_SETFCAP;

/// Limits every capability set to the default set.
///
/// The bounding set comes first and one capability at a time, as the
/// kernel offers no other way; dropping it needs CAP_SETPCAP, which the
/// default set keeps. A root process's permitted set after execve is its
/// bounding set, so this is what holds across exec; capset then trims the
/// sets the current process has. The inheritable set is left empty, as
/// runc does since CVE-2022-29162.
pub fn drop_capabilities() -> Result<()> {
    drop_bounding_set()?;
    process::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL as usize,
        0,
    )
    .map_err(|errno| Error::new("clear ambient capabilities", b"", errno))?;
    let low = DEFAULT_CAPS as u32;
    let high = (DEFAULT_CAPS >> 32) as u32;
    let data = [
        CapData {
            effective: low,
            permitted: low,
            inheritable: 0,
        },
        CapData {
            effective: high,
            permitted: high,
            inheritable: 0,
        },
    ];
    cred::capset(&data).map_err(|errno| Error::new("set capabilities", b"default set", errno))
}

/// Drops every capability outside the default set from the bounding set,
/// up to the last one the running kernel supports, found by its EINVAL.
fn drop_bounding_set() -> Result<()> {
    for cap in (0..64usize).filter(|cap| DEFAULT_CAPS & (1 << cap) == 0) {
        match process::prctl(libc::PR_CAPBSET_DROP, cap, 0) {
            Ok(_) => {}
            Err(Errno::EINVAL) => return Ok(()),
            Err(errno) => {
                let mut number = crate::out::Line::new();
                number.dec(cap as i64);
                return Err(Error::new(
                    "drop bounding capability",
                    number.as_bytes(),
                    errno,
                ));
            }
        }
    }
    Ok(())
}

/// Sets `no_new_privs`: no execve after this, of a setuid binary or one
/// with file capabilities, can raise privileges. Seccomp without
/// CAP_SYS_ADMIN requires it too.
pub fn set_no_new_privs() -> Result<()> {
    process::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0)
        .map(drop)
        .map_err(|errno| Error::new("set no_new_privs", b"", errno))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_caps_match_docker_mask() {
        // `docker run --rm alpine grep CapBnd /proc/self/status`
        assert_eq!(DEFAULT_CAPS, 0x00000000a80425fb);
    }
}
