//! The default seccomp filter: syscalls that docker's default profile
//! rejects return EPERM instead of running.
//!
//! docker's profile is an allow list with exceptions. This filter is the
//! equivalent deny list for the x86_64 ABI, short enough to read whole.
//! Syscalls of any other ABI (x32, i386) are all rejected, because the
//! numbers below mean nothing there.

use crate::error::{Error, Result};
use crate::sys::seccomp::{self, SockFilter};
use crate::sys::Sysno;

/// Syscalls rejected with EPERM: kernel modules and kexec, reboot and
/// swap, clock and time changes, keyrings, bpf and perf, reading other
/// processes' memory, NUMA policy, and handles that bypass path checks.
/// Also anything that mounts or changes namespaces, since that would undo
/// the container's isolation.
const DENIED: [Sysno; 51] = [
    Sysno::acct,
    Sysno::add_key,
    Sysno::bpf,
    Sysno::clock_adjtime,
    Sysno::clock_settime,
    Sysno::create_module,
    Sysno::delete_module,
    Sysno::finit_module,
    Sysno::fsconfig,
    Sysno::fsmount,
    Sysno::fsopen,
    Sysno::fspick,
    Sysno::get_kernel_syms,
    Sysno::get_mempolicy,
    Sysno::init_module,
    Sysno::io_uring_enter,
    Sysno::io_uring_register,
    Sysno::io_uring_setup,
    Sysno::ioperm,
    Sysno::iopl,
    Sysno::kcmp,
    Sysno::kexec_file_load,
    Sysno::kexec_load,
    Sysno::keyctl,
    Sysno::lookup_dcookie,
    Sysno::mbind,
    Sysno::mount,
    Sysno::mount_setattr,
    Sysno::move_mount,
    Sysno::move_pages,
    Sysno::name_to_handle_at,
    Sysno::nfsservctl,
    Sysno::open_by_handle_at,
    Sysno::open_tree,
    Sysno::perf_event_open,
    Sysno::pivot_root,
    Sysno::process_vm_readv,
    Sysno::process_vm_writev,
    Sysno::query_module,
    Sysno::quotactl,
    Sysno::reboot,
    Sysno::request_key,
    Sysno::set_mempolicy,
    Sysno::setns,
    Sysno::settimeofday,
    Sysno::swapoff,
    Sysno::swapon,
    Sysno::syslog,
    Sysno::umount2,
    Sysno::unshare,
    Sysno::userfaultfd,
];

/// Namespace flags that clone may not take: a new namespace inside the
/// container could hold a mount namespace with the rootfs unprotected.
const CLONE_NAMESPACES: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWCGROUP) as u32;

/// The ioctl that pushes bytes into a terminal's input: a process sharing
/// the caller's terminal could type commands into the host shell with it.
const TIOCSTI: u32 = 0x5412;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// Syscall numbers of the x32 ABI have this bit set.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

// Offsets in `struct seccomp_data`: nr, arch, instruction pointer, then
// six 64-bit arguments, whose low halves come first on x86_64.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0: u32 = 16;
const OFFSET_ARG1: u32 = 24;

const LOAD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const JSET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
const EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
/// clone3 passes its flags in memory, which a filter cannot read, so it
/// fails as if missing; C libraries then fall back to clone.
const ENOSYS: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

/// The denied numbers sorted, for the binary search below.
const SORTED: [u32; DENIED.len()] = sort_denied();

/// Leaves of the search tree test up to this many numbers one by one.
const LEAF: usize = 4;

/// 6 instructions of checks on the ABI, 12 for clone3, ioctl and clone,
/// then the search tree.
const LEN: usize = 6 + 12 + tree_len(DENIED.len());

const fn op(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

const fn sort_denied() -> [u32; DENIED.len()] {
    let mut sorted = [0u32; DENIED.len()];
    let mut index = 0;
    while index < DENIED.len() {
        // Insertion sort: a const fn has no slice::sort.
        let value = DENIED[index] as u32;
        let mut at = index;
        while at > 0 && sorted[at - 1] > value {
            sorted[at] = sorted[at - 1];
            at -= 1;
        }
        sorted[at] = value;
        index += 1;
    }
    sorted
}

/// Returns the length of the search tree over `count` sorted numbers.
const fn tree_len(count: usize) -> usize {
    if count <= LEAF {
        2 * count + 1
    } else {
        1 + tree_len(count / 2) + tree_len(count - count / 2)
    }
}

/// Emits the search tree over `SORTED[low..high]` at `at`; returns the
/// index after it. A node jumps over its left subtree when the number is
/// at least the right subtree's first, and each leaf ends in ALLOW, so
/// every jump is forward and none depends on where the tree ends.
const fn emit_tree(
    program: &mut [SockFilter; LEN],
    mut at: usize,
    low: usize,
    high: usize,
) -> usize {
    let count = high - low;
    if count <= LEAF {
        let mut index = low;
        while index < high {
            program[at] = op(JEQ, SORTED[index], 0, 1);
            program[at + 1] = op(RET, EPERM, 0, 0);
            at += 2;
            index += 1;
        }
        program[at] = op(RET, ALLOW, 0, 0);
        return at + 1;
    }
    let middle = low + count / 2;
    let skip = tree_len(middle - low);
    assert!(skip <= u8::MAX as usize, "seccomp tree: jump too long");
    program[at] = op(JGE, SORTED[middle], skip as u8, 0);
    at = emit_tree(program, at + 1, low, middle);
    emit_tree(program, at, middle, high)
}

/// Builds the program: the ABI checks, the syscalls that need their
/// arguments read, then a binary search over the denied numbers. A
/// syscall then costs about ten instructions instead of a walk over the
/// whole list.
const fn build() -> [SockFilter; LEN] {
    let mut program = [op(RET, ALLOW, 0, 0); LEN];
    let head = [
        op(LOAD, OFFSET_ARCH, 0, 0),
        op(JEQ, AUDIT_ARCH_X86_64, 1, 0),
        op(RET, EPERM, 0, 0),
        op(LOAD, OFFSET_NR, 0, 0),
        op(JGE, X32_SYSCALL_BIT, 0, 1),
        op(RET, EPERM, 0, 0),
        op(JEQ, Sysno::clone3 as u32, 0, 1),
        op(RET, ENOSYS, 0, 0),
        op(JEQ, Sysno::ioctl as u32, 0, 4),
        op(LOAD, OFFSET_ARG1, 0, 0),
        op(JEQ, TIOCSTI, 0, 1),
        op(RET, EPERM, 0, 0),
        op(RET, ALLOW, 0, 0),
        op(JEQ, Sysno::clone as u32, 0, 4),
        op(LOAD, OFFSET_ARG0, 0, 0),
        op(JSET, CLONE_NAMESPACES, 0, 1),
        op(RET, EPERM, 0, 0),
        op(RET, ALLOW, 0, 0),
    ];
    let mut at = 0;
    while at < head.len() {
        program[at] = head[at];
        at += 1;
    }
    let end = emit_tree(&mut program, at, 0, DENIED.len());
    assert!(end == LEN, "seccomp program: length miscounted");
    program
}

static PROGRAM: [SockFilter; LEN] = build();

/// Installs the default filter. It must come last before exec: every
/// syscall jail makes after it is filtered too.
pub fn load_default_filter() -> Result<()> {
    seccomp::set_mode_filter(&PROGRAM)
        .map_err(|errno| Error::new("load seccomp filter", b"default", errno))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the program on one syscall as the kernel would; returns the
    /// action.
    fn run(arch: u32, nr: u32, arg0: u64, arg1: u64) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&nr.to_ne_bytes());
        data[4..8].copy_from_slice(&arch.to_ne_bytes());
        data[16..24].copy_from_slice(&arg0.to_ne_bytes());
        data[24..32].copy_from_slice(&arg1.to_ne_bytes());
        let (mut pc, mut a) = (0usize, 0u32);
        loop {
            let insn = PROGRAM[pc];
            let offset = insn.k as usize;
            let taken = match insn.code {
                LOAD => {
                    a = u32::from_ne_bytes(data[offset..offset + 4].try_into().unwrap());
                    pc += 1;
                    continue;
                }
                RET => return insn.k,
                JEQ => a == insn.k,
                JGE => a >= insn.k,
                JSET => a & insn.k != 0,
                code => panic!("unexpected instruction {code:#x} at {pc}"),
            };
            pc += 1 + if taken { insn.jt } else { insn.jf } as usize;
        }
    }

    fn syscall(nr: Sysno) -> u32 {
        run(AUDIT_ARCH_X86_64, nr as u32, 0, 0)
    }

    #[test]
    fn filter_denies_every_listed_syscall() {
        for nr in DENIED {
            assert_eq!(syscall(nr), EPERM, "{}", nr.name());
        }
    }

    #[test]
    fn filter_allows_everything_else() {
        let denied: Vec<u32> = DENIED.iter().map(|nr| *nr as u32).collect();
        for nr in 0..460u32 {
            let special = [Sysno::clone3 as u32].contains(&nr);
            if !denied.contains(&nr) && !special {
                assert_eq!(run(AUDIT_ARCH_X86_64, nr, 0, 0), ALLOW, "syscall {nr}");
            }
        }
    }

    #[test]
    fn filter_checks_clone_flags_and_tiocsti() {
        let clone = Sysno::clone as u32;
        assert_eq!(
            run(AUDIT_ARCH_X86_64, clone, libc::SIGCHLD as u64, 0),
            ALLOW
        );
        assert_eq!(
            run(AUDIT_ARCH_X86_64, clone, libc::CLONE_NEWNS as u64, 0),
            EPERM
        );
        assert_eq!(
            run(AUDIT_ARCH_X86_64, clone, libc::CLONE_NEWUSER as u64, 0),
            EPERM
        );
        let ioctl = Sysno::ioctl as u32;
        assert_eq!(run(AUDIT_ARCH_X86_64, ioctl, 0, TIOCSTI as u64), EPERM);
        assert_eq!(run(AUDIT_ARCH_X86_64, ioctl, 0, libc::TCGETS as u64), ALLOW);
        assert_eq!(syscall(Sysno::clone3), ENOSYS);
    }

    #[test]
    fn filter_rejects_other_abis() {
        assert_eq!(run(0x4000_0003, 1, 0, 0), EPERM, "i386");
        assert_eq!(
            run(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 1, 0, 0),
            EPERM,
            "x32"
        );
    }

    #[test]
    fn denied_list_has_no_duplicates() {
        let mut numbers: Vec<u32> = DENIED.iter().map(|nr| *nr as u32).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), DENIED.len());
        assert_eq!(numbers, SORTED.to_vec());
    }
}
