//! The container's cgroup: one directory per run, `jail/<PID>` below the
//! hierarchy that offers the controller, removed when the run ends.
//!
//! The layout is detected at run time: the v2 hierarchy is used when its
//! `cgroup.controllers` lists `pids`, else the v1 `pids` hierarchy.

mod layout;

use crate::error::{Error, Result};
use crate::path::PathBuf;
use crate::sys::fs::{self, AT_FDCWD};
use crate::sys::{io, process, signal, Errno};
use core::ffi::CStr;
use layout::{has_word, Mounts};

type CgroupPath = PathBuf<256>;

/// A cgroup jail created and will remove.
pub struct Cgroup {
    dir: CgroupPath,
}

/// Creates the cgroup of this run with `pids.max` set to `pids_max`.
pub fn create(pids_max: u64) -> Result<Cgroup> {
    let (hierarchy, v2) = find_pids_hierarchy()?;
    let mut dir = CgroupPath::new();
    dir.push(hierarchy.as_bytes())?;
    if v2 {
        // A v2 controller reaches a child only through every ancestor's
        // cgroup.subtree_control; the hierarchy's root takes no part in
        // the "no internal processes" rule, so enabling it there is safe.
        write_file(&mut dir, b"cgroup.subtree_control", b"+pids")?;
    }
    dir.join(b"jail")?;
    make_dir(&dir)?;
    remove_stale(&mut dir);
    if v2 {
        write_file(&mut dir, b"cgroup.subtree_control", b"+pids")?;
    }
    let mut pid = crate::out::Line::new();
    pid.dec(process::getpid() as i64);
    dir.join(pid.as_bytes())?;
    make_dir(&dir)?;
    let cgroup = Cgroup { dir };
    let mut limit = crate::out::Line::new();
    limit.dec(pids_max as i64);
    let mut dir = CgroupPath::new();
    dir.push(cgroup.dir.as_bytes())?;
    if let Err(error) = write_file(&mut dir, b"pids.max", limit.as_bytes()) {
        cgroup.remove();
        return Err(error);
    }
    Ok(cgroup)
}

impl Cgroup {
    /// Moves `pid` into the cgroup.
    pub fn add(&self, pid: i32) -> Result<()> {
        let mut text = crate::out::Line::new();
        text.dec(pid as i64);
        let mut dir = CgroupPath::new();
        dir.push(self.dir.as_bytes())?;
        write_file(&mut dir, b"cgroup.procs", text.as_bytes())
    }

    /// Removes the cgroup; its processes are gone by now. The kernel may
    /// report EBUSY for a moment while the last exit is accounted, so that
    /// one error is retried briefly.
    pub fn remove(&self) -> Option<Error> {
        for _ in 0..100 {
            match fs::unlinkat(AT_FDCWD, self.dir.as_cstr(), libc::AT_REMOVEDIR) {
                Ok(()) | Err(Errno::ENOENT) => return None,
                Err(Errno::EBUSY) => process::sleep_ms(1),
                Err(errno) => return Some(Error::new("remove cgroup", self.dir.as_bytes(), errno)),
            }
        }
        Some(Error::new("remove cgroup", self.dir.as_bytes(), Errno::EBUSY))
    }
}

/// Returns the mount point of the hierarchy to use for `pids` and whether
/// it is v2.
fn find_pids_hierarchy() -> Result<(CgroupPath, bool)> {
    let mut v2 = CgroupPath::new();
    let mut v1 = CgroupPath::new();
    read_lines(c"/proc/self/mountinfo", |line| {
        let mut mounts = Mounts::default();
        mounts.add_line(line);
        if let (Some(found), 0) = (mounts.v2, v2.len()) {
            let _ = v2.push(found);
        }
        if let (Some(found), 0) = (mounts.v1_pids, v1.len()) {
            let _ = v1.push(found);
        }
    })?;
    if v2.len() > 0 {
        let base = v2.len();
        v2.join(b"cgroup.controllers")?;
        let mut offered = false;
        read_lines(v2.as_cstr(), |line| offered |= has_word(line, b' ', b"pids"))?;
        v2.truncate(base);
        if offered {
            return Ok((v2, true));
        }
    }
    if v1.len() > 0 {
        return Ok((v1, false));
    }
    Err(Error::usage("no cgroup hierarchy offers the pids controller", b"/proc/self/mountinfo")
        .hint("mount cgroup2 with pids enabled, or the v1 pids hierarchy, or drop --pids-max"))
}

/// Removes empty cgroups below `jail/` whose jail process is gone: a jail
/// killed with SIGKILL could not remove its own. A cgroup that still has
/// processes fails rmdir with EBUSY and is left alone.
fn remove_stale(jail_dir: &mut CgroupPath) {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    let Ok(fd) = fs::openat(AT_FDCWD, jail_dir.as_cstr(), flags, 0) else { return };
    let mut buf = [0u8; 4096];
    while let Ok(len @ 1..) = fs::getdents64(fd, &mut buf) {
        let mut at = 0;
        while at + 19 < len {
            // struct linux_dirent64: ino u64, off i64, reclen u16, type u8,
            // then the NUL-terminated name.
            let reclen = u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
            let name = &buf[at + 19..(at + reclen).min(len)];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            if let Some(pid) = crate::cli::parse_u64(name) {
                let owner_gone = signal::kill(pid as i32, 0) == Err(Errno::ESRCH);
                if owner_gone {
                    remove_child(jail_dir, name);
                }
            }
            at += reclen.max(1);
        }
    }
    let _ = io::close(fd);
}

fn remove_child(dir: &mut CgroupPath, name: &[u8]) {
    let base = dir.len();
    let joined = dir.join(name).is_ok();
    if joined && fs::unlinkat(AT_FDCWD, dir.as_cstr(), libc::AT_REMOVEDIR).is_ok() {
        crate::out::notice("removed stale cgroup of a killed jail: ", dir.as_bytes());
    }
    dir.truncate(base);
}

fn make_dir(dir: &CgroupPath) -> Result<()> {
    match fs::mkdirat(AT_FDCWD, dir.as_cstr(), 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(errno) => Err(Error::new("create cgroup", dir.as_bytes(), errno)),
    }
}

/// Writes `value` to the file `name` in `dir`.
fn write_file(dir: &mut CgroupPath, name: &[u8], value: &[u8]) -> Result<()> {
    let base = dir.len();
    dir.join(name)?;
    let result = write_path(dir.as_cstr(), value);
    let error = result.err().map(|errno| Error::new("write cgroup file", dir.as_bytes(), errno));
    dir.truncate(base);
    error.map_or(Ok(()), Err)
}

fn write_path(path: &CStr, value: &[u8]) -> core::result::Result<(), Errno> {
    let fd = fs::openat(AT_FDCWD, path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
    let written = io::write(fd, value);
    let _ = io::close(fd);
    written.map(drop)
}

/// Calls `each` with every line of the file at `path`. Lines longer than
/// the 4 KiB buffer are skipped.
fn read_lines(path: &CStr, mut each: impl FnMut(&[u8])) -> Result<()> {
    let fail = |errno| Error::new("read", path.to_bytes(), errno);
    let fd = fs::openat(AT_FDCWD, path, libc::O_RDONLY | libc::O_CLOEXEC, 0).map_err(fail)?;
    let mut buf = [0u8; 4096];
    let mut filled = 0;
    let result = loop {
        let read = match io::read(fd, &mut buf[filled..]) {
            Ok(read) => read,
            Err(errno) => break Err(fail(errno)),
        };
        filled += read;
        let complete = buf[..filled].iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
        buf[..complete].split(|&b| b == b'\n').for_each(&mut each);
        if read == 0 {
            each(&buf[complete..filled]);
            break Ok(());
        }
        if complete == 0 && filled == buf.len() {
            filled = 0; // An overlong line: drop it.
            continue;
        }
        buf.copy_within(complete..filled, 0);
        filled -= complete;
    };
    let _ = io::close(fd);
    result
}
