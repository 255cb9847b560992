//! The argument and environment vectors the kernel passes to a new
//! program, read in place without copying.
#![allow(unsafe_code)]

use core::ffi::{c_char, CStr};
use core::marker::PhantomData;
use core::ptr;

/// A NULL-terminated array of C strings, such as argv or envp, viewed as a
/// slice of its entries.
#[derive(Clone, Copy)]
pub struct Argv<'a> {
    /// The entries; the pointer after the last one is NULL.
    entries: &'a [*const c_char],
}

/// A NULL pointer, which is an empty NULL-terminated array.
static EMPTY: [SyncPtr; 1] = [SyncPtr(ptr::null())];

/// `/bin/sh`, the COMMAND when none is given.
static DEFAULT_SHELL: [SyncPtr; 2] = [SyncPtr(c"/bin/sh".as_ptr()), SyncPtr(ptr::null())];

#[repr(transparent)]
struct SyncPtr(*const c_char);
// SAFETY: the pointer is NULL or points to immutable static data.
unsafe impl Sync for SyncPtr {}

impl<'a> Argv<'a> {
    /// Views `len` entries starting at `entries`.
    ///
    /// # Safety
    ///
    /// `entries` must point to `len` pointers followed by NULL, each a
    /// NUL-terminated string that stays valid and unchanged for `'a`.
    pub unsafe fn from_raw(entries: *const *const c_char, len: usize) -> Self {
        // SAFETY: the caller guarantees `len` readable entries.
        Argv {
            entries: unsafe { core::slice::from_raw_parts(entries, len) },
        }
    }

    /// Views a NULL-terminated array, counting its entries.
    ///
    /// # Safety
    ///
    /// As for [`Argv::from_raw`], with the length found by the NULL.
    pub unsafe fn from_null_terminated(entries: *const *const c_char) -> Self {
        let mut len = 0;
        // SAFETY: the caller guarantees that a NULL ends the array.
        while !unsafe { *entries.add(len) }.is_null() {
            len += 1;
        }
        // SAFETY: `len` entries precede the NULL found above.
        unsafe { Argv::from_raw(entries, len) }
    }

    pub fn empty() -> Argv<'static> {
        // SAFETY: EMPTY is a static NULL entry, an array of no strings.
        unsafe { Argv::from_raw(EMPTY.as_ptr().cast(), 0) }
    }

    /// Returns the argv of `/bin/sh`.
    pub fn default_shell() -> Argv<'static> {
        // SAFETY: DEFAULT_SHELL is one static C string followed by NULL.
        unsafe { Argv::from_raw(DEFAULT_SHELL.as_ptr().cast(), 1) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&'a CStr> {
        let entry = *self.entries.get(index)?;
        // SAFETY: `from_raw` requires every entry to be a valid C string
        // for `'a`.
        Some(unsafe { CStr::from_ptr(entry) })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + 'a {
        let entries = *self;
        (0..entries.len()).filter_map(move |index| entries.get(index))
    }

    /// Returns the entries from `start` on, still NULL-terminated.
    pub fn tail(&self, start: usize) -> Argv<'a> {
        Argv {
            entries: &self.entries[start.min(self.entries.len())..],
        }
    }

    /// Returns the array as execve takes it.
    pub fn as_ptr(&self) -> *const *const c_char {
        self.entries.as_ptr()
    }
}

/// A NULL-terminated array of up to `N - 1` C strings built in place, such
/// as the environment jail passes to execve.
pub struct ArgvBuf<'a, const N: usize> {
    entries: [*const c_char; N],
    len: usize,
    _strings: PhantomData<&'a CStr>,
}

impl<'a, const N: usize> ArgvBuf<'a, N> {
    pub fn new() -> Self {
        ArgvBuf {
            entries: [ptr::null(); N],
            len: 0,
            _strings: PhantomData,
        }
    }

    /// Stores `entry` at `index`, at most one past the last entry; returns
    /// false when the array is full.
    pub fn set(&mut self, index: usize, entry: &'a CStr) -> bool {
        if index > self.len || index >= N - 1 {
            return false;
        }
        self.entries[index] = entry.as_ptr();
        self.len = self.len.max(index + 1);
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn argv(&self) -> Argv<'a> {
        // SAFETY: entries[..len] were stored by `set` from C strings
        // borrowed for 'a, and entries[len] is NULL: the array starts all
        // NULL and `set` never fills the last slot.
        unsafe { Argv::from_raw(self.entries.as_ptr(), self.len) }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::ffi::CString;

    /// Owns the strings and the NULL-terminated pointer array an `Argv`
    /// views, for tests.
    pub struct Args {
        _strings: Vec<CString>,
        pointers: Vec<*const c_char>,
    }

    impl Args {
        pub fn new(args: &[&[u8]]) -> Args {
            let strings: Vec<CString> =
                args.iter().map(|arg| CString::new(*arg).unwrap()).collect();
            let mut pointers: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
            pointers.push(ptr::null());
            Args {
                _strings: strings,
                pointers,
            }
        }

        pub fn argv(&self) -> Argv<'_> {
            // SAFETY: `pointers` contains one pointer per string in `_strings`,
            // which live as long as `self`, followed by NULL.
            unsafe { Argv::from_raw(self.pointers.as_ptr(), self.pointers.len() - 1) }
        }
    }

    #[test]
    fn argv_tail_stays_null_terminated() {
        let args = Args::new(&[b"a", b"b"]);
        let argv = args.argv();
        assert_eq!(argv.tail(1).get(0), Some(c"b"));
        assert!(argv.tail(2).is_empty());
        assert!(argv.tail(5).is_empty());
        // SAFETY: the tail's pointer is inside `pointers`, which ends in NULL.
        assert!(unsafe { *argv.tail(2).as_ptr() }.is_null());
        assert!(unsafe { *Argv::empty().as_ptr() }.is_null());
    }
}
