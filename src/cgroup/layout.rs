//! The mount points of the cgroup hierarchies, read from
//! `/proc/self/mountinfo`: pure v2, pure v1, or the hybrid of v1 per
//! controller plus a v2 mount (usually `/sys/fs/cgroup/unified`).

use super::limits::CONTROLLERS;

/// The mount points of the v2 hierarchy and of the v1 hierarchies of the
/// controllers jail uses, indexed by [`Controller::index`], plus v1
/// `cpuacct`, which accounts the CPU time that `cpu` limits.
#[derive(Default, Debug, PartialEq)]
pub struct Mounts<'a> {
    pub v2: Option<&'a [u8]>,
    pub v1: [Option<&'a [u8]>; 3],
    pub v1_cpuacct: Option<&'a [u8]>,
}

impl<'a> Mounts<'a> {
    /// Notes the cgroup mount described by one mountinfo line, if it is one.
    ///
    /// A line reads `ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [TAGS...] -
    /// FSTYPE SOURCE SUPER_OPTIONS`; see proc_pid_mountinfo(5). Mount
    /// points with escaped characters (`\040` for a space) are skipped,
    /// since cgroup hierarchies are not mounted at such paths in practice.
    pub fn add_line(&mut self, line: &'a [u8]) {
        let mut fields = line.split(|&b| b == b' ');
        let Some(mount_point) = fields.nth(4) else {
            return;
        };
        let mut after_dash = fields.skip_while(|&field| field != b"-").skip(1);
        let (Some(fstype), _, Some(options)) =
            (after_dash.next(), after_dash.next(), after_dash.next())
        else {
            return;
        };
        if mount_point.contains(&b'\\') {
            return;
        }
        match fstype {
            b"cgroup2" if self.v2.is_none() => self.v2 = Some(mount_point),
            b"cgroup" => {
                for controller in CONTROLLERS {
                    let slot = &mut self.v1[controller.index()];
                    if slot.is_none() && has_word(options, b',', controller.name()) {
                        *slot = Some(mount_point);
                    }
                }
                if self.v1_cpuacct.is_none() && has_word(options, b',', b"cpuacct") {
                    self.v1_cpuacct = Some(mount_point);
                }
            }
            _ => {}
        }
    }
}

/// Returns whether `list`, split at `separator`, contains `word`.
/// `cgroup.controllers` separates with spaces, mount options with commas.
pub fn has_word(list: &[u8], separator: u8, word: &[u8]) -> bool {
    list.split(|&b| b == separator || b == b'\n')
        .any(|item| item == word)
}

#[cfg(test)]
mod tests {
    use super::super::limits::Controller;
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    const PURE_V2: &str = "\
25 1 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw
26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    fn parse(text: &str) -> Mounts<'_> {
        let mut mounts = Mounts::default();
        for line in text.as_bytes().split(|&b| b == b'\n') {
            mounts.add_line(line);
        }
        mounts
    }

    #[test]
    fn layout_hybrid_has_v1_controllers_and_v2() {
        let mounts = parse(HYBRID);
        assert_eq!(
            mounts.v1[Controller::Pids.index()],
            Some(&b"/sys/fs/cgroup/pids"[..])
        );
        assert_eq!(
            mounts.v1[Controller::Memory.index()],
            Some(&b"/sys/fs/cgroup/memory"[..])
        );
        assert_eq!(
            mounts.v1[Controller::Cpu.index()],
            Some(&b"/sys/fs/cgroup/cpu"[..])
        );
        assert_eq!(mounts.v1_cpuacct, None);
        assert_eq!(mounts.v2, Some(&b"/sys/fs/cgroup/unified"[..]));
    }

    #[test]
    fn layout_comounted_cpu_and_cpuacct() {
        let mounts =
            parse("33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
        let path = Some(&b"/sys/fs/cgroup/cpu,cpuacct"[..]);
        assert_eq!(mounts.v1[Controller::Cpu.index()], path);
        assert_eq!(mounts.v1_cpuacct, path);
    }

    #[test]
    fn layout_pure_v1_has_no_v2() {
        let mounts = parse("39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
        assert_eq!(mounts.v2, None);
        assert_eq!(
            mounts.v1[Controller::Pids.index()],
            Some(&b"/sys/fs/cgroup/pids"[..])
        );
    }

    #[test]
    fn layout_pure_v2_with_optional_tags() {
        let mounts = parse(PURE_V2);
        assert_eq!(mounts.v2, Some(&b"/sys/fs/cgroup"[..]));
        assert_eq!(mounts.v1, [None, None, None]);
    }

    #[test]
    fn layout_ignores_name_containing_pids() {
        let mounts = parse("40 31 0:37 / /x rw - cgroup cgroup rw,name=pidsx\n");
        assert_eq!(mounts.v1[Controller::Pids.index()], None);
    }

    #[test]
    fn layout_ignores_truncated_lines() {
        let mounts = parse("41 31 0:38 / /sys/fs/cgroup/unified rw\n41 31\n\n");
        assert_eq!(mounts, Mounts::default());
    }

    #[test]
    fn controllers_list_is_space_separated() {
        assert!(has_word(b"cpuset cpu io memory pids\n", b' ', b"pids"));
        assert!(!has_word(b"hugetlb\n", b' ', b"pids"));
        assert!(!has_word(b"", b' ', b"pids"));
    }
}
