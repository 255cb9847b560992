//! Resource limits: parsing the option values, and which file of which
//! controller each limit is written to, on cgroup v1 and v2.

/// The CFS period jail uses: `--cpus N` allows N times this much CPU time
/// per period.
pub const CPU_PERIOD_US: u64 = 100_000;

/// The smallest CPU quota the kernel accepts: 1 ms per period.
const CPU_QUOTA_MIN_US: u64 = 1_000;

/// The smallest memory limit jail accepts: a floor against a forgotten
/// unit, as in `--memory 64`, which would be 64 bytes. docker's floor is
/// 6 MiB.
const MEMORY_MIN: u64 = 1 << 20;

/// The limits of one container; None means unlimited.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub struct Limits {
    /// Bytes of memory, swap included.
    pub memory: Option<u64>,
    /// Microseconds of CPU time per [`CPU_PERIOD_US`].
    pub cpu_quota_us: Option<u64>,
    /// Number of tasks.
    pub pids: Option<u64>,
}

impl Limits {
    pub fn any(&self) -> bool {
        self.memory.is_some() || self.cpu_quota_us.is_some() || self.pids.is_some()
    }

    /// Returns whether `controller` has a limit to enforce.
    pub fn needs(&self, controller: Controller) -> bool {
        match controller {
            Controller::Memory => self.memory.is_some(),
            Controller::Cpu => self.cpu_quota_us.is_some(),
            Controller::Pids => self.pids.is_some(),
        }
    }
}

/// A cgroup controller jail sets limits with.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Controller {
    Memory,
    Cpu,
    Pids,
}

pub const CONTROLLERS: [Controller; 3] = [Controller::Memory, Controller::Cpu, Controller::Pids];

impl Controller {
    pub fn name(self) -> &'static [u8] {
        match self {
            Controller::Memory => b"memory",
            Controller::Cpu => b"cpu",
            Controller::Pids => b"pids",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A value written to a cgroup file: one number, or two separated by a
/// space as in v2's `cpu.max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value(pub u64, pub Option<u64>);

/// One write of a limit: the file, the value, and whether the file may be
/// missing (swap files exist only with swap accounting on).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    pub file: &'static [u8],
    pub value: Value,
    pub optional: bool,
}

const fn setting(file: &'static [u8], value: Value, optional: bool) -> Setting {
    Setting {
        file,
        value,
        optional,
    }
}

/// Returns the writes that apply `limits` for `controller`, in order. Memory and
/// swap share one limit: v1 counts memory plus swap in `memsw`, v2 counts
/// swap apart, so its swap is set to 0. v1's memsw limit may not be below
/// the memory limit, so it is written second.
pub fn settings(controller: Controller, v2: bool, limits: &Limits) -> [Option<Setting>; 2] {
    match (controller, v2) {
        (Controller::Memory, _) => {
            let Some(bytes) = limits.memory else {
                return [None, None];
            };
            if v2 {
                [
                    Some(setting(b"memory.max", Value(bytes, None), false)),
                    Some(setting(b"memory.swap.max", Value(0, None), true)),
                ]
            } else {
                [
                    Some(setting(b"memory.limit_in_bytes", Value(bytes, None), false)),
                    Some(setting(
                        b"memory.memsw.limit_in_bytes",
                        Value(bytes, None),
                        true,
                    )),
                ]
            }
        }
        (Controller::Cpu, _) => {
            let Some(quota) = limits.cpu_quota_us else {
                return [None, None];
            };
            if v2 {
                [
                    Some(setting(
                        b"cpu.max",
                        Value(quota, Some(CPU_PERIOD_US)),
                        false,
                    )),
                    None,
                ]
            } else {
                [
                    Some(setting(
                        b"cpu.cfs_period_us",
                        Value(CPU_PERIOD_US, None),
                        false,
                    )),
                    Some(setting(b"cpu.cfs_quota_us", Value(quota, None), false)),
                ]
            }
        }
        (Controller::Pids, _) => match limits.pids {
            Some(pids) => [Some(setting(b"pids.max", Value(pids, None), false)), None],
            None => [None, None],
        },
    }
}

/// Returns the file and key that count the container's OOM kills.
pub fn oom_counter(v2: bool) -> (&'static [u8], &'static [u8]) {
    if v2 {
        (b"memory.events", b"oom_kill")
    } else {
        (b"memory.oom_control", b"oom_kill")
    }
}

/// Parses `--memory`: bytes, or a number with a `k`, `m` or `g` suffix
/// (powers of 1024, either case), at least 1 MiB.
pub fn parse_memory(text: &[u8]) -> Option<u64> {
    let (digits, unit) = match text.last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 1u64 << 10),
        b'm' | b'M' => (&text[..text.len() - 1], 1 << 20),
        b'g' | b'G' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    let bytes = crate::cli::parse_u64(digits)?.checked_mul(unit)?;
    (bytes >= MEMORY_MIN).then_some(bytes)
}

/// Parses `--cpus`: a decimal number of CPUs with up to 5 decimals, such
/// as `0.5` or `2`; returns the quota per period in microseconds.
pub fn parse_cpus(text: &[u8]) -> Option<u64> {
    let (whole, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, &b""[..]),
    };
    if fraction.len() > 5 || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    let whole = if whole.is_empty() {
        0
    } else {
        crate::cli::parse_u64(whole)?
    };
    let mut micro = 0;
    if !fraction.is_empty() {
        let scale = [10_000, 1_000, 100, 10, 1][fraction.len() - 1];
        // The fraction in units of 1e-5 CPU, then in microseconds per period.
        micro = crate::cli::parse_u64(fraction)? * scale * CPU_PERIOD_US / 100_000;
    }
    let quota = whole.checked_mul(CPU_PERIOD_US)?.checked_add(micro)?;
    (quota >= CPU_QUOTA_MIN_US).then_some(quota)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_memory_units() {
        assert_eq!(parse_memory(b"1048576"), Some(1 << 20));
        assert_eq!(parse_memory(b"1024k"), Some(1 << 20));
        assert_eq!(parse_memory(b"64m"), Some(64 << 20));
        assert_eq!(parse_memory(b"64M"), Some(64 << 20));
        assert_eq!(parse_memory(b"2g"), Some(2 << 30));
    }

    #[test]
    fn parse_memory_rejects_bad_values() {
        for bad in [
            &b""[..],
            b"m",
            b"0",
            b"1k",
            b"1.5g",
            b"-1m",
            b"10x",
            b"999999999999999999g",
        ] {
            assert_eq!(parse_memory(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn parse_cpus_decimals() {
        assert_eq!(parse_cpus(b"0.5"), Some(50_000));
        assert_eq!(parse_cpus(b".5"), Some(50_000));
        assert_eq!(parse_cpus(b"2"), Some(200_000));
        assert_eq!(parse_cpus(b"1.25"), Some(125_000));
        assert_eq!(parse_cpus(b"0.01"), Some(1_000));
        assert_eq!(parse_cpus(b"0.00001"), None);
        assert_eq!(parse_cpus(b"1.00001"), Some(100_001));
    }

    #[test]
    fn parse_cpus_rejects_bad_values() {
        for bad in [
            &b""[..],
            b".",
            b"0",
            b"0.009",
            b"-1",
            b"1.2.3",
            b"1e3",
            b"0.000001",
            b"abc",
        ] {
            assert_eq!(parse_cpus(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn settings_v1_memory_sets_memsw_after_limit() {
        let limits = Limits {
            memory: Some(64 << 20),
            ..Limits::default()
        };
        let [first, second] = settings(Controller::Memory, false, &limits);
        assert_eq!(first.unwrap().file, b"memory.limit_in_bytes");
        assert_eq!(second.unwrap().file, b"memory.memsw.limit_in_bytes");
        assert_eq!(second.unwrap().value, Value(64 << 20, None));
        assert!(second.unwrap().optional);
    }

    #[test]
    fn settings_v2_memory_turns_swap_off() {
        let limits = Limits {
            memory: Some(64 << 20),
            ..Limits::default()
        };
        let [first, second] = settings(Controller::Memory, true, &limits);
        assert_eq!(first.unwrap().file, b"memory.max");
        assert_eq!(second.unwrap().file, b"memory.swap.max");
        assert_eq!(second.unwrap().value, Value(0, None));
    }

    #[test]
    fn settings_cpu_v1_and_v2() {
        let limits = Limits {
            cpu_quota_us: Some(50_000),
            ..Limits::default()
        };
        let [max, none] = settings(Controller::Cpu, true, &limits);
        assert_eq!(max.unwrap().file, b"cpu.max");
        assert_eq!(max.unwrap().value, Value(50_000, Some(100_000)));
        assert!(none.is_none());
        let [period, quota] = settings(Controller::Cpu, false, &limits);
        assert_eq!(period.unwrap().file, b"cpu.cfs_period_us");
        assert_eq!(quota.unwrap().file, b"cpu.cfs_quota_us");
        assert_eq!(quota.unwrap().value, Value(50_000, None));
    }

    #[test]
    fn settings_skip_unset_limits() {
        let limits = Limits {
            pids: Some(5),
            ..Limits::default()
        };
        assert_eq!(settings(Controller::Memory, false, &limits), [None, None]);
        assert_eq!(settings(Controller::Cpu, true, &limits), [None, None]);
        let [pids, _] = settings(Controller::Pids, false, &limits);
        assert_eq!(pids.unwrap().value, Value(5, None));
    }
}
