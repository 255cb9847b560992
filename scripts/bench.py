#!/usr/bin/env python3
"""Compare jail with its peers on one busybox rootfs, in one run.

Measures, for jail and for the runtimes its users would pick instead
(chroot, unshare, bwrap, crun, runc):

- start-to-exit time of `/bin/true` and of `/bin/sh -c true`, with the
  contenders interleaved round by round so that machine noise hits all alike;
- binary size and linking, peak resident memory and the number of syscalls
  made before the command's execve;
- 100 containers started at once, with checks that none failed and none left
  a mount, process, cgroup or runtime state behind.

Run as root from `just bench`, which builds the static release binary and the
rootfs first. `just bench record` also rewrites BENCHMARKS.md, keeping the
hand-written block between `<!-- manual -->` and `<!-- /manual -->`.
Python 3 standard library only.
"""

import argparse
import ctypes
import datetime
import gc
import glob
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTFS = os.path.join(REPO, "build", "rootfs")
JAIL = os.path.join(REPO, "target", "x86_64-unknown-linux-musl", "release", "jail")
BENCHMARKS = os.path.join(REPO, "BENCHMARKS.md")
RECORD_COMMAND = "just bench record"

# Debian package for each tool the bench runs. `time` is GNU time, for its
# `-v` report of the maximum resident set size.
PACKAGES = {
    "/usr/bin/crun": "crun",
    "/usr/sbin/runc": "runc",
    "/usr/bin/bwrap": "bubblewrap",
    "/usr/bin/strace": "strace",
    "/usr/bin/time": "time",
    "/usr/bin/file": "file",
    "/usr/bin/unshare": "util-linux",
    "/usr/sbin/chroot": "coreutils",
}

WORKLOADS = {
    "/bin/true": ["/bin/true"],
    "/bin/sh -c true": ["/bin/sh", "-c", "true"],
}
TARGET_WORKLOAD = "/bin/true"
CONCURRENT_COMMAND = ["/bin/sh", "-c", "sleep 0.1"]

# A run, or a batch of concurrent runs, that takes longer than this is
# killed and counted as failed.
RUN_TIMEOUT_S = 30
CONCURRENT_TIMEOUT_S = 120
# How long after the last run exits the bench waits before it looks for
# processes left behind.
LINGER_S = 0.5
PR_SET_CHILD_SUBREAPER = 36
MANUAL_BLOCK = re.compile(r"<!-- manual -->.*?<!-- /manual -->", re.DOTALL)
DEFAULT_MANUAL_BLOCK = """<!-- manual -->
_Written by hand; `just bench record` keeps everything between the
`manual` markers._

TODO: one line per syscall in the trace below, with the reason it is needed,
and for each missed target above, why it is missed and what would close the
gap.
<!-- /manual -->"""


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def fail(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- setup


def ensure_tools():
    """Install the Debian packages of the tools that are missing."""
    missing = sorted({pkg for path, pkg in PACKAGES.items() if not os.path.exists(path)})
    if not missing:
        return
    log(f"installing {' '.join(missing)} with apt-get")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def become_subreaper():
    """Make this process the subreaper of everything it starts, so that any
    process a contender leaves behind is reparented here and can be found."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        fail(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}")


def own_children():
    """Return the pids of this process's children. Once a contender's run has
    been reaped, these are processes the run left behind, because this
    process is the subreaper of every run."""
    with open(f"/proc/self/task/{os.getpid()}/children") as file:
        return [int(pid) for pid in file.read().split()]


def reap_exited():
    """Reap the children that have exited, without waiting."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def settle_children():
    """Wait for the children that earlier runs left behind, killing them
    after RUN_TIMEOUT_S; return how many there were."""
    left = own_children()
    if not left:
        return 0
    signal.alarm(RUN_TIMEOUT_S)
    try:
        while True:
            os.waitpid(-1, 0)
    except ChildProcessError:
        pass
    except RunTimeout:
        for pid in own_children():
            log(f"killing process {pid} left behind by a run")
            os.kill(pid, signal.SIGKILL)
        settle_children()
    finally:
        signal.alarm(0)
    return len(left)


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def command_output(argv):
    """Return the first line of a command's output, or "" when it fails."""
    try:
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=RUN_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return first_line(result.stdout) or first_line(result.stderr)


# ---------------------------------------------------------------- contenders


class OciRuntime:
    """An OCI runtime (runc or crun) run on bundles of the busybox rootfs.

    Every run gets its own container id and bundle, whose `cgroupsPath` is
    `/jail-bench/ID`. runc's default is a directory below the caller's own
    cgroups, and those may belong to a service that manages its own tree.
    """

    def __init__(self, binary, workdir, spec):
        self.binary = binary
        self.name = os.path.basename(binary)
        self.state = os.path.join(workdir, f"{self.name}-state")
        self.bundles = os.path.join(workdir, f"{self.name}-bundles")
        self.spec = spec
        os.makedirs(self.state)
        os.makedirs(self.bundles)

    def prepare(self, command, run_id):
        config = json.loads(json.dumps(self.spec))
        config["process"]["terminal"] = False
        config["process"]["args"] = list(command)
        config["root"] = {"path": ROOTFS, "readonly": False}
        config["linux"]["namespaces"] = [
            {"type": kind} for kind in ("pid", "ipc", "uts", "mount", "network")
        ]
        config["linux"]["cgroupsPath"] = f"/jail-bench/{run_id}"
        bundle = os.path.join(self.bundles, run_id)
        os.mkdir(bundle)
        with open(os.path.join(bundle, "config.json"), "w") as file:
            json.dump(config, file)
        return [self.binary, "--root", self.state, "run", "--bundle", bundle, run_id]

    def cleanup(self, run_id):
        # `run` deletes the container when it exits; a failed start may not.
        if os.path.exists(os.path.join(self.state, run_id)):
            subprocess.run([self.binary, "--root", self.state, "delete", "--force", run_id],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=RUN_TIMEOUT_S)
        shutil.rmtree(os.path.join(self.bundles, run_id), ignore_errors=True)


class Contender:
    """One way of running a command in the rootfs."""

    def __init__(self, key, label, binary, argv, isolates, runtime=None):
        self.key = key
        self.label = label
        self.binary = binary
        self.argv = argv
        self.isolates = isolates
        self.runtime = runtime

    def prepare(self, command, run_id):
        if self.runtime:
            return self.runtime.prepare(command, run_id)
        return self.argv(command)

    def cleanup(self, run_id):
        if self.runtime:
            self.runtime.cleanup(run_id)

    def shown_command(self):
        """Return the command line with ROOTFS and COMMAND as placeholders."""
        if self.runtime:
            return f"{self.runtime.binary} --root STATE run --bundle BUNDLE ID"
        words = self.argv(["COMMAND"])
        return " ".join(word.replace(JAIL, "jail").replace(ROOTFS, "ROOTFS") for word in words)


def make_contenders(workdir):
    spec_dir = os.path.join(workdir, "spec")
    os.mkdir(spec_dir)
    subprocess.run(["/usr/sbin/runc", "spec"], cwd=spec_dir, check=True)
    with open(os.path.join(spec_dir, "config.json")) as file:
        spec = json.load(file)
    floor = os.path.join(ROOTFS, "bin")
    return [
        Contender("floor", "floor: busybox on the host", os.path.realpath(os.path.join(floor, "true")),
                  lambda cmd: [os.path.join(floor, os.path.basename(cmd[0]))] + cmd[1:], False),
        Contender("chroot", "chroot", "/usr/sbin/chroot",
                  lambda cmd: ["/usr/sbin/chroot", ROOTFS] + cmd, False),
        Contender("unshare-chroot", "unshare -fpmuin + chroot", "/usr/bin/unshare",
                  lambda cmd: ["/usr/bin/unshare", "-fpmuin", "/usr/sbin/chroot", ROOTFS] + cmd, True),
        Contender("bwrap", "bwrap", "/usr/bin/bwrap",
                  lambda cmd: ["/usr/bin/bwrap", "--unshare-pid", "--unshare-uts", "--unshare-ipc",
                               "--unshare-net", "--bind", ROOTFS, "/", "--proc", "/proc",
                               "--dev", "/dev"] + cmd, True),
        Contender("crun", "crun", "/usr/bin/crun", None, True,
                  OciRuntime("/usr/bin/crun", workdir, spec)),
        Contender("runc", "runc", "/usr/sbin/runc", None, True,
                  OciRuntime("/usr/sbin/runc", workdir, spec)),
        Contender("unshare-root", "unshare --root --mount-proc", "/usr/bin/unshare",
                  lambda cmd: ["/usr/bin/unshare", "-fpmuin", f"--root={ROOTFS}", "--mount-proc"] + cmd,
                  True),
        Contender("jail", "jail", JAIL, lambda cmd: [JAIL, ROOTFS] + cmd, True),
        Contender("jail-pids", "jail --pids-max 100", JAIL,
                  lambda cmd: [JAIL, "--pids-max", "100", ROOTFS] + cmd, True),
    ]


class RunIds:
    """Container ids unique within this bench run."""

    def __init__(self):
        self.count = 0

    def next(self):
        self.count += 1
        return f"bench-{os.getpid()}-{self.count}"


# ---------------------------------------------------------------- timing


class RunTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise RunTimeout()


def spawn_quiet(argv, stderr_path="/dev/null"):
    """Start argv with stdin, stdout and stderr on /dev/null (stderr
    optionally on a file); return its pid."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    return os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)


def timed_run(argv):
    """Run argv once; return (nanoseconds from spawn to reap, exit status)."""
    signal.alarm(RUN_TIMEOUT_S)
    pid = None
    try:
        start = time.perf_counter_ns()
        pid = spawn_quiet(argv)
        _, wait_status = os.waitpid(pid, 0)
        elapsed = time.perf_counter_ns() - start
    except RunTimeout:
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        return None, "timed out"
    finally:
        signal.alarm(0)
    return elapsed, os.waitstatus_to_exitcode(wait_status)


def probe(contender, command, ids):
    """Run once with output captured; return None, or the failure message."""
    run_id = ids.next()
    argv = contender.prepare(command, run_id)
    try:
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"timed out after {RUN_TIMEOUT_S} s"
    finally:
        contender.cleanup(run_id)
    if result.returncode == 0:
        return None
    message = first_line(result.stderr) or first_line(result.stdout) or "no output"
    return f"exit status {result.returncode}: {message}"


class Series:
    """Timings of one contender on one workload."""

    def __init__(self):
        self.samples_ns = []
        self.failed_runs = 0
        # Runs after whose exit one of their processes was still running.
        self.runs_leaving_processes = 0
        self.error = None

    def median_ms(self):
        return statistics.median(self.samples_ns) / 1e6 if self.samples_ns else None

    def min_ms(self):
        return min(self.samples_ns) / 1e6 if self.samples_ns else None


def time_contenders(contenders, rounds, warmup, ids):
    """Time every contender on every workload, round-robin in shuffled
    order; return {(contender key, workload): Series}."""
    series = {(c.key, w): Series() for c in contenders for w in WORKLOADS}
    for contender in contenders:
        for workload, command in WORKLOADS.items():
            error = probe(contender, command, ids)
            if error:
                series[(contender.key, workload)].error = error
                log(f"{contender.label} on {workload} failed: {error}")
    pairs = [(c, w) for c in contenders for w in WORKLOADS if not series[(c.key, w)].error]
    gc.disable()
    try:
        for round_index in range(warmup + rounds):
            if round_index % 50 == 0:
                log(f"timing: round {round_index} of {warmup} warm-up + {rounds}")
            random.shuffle(pairs)
            for contender, workload in pairs:
                run_id = ids.next()
                argv = contender.prepare(WORKLOADS[workload], run_id)
                elapsed, status = timed_run(argv)
                left_running = settle_children()
                contender.cleanup(run_id)
                if round_index < warmup:
                    continue
                timings = series[(contender.key, workload)]
                timings.runs_leaving_processes += 1 if left_running else 0
                if status == 0:
                    timings.samples_ns.append(elapsed)
                else:
                    timings.failed_runs += 1
                    reason = status if isinstance(status, str) else f"exit status {status}"
                    timings.error = timings.error or reason
    finally:
        gc.enable()
    return series


def time_alone(contender, command, runs, ids):
    """Time `runs` back-to-back runs of one contender, with no other
    contender in between; return a Series."""
    timings = Series()
    gc.disable()
    try:
        for _ in range(runs):
            run_id = ids.next()
            elapsed, status = timed_run(contender.prepare(command, run_id))
            settle_children()
            contender.cleanup(run_id)
            if status == 0:
                timings.samples_ns.append(elapsed)
            else:
                timings.failed_runs += 1
    finally:
        gc.enable()
    return timings


# ---------------------------------------------------------------- size, memory, syscalls


def describe_binary(path):
    """Return (size in bytes, "static" or "dynamic") of an executable."""
    real = os.path.realpath(path)
    output = command_output(["/usr/bin/file", "-b", real])
    linking = "static" if ("statically linked" in output or "static-pie" in output) else "dynamic"
    return os.path.getsize(real), linking


def max_rss_kib(contender, ids, runs=5):
    """Return the median over `runs` of GNU time's "Maximum resident set
    size" for `/bin/true`. The kernel reports the largest process among the
    contender and every descendant it waited for, the command included."""
    values = []
    for _ in range(runs):
        run_id = ids.next()
        argv = contender.prepare(["/bin/true"], run_id)
        with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
            result = subprocess.run(["/usr/bin/time", "-v", "-o", report.name] + argv,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=RUN_TIMEOUT_S)
            text = report.read()
        contender.cleanup(run_id)
        if result.returncode != 0:
            return None
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if match:
            values.append(int(match.group(1)))
    return statistics.median(values) if values else None


def read_process_table():
    """Return {pid: (ppid, comm)} for every process on the host."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        table[int(entry)] = (ppid, comm)
    return table


def descendants(root, table):
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def read_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def own_hwm_kib(contender, ids):
    """Return [(comm, VmHWM KiB)] of the contender's own processes, the
    command excluded, sampled every 5 ms while the command sleeps 1 s;
    None when the run fails.

    A process that becomes the command through execve is only seen if a
    sample falls before its execve; the list shows what was seen.
    """
    run_id = ids.next()
    argv = contender.prepare(["/bin/sleep", "1"], run_id)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peaks = {}
    try:
        while process.poll() is None:
            table = read_process_table()
            for pid in descendants(process.pid, table):
                comm = table.get(pid, (0, "?"))[1]
                if comm == "sleep":
                    continue
                hwm = read_hwm_kib(pid)
                if hwm is not None and hwm > peaks.get(pid, ("", 0))[1]:
                    peaks[pid] = (comm, hwm)
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            process.kill()
        status = process.wait()
        contender.cleanup(run_id)
    if status != 0:
        return None
    return [peaks[pid] for pid in sorted(peaks)]


def parse_strace(path):
    """Return strace -f records as [(pid, text)], one per syscall, with an
    `<unfinished ...>` line and its `resumed` line joined into one record."""
    records, pending = [], {}
    with open(path, errors="replace") as file:
        for line in file:
            match = re.match(r"(\d+)\s+(.*)", line.rstrip("\n"))
            if not match:
                continue
            pid, text = int(match.group(1)), match.group(2)
            if text.startswith(("---", "+++")):
                continue
            resumed = re.match(r"<\.\.\. \S+ resumed>\s?(.*)", text)
            if resumed:
                if pid in pending:
                    index = pending.pop(pid)
                    start = records[index][1].replace(" <unfinished ...>", "")
                    records[index] = (pid, start + resumed.group(1))
                continue
            if text.endswith("<unfinished ...>"):
                pending[pid] = len(records)
            records.append((pid, text))
    return records


def syscalls_before_execve(contender, ids):
    """Trace a run of `/bin/true` with strace -f; return (count, records
    before the command's execve) or (None, reason).

    The count leaves out the execve that starts the contender itself."""
    run_id = ids.next()
    argv = contender.prepare(["/bin/true"], run_id)
    with tempfile.NamedTemporaryFile(suffix=".strace") as trace:
        result = subprocess.run(["/usr/bin/strace", "-f", "-o", trace.name] + argv,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S)
        contender.cleanup(run_id)
        if result.returncode != 0:
            return None, f"exit status {result.returncode}: {first_line(result.stderr)}"
        records = parse_strace(trace.name)
    for index, (_, text) in enumerate(records):
        if index > 0 and text.startswith('execve("/bin/true"') and re.search(r"\)\s+= 0$", text):
            before = records[:index]
            skip = 1 if before and before[0][1].startswith("execve(") else 0
            return index - skip, before[skip:]
    return None, "no successful execve of /bin/true in the trace"


# ---------------------------------------------------------------- concurrency


def read_mountinfo():
    with open("/proc/self/mountinfo") as file:
        return set(file.read().splitlines())


def processes_using(paths, table):
    """Return the pids whose command line contains one of `paths`."""
    found = set()
    for pid in table:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                cmdline = file.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(path in cmdline for path in paths):
            found.add(pid)
    return found


def start_all(contender, argvs, err_dir):
    """Start every argv at once and wait for all; return (wall ms, pids,
    exit statuses). Each run's stderr goes to `err_dir/INDEX.err`."""
    pids, statuses = [], []
    signal.alarm(CONCURRENT_TIMEOUT_S)
    try:
        start = time.perf_counter_ns()
        for index, argv in enumerate(argvs):
            pids.append(spawn_quiet(argv, os.path.join(err_dir, f"{index}.err")))
        for pid in pids:
            statuses.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        wall_ms = (time.perf_counter_ns() - start) / 1e6
    except RunTimeout:
        log(f"{contender.label}: not all runs exited within {CONCURRENT_TIMEOUT_S} s; killing them")
        for pid in pids[len(statuses):]:
            os.kill(pid, signal.SIGKILL)
        for pid in pids[len(statuses):]:
            statuses.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        statuses += [-1] * (len(argvs) - len(statuses))
        wall_ms = CONCURRENT_TIMEOUT_S * 1000.0
    finally:
        signal.alarm(0)
    return wall_ms, pids, statuses


def first_failure(statuses, err_dir):
    """Return the exit status and first stderr line of the first failed
    run, or None when every run exited 0."""
    failed = [index for index, status in enumerate(statuses) if status != 0]
    if not failed:
        return None
    try:
        with open(os.path.join(err_dir, f"{failed[0]}.err"), errors="replace") as file:
            message = first_line(file.read()) or "no output"
    except OSError:
        message = "not started"
    return f"exit status {statuses[failed[0]]}: {message}"


def leftover_cgroups(contender, pids, run_ids):
    """Return the cgroup directories of these runs that still exist."""
    patterns = []
    if contender.runtime:
        for run_id in run_ids:
            patterns += [f"/sys/fs/cgroup/*/jail-bench/{run_id}", f"/sys/fs/cgroup/jail-bench/{run_id}"]
    elif contender.key.startswith("jail"):
        for pid in pids:
            patterns += [f"/sys/fs/cgroup/*/jail/{pid}", f"/sys/fs/cgroup/jail/{pid}"]
    return [path for pattern in patterns for path in glob.glob(pattern)]


def run_concurrently(contender, count, ids, workdir):
    """Start `count` containers at once and wait for all of them; return a
    dict of the wall time and the leak checks."""
    settle_children()
    before_mounts = read_mountinfo()
    paths = [ROOTFS, workdir]
    before_users = processes_using(paths, read_process_table())
    run_ids = [ids.next() for _ in range(count)]
    argvs = [contender.prepare(CONCURRENT_COMMAND, run_id) for run_id in run_ids]
    err_dir = os.path.join(workdir, f"concurrent-{contender.key}")
    os.mkdir(err_dir)

    wall_ms, pids, statuses = start_all(contender, argvs, err_dir)

    outlived = own_children()
    time.sleep(LINGER_S)
    reap_exited()
    table = read_process_table()
    lingering = set(descendants(os.getpid(), table)) - {os.getpid()}
    users = processes_using(paths, table) - before_users
    after_mounts = read_mountinfo()
    state_left = os.listdir(contender.runtime.state) if contender.runtime else []
    result = {
        "wall_ms": wall_ms,
        "failed": sum(1 for status in statuses if status != 0),
        "error": first_failure(statuses, err_dir),
        "mounts_added": sorted(after_mounts - before_mounts),
        "mounts_removed": sorted(before_mounts - after_mounts),
        "outlived": len(outlived),
        "processes_left": sorted(lingering),
        "rootfs_users_left": sorted(users & lingering),
        "other_rootfs_users": sorted(users - lingering),
        "cgroups_left": leftover_cgroups(contender, pids, run_ids),
        "state_left": state_left,
    }
    for run_id in run_ids:
        contender.cleanup(run_id)
    settle_children()
    return result


def remove_bench_cgroups():
    """Remove the empty `jail-bench` parents that runc's cgroupsPath made."""
    left = []
    for path in glob.glob("/sys/fs/cgroup/*/jail-bench") + glob.glob("/sys/fs/cgroup/jail-bench"):
        try:
            os.rmdir(path)
        except OSError as error:
            left.append(f"{path}: {error.strerror}")
    return left


# ---------------------------------------------------------------- machine


def cgroup_layout():
    """Return the cgroup layout as mounted: v1 hybrid, pure v2 or pure v1."""
    v1, v2 = [], []
    with open("/proc/self/mountinfo") as file:
        for line in file:
            fields, _, tail = line.partition(" - ")
            fstype = tail.split()[0]
            mount_point = fields.split()[4]
            if fstype == "cgroup":
                v1.append(mount_point)
            elif fstype == "cgroup2":
                v2.append(mount_point)
    if v1 and v2:
        return f"v1 hybrid ({len(v1)} v1 hierarchies, cgroup2 at {', '.join(v2)})"
    if v2:
        return f"pure v2 (cgroup2 at {', '.join(v2)})"
    if v1:
        return f"pure v1 ({len(v1)} hierarchies)"
    return "no cgroup file system mounted"


def cpu_model():
    with open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_facts():
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": command_output(["nproc"]),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "cgroups": cgroup_layout(),
    }


def versions():
    busybox = os.path.join(ROOTFS, "bin", "busybox")
    return {
        "jail": command_output([JAIL, "--version"]),
        "busybox": command_output([busybox]).split(" multi-call")[0],
        "chroot": command_output(["/usr/sbin/chroot", "--version"]),
        "unshare": command_output(["/usr/bin/unshare", "--version"]),
        "bwrap": command_output(["/usr/bin/bwrap", "--version"]),
        "crun": command_output(["/usr/bin/crun", "--version"]),
        "runc": command_output(["/usr/sbin/runc", "--version"]),
        "strace": command_output(["/usr/bin/strace", "-V"]),
        "python": f"Python {platform.python_version()}",
    }


# ---------------------------------------------------------------- report


def table(headers, rows, align):
    """Format a Markdown table padded to column width; `align` contains "l"
    or "r" per column."""
    cells = [headers] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        padded = [cell.rjust(w) if a == "r" else cell.ljust(w)
                  for cell, w, a in zip(row, widths, align)]
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join("-" * (w - 1) + ":" if a == "r" else "-" * w
                             for w, a in zip(widths, align)) + " |"
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def ms(value):
    return "—" if value is None else f"{value:.2f}"


def ratio(value, base):
    return "—" if value is None or not base else f"{value / base:.2f}x"


def timing_table(contenders, series, workload):
    floor = series[("floor", workload)].median_ms()
    unshare = series[("unshare-root", workload)].median_ms()
    rows = []
    for contender in contenders:
        timings = series[(contender.key, workload)]
        median = timings.median_ms()
        if not timings.samples_ns:
            status = f"failed: {timings.error}"
        elif timings.failed_runs:
            status = f"{timings.failed_runs} runs failed: {timings.error}"
        else:
            status = "ok"
        rows.append([contender.label, ms(median), ms(timings.min_ms()), ratio(median, floor),
                     ratio(median, unshare), len(timings.samples_ns), timings.runs_leaving_processes, status])
    return table(["contender", "median ms", "min ms", "x floor", "x unshare --root", "runs",
                  "runs leaving a process", "status"], rows, "lrrrrrrl")


def resources_table(contenders, resources):
    rows = []
    for contender in contenders:
        info = resources[contender.key]
        size, linking = info["binary"]
        own = info["own"]
        if own is None:
            own_text = "failed"
        elif own:
            own_text = ", ".join(f"{comm} {kib}" for comm, kib in own)
        elif contender.key == "floor":
            own_text = "— (is the command)"
        else:
            own_text = "— (execs the command)"
        count = info["syscalls"]
        rows.append([contender.label, os.path.basename(contender.binary), f"{size:,}", linking,
                     info["max_rss"] if info["max_rss"] is not None else "failed",
                     own_text, count if count is not None else f"— ({info['syscall_note']})"])
    return table(["contender", "binary", "bytes", "linking", "max RSS KiB (time -v)",
                  "own processes' VmHWM KiB", "syscalls before execve"], rows, "lllrrll")


def concurrency_table(results, count):
    rows = []
    for label, result in results:
        left = []
        if result["mounts_added"] or result["mounts_removed"]:
            left.append(f"{len(result['mounts_added'])} mounts added, "
                        f"{len(result['mounts_removed'])} removed")
        if result["processes_left"]:
            left.append(f"{len(result['processes_left'])} processes still running after "
                        f"{LINGER_S} s ({len(result['rootfs_users_left'])} with the rootfs path "
                        "in their command line)")
        elif result["outlived"]:
            left.append(f"nothing after {LINGER_S} s, but {result['outlived']} processes "
                        "outlived their runs")
        if result["cgroups_left"]:
            left.append(f"{len(result['cgroups_left'])} cgroups")
        if result["state_left"]:
            left.append(f"{len(result['state_left'])} state entries")
        status = "all exit 0" if not result["failed"] else f"{result['failed']} failed: {result['error']}"
        rows.append([label, f"{result['wall_ms']:.0f}", status, "; ".join(left) or "nothing"])
    return table(["contender", f"wall ms for {count}", "exit status", "left behind"], rows, "lrll")


def evaluate_targets(contenders, series, floor_alone, resources):
    """Return rows of (target, measured, verdict) for the /bin/true workload."""
    def median(key):
        return series[(key, TARGET_WORKLOAD)].median_ms()

    jail, floor, unshare = median("jail"), median("floor"), median("unshare-root")
    bwrap, runc = median("bwrap"), median("runc")
    rows = []

    def limit_row(target, value, limit, measured):
        if value is None or limit is None:
            rows.append([target, measured, "not measured"])
        elif value <= limit:
            rows.append([target, measured, "met"])
        else:
            rows.append([target, measured, f"missed: needs <= {limit:.2f} ms, over by {value - limit:.2f} ms"])

    alone = floor_alone.median_ms()
    limit_row("jail at most 2.5x the floor", jail, floor and 2.5 * floor,
              f"{ratio(jail, floor)} ({ms(jail)} ms vs {ms(floor)} ms); "
              f"{ratio(jail, alone)} of the floor run alone ({ms(alone)} ms)")
    limit_row("jail no slower than unshare --root --mount-proc", jail, unshare,
              f"{ratio(jail, unshare)} ({ms(jail)} ms vs {ms(unshare)} ms)")
    limit_row("jail at least 1.8x faster than bwrap", jail, bwrap and bwrap / 1.8,
              f"bwrap / jail = {ratio(bwrap, jail)}")
    limit_row("jail at least 8x faster than runc", jail, runc and runc / 8,
              f"runc / jail = {ratio(runc, jail)}")

    peers = [(c.label, resources[c.key]["syscalls"]) for c in contenders
             if c.isolates and not c.key.startswith("jail") and resources[c.key]["syscalls"] is not None]
    jail_calls = resources["jail"]["syscalls"]
    if jail_calls is None or not peers:
        rows.append(["fewer syscalls before execve than any peer", "—", "not measured"])
    else:
        fewest_label, fewest = min(peers, key=lambda peer: peer[1])
        verdict = "met" if jail_calls < fewest else f"missed by {jail_calls - fewest + 1}"
        rows.append(["fewer syscalls before execve than any peer",
                     f"jail {jail_calls}, fewest peer {fewest_label} {fewest}", verdict])

    own = resources["jail"]["own"] or []
    peak = max((kib for _, kib in own), default=None)
    if peak is None:
        rows.append(["peak RSS of jail's own processes at most 512 KiB", "—", "not measured"])
    else:
        verdict = "met" if peak <= 512 else f"missed by {peak - 512} KiB"
        rows.append(["peak RSS of jail's own processes at most 512 KiB",
                     "max VmHWM " + ", ".join(f"{comm} {kib} KiB" for comm, kib in own), verdict])

    size, linking = resources["jail"]["binary"]
    budget = 65536
    if linking != "static":
        verdict = "missed: not statically linked"
    elif size > budget:
        verdict = f"missed by {size - budget:,} bytes"
    else:
        verdict = "met"
    rows.append(["static binary at most 64 KiB (65,536 bytes)", f"{size:,} bytes, {linking}", verdict])

    crun = series[("crun", TARGET_WORKLOAD)]
    jail_series = series[("jail", TARGET_WORKLOAD)]
    crun_text = f"crun: {crun.error}" if not crun.samples_ns else "crun ran"
    jail_ok = bool(jail_series.samples_ns) and not jail_series.failed_runs
    rows.append(["jail runs where crun does not", f"{crun_text}; jail: {'ran' if jail_ok else jail_series.error}",
                 "met" if jail_ok else "missed"])
    return rows


def build_report(contenders, series, floor_alone, resources, concurrency, facts, peer_versions,
                 options, manual):
    """Return BENCHMARKS.md's text; the printed report is the same text."""
    jail_trace = resources["jail"]["trace"]
    contender_lines = "\n".join(f"- **{c.label}**: `{c.shown_command()}`" for c in contenders)
    bundle_text = ("The OCI bundle's config.json comes from `runc spec`, with terminal false, args "
                   "COMMAND, root ROOTFS read-write, the namespaces pid, ipc, uts, mount and "
                   "network, and cgroupsPath `/jail-bench/ID`. Every run gets its own ID and bundle, "
                   "and the runtime deletes the container when it exits.")
    version_lines = "\n".join(f"- {name}: {text or 'unknown'}" for name, text in peer_versions.items())
    trace_text = "\n".join(f"{pid_label} {text[:140]}" for pid_label, text in jail_trace)
    jail_calls = resources["jail"]["syscalls"]
    sections = [
        "# Benchmarks",
        f"Written by `{RECORD_COMMAND}` (`scripts/bench.py`), which rewrites every section "
        "except the hand-written block between the `manual` markers.",
        "## Machine",
        f"- date: {facts['date']}\n- cores (nproc): {facts['cores']}\n- CPU: {facts['cpu']}\n"
        f"- kernel (uname -r): {facts['kernel']}\n- cgroup layout (/proc/self/mountinfo): {facts['cgroups']}\n"
        f"- command: `{RECORD_COMMAND}` ({options.rounds} rounds after {options.warmup} warm-up rounds, "
        f"{options.concurrency} concurrent containers)",
        "## Versions",
        version_lines,
        "## Contenders",
        "ROOTFS is the busybox tree built by `just rootfs` (`build/rootfs`); COMMAND is the workload.\n\n"
        + contender_lines + "\n\n" + bundle_text,
        "## Start-to-exit time",
        "Each run is timed from `posix_spawn` to `waitpid` with `time.perf_counter_ns`, with stdin, "
        "stdout and stderr on /dev/null, so the harness costs every contender the same. "
        f"Every round runs each contender once on each workload in a new random order; "
        f"{options.warmup} warm-up rounds are not counted. The ratios compare medians with the "
        "floor's and with the `unshare --root --mount-proc` line's on the same workload. "
        "The bench is the child subreaper of every run: \"runs leaving a process\" counts the runs "
        "after whose exit one of their processes was still there (running or not yet reaped); the "
        "bench waits for it before the next run, outside the timed span.",
    ]
    for workload in WORKLOADS:
        sections += [f"### `{workload}`", timing_table(contenders, series, workload)]
    sections.append(
        f"For reference, the floor run alone ({len(floor_alone.samples_ns)} back-to-back runs of "
        f"`{TARGET_WORKLOAD}` with no other contender in between): median {ms(floor_alone.median_ms())} ms, "
        f"min {ms(floor_alone.min_ms())} ms. The interleaved floor above is slower because each run "
        "follows a heavier contender, whose exit work and cache footprint it shares.")
    sections += [
        "## Size, memory and syscalls",
        "- bytes and linking: the file the contender runs, after symlinks (`file`); "
        "a dynamic binary also maps its shared libraries, which are not counted.\n"
        "- max RSS: GNU `time -v` \"Maximum resident set size\" running `/bin/true`, the median of 5 "
        "runs; the kernel reports the largest single process among the contender and all the "
        "descendants it reaped, so the command itself is included.\n"
        "- own processes' VmHWM: `VmHWM` from `/proc/PID/status` of each of the contender's own "
        "processes (the command excluded), sampled every 5 ms while the command runs `/bin/sleep 1`. "
        "For jail the first process is jail on the host and the second is the container's init.\n"
        "- syscalls before execve: records in `strace -f` of a `/bin/true` run before the successful "
        "`execve(\"/bin/true\")`, without the contender's own first execve; a syscall that strace splits "
        "into `<unfinished ...>` and `resumed` counts once.",
        resources_table(contenders, resources),
        "## Concurrency",
        f"{options.concurrency} containers running `{' '.join(CONCURRENT_COMMAND[:2])} "
        f"'{CONCURRENT_COMMAND[2]}'` are started at once with `posix_spawn` on "
        f"{facts['cores']} cores; the wall time runs from the first start to the last exit. "
        f"\"Left behind\" is checked {LINGER_S} s after the last exit: the host's mountinfo "
        "compared with before the start, processes still running below the bench (the child "
        "subreaper of every run, so a process that escapes its run is reparented to it), with how "
        "many of them have the rootfs path in their command line, the cgroup directories of the "
        "runs (`jail/PID` for jail, `jail-bench/ID` for the OCI runtimes) and the OCI runtime's "
        "state directory. Processes that outlived their run but were gone by then are counted "
        "apart.",
        concurrency_table(concurrency, options.concurrency),
    ]
    others = sorted({pid for _, result in concurrency for pid in result["other_rootfs_users"]})
    if others:
        sections.append(f"Processes not started by this bench used the rootfs meanwhile "
                        f"(pids {', '.join(map(str, others[:10]))}); they are not counted as left behind.")
    sections += [
        "## Targets",
        f"Medians of `{TARGET_WORKLOAD}` from this run; a verdict compares the interleaved medians.",
        table(["target", "measured", "verdict"],
              evaluate_targets(contenders, series, floor_alone, resources), "lll"),
        "## Syscalls before execve",
        f"jail made {jail_calls if jail_calls is not None else 'an unknown number of'} syscalls "
        "before the execve of `/bin/true`. The trace below is regenerated by each run; the reasons "
        "are written by hand.",
        manual,
        "### Trace",
        "`strace -f` of `jail ROOTFS /bin/true`; p1, p2, ... number the processes in the order they "
        "appear (for jail: p1 is jail on the host, p2 the container's init, p3 the process that execs "
        "the command).",
        "```\n" + trace_text + "\n```",
    ]
    return "\n\n".join(sections) + "\n"


def label_trace(records):
    labels = {}
    labelled = []
    for pid, text in records:
        labels.setdefault(pid, f"p{len(labels) + 1}")
        labelled.append((labels[pid], text))
    return labelled


def read_manual_block():
    if not os.path.exists(BENCHMARKS):
        return DEFAULT_MANUAL_BLOCK
    with open(BENCHMARKS) as file:
        match = MANUAL_BLOCK.search(file.read())
    return match.group(0) if match else DEFAULT_MANUAL_BLOCK


# ---------------------------------------------------------------- main


def parse_options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", choices=["record"],
                        help="also rewrite BENCHMARKS.md at the repository root")
    parser.add_argument("--rounds", type=int, default=200, help="timed rounds (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="uncounted first rounds (default 10)")
    parser.add_argument("--concurrency", type=int, default=100,
                        help="containers started at once (default 100)")
    return parser.parse_args()


def check_inputs():
    if os.geteuid() != 0:
        fail("must run as root: the contenders create namespaces, mounts and cgroups")
    if not os.path.isfile(os.path.join(ROOTFS, ".complete")):
        fail(f"rootfs not found: {ROOTFS}; run `just rootfs` (or `just bench`, which builds it)")
    if not os.access(JAIL, os.X_OK):
        fail(f"jail binary not found: {JAIL}; run `just release` (or `just bench`, which builds it)")


def main():
    options = parse_options()
    check_inputs()
    ensure_tools()
    become_subreaper()
    signal.signal(signal.SIGALRM, on_alarm)
    workdir = tempfile.mkdtemp(prefix="jail-bench-")
    ids = RunIds()
    try:
        contenders = make_contenders(workdir)
        series = time_contenders(contenders, options.rounds, options.warmup, ids)
        floor_alone = time_alone(contenders[0], WORKLOADS[TARGET_WORKLOAD], options.rounds, ids)

        log("measuring size, memory and syscalls")
        resources = {}
        for contender in contenders:
            if contender.key == "floor":
                count, detail = None, "is the command"
            else:
                count, detail = syscalls_before_execve(contender, ids)
            resources[contender.key] = {
                "binary": describe_binary(contender.binary),
                "max_rss": max_rss_kib(contender, ids),
                "own": own_hwm_kib(contender, ids),
                "syscalls": count,
                "syscall_note": detail if count is None else "",
                "trace": label_trace(detail) if count is not None else [],
            }
            settle_children()

        concurrency = []
        for contender in contenders:
            if contender.isolates:
                log(f"starting {options.concurrency} x {contender.label} at once")
                concurrency.append((contender.label,
                                    run_concurrently(contender, options.concurrency, ids, workdir)))

        report = build_report(contenders, series, floor_alone, resources, concurrency,
                              machine_facts(), versions(), options, read_manual_block())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        for problem in remove_bench_cgroups():
            log(f"could not remove cgroup {problem}")
    print(report)
    if options.mode == "record":
        with open(BENCHMARKS, "w") as file:
            file.write(report)
        log(f"wrote {BENCHMARKS}")


if __name__ == "__main__":
    main()
