//! The memory and string functions the compiler emits calls to.
//!
//! The static build links no C library, so it brings its own. Each is a
//! single x86 string instruction in assembly: a plain Rust loop could be
//! turned back into a call to the function it implements.
#![allow(unsafe_code)]

use core::arch::asm;
use core::ffi::c_char;

/// # Safety
///
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges; `rep movsb` copies
    // forward with the direction flag clear, as the ABI leaves it.
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
///
/// `dest` and `src` must be valid for `n` bytes; they may overlap.
#[no_mangle]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // `dest` is below `src` or past its end: a forward copy never reads
        // a byte it already overwrote.
        // SAFETY: as for memcpy, with the order argued above.
        return unsafe { memcpy(dest, src, n) };
    }
    // SAFETY: the caller guarantees both ranges. With the direction flag
    // set, `rep movsb` copies from the last byte down, which is safe when
    // `dest` overlaps the end of `src`; the flag is cleared again, as the
    // ABI requires.
    unsafe {
        asm!("std", "rep movsb", "cld",
             inout("rcx") n => _, inout("rdi") dest.add(n).wrapping_sub(1) => _,
             inout("rsi") src.add(n).wrapping_sub(1) => _, options(nostack));
    }
    dest
}

/// # Safety
///
/// `dest` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dest: *mut u8, byte: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees the range; `rep stosb` stores `al`
    // forward.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") dest => _, in("al") byte as u8,
             options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
///
/// `a` and `b` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let (mut left, mut right): (u32, u32) = (0, 0);
    if n > 0 {
        // SAFETY: the caller guarantees both ranges. `repe cmpsb` stops
        // after the first differing byte, or after `n` bytes; the bytes
        // just before the final positions are the last ones compared.
        unsafe {
            asm!("repe cmpsb", "movzx {l:e}, byte ptr [rsi - 1]", "movzx {r:e}, byte ptr [rdi - 1]",
                 l = out(reg) left, r = out(reg) right,
                 inout("rcx") n => _, inout("rsi") a => _, inout("rdi") b => _, options(nostack));
        }
    }
    left as i32 - right as i32
}

/// # Safety
///
/// As for [`memcmp`].
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: forwarded with the caller's guarantee.
    unsafe { memcmp(a, b, n) }
}

/// # Safety
///
/// `text` must point to a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn strlen(text: *const c_char) -> usize {
    let end: *const c_char;
    // SAFETY: the caller guarantees a NUL ends the string; `repne scasb`
    // with rcx = -1 scans until it finds that zero byte in `al`.
    unsafe {
        asm!("repne scasb", inout("rdi") text => end, inout("rcx") usize::MAX => _,
             in("al") 0u8, options(nostack, readonly));
    }
    end as usize - text as usize - 1
}
