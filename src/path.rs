//! Paths built from parts in a fixed buffer, always NUL-terminated so they
//! can be passed to the kernel.

use crate::error::{Error, Result};
use core::ffi::CStr;

/// A C string of at most `N - 1` bytes, built by appending parts.
pub struct PathBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> PathBuf<N> {
    pub const fn new() -> Self {
        PathBuf {
            buf: [0; N],
            len: 0,
        }
    }

    /// Appends `part`; fails with ENAMETOOLONG when it does not fit.
    pub fn push(&mut self, part: &[u8]) -> Result<&mut Self> {
        if self.len + part.len() >= N || part.contains(&0) {
            return Err(Error::usage("path too long", self.as_bytes())
                .append(part)
                .errno(crate::sys::Errno::ENAMETOOLONG));
        }
        self.buf[self.len..self.len + part.len()].copy_from_slice(part);
        self.len += part.len();
        self.buf[self.len] = 0;
        Ok(self)
    }

    /// Appends `/` and `name`.
    pub fn join(&mut self, name: &[u8]) -> Result<&mut Self> {
        self.push(b"/")?.push(name)
    }

    pub fn truncate(&mut self, len: usize) {
        self.len = len.min(self.len);
        self.buf[self.len] = 0;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub fn as_cstr(&self) -> &CStr {
        CStr::from_bytes_with_nul(&self.buf[..self.len + 1]).unwrap_or(c"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_builds_nul_terminated_path() {
        let mut path = PathBuf::<32>::new();
        path.push(b"/sys/fs/cgroup").unwrap().join(b"pids").unwrap();
        assert_eq!(path.as_cstr(), c"/sys/fs/cgroup/pids");
        path.truncate(14);
        assert_eq!(path.as_cstr(), c"/sys/fs/cgroup");
    }

    #[test]
    fn push_rejects_overflow_and_nul() {
        let mut path = PathBuf::<8>::new();
        assert!(path.push(b"1234567").is_ok());
        assert!(path.push(b"8").is_err());
        assert_eq!(path.as_bytes(), b"1234567");
        let mut other = PathBuf::<8>::new();
        assert!(other.push(b"a\0b").is_err());
    }
}
