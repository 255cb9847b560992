//! jail on a terminal: a pseudo-terminal made here plays the user's
//! terminal, and the test types into its master end and reads the screen
//! from it. COMMAND shares that terminal, so job control and Ctrl-C work
//! inside as on the host, and jail gives the terminal back as it was.

mod common;

use common::{jail_bin, restore_default_interrupt, rootfs};
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The prompt of busybox ash for root in `/`.
const PROMPT: &str = "/ # ";

/// A program running as session leader on a new pseudo-terminal.
struct Session {
    master: File,
    /// The test's own descriptor for the terminal, for tcgetattr. It also
    /// keeps reads on the master from failing with EIO once jail exits.
    slave: File,
    child: Child,
    /// The terminal's settings before the program started.
    initial: libc::termios,
    /// Everything read from the master so far.
    screen: Vec<u8>,
    /// How much of `screen` earlier calls to `expect` have matched.
    consumed: usize,
}

/// Opens a pseudo-terminal pair with a 24x80 window. Both descriptors are
/// close-on-exec from the start, unlike openpty's, so that processes that
/// parallel tests spawn do not inherit them.
fn open_pty() -> (File, File) {
    let master = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/ptmx")
        .expect("open /dev/ptmx");
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads one int from the pointer.
    let result = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) };
    assert_eq!(
        result,
        0,
        "unlock the pseudo-terminal: {}",
        io::Error::last_os_error()
    );

    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes open flags and returns a new descriptor.
    let fd = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    assert!(
        fd >= 0,
        "open the pseudo-terminal's slave: {}",
        io::Error::last_os_error()
    );
    // SAFETY: `fd` was just opened and nothing else owns it.
    let slave = unsafe { File::from_raw_fd(fd) };

    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one winsize from the pointer.
    let result = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    assert_eq!(
        result,
        0,
        "set the window size: {}",
        io::Error::last_os_error()
    );
    (master, slave)
}

impl Session {
    /// Starts `program` with stdin, stdout and stderr on a new terminal,
    /// in a new session whose controlling terminal it is, as a login does.
    fn spawn<S: AsRef<OsStr>>(program: &OsStr, args: &[S]) -> Session {
        let (master, slave) = open_pty();
        let mut command = Command::new(program);
        command.args(args);
        command.stdin(slave.try_clone().expect("dup slave"));
        command.stdout(slave.try_clone().expect("dup slave"));
        command.stderr(slave.try_clone().expect("dup slave"));
        restore_default_interrupt(&mut command);
        // SAFETY: setsid(2) and ioctl(2) are async-signal-safe, as
        // pre_exec requires. Stdio is on the slave by the time this runs.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let initial = termios(&slave);
        let child = command.spawn().expect("spawn on the pseudo-terminal");
        Session {
            master,
            slave,
            child,
            initial,
            screen: Vec::new(),
            consumed: 0,
        }
    }

    /// Starts `jail ROOTFS command...` as the session leader.
    fn jail(command: &[&str]) -> Session {
        let mut args = vec![rootfs().into_os_string()];
        args.extend(command.iter().map(Into::into));
        Session::spawn(jail_bin().as_os_str(), &args)
    }

    /// Starts an interactive shell in jail and waits for its prompt.
    fn shell() -> Session {
        let mut session = Session::jail(&["/bin/sh"]);
        session.expect(PROMPT);
        session
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Types `bytes` on the terminal.
    fn type_bytes(&mut self, bytes: &[u8]) {
        self.master
            .write_all(bytes)
            .expect("write to the pseudo-terminal master");
    }

    /// Types `line` and Enter at the prompt and waits for the next prompt;
    /// returns what the command printed, without the echoed line.
    fn run(&mut self, line: &str) -> String {
        self.type_bytes(format!("{line}\n").as_bytes());
        let text = self.expect(PROMPT);
        let printed = match text.find("\r\n") {
            Some(end_of_echo) => &text[end_of_echo + 2..text.len() - PROMPT.len()],
            None => "",
        };
        printed
            .replace("\r\n", "\n")
            .trim_end_matches('\n')
            .to_owned()
    }

    /// Reads the terminal until `needle` appears after the previous match;
    /// returns the text up to and including it. Panics on timeout with
    /// the unmatched text and jail's exit status, if it has exited.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let unmatched = String::from_utf8_lossy(&self.screen[self.consumed..]).into_owned();
            if let Some(start) = unmatched.find(needle) {
                let end = start + needle.len();
                self.consumed += unmatched[..end].len();
                return unmatched[..end].to_owned();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let exited = self.child.try_wait().ok().flatten();
                panic!(
                    "timed out after {TIMEOUT:?} waiting for {needle:?} on the terminal \
                     (exit status: {exited:?}); output since the last match: {unmatched:?}"
                );
            }
            self.read_master(left);
        }
    }

    /// Appends what the master has to read within `timeout` to `screen`.
    fn read_master(&mut self, timeout: Duration) {
        let mut poll = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = timeout.as_millis().clamp(1, 100) as libc::c_int;
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready <= 0 {
            return;
        }
        let mut chunk = [0u8; 4096];
        match self.master.read(&mut chunk) {
            Ok(count) => self.screen.extend_from_slice(&chunk[..count]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => panic!("read the pseudo-terminal master: {error}"),
        }
    }

    /// Returns the terminal's foreground process group, as a host pid.
    fn foreground_group(&self) -> i32 {
        // SAFETY: tcgetpgrp on an open descriptor. On a master it reports
        // the slave's foreground process group.
        let group = unsafe { libc::tcgetpgrp(self.master.as_raw_fd()) };
        assert!(group >= 0, "tcgetpgrp: {}", io::Error::last_os_error());
        group
    }

    /// Waits until a process group other than `group` is in the
    /// foreground, as after a shell has started a job; returns it.
    fn wait_foreground_change(&mut self, group: i32) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let current = self.foreground_group();
            if current != group && current > 0 {
                return current;
            }
            if Instant::now() >= deadline {
                let unmatched = String::from_utf8_lossy(&self.screen[self.consumed..]).into_owned();
                panic!(
                    "timed out after {TIMEOUT:?} waiting for a foreground process group other \
                     than {group}; output since the last match: {unmatched:?}"
                );
            }
            self.read_master(Duration::from_millis(10));
        }
    }

    /// Waits for the session leader to exit, reading the terminal on the
    /// way so that it never blocks on a full buffer.
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the session leader") {
                return status;
            }
            if Instant::now() >= deadline {
                let unmatched = String::from_utf8_lossy(&self.screen[self.consumed..]).into_owned();
                panic!("timed out after {TIMEOUT:?} waiting for exit; output since the last match: {unmatched:?}");
            }
            self.read_master(Duration::from_millis(10));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn termios(terminal: &File) -> libc::termios {
    // SAFETY: termios is plain data that tcgetattr fills in.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a termios to fill.
    let result = unsafe { libc::tcgetattr(terminal.as_raw_fd(), &mut termios) };
    assert_eq!(result, 0, "tcgetattr: {}", io::Error::last_os_error());
    termios
}

/// Returns the terminal settings as one comparable value: flags, line
/// discipline, control characters and speeds.
fn settings(termios: &libc::termios) -> (u32, u32, u32, u32, u8, Vec<u8>, u32, u32) {
    (
        termios.c_iflag,
        termios.c_oflag,
        termios.c_cflag,
        termios.c_lflag,
        termios.c_line,
        termios.c_cc.to_vec(),
        termios.c_ispeed,
        termios.c_ospeed,
    )
}

#[test]
fn shell_prompt_appears() {
    let mut session = Session::jail(&["/bin/sh"]);
    session.expect(PROMPT);
}

#[test]
fn tty_prints_dev_console() {
    let mut session = Session::shell();
    assert_eq!(session.run("tty"), "/dev/console");
}

#[test]
fn ps_shows_only_container_processes() {
    let mut session = Session::shell();
    let printed = session.run("ps -o pid,comm");

    let rows: Vec<Vec<&str>> = printed
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect())
        .collect();
    // PID 1 is jail's init, a fork of jail: its name is that of jail's
    // binary, cut to the kernel's 15-byte limit for process names.
    let binary = jail_bin();
    let name = binary
        .file_name()
        .expect("jail binary name")
        .to_string_lossy();
    let init_name = &name[..name.len().min(15)];
    assert_eq!(
        rows.len(),
        3,
        "expected init, the shell and ps: {printed:?}"
    );
    assert_eq!(rows[0], ["1", init_name], "PID 1: {printed:?}");
    assert_eq!(rows[1], ["2", "sh"], "PID 2: {printed:?}");
}

#[test]
fn hostname_prints_jail() {
    let mut session = Session::shell();
    assert_eq!(session.run("hostname"), "jail");
}

#[test]
fn jobs_lists_background_job() {
    let mut session = Session::shell();
    session.run("sleep 100 &");

    let jobs = session.run("jobs");
    assert!(jobs.contains("Running"), "jobs output: {jobs:?}");
    assert!(jobs.contains("sleep 100"), "jobs output: {jobs:?}");
}

#[test]
fn ctrl_c_interrupts_foreground_job() {
    let mut session = Session::shell();
    let shell_group = session.foreground_group();
    session.run("sleep 100 &");
    session.type_bytes(b"fg\n");
    session.wait_foreground_change(shell_group);

    session.type_bytes(b"\x03");
    session.expect(PROMPT);

    assert_eq!(
        session.foreground_group(),
        shell_group,
        "the shell is not in the foreground again"
    );
    assert_eq!(session.run("jobs"), "", "the job survived Ctrl-C");
    assert_eq!(session.run("echo alive"), "alive");
}

#[test]
fn ctrl_z_stops_foreground_job() {
    let mut session = Session::shell();
    let shell_group = session.foreground_group();
    session.type_bytes(b"sleep 100\n");
    session.wait_foreground_change(shell_group);

    session.type_bytes(b"\x1a");
    let screen = session.expect(PROMPT);
    assert!(
        screen.contains("Stopped"),
        "terminal after Ctrl-Z: {screen:?}"
    );

    let jobs = session.run("jobs");
    assert!(jobs.contains("Stopped"), "jobs output: {jobs:?}");
    assert!(jobs.contains("sleep 100"), "jobs output: {jobs:?}");
}

/// busybox ash's `kill` does not continue a stopped job, so `fg` does,
/// and the job then dies of the pending SIGTERM: status 128 + 15.
#[test]
fn kill_ends_stopped_job() {
    let mut session = Session::shell();
    let shell_group = session.foreground_group();
    session.type_bytes(b"sleep 100\n");
    session.wait_foreground_change(shell_group);
    session.type_bytes(b"\x1a");
    session.expect(PROMPT);

    let printed = session.run("kill %1; fg; echo \"status=$?\"");
    assert!(
        printed.ends_with("status=143"),
        "kill %1 then fg: {printed:?}"
    );
    assert_eq!(session.run("jobs"), "", "the job survived kill %1");
}

#[test]
fn ctrl_c_at_prompt_keeps_shell() {
    let mut session = Session::shell();
    session.type_bytes(b"\x03");
    session.expect(PROMPT);

    assert_eq!(session.run("echo alive"), "alive");
}

#[test]
fn exit_status_of_shell_is_jail_status() {
    let mut session = Session::shell();
    session.type_bytes(b"exit 7\n");

    let status = session.wait();
    assert_eq!(status.code(), Some(7), "jail status: {status:?}");
}

/// The shell switches the terminal to raw mode without echo and exits:
/// jail puts back the settings that the terminal had before it started.
#[test]
fn termios_restored_after_exit() {
    let mut session = Session::shell();
    let before = session.initial;
    assert_ne!(
        before.c_oflag & libc::OPOST,
        0,
        "a new terminal has output processing on"
    );

    session.run("stty raw -echo");
    let changed = termios(&session.slave);
    assert_eq!(
        changed.c_oflag & libc::OPOST,
        0,
        "stty raw inside did not reach the terminal"
    );
    session.type_bytes(b"exit\n");
    let status = session.wait();
    assert_eq!(status.code(), Some(0), "jail status: {status:?}");

    assert_eq!(settings(&termios(&session.slave)), settings(&before));
}

/// Here a host shell is the session leader and jail runs in its
/// foreground process group. COMMAND takes the foreground, and once jail
/// exits the host shell's group has it again.
#[test]
fn foreground_group_returned_after_exit() {
    let script = r#""$0" "$1" /bin/sh; echo "jail-exited=$?"; read reply"#;
    let jail = jail_bin();
    let rootfs = rootfs();
    let args = [
        OsStr::new("-c"),
        OsStr::new(script),
        jail.as_os_str(),
        rootfs.as_os_str(),
    ];
    let mut session = Session::spawn(OsStr::new("/bin/sh"), &args);
    let host_group = session.pid();
    session.expect(PROMPT);
    assert_ne!(
        session.foreground_group(),
        host_group,
        "COMMAND did not take the foreground"
    );

    session.type_bytes(b"exit\n");
    session.expect("jail-exited=0");
    assert_eq!(
        session.foreground_group(),
        host_group,
        "the terminal was not given back"
    );

    session.type_bytes(b"\n");
    let status = session.wait();
    assert_eq!(status.code(), Some(0), "host shell status: {status:?}");
}

/// COMMAND without a shell around it: Ctrl-C comes from the kernel to
/// its process group once it is in the foreground.
#[test]
fn ctrl_c_ends_command_with_130() {
    let mut session = Session::jail(&["sleep", "100"]);
    let jail_group = session.pid();
    session.wait_foreground_change(jail_group);

    session.type_bytes(b"\x03");
    let status = session.wait();
    assert_eq!(
        status.code(),
        Some(128 + libc::SIGINT),
        "jail status: {status:?}"
    );
}

/// Starts an interactive bash on a new terminal with the prompt `host$ `
/// and types `jail OPTIONS ROOTFS sleep SECONDS` at it. `SECONDS` makes the
/// command line unique among the tests running at the same time.
fn bash_running_jail_sleep(options: &str, seconds: u32) -> (Session, i32) {
    let args = ["--norc", "--noprofile", "-i"];
    let mut session = Session::spawn(OsStr::new("/bin/bash"), &args);
    session.type_bytes(b"PS1='host''$ '\n");
    session.expect("host$ ");
    let host_group = session.foreground_group();
    let line = format!(
        "{} {options} {} sleep {seconds}\n",
        jail_bin().display(),
        rootfs().display()
    );
    session.type_bytes(line.as_bytes());
    (session, host_group)
}

/// Waits until COMMAND, `sleep SECONDS`, leads the terminal's foreground
/// process group; its group id is its pid on the host.
fn wait_command_foreground(session: &mut Session, seconds: u32) {
    let needle = format!("sleep {seconds}");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let group = session.foreground_group();
        let leader = std::fs::read(format!("/proc/{group}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&leader)
            .replace('\0', " ")
            .trim_end()
            == needle
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{needle} never took the foreground"
        );
        session.read_master(Duration::from_millis(10));
    }
}

/// Ctrl-Z on a COMMAND that is not a shell: the host shell reports jail as
/// a stopped job and gets its prompt back, and `fg` gives the terminal
/// back to COMMAND, which Ctrl-C then ends.
#[test]
fn ctrl_z_suspends_jail_until_fg() {
    let (mut session, host_group) = bash_running_jail_sleep("", 1001);
    wait_command_foreground(&mut session, 1001);

    session.type_bytes(b"\x1a");
    session.expect("Stopped");
    session.expect("host$ ");
    assert_eq!(
        session.foreground_group(),
        host_group,
        "the host shell did not get the terminal"
    );

    session.type_bytes(b"fg\n");
    wait_command_foreground(&mut session, 1001);
    session.type_bytes(b"\x03");
    session.expect("host$ ");
    session.type_bytes(b"echo status=$?\n");
    session.expect("status=130");
    session.type_bytes(b"exit\n");
    session.wait();
}

/// Ctrl-Z while the container is still being set up stops jail on the
/// host at once. COMMAND must not then take the terminal from the host
/// shell: the shell stays usable, and `fg` hands the terminal to COMMAND.
#[test]
fn ctrl_z_during_setup_leaves_shell_usable() {
    // --trace prints every syscall to the terminal, which slows the setup
    // down enough for the Ctrl-Z to land in it.
    let (mut session, host_group) = bash_running_jail_sleep("--trace", 1002);
    session.wait_foreground_change(host_group);
    session.type_bytes(b"\x1a");
    session.expect("Stopped");
    session.expect("host$ ");

    // Give COMMAND time to start while jail is stopped.
    std::thread::sleep(Duration::from_millis(300));
    session.type_bytes(b"echo shell=ok\n");
    session.expect("shell=ok");
    assert_eq!(session.foreground_group(), host_group);

    session.type_bytes(b"fg\n");
    wait_command_foreground(&mut session, 1002);
    session.type_bytes(b"\x03");
    session.type_bytes(b"echo status=$?\n");
    session.expect("status=130");
    session.type_bytes(b"exit\n");
    session.wait();
}

/// A terminal whose device file is gone, as the initramfs's /dev/console
/// is after switch_root: jail still names it `/dev/console` inside, from a
/// device node of its number, instead of failing to bind it.
#[test]
fn deleted_terminal_path_still_works() {
    let node = std::env::temp_dir().join(format!("jail-test-console-{}", std::process::id()));
    let path = std::ffi::CString::new(node.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mknod(2) reads the NUL-terminated path for the call.
    let made = unsafe { libc::mknod(path.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(5, 1)) };
    assert_eq!(
        made,
        0,
        "mknod {}: {}",
        node.display(),
        io::Error::last_os_error()
    );
    let terminal = OpenOptions::new().read(true).write(true).open(&node);
    std::fs::remove_file(&node).expect("remove the device node");
    let terminal = terminal.expect("open the console through the node");

    let output = common::jail(&[], &["/bin/sh", "-c", "tty"])
        .stdin(terminal)
        .output()
        .expect("run jail");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        common::stderr(&output)
    );
    assert_eq!(common::stdout(&output), "/dev/console\n");
}
