//! Building one line of output without `core::fmt`, which would add
//! several KiB of formatting code to the binary.

use crate::sys::{io, Errno};
use core::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences [`notice`], for `--quiet`.
pub fn set_quiet() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Prints `jail: TEXT DETAIL` on stderr: something jail did that the user
/// did not ask for, such as removing a stale cgroup. `--quiet` hides it;
/// errors are always printed.
pub fn notice(text: &str, detail: &[u8]) {
    if !QUIET.load(Ordering::Relaxed) {
        let mut line = Line::new();
        line.str("jail: ").str(text).bytes(detail);
        line.write_to(2);
    }
}

/// A line of output in a fixed buffer; text past its end is cut and
/// marked with "...".
pub struct Line {
    buf: [u8; 1024],
    len: usize,
}

impl Line {
    pub const fn new() -> Self {
        Line {
            buf: [0; 1024],
            len: 0,
        }
    }

    pub fn bytes(&mut self, text: &[u8]) -> &mut Self {
        // Keep 3 bytes for the "..." mark and 1 for the final newline.
        let room = (self.buf.len() - 4).saturating_sub(self.len);
        let take = text.len().min(room);
        self.buf[self.len..self.len + take].copy_from_slice(&text[..take]);
        self.len += take;
        if take < text.len() && self.len + 4 == self.buf.len() {
            self.buf[self.len..self.len + 3].copy_from_slice(b"...");
            self.len += 3;
        }
        self
    }

    pub fn str(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    /// Appends `value` in decimal.
    pub fn dec(&mut self, value: i64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut rest = value.unsigned_abs();
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if value < 0 {
            self.str("-");
        }
        self.bytes(&digits[at..])
    }

    /// Appends `value` as `0x` and lowercase hex digits.
    pub fn hex(&mut self, value: u64) -> &mut Self {
        let mut digits = [0u8; 16];
        let mut rest = value;
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b"0123456789abcdef"[(rest & 15) as usize];
            rest >>= 4;
            if rest == 0 {
                break;
            }
        }
        self.str("0x").bytes(&digits[at..])
    }

    /// Appends an errno as its name and description:
    /// `ENOENT (No such file or directory)`.
    pub fn errno(&mut self, errno: Errno) -> &mut Self {
        match errno.name() {
            Some(name) => self.str(name),
            None => self.str("errno ").dec(errno.into_raw() as i64),
        };
        if let Some(text) = errno.description() {
            self.str(" (").str(text).str(")");
        }
        self
    }

    /// Appends `text` in double quotes, with bytes outside printable ASCII
    /// shown as `\xNN`.
    pub fn quoted(&mut self, text: &[u8]) -> &mut Self {
        self.str("\"");
        for &byte in text {
            match byte {
                b'"' | b'\\' => self.bytes(&[b'\\', byte]),
                0x20..=0x7e => self.bytes(&[byte]),
                _ => self
                    .str("\\x")
                    .bytes(&[hex_digit(byte >> 4), hex_digit(byte & 15)]),
            };
        }
        self.str("\"")
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Writes the line and a newline to `fd` in one write, so that lines
    /// from the host and the container do not interleave mid-line.
    pub fn write_to(&mut self, fd: i32) {
        self.buf[self.len] = b'\n';
        // Nothing useful can be done when stderr itself fails.
        let _ = io::write_untraced(fd, &self.buf[..self.len + 1]);
    }
}

fn hex_digit(nibble: u8) -> u8 {
    b"0123456789abcdef"[(nibble & 15) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dec_formats_extremes() {
        let mut line = Line::new();
        line.dec(0).str(" ").dec(-42).str(" ").dec(i64::MIN);
        assert_eq!(line.as_bytes(), b"0 -42 -9223372036854775808");
    }

    #[test]
    fn hex_formats_zero_and_max() {
        let mut line = Line::new();
        line.hex(0).str(" ").hex(u64::MAX);
        assert_eq!(line.as_bytes(), b"0x0 0xffffffffffffffff");
    }

    #[test]
    fn errno_has_name_and_description() {
        let mut line = Line::new();
        line.errno(Errno::ENOENT);
        assert_eq!(line.as_bytes(), b"ENOENT (No such file or directory)");
    }

    #[test]
    fn quoted_escapes_control_bytes() {
        let mut line = Line::new();
        line.quoted(b"a\"\n");
        assert_eq!(line.as_bytes(), b"\"a\\\"\\x0a\"");
    }

    #[test]
    fn long_text_is_cut_with_marker() {
        let mut line = Line::new();
        line.bytes(&[b'x'; 2000]);
        assert_eq!(line.as_bytes().len(), 1023);
        assert!(line.as_bytes().ends_with(b"x..."));
    }
}
