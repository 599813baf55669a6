"""sandbox.py - the sandbox every build and run of student code goes through
when the instructor grades a submission (tools/grade --submission).

Threat model. A submission is hostile code: its regions are compiled into
host test children and into a kernel that runs under QEMU, and its Makefile
fragments, if any slipped through, run at build time. It may try to write
outside its tree (the instructor's files, the grader's results, another
student's submission), read other submissions, reach the grader (a socket
it listens on, signals to its pid), use the network, or exhaust the machine
(CPU, memory, disk, processes). The sandbox stops these; what is left to
the grader is to trust nothing the code prints or writes (observed.py).

How. Two mechanisms, each for what it does well:

- bubblewrap (bwrap, Debian package bubblewrap) builds the namespaces and
  the mount tree without needing a privileged helper: it runs unprivileged
  and uses a user namespace. Inside: new user, pid, network, ipc, uts and
  cgroup namespaces (--unshare-all, plus --unshare-user so that a machine
  without user namespaces fails instead of silently running unconfined,
  and --disable-userns so that the code cannot nest further namespaces);
  the host's / read-only; a fresh /proc for the sandbox's own pid namespace;
  a minimal /dev (remounted read-only, with a small private /dev/shm); a
  private /tmp of bounded size; the scratch directory bound read-write and
  the instructor's tools bound read-only; every path in @hide covered by an
  empty read-only tmpfs (the scratch and tools are bound again on top when
  they lie under a hidden path: mounts are ordered parent first). The
  network namespace has only a loopback interface, so QEMU's gdbstub and
  gdb can talk over 127.0.0.1 inside one sandbox, and nothing reaches the
  host's or any other sandbox's loopback. --new-session keeps the code off
  the grader's terminal (TIOCSTI); --die-with-parent kills it if the grader
  dies. The environment is cleared except for a short allow-list.

- rlimits (set by util-linux's prlimit as the first command inside the
  sandbox) for CPU time, address space, file size, open files, core dumps
  and processes. Not cgroups: in containers and CI runners (Docker without
  a delegated cgroup, Gradescope, GitHub's runners, this machine's
  cgroup-v1 hybrid) a process usually cannot create a cgroup of its own,
  and the grader must work there. The process cap is RLIMIT_NPROC set inside
  the sandbox's user namespace: since Linux 5.14 that count is kept per user
  namespace (ucounts), so each sandbox gets its own cap although every
  sandbox runs as the same uid. The trade-off: outside, the processes of all
  sandboxes together count against the RLIMIT_NPROC bwrap had when it made
  the namespace (the grader's own, often unlimited for root), so the cap
  holds per sandbox, and the number of sandboxes at a time is the grader's
  to bound (tools/grade --class: one per two cores). Threads count as
  processes. On kernels before 5.14 the cap is per uid across sandboxes.

The run. The first process is this module as a small reaper (reap(), outside
the sandbox, as the grader's user): a child subreaper that runs setpriv and
bwrap and reaps everything until the sandbox is gone, then reports the CPU
time and largest resident set of all its processes (the kernel's account,
not the code's word) on a pipe. The parent enforces the wall clock: at the
timeout it asks the reaper to kill bwrap (whose pid namespace dies with it:
every process of the code is killed, however it daemonized), then kills the
reaper's whole process group if that does not end it in 5 s.

Non-root for real. When the grader runs as root (CI, Gradescope), setpriv
switches to an unprivileged uid/gid (nobody, 65534) before bwrap starts, so
the code is not root inside the sandbox nor outside it, and the files it
writes in scratch belong to nobody; scratch is chowned to that uid before
each run (with lchown, never following links the code may have planted).
When the grader is not root, the code runs as the grader's own user in a
user namespace (files it writes belong to that user). Either way `id -u`
inside is not 0, and no capabilities survive into the code.

Scratch and tools are handed to bwrap as open file descriptors
(--bind-fd / --ro-bind-fd), so bwrap, already running as the unprivileged
user, need not be able to search their parent directories (mkdtemp makes
0700 directories); inside the sandbox, each parent of scratch and tools must
be searchable or lie under a hidden path (which is 0755): check() tests this.

What is isolated: the file system (writes only to scratch, the private /tmp
and /dev/shm; reads of everything not hidden), processes (a pid namespace:
the code sees and signals only its own), the network (no interface but
loopback, abstract unix sockets are per network namespace), SysV IPC and
POSIX message queues, the host name, the grader's terminal.

What is not:
- The kernel is shared: a kernel bug reachable from an unprivileged user
  namespace is an escape. No seccomp filter is installed (QEMU and gdb use
  a wide set of system calls); --disable-userns removes one large surface.
- Pathname unix sockets in visible directories: connect() needs write
  permission on the socket, and a read-only mount does not deny it. Hide
  every directory where the grader or the system keeps sockets it does not
  want reached; DEFAULT_HIDE covers /run (and so /var/run), /tmp is private,
  and the grader keeps its work root (scratch dirs, logs, sockets) hidden.
- Everything not hidden can be read: /etc (no secrets readable by nobody on
  a sane system), installed programs, /sys. The grader hides the
  instructor's tree, its work root and the home directories.
- Memory is limited per process (RLIMIT_AS), not per sandbox: a submission
  that forks up to the process cap, each process touching memory up to the
  limit, can use processes x memory. Exceeding RLIMIT_AS makes allocation
  fail (mmap, brk: ENOMEM) rather than kill the process; the log gives the
  largest resident size seen, and a child that then crashes returns its
  status. The private /tmp and /dev/shm are in RAM, bounded by their sizes.
- CPU time is limited per process (RLIMIT_CPU); the whole sandbox is bounded
  by the wall-clock timeout the parent enforces.
- Timing and shared caches: the code can measure time, see the host's CPU
  load through /proc/loadavg, /sys and timing; it shares the CPUs.
- The exit status is the child's word: a child that exits with 152 or 153
  (what bwrap reports for SIGXCPU or SIGXFSZ) is reported as killed by that
  limit, which can only lower its own score.

Measured on this project's machine (2 cores shared with other work, Debian
12 userland, QEMU 7.2 TCG):
- make build/kernel.elf build/pagewise-test.iso from clean, three runs each:
  4.5-6.9 s wall, 4.5-5.4 s CPU plain; 4.6-6.4 s wall, 4.1-5.6 s CPU in the
  sandbox: no overhead beyond the noise.
- Start-up: about 0.1 s per run (`true`: 0.7 ms plain, ~100 ms sandboxed:
  the reaper's Python start, setpriv, bwrap's mounts); a checker should run
  many workloads per child, not one child per operation.
- QEMU with -m 6G needs between 7424 MiB (fails: "cannot set up guest
  memory") and 7552 MiB (boots) of address space; Limits.memory_bytes is
  8 GiB. QEMU with -m 128M boots the self-test ISO in the sandbox
  (test/tools/test_sandbox.py).

Usage (observed.Runner):
    box = Sandbox(scratch, tools=instructor / "tools",
                  hide=[instructor, work_root])    # and DEFAULT_HIDE
    box.check()                       # SandboxError when the machine cannot
    status = box(["make", "-C", str(tree), "build/kernel.elf"], cwd=tree,
                 timeout=300, log=logs / "build.log")
"""

from __future__ import annotations

import json
import os
import resource
import select
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

MiB = 1 << 20
GiB = 1 << 30

# Paths covered by an empty tmpfs unless the caller passes its own list:
# other users' files, the system's sockets (/run; /var/run is a link to it).
DEFAULT_HIDE = (Path("/home"), Path("/root"), Path("/run"), Path("/var/tmp"),
                Path("/mnt"), Path("/media"), Path("/srv"))

# The unprivileged user the code runs as when the grader is root.
NOBODY = 65534

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

FIX_BWRAP = "install bubblewrap: apt-get install bubblewrap (scripts/install-deps.sh grade)"
FIX_USERNS = ("enable unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1 "
              "(Debian kernels before 5.10), sysctl user.max_user_namespaces=15000, or on Ubuntu "
              "24.04+ sysctl kernel.apparmor_restrict_unprivileged_userns=0; in Docker, run the "
              "container with --security-opt seccomp=unconfined (or a profile allowing clone "
              "with CLONE_NEWUSER)")


class SandboxError(Exception):
    """This machine cannot run code in the sandbox: the message says why and
    how to fix it. The grader then refuses to grade (fail closed) unless the
    instructor explicitly asks for an unsafe run."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of every process in a sandbox (rlimits: per process
    except @processes, see the module docstring).

    cpu_seconds   RLIMIT_CPU: SIGXCPU at this many seconds of CPU time, SIGKILL
                  two seconds later if the signal is caught.
    memory_bytes  RLIMIT_AS, the address space of one process (so programs
                  built with AddressSanitizer, which reserves terabytes of
                  shadow, cannot run in the sandbox). QEMU under TCG
                  reserves the guest RAM, a 1 GiB translation cache and an
                  8 MiB stack per thread: with -m 6G, QEMU 7.2 fails to start
                  at 7424 MiB and boots at 7552 MiB (measured in the sandbox
                  booting build/pagewise-test.iso), so 8 GiB leaves ~0.5 GiB
                  of slack; it also bounds what a runaway host child can touch.
    file_bytes    RLIMIT_FSIZE: no file written larger (SIGXFSZ).
    open_files    RLIMIT_NOFILE.
    processes     RLIMIT_NPROC inside the sandbox's user namespace: processes
                  and threads of this sandbox (make -j, QEMU's threads, gdb).
    tmp_bytes     size of the private /tmp (RAM: tmpfs); /dev/shm gets 64 MiB.
    log_bytes     at most this much of the code's output is kept in the log
                  per run (the rest is read and dropped).
    """

    cpu_seconds: int = 600
    memory_bytes: int = 8 * GiB
    file_bytes: int = 1 * GiB
    open_files: int = 1024
    processes: int = 256
    tmp_bytes: int = 512 * MiB
    log_bytes: int = 4 * MiB

    def prlimit(self) -> list[str]:
        """The prlimit command (util-linux) that sets these limits, then runs
        the command after it."""
        return ["prlimit", f"--cpu={self.cpu_seconds}:{self.cpu_seconds + 2}",
                f"--as={self.memory_bytes}", f"--fsize={self.file_bytes}",
                f"--nofile={self.open_files}", f"--nproc={self.processes}", "--core=0", "--"]


@dataclass
class RunResult:
    """What one sandboxed run came to (Sandbox.last).

    status    the exit status, 128 + N when the code died of signal N (as
              bwrap reports it); None when killed (see @killed).
    killed    None, or why the run was stopped: "timeout" (the wall clock,
              by the parent), "cpu" (RLIMIT_CPU), "fsize" (RLIMIT_FSIZE),
              "sigkill" (SIGKILL from the CPU hard limit or the kernel).
    wall      seconds of wall-clock time.
    cpu       seconds of CPU time used by every process of the sandbox.
    max_rss   the largest resident set of any process of the sandbox, bytes.
              (cpu and max_rss come from the kernel through the reaper; None
              after a timeout, since the processes killed then are not
              accounted to anyone, or when the reaper could not report.)
    """

    status: int | None
    killed: str | None
    wall: float
    cpu: float | None
    max_rss: int | None


_KILLS = {128 + signal.SIGXCPU: ("cpu", "killed by the CPU-time limit (SIGXCPU)"),
          128 + signal.SIGXFSZ: ("fsize", "killed by the file-size limit (SIGXFSZ)"),
          128 + signal.SIGKILL: ("sigkill", "killed by SIGKILL (the CPU-time hard limit, "
                                 "or the kernel's out-of-memory killer)")}


def _depth(p: Path) -> int:
    return len(p.parts)


def _within(p: Path, root: Path) -> bool:
    return p == root or root in p.parents


class Sandbox:
    """Runs commands in a bubblewrap sandbox that may write only @scratch
    (created if missing), read @tools but not write it, and not see any path
    in @hide, nor in DEFAULT_HIDE unless @default_hide is False (each covered
    by an empty tmpfs; missing paths are skipped). Pass the instructor's
    tree and the grader's work root (other submissions, logs, sockets).
    @env: extra variables for the code (the grader's PAGEWISE_* settings).
    An instance is an observed.Runner; self.last is the RunResult of its
    latest run."""

    def __init__(self, scratch: Path, *, tools: Path, limits: Limits = Limits(),
                 hide: Sequence[Path] = (), env: Mapping[str, str] | None = None,
                 default_hide: bool = True, readonly: Sequence[Path] = ()):
        self.scratch = Path(scratch).resolve()
        # Directories inside scratch bound read-only on top of it: the grader
        # builds the tree with them writable, then runs the code under test
        # with the tree read-only, so a run cannot change what a later run
        # executes (the kernel image, another harness).
        self.readonly = tuple(Path(p).resolve() for p in readonly)
        for p in self.readonly:
            if not _within(p, self.scratch) or p == self.scratch:
                raise ValueError(f"sandbox: {p} is not a directory inside scratch {self.scratch}")
        self.tools = Path(tools).resolve()
        self.limits = limits
        self.hide = tuple(dict.fromkeys(Path(p).resolve() for p in
                                        [*hide, *(DEFAULT_HIDE if default_hide else ())]))
        self.env = dict(env or {})
        self.last = None
        for name in self.env:
            if not name.isidentifier():
                raise ValueError(f"sandbox: bad environment variable name {name!r}")
        if _within(self.tools, self.scratch) or _within(self.scratch, self.tools):
            raise ValueError(f"sandbox: scratch {self.scratch} and tools {self.tools} must not "
                             "contain one another (tools would become writable, or scratch "
                             "read-only)")
        for h in self.hide:
            if h == Path("/") or h in (self.scratch, self.tools):
                raise ValueError(f"sandbox: cannot hide {h}: it is / or the scratch or tools "
                                 "directory itself")

    # -- the command line ------------------------------------------------

    @property
    def uid(self) -> int:
        """The uid the code runs as, outside the sandbox and inside it."""
        return NOBODY if os.geteuid() == 0 else os.geteuid()

    @property
    def gid(self) -> int:
        """The gid the code runs as (nogroup when the grader is root)."""
        return NOBODY if os.geteuid() == 0 else os.getegid()

    def environment(self) -> dict[str, str]:
        """The whole environment of the code: an allow-list, nothing of the
        grader's own environment but TERM."""
        env = {"PATH": PATH, "HOME": str(self.scratch), "LANG": "C.UTF-8",
               "TERM": os.environ.get("TERM", "dumb"), "TMPDIR": "/tmp"}
        env.update(self.env)
        return env

    def argv(self, argv: Sequence[str], cwd: Path, *, scratch_fd: int = 3,
             tools_fd: int = 4, status_fd: int = 5) -> list[str]:
        """The full command line that runs @argv in @cwd in the sandbox.
        Scratch and tools are bound from the open descriptors @scratch_fd and
        @tools_fd (O_PATH descriptors of those directories, which __call__
        opens and passes; in a shell: 3<SCRATCH 4<TOOLS). The command starts
        with this module as a reaper (reap() below) that reports on
        @status_fd the CPU time and largest resident set of every process of
        the sandbox."""
        cmd: list[str] = [sys.executable, "-I", "-S", str(Path(__file__).resolve()), "--reap",
                          str(status_fd), "--"]
        if os.geteuid() == 0:
            cmd += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                    "--inh-caps=-all", "--no-new-privs", "--"]
        cmd += ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns",
                "--die-with-parent", "--new-session", "--hostname", "sandbox",
                "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                "--size", str(64 * MiB), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
        # Every mount below /: tmpfs over hidden paths, then the binds, parents
        # before children (bwrap mounts in order; a later mount on a path
        # under an earlier one lands inside it).
        mounts: list[tuple[int, int, list[str]]] = [
            (1, 0, ["--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp"])]
        # /tmp is private already; a path under another hidden one is empty.
        hidden = sorted(h for h in set(self.hide) if h.exists() and not _within(h, Path("/tmp"))
                        and not any(o != h and _within(h, o) for o in self.hide))
        for h in hidden:
            mounts.append((_depth(h), 0, ["--size", str(MiB), "--tmpfs", str(h)]))
        mounts.append((_depth(self.tools), 1, ["--ro-bind-fd", str(tools_fd), str(self.tools)]))
        mounts.append((_depth(self.scratch), 1, ["--bind-fd", str(scratch_fd), str(self.scratch)]))
        for p in self.readonly:
            mounts.append((_depth(p), 2, ["--ro-bind", str(p), str(p)]))
        for _, _, m in sorted(mounts, key=lambda m: (m[0], m[1])):
            cmd += m
        # The hidden tmpfs's hold only the mount points of scratch and tools:
        # read-only, after those are bound (the remount is not recursive).
        for h in hidden:
            cmd += ["--remount-ro", str(h)]
        cmd += ["--clearenv"]
        for k, v in sorted(self.environment().items()):
            cmd += ["--setenv", k, v]
        cmd += ["--chdir", str(Path(cwd).resolve()), "--"]
        cmd += self.limits.prlimit()
        return cmd + [str(a) for a in argv]

    # -- running -----------------------------------------------------------

    def _chown_scratch(self) -> None:
        """Make scratch the sandbox user's (when the grader is root): every
        entry not already its own. The walk goes through directory
        descriptors and never follows a link (os.fwalk, lchown relative to
        the directory), so code still running in another sandbox on this
        scratch cannot swap a directory for a link to /etc under our feet.
        Regular files with several links are left alone: the code cannot
        link to anything outside scratch (links do not cross mounts), so
        those are the grader's, and may be the instructor's files too."""
        if os.geteuid() != 0:
            return
        uid, gid = self.uid, self.gid
        for _, dirs, files, dirfd in os.fwalk(self.scratch, follow_symlinks=False):
            st = os.fstat(dirfd)
            if st.st_uid != uid or st.st_gid != gid:
                os.fchown(dirfd, uid, gid)
            for name in dirs + files:  # (links to directories are among dirs)
                try:
                    st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
                    if (st.st_uid != uid or st.st_gid != gid) and \
                            not (stat.S_ISREG(st.st_mode) and st.st_nlink > 1):
                        os.chown(name, uid, gid, dir_fd=dirfd, follow_symlinks=False)
                except FileNotFoundError:  # removed meanwhile by a running sandbox
                    pass

    def check(self) -> None:
        """Start a tiny command in the sandbox and make sure it ran as
        configured: not root, scratch writable, tools readable. Raises
        SandboxError with the reason and the fix when it cannot."""
        problem = machine_problem()
        if problem:
            raise SandboxError(problem)
        self.scratch.mkdir(parents=True, exist_ok=True)
        probe = self.scratch / ".sandbox-check"
        script = ('test "$(id -u)" != 0 || { echo "uid 0 inside"; exit 3; }; '
                  f'test -r {shlex.quote(str(self.tools))} && '
                  f'test -x {shlex.quote(str(self.tools))}'
                  ' || { echo "tools not readable"; exit 4; }; '
                  f': > {shlex.quote(str(probe))} || {{ echo "scratch not writable"; exit 5; }}')
        fd, name = tempfile.mkstemp(prefix="pagewise-sandbox-check-", suffix=".log")
        os.close(fd)
        log = Path(name)
        try:
            status = self(["/bin/sh", "-c", script], cwd=self.scratch, timeout=30, log=log)
            text = log.read_text(errors="replace")
        finally:
            log.unlink(missing_ok=True)
        if status == 0 and probe.exists():
            probe.unlink()
            return
        raise SandboxError(f"sandbox: the check command failed (status {status}):\n{text.strip()}\n"
                           "fix: every parent directory of scratch and tools must be searchable "
                           f"by uid {self.uid} or lie under a hidden path")

    def __call__(self, argv: Sequence[str], *, cwd: Path, timeout: float, log: Path,
                 stdin: bytes | None = None) -> int | None:
        """Run @argv in the sandbox (observed.Runner): with @cwd (under scratch
        or tools), its output appended to @log (outside the sandbox; at most
        limits.log_bytes per run), @stdin fed if given. Returns the exit
        status (128 + N for death by signal N), or None when the run was
        killed: at @timeout seconds of wall clock (the parent stops the
        sandbox: its pid namespace dies with bwrap), or by the CPU-time or
        file-size limit. The log ends with a line saying how the run ended;
        self.last has the details."""
        cwd = Path(cwd).resolve()
        if not _within(cwd, self.scratch) and not _within(cwd, self.tools):
            raise ValueError(f"sandbox: cwd {cwd} is neither under scratch {self.scratch} "
                             f"nor under tools {self.tools}")
        self.scratch.mkdir(parents=True, exist_ok=True)
        self._chown_scratch()
        log = Path(log)
        log.parent.mkdir(parents=True, exist_ok=True)
        fds: list[int] = []
        try:
            fds.append(os.open(self.scratch, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
            fds.append(os.open(self.tools, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
            status_r, status_w = os.pipe2(os.O_CLOEXEC)
            fds += [status_r, status_w]
            cmd = self.argv(argv, cwd, scratch_fd=fds[0], tools_fd=fds[1], status_fd=status_w)
            with open(log, "ab") as out:
                out.write(f"$ {shlex.join(str(a) for a in argv)}\n"
                          f"# sandbox: {shlex.join(cmd)}\n"
                          f"# fd {fds[0]} = {self.scratch}, fd {fds[1]} = {self.tools}\n".encode())
                out.flush()
                start = time.monotonic()
                proc = subprocess.Popen(
                    cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    pass_fds=(fds[0], fds[1], status_w), start_new_session=True,
                    env={"PATH": PATH, "LANG": "C.UTF-8"}, cwd="/")
                for fd in (fds.pop(), fds.pop(0), fds.pop(0)):  # status_w, scratch, tools
                    os.close(fd)
                result = self._wait(proc, out, stdin, timeout, start, status_r)
                self.last = result
                out.write(f"# {self._describe(result, timeout)}\n".encode())
        finally:
            for fd in fds:
                os.close(fd)
        return result.status

    def _wait(self, proc: subprocess.Popen, out, stdin: bytes | None, timeout: float,
              start: float, status_r: int) -> RunResult:
        """Copy the output to @out (up to the log limit), feed @stdin, wait
        for the reaper at most @timeout seconds, and read its report. One
        select() loop on the output pipe and a pidfd of the reaper: nothing
        here can block on a process that keeps the pipe open."""
        assert proc.stdout is not None
        if stdin is not None:
            def feed() -> None:
                assert proc.stdin is not None
                try:
                    proc.stdin.write(stdin)
                    proc.stdin.close()
                except OSError:  # the code closed its stdin, or died
                    pass
            threading.Thread(target=feed, daemon=True).start()
        cap, kept = self.limits.log_bytes, 0
        fd = proc.stdout.fileno()
        pidfd = os.pidfd_open(proc.pid)
        deadline = start + timeout
        timed_out = killed_hard = exited = eof = False
        try:
            while not (exited and eof):
                now = time.monotonic()
                if now >= deadline:
                    if exited:  # output still open after the sandbox ended
                        break
                    if not timed_out:
                        # The reaper kills bwrap, whose pid namespace dies
                        # with it, and still reports; if it does not end,
                        # kill its whole process group.
                        timed_out = True
                        proc.send_signal(signal.SIGTERM)
                    elif not killed_hard:
                        killed_hard = True
                        os.killpg(proc.pid, signal.SIGKILL)
                    deadline = now + 5
                    continue
                ready, _, _ = select.select([] if eof else [fd], [], [],
                                            deadline - now) if exited else \
                    select.select([pidfd] + ([] if eof else [fd]), [], [], deadline - now)
                if fd in ready:
                    chunk = os.read(fd, 65536)
                    eof = not chunk
                    room = cap - kept
                    if chunk and room > 0:
                        out.write(chunk[:room])
                        if len(chunk) > room:
                            out.write(b"\n[... output beyond the log limit dropped]\n")
                    kept += len(chunk)
                if pidfd in ready:
                    proc.wait()
                    exited = True
                    deadline = time.monotonic() + 2  # for the rest of the output
        finally:
            os.close(pidfd)
        if not exited:
            proc.wait()
        wall = time.monotonic() - start
        proc.stdout.close()
        report = os.read(status_r, 4096) if select.select([status_r], [], [], 0)[0] else b""
        try:
            info = json.loads(report)
            cpu, rss = float(info["cpu"]), int(info["max_rss"])
        except (ValueError, KeyError, TypeError):
            cpu, rss = None, None
        if timed_out:  # what the killed processes used is not counted: unknown
            return RunResult(None, "timeout", wall, None, None)
        status = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
        if status in _KILLS:
            return RunResult(None, _KILLS[status][0], wall, cpu, rss)
        return RunResult(status, None, wall, cpu, rss)

    def _describe(self, r: RunResult, timeout: float) -> str:
        lim = self.limits
        if r.killed == "timeout":
            how = f"killed: wall-clock timeout after {timeout:g} s"
        elif r.killed:
            how = next(v[1] for v in _KILLS.values() if v[0] == r.killed)
            how = f"{how}; limits: {lim.cpu_seconds} s CPU, file size {lim.file_bytes} bytes"
        else:
            how = f"exit status {r.status}"
        usage = f"{r.wall:.2f} s wall"
        if r.cpu is not None and r.max_rss is not None:
            usage += f", {r.cpu:.2f} s CPU, max RSS {r.max_rss / MiB:.0f} MiB"
            if r.max_rss >= 0.9 * lim.memory_bytes:
                how += f" (memory limit {lim.memory_bytes // MiB} MiB nearly reached)"
        return f"sandbox: {how}; {usage}"


def machine_problem() -> str | None:
    """Can this machine sandbox at all? None when bwrap, prlimit and setpriv
    are there and bwrap can create a user and a network namespace as the
    user the code would run as; else what is wrong and the fix."""
    need = ["bwrap", "prlimit"] + (["setpriv"] if os.geteuid() == 0 else [])
    missing = [t for t in need if shutil.which(t, path=PATH) is None]
    if missing:
        return (f"sandbox: {', '.join(missing)} not found: {FIX_BWRAP}"
                + ("; prlimit and setpriv are in util-linux" if set(missing) - {"bwrap"} else ""))
    cmd = ["bwrap", "--unshare-user", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/",
           "--proc", "/proc", "--", "true"]
    if os.geteuid() == 0:
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"] + cmd
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                           env={"PATH": PATH, "LANG": "C.UTF-8"}, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"sandbox: cannot run bwrap: {e}: {FIX_BWRAP}"
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip()
        return f"sandbox: bwrap cannot create its namespaces here: {err}\nfix: {FIX_USERNS}"
    return None


def reap(status_fd: int, argv: list[str]) -> int:
    """The first process of every sandboxed run (outside the sandbox, as
    the grader's user): becomes a child subreaper, runs @argv (setpriv,
    bwrap, ...) and reaps every process left to it until none is left: the
    pid namespace's init outlives bwrap's outer process by a moment and
    holds the usage of everything the code ran. Then writes the CPU time and
    the largest resident set of them all as JSON to @status_fd and returns
    @argv's exit status (128 + N for signal N). SIGTERM (the parent's wall
    clock) kills @argv's process, and with it the sandbox."""
    import ctypes

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        print(f"sandbox: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}",
              file=sys.stderr)
        return 125
    os.set_inheritable(status_fd, False)
    try:
        # Python ignores SIGPIPE and SIGXFSZ; the code gets the defaults
        # (death at the file-size limit, on a closed pipe), as from a shell.
        pid = os.posix_spawnp(argv[0], argv, os.environ,
                              setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
    except OSError as e:
        print(f"sandbox: cannot run {argv[0]}: {e}", file=sys.stderr)
        return 127
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    status = 125
    while True:
        try:
            child, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if child == pid:
            status = os.waitstatus_to_exitcode(st)
            status = status if status >= 0 else 128 - status
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.write(status_fd, json.dumps({"cpu": ru.ru_utime + ru.ru_stime,
                                    "max_rss": ru.ru_maxrss * 1024}).encode())
    return status


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] == "--reap" and sys.argv[3] == "--":
        sys.exit(reap(int(sys.argv[2]), sys.argv[4:]))
    sys.exit("usage: sandbox.py --reap STATUS_FD -- COMMAND...  (the grader runs this)")
