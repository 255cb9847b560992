//! Credentials: capabilities.
//!
//! jail is single-threaded from start to exec. The raw calls here change
//! the calling thread only, which is the whole process only for that
//! reason; a second thread would keep its old credentials.

use super::{syscall, Errno, Sysno};
use static_assertions::assert_eq_size;

/// `struct __user_cap_header_struct`.
#[repr(C)]
pub struct CapHeader {
    pub version: u32,
    pub pid: i32,
}
assert_eq_size!(CapHeader, [u8; 8]);

/// `struct __user_cap_data_struct`; version 3 takes an array of two, for
/// capabilities 0 to 31 and 32 to 63.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct CapData {
    pub effective: u32,
    pub permitted: u32,
    pub inheritable: u32,
}
assert_eq_size!(CapData, [u8; 12]);

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit capability sets.
pub const CAP_VERSION_3: u32 = 0x2008_0522;

/// `int capset(cap_user_header_t hdr, const cap_user_data_t data)`: sets
/// the calling thread's effective, permitted and inheritable sets.
/// See capset(2).
pub fn capset(data: &[CapData; 2]) -> Result<(), Errno> {
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let args = [
        &mut header as *mut CapHeader as usize,
        data.as_ptr() as usize,
    ];
    // SAFETY: version 3 reads a header and two data structs, both valid and
    // outliving the call.
    unsafe { syscall(Sysno::capset, &args) }.map(drop)
}
