//! The container's filesystem: the rootfs bind, `/proc`, `/dev`, `/sys`,
//! and the switch of root.
//!
//! Every step runs in the container's new mount namespace with the working
//! directory at ROOTFS, and names its targets relative to it ("proc", not
//! "/proc"). A mount point is checked not to be a symlink before it is
//! used, so a link in the rootfs never points a mount at a host path.

use crate::error::{Error, Result};
use crate::sys::fs::{self, AT_FDCWD};
use crate::sys::mount::{mount, pivot_root, umount2};
use crate::sys::Errno;
use core::ffi::CStr;
use libc::{
    MS_BIND, MS_MOVE, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT,
};

/// Makes every mount in the new namespace private, so nothing mounted
/// later propagates back to the host.
pub fn make_mounts_private() -> Result<()> {
    mount(None, c"/", None, MS_REC | MS_PRIVATE, None).map_err(|errno| {
        let error = Error::new("make mounts private", b"/", errno);
        // The kernel rejects a propagation change on a path that is not a
        // mount point, which `/` is not inside a chroot.
        match errno {
            Errno::EINVAL => error.hint(
                "/ is not a mount point: jail cannot run inside a chroot, \
                 run it from the real root",
            ),
            _ => error,
        }
    })
}

/// Bind-mounts ROOTFS onto itself: pivot_root needs the new root to be a
/// mount point, and the bind carries the mounts below ROOTFS with it.
///
/// A path that ends at the working directory itself, such as ".", would
/// leave jail on the directory under the new mount, because a lookup of
/// "." does not enter a mount stacked on it. Such paths are made
/// absolute first.
pub fn bind_rootfs(rootfs: &CStr) -> Result<()> {
    let mut absolute = [0u8; 4096];
    let rootfs = absolute_path(rootfs, &mut absolute)?;
    mount(Some(rootfs), rootfs, None, MS_BIND | MS_REC, None)
        .map_err(|errno| Error::new("bind-mount rootfs", rootfs.to_bytes(), errno))?;
    fs::chdir(rootfs).map_err(|errno| Error::new("enter rootfs", rootfs.to_bytes(), errno))
}

/// Returns `path` when it is absolute and names its last directory, else
/// its absolute form, read with getcwd after entering it.
fn absolute_path<'a>(path: &'a CStr, buf: &'a mut [u8; 4096]) -> Result<&'a CStr> {
    let bytes = path.to_bytes();
    if bytes.first() == Some(&b'/') && !bytes.ends_with(b".") {
        return Ok(path);
    }
    fs::chdir(path).map_err(|errno| Error::new("enter rootfs", bytes, errno))?;
    let len = fs::getcwd(buf).map_err(|errno| Error::new("read path of rootfs", bytes, errno))?;
    CStr::from_bytes_with_nul(&buf[..len])
        .map_err(|_| Error::usage("rootfs path is unreachable", bytes))
}

/// Mounts a new procfs for the container's PID namespace.
pub fn mount_proc() -> Result<()> {
    prepare_mount_point(c"proc")?;
    mount_at(
        c"proc",
        c"proc",
        c"proc",
        MS_NOSUID | MS_NODEV | MS_NOEXEC,
        None,
    )
}

/// Mounts sysfs read-only.
pub fn mount_sys() -> Result<()> {
    prepare_mount_point(c"sys")?;
    let flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mount_at(c"sysfs", c"sys", c"sysfs", flags, None)
}

/// Device nodes of a minimal `/dev`, as runc and docker create them.
const DEVICES: [(&CStr, u32, u32); 6] = [
    (c"dev/null", 1, 3),
    (c"dev/zero", 1, 5),
    (c"dev/full", 1, 7),
    (c"dev/random", 1, 8),
    (c"dev/urandom", 1, 9),
    (c"dev/tty", 5, 0),
];

const DEV_LINKS: [(&CStr, &CStr); 5] = [
    (c"pts/ptmx", c"dev/ptmx"),
    (c"/proc/self/fd", c"dev/fd"),
    (c"/proc/self/fd/0", c"dev/stdin"),
    (c"/proc/self/fd/1", c"dev/stdout"),
    (c"/proc/self/fd/2", c"dev/stderr"),
];

/// Mounts a tmpfs on `/dev` holding the usual devices, a new devpts
/// instance, `/dev/shm`, the fd links and, with a terminal, `/dev/console`.
pub fn mount_dev(terminal: bool) -> Result<()> {
    prepare_mount_point(c"dev")?;
    let tmpfs_options = Some(c"mode=755,size=65536k");
    mount_at(
        c"tmpfs",
        c"dev",
        c"tmpfs",
        MS_NOSUID | MS_NOEXEC,
        tmpfs_options,
    )?;

    for (path, major, minor) in DEVICES {
        let dev = libc::makedev(major, minor);
        fs::mknodat(AT_FDCWD, path, libc::S_IFCHR | 0o666, dev)
            .map_err(|errno| create_error(path, errno))?;
    }

    // A new devpts instance holds only the container's own terminals;
    // ptmxmode=0666 lets non-root users open /dev/ptmx through the link.
    make_dir(c"dev/pts", 0o755)?;
    let pts_options = Some(c"newinstance,ptmxmode=0666,mode=0620,gid=5");
    mount_at(
        c"devpts",
        c"dev/pts",
        c"devpts",
        MS_NOSUID | MS_NOEXEC,
        pts_options,
    )?;

    make_dir(c"dev/shm", 0o1777)?;
    let shm_options = Some(c"mode=1777,size=65536k");
    mount_at(
        c"shm",
        c"dev/shm",
        c"tmpfs",
        MS_NOSUID | MS_NODEV | MS_NOEXEC,
        shm_options,
    )?;

    for (target, link) in DEV_LINKS {
        fs::symlinkat(target, AT_FDCWD, link).map_err(|errno| create_error(link, errno))?;
    }
    if terminal {
        bind_console()?;
    }
    Ok(())
}

/// Binds the caller's terminal onto `/dev/console`. A new devpts instance
/// does not contain it, so without this it has no name inside and `tty`
/// fails; runc binds its console the same way.
///
/// The bind source is the terminal's path, such as `/dev/pts/3`, still
/// resolved against the host's root here. The fd's own magic link in
/// /proc would not do: it leads to the mount in the host's namespace, and
/// mount(2) rejects a bind from a mount outside the caller's namespace
/// with EINVAL.
fn bind_console() -> Result<()> {
    let mut link = [0u8; 255];
    let len = fs::readlinkat(AT_FDCWD, c"proc/self/fd/0", &mut link)
        .map_err(|errno| Error::new("find terminal", b"/proc/self/fd/0", errno))?;
    let mut source = crate::path::PathBuf::<256>::new();
    source.push(&link[..len])?;
    let reachable = source.as_bytes().starts_with(b"/")
        && !source.as_bytes().ends_with(b" (deleted)")
        && len < link.len();
    if reachable {
        fs::mknodat(AT_FDCWD, c"dev/console", libc::S_IFREG | 0o600, 0)
            .map_err(|errno| create_error(c"dev/console", errno))?;
        match mount(Some(source.as_cstr()), c"dev/console", None, MS_BIND, None) {
            Ok(()) => return Ok(()),
            Err(Errno::ENOENT) => {
                let _ = fs::unlinkat(AT_FDCWD, c"dev/console", 0);
            }
            Err(errno) => return Err(Error::new("bind-mount terminal", source.as_bytes(), errno)),
        }
    }
    make_console_node()
}

/// Creates `/dev/console` as a device node of the terminal's own number,
/// for a terminal whose path is gone, such as the initramfs's
/// `/dev/console` after switch_root. A real terminal opens through any
/// node of its number. A pseudo-terminal opens only from its devpts
/// instance, so for one the later open of this node fails.
fn make_console_node() -> Result<()> {
    let terminal = fs::fstatat(0, c"", libc::AT_EMPTY_PATH)
        .map_err(|errno| Error::new("find terminal", b"stdin", errno))?;
    fs::mknodat(
        AT_FDCWD,
        c"dev/console",
        libc::S_IFCHR | 0o620,
        terminal.st_rdev,
    )
    .map_err(|errno| create_error(c"dev/console", errno))
}

/// Files in `/proc` that expose host memory, kernel addresses or keys, or
/// that act on the host: hidden behind `/dev/null` as docker does.
const MASKED_FILES: [&CStr; 6] = [
    c"proc/kcore",
    c"proc/keys",
    c"proc/timer_list",
    c"proc/sched_debug",
    c"proc/latency_stats",
    c"proc/sysrq-trigger",
];

/// Directories in `/proc` hidden behind an empty read-only tmpfs.
const MASKED_DIRS: [&CStr; 2] = [c"proc/acpi", c"proc/scsi"];

/// Directories in `/proc` that change host-wide kernel settings: readable
/// but not writable.
const READ_ONLY_DIRS: [&CStr; 4] = [c"proc/sys", c"proc/irq", c"proc/bus", c"proc/fs"];

/// Masks and write-protects the parts of `/proc` that reach the host
/// kernel. Entries the running kernel does not have are skipped.
pub fn mask_proc() -> Result<()> {
    for path in MASKED_FILES {
        skip_missing(mount(Some(c"dev/null"), path, None, MS_BIND, None))
            .map_err(|errno| mount_error(path, errno))?;
    }
    for path in MASKED_DIRS {
        let flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        skip_missing(mount(Some(c"tmpfs"), path, Some(c"tmpfs"), flags, None))
            .map_err(|errno| mount_error(path, errno))?;
    }
    for path in READ_ONLY_DIRS {
        // A bind mount takes MS_RDONLY only on a remount of itself.
        let bound = skip_missing(mount(Some(path), path, None, MS_BIND | MS_REC, None));
        if bound.map_err(|errno| mount_error(path, errno))? {
            let flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
            mount(None, path, None, flags, None).map_err(|errno| mount_error(path, errno))?;
        }
    }
    Ok(())
}

/// Makes the working directory, ROOTFS, the root, and detaches the old
/// root so no path leads back to the host.
///
/// `pivot_root(".", ".")` stacks the old root on top of the new one, and
/// the lazy unmount of "." then removes it, with no directory to create in
/// ROOTFS (which may be read-only). Where the current root is the
/// initramfs, pivot_root fails with EINVAL; moving ROOTFS over `/` and
/// chrooting into it is the way out there, as switch_root does.
pub fn switch_root() -> Result<()> {
    match pivot_root(c".", c".") {
        Ok(()) => umount2(c".", libc::MNT_DETACH)
            .map_err(|errno| Error::new("detach old root", b"/", errno)),
        Err(Errno::EINVAL) => move_root(),
        Err(errno @ Errno::EBUSY) => Err(Error::new("pivot_root", b".", errno)
            .hint("ROOTFS must be a directory other than the host's / itself")),
        Err(errno) => Err(Error::new("pivot_root", b".", errno)),
    }
}

fn move_root() -> Result<()> {
    crate::trace::note("pivot_root refused (initramfs root): moving rootfs onto / and chroot");
    mount(Some(c"."), c"/", None, MS_MOVE, None)
        .map_err(|errno| Error::new("move rootfs onto /", b"/", errno))?;
    fs::chroot(c".").map_err(|errno| Error::new("chroot", b".", errno))?;
    fs::chdir(c"/").map_err(|errno| Error::new("enter new root", b"/", errno))
}

/// Ensures `name`, one component below ROOTFS, is a real directory:
/// creates it when missing, as runc does, and rejects a symlink, which
/// would resolve against the host's root at this point.
fn prepare_mount_point(name: &CStr) -> Result<()> {
    match fs::fstatat(AT_FDCWD, name, libc::AT_SYMLINK_NOFOLLOW) {
        Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => Ok(()),
        Ok(_) => Err(Error::usage("mount point is not a directory", b"/")
            .append(name.to_bytes())
            .hint("replace it in ROOTFS with an empty directory")),
        Err(Errno::ENOENT) => make_dir(name, 0o755),
        Err(errno) => Err(Error::new("inspect mount point", b"/", errno).append(name.to_bytes())),
    }
}

fn make_dir(path: &CStr, mode: u32) -> Result<()> {
    fs::mkdirat(AT_FDCWD, path, mode).map_err(|errno| create_error(path, errno))
}

fn mount_at(
    source: &CStr,
    target: &CStr,
    fstype: &CStr,
    flags: u64,
    data: Option<&CStr>,
) -> Result<()> {
    mount(Some(source), target, Some(fstype), flags, data).map_err(|errno| {
        let what = match fstype.to_bytes() {
            b"proc" => "mount proc",
            b"sysfs" => "mount sysfs",
            b"devpts" => "mount devpts",
            _ => "mount tmpfs",
        };
        Error::new(what, b"/", errno).append(target.to_bytes())
    })
}

/// Treats ENOENT as "this kernel has no such entry": Ok(false).
fn skip_missing(result: core::result::Result<(), Errno>) -> core::result::Result<bool, Errno> {
    match result {
        Ok(()) => Ok(true),
        Err(Errno::ENOENT) => Ok(false),
        Err(errno) => Err(errno),
    }
}

fn create_error(path: &CStr, errno: Errno) -> Error {
    let error = Error::new("create", b"/", errno).append(path.to_bytes());
    match errno {
        Errno::EROFS | Errno::EACCES => error.hint("ROOTFS is not writable: create it there"),
        _ => error,
    }
}

fn mount_error(path: &CStr, errno: Errno) -> Error {
    Error::new("mask", b"/", errno).append(path.to_bytes())
}
