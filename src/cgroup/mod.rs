//! The container's cgroup: one directory per hierarchy it needs, named
//! `jail/<PID of jail>`, with the limits written before COMMAND starts and
//! removed when the run ends.
//!
//! The layout is detected at run time from /proc/self/mountinfo. Each
//! controller comes from the v2 hierarchy when its `cgroup.controllers`
//! lists it, else from that controller's v1 hierarchy: pure v2, pure v1
//! and the hybrid of both all work. jail writes only below `jail/`, which
//! the last jail to leave removes, and on v2 enables a missing controller
//! in the root's `cgroup.subtree_control`, without which no cgroup below
//! can use it.

mod layout;
mod limits;

pub use limits::{parse_cpus, parse_memory, Limits};

use crate::error::{Error, Result};
use crate::out::Line;
use crate::path::PathBuf;
use crate::sys::fs::{self, AT_FDCWD};
use crate::sys::{io, process, signal, Errno};
use core::ffi::CStr;
use layout::{has_word, Mounts};
use limits::{Controller, Setting, CONTROLLERS};

type CgroupPath = PathBuf<256>;

/// Controller bits of a [`Hierarchy`], by [`Controller::index`], and one
/// more for v1's `cpuacct`, which only accounts.
const CPUACCT: u8 = 1 << 3;

/// A mounted hierarchy the container needs, and which of its controllers.
struct Hierarchy {
    /// The mount point, then, once created, the container's directory.
    mount: CgroupPath,
    v2: bool,
    controllers: u8,
    created: bool,
}

/// The container's cgroup: one directory in each hierarchy it uses.
pub struct Cgroup {
    dirs: [Option<Hierarchy>; 5],
    limits: Limits,
}

/// Creates the container's cgroup with `limits` applied. On failure,
/// whatever was created is removed again.
pub fn create(limits: &Limits) -> Result<Cgroup> {
    let mut cgroup = Cgroup {
        dirs: [None, None, None, None, None],
        limits: *limits,
    };
    let result = find_hierarchies(limits, &mut cgroup.dirs).and_then(|()| {
        for hierarchy in cgroup.dirs.iter_mut().flatten() {
            create_dir(hierarchy)?;
        }
        cgroup.apply_limits()
    });
    match result {
        Ok(()) => Ok(cgroup),
        Err(error) => {
            cgroup.remove();
            Err(error)
        }
    }
}

impl Cgroup {
    /// Moves `pid` into the cgroup in every hierarchy.
    pub fn add(&self, pid: i32) -> Result<()> {
        let mut text = Line::new();
        text.dec(pid as i64);
        for dir in self.dirs.iter().flatten() {
            write_file(&dir.mount, b"cgroup.procs", text.as_bytes(), false)?;
        }
        Ok(())
    }

    /// Returns how many processes the kernel killed for reaching the memory
    /// limit, or None without one.
    pub fn oom_kills(&self) -> Option<u64> {
        self.limits.memory?;
        let dir = self
            .dirs
            .iter()
            .flatten()
            .find(|dir| has(dir, Controller::Memory))?;
        let (file, key) = limits::oom_counter(dir.v2);
        let mut path = CgroupPath::new();
        path.push(dir.mount.as_bytes()).ok()?.join(file).ok()?;
        let mut count = None;
        read_lines(path.as_cstr(), |line| {
            let mut words = line.split(|&b| b == b' ');
            if words.next() == Some(key) {
                count = words.next().and_then(crate::cli::parse_u64);
            }
        })
        .ok()?;
        count
    }

    /// Removes the cgroup; its processes are gone by now. The kernel may
    /// report EBUSY for a moment while the last exit is accounted, so that
    /// one error is retried briefly. Returns the first failure.
    ///
    /// Then removes the stale cgroups that killed jails left beside it,
    /// and `jail/` itself when nothing is left in it. That sweep runs here,
    /// after COMMAND, to keep it off the start-up path.
    pub fn remove(&self) -> Option<Error> {
        let mut first = None;
        for dir in self.dirs.iter().flatten().filter(|dir| dir.created) {
            if let Some(error) = remove_dir(&dir.mount) {
                first.get_or_insert(error);
            }
            let mut parent = CgroupPath::new();
            let end = dir
                .mount
                .as_bytes()
                .iter()
                .rposition(|&b| b == b'/')
                .unwrap_or(0);
            if parent.push(&dir.mount.as_bytes()[..end]).is_ok() {
                remove_stale(&mut parent);
                // The last jail out removes `jail/` too; while another
                // jail's cgroup is in it, rmdir fails with EBUSY.
                let _ = fs::unlinkat(AT_FDCWD, parent.as_cstr(), libc::AT_REMOVEDIR);
            }
        }
        first
    }

    fn apply_limits(&self) -> Result<()> {
        for dir in self.dirs.iter().flatten() {
            for controller in CONTROLLERS.into_iter().filter(|c| has(dir, *c)) {
                for setting in limits::settings(controller, dir.v2, &self.limits)
                    .into_iter()
                    .flatten()
                {
                    apply(&dir.mount, &setting)?;
                }
            }
        }
        Ok(())
    }
}

fn has(dir: &Hierarchy, controller: Controller) -> bool {
    dir.controllers & (1 << controller.index()) != 0
}

fn apply(dir: &CgroupPath, setting: &Setting) -> Result<()> {
    let mut value = Line::new();
    value.dec(setting.value.0 as i64);
    if let Some(second) = setting.value.1 {
        value.str(" ").dec(second as i64);
    }
    write_file(dir, setting.file, value.as_bytes(), setting.optional)
}

/// Fills `found` with the hierarchies that serve the controllers `limits`
/// needs: v2 where it offers a controller, else the controller's v1
/// hierarchy. v1 controllers mounted together share one entry.
fn find_hierarchies(limits: &Limits, found: &mut [Option<Hierarchy>; 5]) -> Result<()> {
    let mut v2 = CgroupPath::new();
    let mut v1 = [CgroupPath::new(), CgroupPath::new(), CgroupPath::new()];
    let mut cpuacct = CgroupPath::new();
    read_lines(c"/proc/self/mountinfo", |line| {
        let mut mounts = Mounts::default();
        mounts.add_line(line);
        copy_first(&mut v2, mounts.v2);
        for (slot, mount) in v1.iter_mut().zip(mounts.v1) {
            copy_first(slot, mount);
        }
        copy_first(&mut cpuacct, mounts.v1_cpuacct);
    })?;
    let offered = v2_controllers(&mut v2)?;
    for controller in CONTROLLERS.into_iter().filter(|c| limits.needs(*c)) {
        let bit = 1 << controller.index();
        match choose(controller, offered, v1[controller.index()].len() > 0) {
            Some(Version::V2) => add_hierarchy(found, &v2, true, bit),
            Some(Version::V1) => {
                add_hierarchy(found, &v1[controller.index()], false, bit);
                if controller == Controller::Cpu && cpuacct.len() > 0 {
                    add_hierarchy(found, &cpuacct, false, CPUACCT);
                }
            }
            None => {
                return Err(Error::usage(
                    "no cgroup hierarchy offers controller",
                    controller.name(),
                )
                .hint("mount it (cgroup2, or its v1 hierarchy) or drop that limit"))
            }
        }
    }
    Ok(())
}

#[derive(Debug, PartialEq)]
enum Version {
    V1,
    V2,
}

/// Picks the hierarchy for `controller`: v2 when its root offers it
/// (`offered_v2` has the controller's bit), else v1 when mounted.
fn choose(controller: Controller, offered_v2: u8, in_v1: bool) -> Option<Version> {
    if offered_v2 & (1 << controller.index()) != 0 {
        Some(Version::V2)
    } else if in_v1 {
        Some(Version::V1)
    } else {
        None
    }
}

fn copy_first(slot: &mut CgroupPath, mount: Option<&[u8]>) {
    if let (Some(mount), 0) = (mount, slot.len()) {
        let _ = slot.push(mount);
    }
}

/// Returns the controller bits that the v2 root at `v2` offers, none when
/// there is no v2 hierarchy.
fn v2_controllers(v2: &mut CgroupPath) -> Result<u8> {
    if v2.len() == 0 {
        return Ok(0);
    }
    let base = v2.len();
    v2.join(b"cgroup.controllers")?;
    let mut offered = 0;
    let read = read_lines(v2.as_cstr(), |line| {
        for controller in CONTROLLERS {
            if has_word(line, b' ', controller.name()) {
                offered |= 1 << controller.index();
            }
        }
    });
    v2.truncate(base);
    read.map(|()| offered)
}

fn add_hierarchy(found: &mut [Option<Hierarchy>; 5], mount: &CgroupPath, v2: bool, bits: u8) {
    let same = |entry: &&mut Option<Hierarchy>| {
        entry
            .as_ref()
            .is_some_and(|dir| dir.mount.as_bytes() == mount.as_bytes())
    };
    if let Some(Some(existing)) = found.iter_mut().find(same) {
        existing.controllers |= bits;
        return;
    }
    if let Some(slot) = found.iter_mut().find(|entry| entry.is_none()) {
        let mut copy = CgroupPath::new();
        let _ = copy.push(mount.as_bytes());
        *slot = Some(Hierarchy {
            mount: copy,
            v2,
            controllers: bits,
            created: false,
        });
    }
}

/// Creates `jail/<PID>` in the hierarchy and turns `mount` into its path.
/// On v2 each controller must also be enabled in every ancestor's
/// `cgroup.subtree_control`: the root's, only where missing, and `jail/`'s.
/// The root takes no part in v2's "no internal processes" rule, so the
/// write there cannot fail for processes living in it.
fn create_dir(hierarchy: &mut Hierarchy) -> Result<()> {
    let mut enable = Line::new();
    for controller in CONTROLLERS.into_iter().filter(|c| has(hierarchy, *c)) {
        enable.str(if enable.as_bytes().is_empty() {
            "+"
        } else {
            " +"
        });
        enable.bytes(controller.name());
    }
    let dir = &mut hierarchy.mount;
    if hierarchy.v2 {
        enable_in_root(dir, enable.as_bytes())?;
    }
    dir.join(b"jail")?;
    let parent = dir.len();
    let mut pid = Line::new();
    pid.dec(process::getpid() as i64);
    // Another jail removes `jail/` when it leaves it empty, so the parent
    // may vanish between its mkdir and the child's: ENOENT, then retry.
    let mut tries = 0;
    loop {
        dir.truncate(parent);
        make_dir(dir)?;
        if hierarchy.v2 {
            write_file(dir, b"cgroup.subtree_control", enable.as_bytes(), false)?;
        }
        dir.join(pid.as_bytes())?;
        match fs::mkdirat(AT_FDCWD, dir.as_cstr(), 0o755) {
            Err(Errno::ENOENT) if tries < 3 => tries += 1,
            // A directory of this name is left from an earlier jail with
            // the same pid that was killed. It is empty, because that
            // jail's processes died with it.
            Err(Errno::EEXIST) => {
                let _ = remove_dir(dir);
                break make_dir(dir)?;
            }
            other => break other.map_err(|errno| create_error(dir, errno))?,
        }
    }
    hierarchy.created = true;
    Ok(())
}

/// Enables in the v2 root's `cgroup.subtree_control` those of `enable`
/// (`+memory +pids`) that it lacks, and writes nothing when none is
/// missing, as on hosts whose init enabled them all.
fn enable_in_root(root: &mut CgroupPath, enable: &[u8]) -> Result<()> {
    let base = root.len();
    root.join(b"cgroup.subtree_control")?;
    let mut enabled = [false; 3];
    let read = read_lines(root.as_cstr(), |line| {
        for controller in CONTROLLERS {
            enabled[controller.index()] |= has_word(line, b' ', controller.name());
        }
    });
    root.truncate(base);
    read?;
    let mut missing = Line::new();
    for word in enable.split(|&b| b == b' ').filter(|word| word.len() > 1) {
        let name = &word[1..];
        let on = CONTROLLERS
            .iter()
            .any(|c| c.name() == name && enabled[c.index()]);
        if !on {
            missing
                .str(if missing.as_bytes().is_empty() {
                    ""
                } else {
                    " "
                })
                .bytes(word);
        }
    }
    if missing.as_bytes().is_empty() {
        return Ok(());
    }
    write_file(root, b"cgroup.subtree_control", missing.as_bytes(), false)
}

/// Removes empty cgroups below `jail/` whose jail process is gone: a jail
/// killed with SIGKILL could not remove its own. A cgroup that still has
/// processes fails rmdir with EBUSY and is left alone.
fn remove_stale(jail_dir: &mut CgroupPath) {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    let Ok(fd) = fs::openat(AT_FDCWD, jail_dir.as_cstr(), flags, 0) else {
        return;
    };
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
        Err(errno) => Err(create_error(dir, errno)),
    }
}

fn create_error(dir: &CgroupPath, errno: Errno) -> Error {
    let error = Error::new("create cgroup", dir.as_bytes(), errno);
    match errno {
        Errno::EACCES | Errno::EPERM | Errno::EROFS => {
            error.hint("limits need root and a writable cgroup hierarchy; run as root or drop them")
        }
        _ => error,
    }
}

fn remove_dir(dir: &CgroupPath) -> Option<Error> {
    for _ in 0..100 {
        match fs::unlinkat(AT_FDCWD, dir.as_cstr(), libc::AT_REMOVEDIR) {
            Ok(()) | Err(Errno::ENOENT) => return None,
            Err(Errno::EBUSY) => process::sleep_ms(1),
            Err(errno) => return Some(Error::new("remove cgroup", dir.as_bytes(), errno)),
        }
    }
    Some(Error::new("remove cgroup", dir.as_bytes(), Errno::EBUSY))
}

/// Writes `value` to the file `name` in `dir`. An `optional` file that
/// does not exist is skipped.
fn write_file(dir: &CgroupPath, name: &[u8], value: &[u8], optional: bool) -> Result<()> {
    let mut path = CgroupPath::new();
    path.push(dir.as_bytes())?.join(name)?;
    match write_path(path.as_cstr(), value) {
        Ok(()) => Ok(()),
        Err(Errno::ENOENT) if optional => Ok(()),
        Err(errno) => {
            let mut shown = Line::new();
            shown.bytes(path.as_bytes()).str(" <- ").bytes(value);
            Err(Error::new("write cgroup file", shown.as_bytes(), errno))
        }
    }
}

fn write_path(path: &CStr, value: &[u8]) -> core::result::Result<(), Errno> {
    let fd = fs::openat(AT_FDCWD, path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
    let written = io::write(fd, value);
    let _ = io::close(fd);
    written.map(drop)
}

/// Calls `each` with every line of the file at `path`. Lines longer than
/// the 16 KiB buffer are skipped.
fn read_lines(path: &CStr, mut each: impl FnMut(&[u8])) -> Result<()> {
    let fail = |errno| Error::new("read", path.to_bytes(), errno);
    let fd = fs::openat(AT_FDCWD, path, libc::O_RDONLY | libc::O_CLOEXEC, 0).map_err(fail)?;
    // Large enough for a typical /proc/self/mountinfo in one read.
    let mut buf = [0u8; 16384];
    let mut filled = 0;
    let result = loop {
        let read = match io::read(fd, &mut buf[filled..]) {
            Ok(read) => read,
            Err(errno) => break Err(fail(errno)),
        };
        filled += read;
        let complete = buf[..filled]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
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

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_V2: u8 = 0b111;

    #[test]
    fn choose_prefers_v2_when_offered() {
        assert_eq!(choose(Controller::Memory, ALL_V2, true), Some(Version::V2));
        assert_eq!(choose(Controller::Pids, ALL_V2, false), Some(Version::V2));
    }

    #[test]
    fn choose_falls_back_to_v1_in_hybrid() {
        // The hybrid layout: cgroup2 at /sys/fs/cgroup/unified offers only
        // hugetlb, which jail does not use.
        assert_eq!(choose(Controller::Pids, 0, true), Some(Version::V1));
        let memory_only = 1 << Controller::Memory.index();
        assert_eq!(
            choose(Controller::Cpu, memory_only, true),
            Some(Version::V1)
        );
    }

    #[test]
    fn choose_rejects_controller_nowhere() {
        assert_eq!(choose(Controller::Cpu, 0, false), None);
        let pids_only = 1 << Controller::Pids.index();
        assert_eq!(choose(Controller::Memory, pids_only, false), None);
    }
}
