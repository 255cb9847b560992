//! The container's network: a new namespace starts with only `lo`, down.

use crate::error::{Error, Result};
use crate::sys::{io, net};

/// Brings `lo` up, so programs in the container can talk over 127.0.0.1.
pub fn bring_up_loopback() -> Result<()> {
    let fd = net::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)
        .map_err(|errno| Error::new("open socket", b"AF_INET", errno))?;
    let mut request = net::IfreqFlags {
        name: [0; libc::IFNAMSIZ],
        flags: 0,
        _pad: [0; 22],
    };
    request.name[..2].copy_from_slice(b"lo");
    // lo has no other flags to keep in a new namespace, so setting these
    // directly saves reading them first.
    request.flags = (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as i16;
    let result = net::ioctl_siocsifflags(fd, &mut request);
    let _ = io::close(fd);
    result.map_err(|errno| Error::new("bring up interface", b"lo", errno))
}
