//! The default seccomp filter: syscalls that docker's default profile
//! rejects return EPERM instead of running.
//!
//! docker's profile is an allow list with exceptions; this filter is the
//! equivalent deny list for the x86_64 ABI, which keeps it short enough to
//! read whole. Syscalls of any other ABI (x32, i386) are all rejected,
//! since the numbers below mean nothing there.

use crate::error::{Error, Result};
use crate::sys::seccomp::{self, SockFilter};
use crate::sys::Sysno;

/// Syscalls rejected with EPERM: kernel modules and kexec, reboot and
/// swap, clock and time changes, keyrings, bpf and perf, reading other
/// processes' memory, NUMA policy, handles that bypass path checks, and
/// anything that mounts or changes namespaces, which would undo the
/// container's isolation.
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

const LEN: usize = 6 + 2 * DENIED.len() + 2 + 5 + 5 + 1;

const fn op(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

/// Builds the program. Each check jumps only over its own one-instruction
/// result, so no offset depends on the list's length.
const fn build() -> [SockFilter; LEN] {
    let mut program = [op(RET, ALLOW, 0, 0); LEN];
    let head = [
        op(LOAD, OFFSET_ARCH, 0, 0),
        op(JEQ, AUDIT_ARCH_X86_64, 1, 0),
        op(RET, EPERM, 0, 0),
        op(LOAD, OFFSET_NR, 0, 0),
        op(JGE, X32_SYSCALL_BIT, 0, 1),
        op(RET, EPERM, 0, 0),
    ];
    let mut at = 0;
    while at < head.len() {
        program[at] = head[at];
        at += 1;
    }
    let mut index = 0;
    while index < DENIED.len() {
        program[at] = op(JEQ, DENIED[index] as u32, 0, 1);
        program[at + 1] = op(RET, EPERM, 0, 0);
        at += 2;
        index += 1;
    }
    let tail = [
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
        op(RET, ALLOW, 0, 0),
    ];
    let mut index = 0;
    while index < tail.len() {
        program[at] = tail[index];
        at += 1;
        index += 1;
    }
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

    #[test]
    fn program_fills_every_slot() {
        // The last instruction is the final allow; the one before it ends
        // the clone check, so a miscounted LEN shows up here.
        assert_eq!(PROGRAM[LEN - 1].code, RET);
        assert_eq!(PROGRAM[LEN - 2].code, RET);
        assert_eq!(PROGRAM[LEN - 3].code, RET);
        assert_eq!(PROGRAM[LEN - 3].k, EPERM);
    }

    #[test]
    fn every_jump_lands_inside_program() {
        for (at, insn) in PROGRAM.iter().enumerate() {
            if insn.code & 0x07 == libc::BPF_JMP as u16 {
                assert!(at + 1 + (insn.jt.max(insn.jf) as usize) < LEN, "jump at {at}");
            }
        }
    }

    #[test]
    fn denied_list_has_no_duplicates() {
        let mut numbers: Vec<u32> = DENIED.iter().map(|nr| *nr as u32).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), DENIED.len());
    }
}
