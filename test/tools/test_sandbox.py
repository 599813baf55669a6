"""test_sandbox.py - tools/sandbox.py: a hostile "submission" run in the
sandbox tries to write outside its scratch directory (its tree's parent, the
host's /tmp, /etc, the instructor's tools), to read and write another
submission, to reach the grader (TCP on loopback and on the host's address,
unix sockets, signals to the grader and to a process of the sandbox's own
uid) and the network, and to exhaust CPU time, memory, file size and
processes. Every assertion is made on the host side: the files, sockets,
processes and kernel-reported usage the grader sees afterwards, never what
the child says. The escape program is first run without the sandbox on the
same layout (the control), so that each attack is shown to work when
nothing stops it.

The tests skip, with the reason (make test-tools runs pytest -rs), only when
this machine cannot sandbox at all (sandbox.machine_problem(): no bwrap, or
bwrap cannot create user namespaces here); a sandbox that fails its check()
beyond that is an error. Each test builds its own grader's world under
build/ of this checkout (not under /tmp, which the sandbox replaces anyway,
so that hiding is what keeps things out of sight) and removes it after.
Run: /usr/bin/python3 -m pytest -q -rs test/tools/test_sandbox.py"""

from __future__ import annotations

import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import sandbox  # noqa: E402
from sandbox import DEFAULT_HIDE, Limits, MiB, Sandbox, SandboxError  # noqa: E402

ROOT = os.geteuid() == 0

# The submission: each attack is a function; it prints what it managed (for
# the reader of a failing test only), and the test checks the host.
ESCAPE = r'''
import os, signal, socket, sys
args = dict(a.split("=", 1) for a in sys.argv[2:])
def attempt(name, fn):
    try:
        fn()
        print(name, "SUCCEEDED")
    except Exception as e:
        print(name, "failed:", type(e).__name__, e)
def write(path, text="escaped"):
    with open(path, "w") as f:
        f.write(text)
def steal(src, dst):
    with open(src) as f:
        data = f.read()
    write(dst, data)
def tcp(host, port):
    s = socket.create_connection((host, int(port)), timeout=2)
    s.sendall(b"hello from the sandbox")
    s.close()
def unix(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect(path)
    s.sendall(b"hello from the sandbox")
    s.close()
def kill_all():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.kill(-1, signal.SIGTERM)
loot = args["loot"]
what = sys.argv[1].split(",")
if "files" in what:
    attempt("write tree parent", lambda: write(args["parent"] + "/escaped"))
    attempt("write host /tmp", lambda: write(args["tmpnew"]))
    attempt("overwrite host /tmp marker", lambda: write(args["marker"], "overwritten"))
    attempt("read host /tmp marker", lambda: steal(args["marker"], loot + "/marker"))
    attempt("write /etc", lambda: write(args["etc"]))
    attempt("write tools", lambda: write(args["tools"] + "/escaped"))
    attempt("append to a tool", lambda: open(args["tools"] + "/tool.py", "a").write("# evil\n"))
    attempt("read instructor secret", lambda: steal(args["isecret"], loot + "/isecret"))
if "sibling" in what:
    attempt("read sibling", lambda: steal(args["sibling"] + "/secret.txt", loot + "/sibling"))
    attempt("write sibling", lambda: write(args["sibling"] + "/pwned"))
    attempt("delete sibling", lambda: os.unlink(args["sibling"] + "/secret.txt"))
if "grader" in what:
    attempt("tcp loopback", lambda: tcp("127.0.0.1", args["port"]))
    attempt("tcp host address", lambda: tcp(args["hostip"], args["port"]))
    for i, path in enumerate(args["socks"].split(":")):
        attempt("unix socket " + path, lambda: unix(path))
    if args["grader"] != "0":
        attempt("signal grader", lambda: os.kill(int(args["grader"]), signal.SIGUSR1))
    if args["victim"] != "0":
        attempt("signal same-uid process", lambda: os.kill(int(args["victim"]), signal.SIGTERM))
    if args.get("killall") == "1":
        attempt("kill(-1)", kill_all)
if "net" in what:
    attempt("tcp internet", lambda: tcp("1.1.1.1", 53))
    attempt("dns", lambda: socket.getaddrinfo("deb.debian.org", 80))
    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", (args["hostip"], int(args["udpport"])))
    attempt("udp host address", udp)
'''

# Resource hogs, compiled by gcc inside the sandbox.
HOG = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
int main(int argc, char **argv)
{
	const char *what = argv[1];
	if (!strcmp(what, "cpu"))
		for (volatile unsigned long i = 0;; i++)
			;
	if (!strcmp(what, "mem")) {
		size_t total = 0;
		for (;;) {
			char *p = malloc(4 << 20);
			if (!p) {
				fprintf(stderr, "malloc failed after %zu MiB\n", total >> 20);
				abort();
			}
			memset(p, 1, 4 << 20);
			total += 4 << 20;
		}
	}
	if (!strcmp(what, "fsize")) {
		FILE *f = fopen(argv[2], "w");
		static char buf[1 << 16];
		for (int i = 0; i < 160; i++) /* 10 MiB */
			fwrite(buf, 1, sizeof(buf), f), fflush(f);
		fclose(f);
		return 0;
	}
	if (!strcmp(what, "fork")) {
		int n = 0;
		for (int i = 0; i < 1000; i++) {
			pid_t p = fork();
			if (p < 0)
				break;
			if (p == 0) {
				sleep(4);
				_exit(0);
			}
			n++;
		}
		printf("forked %d\n", n);
		while (wait(NULL) > 0)
			;
		return 0;
	}
	if (!strcmp(what, "sleep")) {
		sleep(1000);
		return 0;
	}
	if (!strcmp(what, "daemon")) { /* leave a process behind and return */
		if (fork() == 0) {
			setsid();
			if (fork() == 0) {
				sleep(1000);
				_exit(0);
			}
			_exit(0);
		}
		return 0;
	}
	return 2;
}
'''


def _rmtree(path: Path) -> None:
    def fix(func, p, _exc):
        os.chmod(os.path.dirname(p), 0o755)
        os.chmod(p, 0o755) if os.path.isdir(p) else None
        func(p)

    shutil.rmtree(path, onerror=fix)


class Layout:
    """A grader's world: the instructor's tree (tools/, a secret), the work
    root with two submissions' scratch dirs, a marker in the host's /tmp. It
    lives under build/ of this checkout, not under /tmp, so that it would be
    visible to the sandbox if the hiding did not work (the sandbox's /tmp is
    private anyway)."""

    def __init__(self, base: Path):
        self.base = base
        self.instructor = base / "instructor"
        self.tools = self.instructor / "tools"
        self.tools.mkdir(parents=True)
        (self.tools / "tool.py").write_text("print('the instructor tool')\n")
        self.isecret = self.instructor / "solution.txt"
        self.isecret.write_text("instructor-secret-" + secrets.token_hex(8))
        self.work = base / "work"
        self.scratch = self.work / "sub-a" / "scratch"
        self.sibling = self.work / "sub-b" / "scratch"
        self.scratch.mkdir(parents=True)
        self.sibling.mkdir(parents=True)
        self.sibling_secret = "sibling-secret-" + secrets.token_hex(8)
        (self.sibling / "secret.txt").write_text(self.sibling_secret)
        # As the grader leaves them: every submission's scratch belongs to
        # the sandbox's uid, and the tools are writable by everyone; only the
        # sandbox's mounts keep the code from them.
        uid, gid = (sandbox.NOBODY, sandbox.NOBODY) if ROOT else (os.getuid(), os.getgid())
        for p in (self.sibling, self.sibling / "secret.txt"):
            os.chown(p, uid, gid)
        os.chmod(self.tools, 0o777)
        os.chmod(self.tools / "tool.py", 0o666)
        self.logs = base / "logs"
        self.logs.mkdir()
        token = secrets.token_hex(6)
        self.marker = Path(f"/tmp/pagewise-sandbox-marker-{token}")
        self.marker_text = "grader-marker-" + token
        self.marker.write_text(self.marker_text)
        os.chmod(self.marker, 0o666)  # so only the mount can keep it safe
        self.tmpnew = Path(f"/tmp/pagewise-sandbox-new-{token}")
        self.etc = Path(f"/etc/pagewise-sandbox-escape-{token}")

    def box(self, limits: Limits = Limits(), **kw) -> Sandbox:
        return Sandbox(self.scratch, tools=self.tools, limits=limits,
                       hide=[REPO, self.instructor, self.work, self.logs], **kw)

    def close(self) -> None:
        for p in (self.marker, self.tmpnew, self.etc):
            p.unlink(missing_ok=True)
        _rmtree(self.base)


@pytest.fixture
def world():
    base = REPO / "build" / f"sandbox-test-{os.getpid()}-{secrets.token_hex(4)}"
    base.parent.mkdir(exist_ok=True)
    problem = sandbox.machine_problem()
    if problem:
        pytest.skip(f"this machine cannot sandbox: {problem}")
    w = Layout(base)
    try:
        w.box().check()  # a failure here is the sandbox's, not the machine's: an error
        yield w
    finally:
        w.close()


def read_log(log: Path) -> str:
    return log.read_text(errors="replace")


def all_files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in d.rglob("*") if p.is_file()}


# -- what the sandbox allows -------------------------------------------------

def test_scratch_writable_tools_read_only_not_root(world):
    box = world.box()
    log = world.logs / "basic.log"
    script = ("id -u > uid.txt && mkdir -p out && echo made > out/file && "
              f"cat {world.tools}/tool.py > copy.py && "
              f"! touch {world.tools}/new 2>/dev/null && "
              f"! sh -c 'echo x >> {world.tools}/tool.py' 2>/dev/null")
    assert box(["/bin/sh", "-c", script], cwd=world.scratch, timeout=30, log=log) == 0, \
        read_log(log)
    assert int((world.scratch / "uid.txt").read_text()) != 0
    for p in ("uid.txt", "out", "out/file", "copy.py"):
        st = os.lstat(world.scratch / p)
        assert st.st_uid != 0, f"{p} is owned by root"
        assert st.st_uid == box.uid
    assert (world.scratch / "copy.py").read_text() == (world.tools / "tool.py").read_text()
    assert not (world.tools / "new").exists()
    assert (world.tools / "tool.py").read_text() == "print('the instructor tool')\n"
    assert box.last is not None and box.last.status == 0 and box.last.killed is None
    assert read_log(log).rstrip().splitlines()[-1].startswith("# sandbox: exit status 0")


def test_argv_is_the_documented_command(world):
    box = world.box()
    cmd = box.argv(["make", "build/kernel.elf"], world.scratch)
    for opt in ("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                "--new-session", "--clearenv"):
        assert opt in cmd
    assert cmd[cmd.index("--tmpfs", cmd.index("--dev")) + 1] == "/dev/shm"
    # The work root is covered (it or a hidden directory above it; the
    # private /tmp when the checkout lies under /tmp), and scratch bound
    # after (on top of) that tmpfs.
    tmpfs = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--tmpfs"]
    under_tmp = Path("/tmp") in world.work.parents
    cover = [t for t in tmpfs if (t != "/tmp" or under_tmp) and (Path(t) == world.work
                                                                 or Path(t) in world.work.parents)]
    assert cover, tmpfs
    assert cmd.index(cover[0]) < cmd.index(str(world.scratch))
    assert cmd[-2:] == ["make", "build/kernel.elf"]
    assert ("setpriv" in cmd) == ROOT
    hidden = {cmd[i + 1] for i, a in enumerate(cmd) if a == "--remount-ro"}
    assert {str(p) for p in DEFAULT_HIDE if p.exists()} <= hidden | {"/var/tmp"} or \
        any(_under(world.base, p) for p in DEFAULT_HIDE)
    bare = Sandbox(world.scratch, tools=world.tools, default_hide=False).argv(["true"],
                                                                            world.scratch)
    assert "/run" not in bare and "/root" not in bare


def _under(p: Path, root: Path) -> bool:
    return root in p.parents


def test_grader_not_root(world):
    """The grader as an unprivileged user (when this test runs as root, it
    plays one with setpriv): bwrap runs as that user, the code too, in a
    user namespace; the same isolation holds."""
    if not ROOT:
        pytest.skip("runs as root only (the whole file already runs the non-root path)")
    uid = sandbox.NOBODY
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    home = world.base / "unpriv"
    home.mkdir()
    scratch = home / "scratch"
    scratch.mkdir()
    for p in (home, scratch):
        os.chown(p, uid, uid)
    os.chmod(world.base, 0o755)
    if subprocess.run(drop + ["test", "-r", str(REPO / "tools" / "sandbox.py")]).returncode:
        pytest.skip(f"uid {uid} cannot read {REPO / 'tools'} to play an unprivileged grader")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO / 'tools')!r})
        from pathlib import Path
        import sandbox
        box = sandbox.Sandbox(Path({str(scratch)!r}), tools=Path({str(world.tools)!r}),
                              hide=[Path({str(world.base)!r})])
        box.check()
        cmd = ("id -u > uid.txt; echo x > {world.base}/escaped; "
               "echo x > {world.tools}/escaped; exit 0")
        st = box(["/bin/sh", "-c", cmd], cwd=box.scratch, timeout=30,
                 log=Path({str(home)!r}) / "log")
        sys.exit(st)
        """)
    r = subprocess.run(drop + ["/usr/bin/python3", "-c", script], capture_output=True, text=True,
                       timeout=120, cwd="/")
    assert r.returncode == 0, r.stderr + (home / "log").read_text(errors="replace")
    assert (scratch / "uid.txt").read_text().strip() == str(uid)
    assert os.stat(scratch / "uid.txt").st_uid == uid
    assert not (world.base / "escaped").exists() and not (world.tools / "escaped").exists()


def test_environment_is_an_allow_list(world, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    monkeypatch.setenv("PAGEWISE_GRADE_SEED", "1234")
    box = world.box(env={"PAGEWISE_EMU_TIME_SCALE": "2"})
    log = world.logs / "env.log"
    assert box(["/bin/sh", "-c", "env > env.txt"], cwd=world.scratch, timeout=30, log=log) == 0
    env = dict(line.split("=", 1) for line in (world.scratch / "env.txt").read_text().splitlines()
               if "=" in line)
    assert env["PAGEWISE_EMU_TIME_SCALE"] == "2"
    assert env["HOME"] == str(world.scratch)
    assert "GRADER_SECRET" not in env and "PAGEWISE_GRADE_SEED" not in env
    assert set(env) <= {"PATH", "HOME", "LANG", "TERM", "TMPDIR", "PWD", "SHLVL", "_",
                        "PAGEWISE_EMU_TIME_SCALE"}


def test_stdin_fed_and_log_bounded(world):
    box = world.box(Limits(log_bytes=1000))
    log = world.logs / "stdin.log"
    st = box(["/bin/sh", "-c", "cat > got.txt; head -c 100000 /dev/zero | tr '\\0' y"],
             cwd=world.scratch, timeout=30, log=log, stdin=b"fed\n")
    assert st == 0
    assert (world.scratch / "got.txt").read_text() == "fed\n"
    text = read_log(log)
    assert "y" * 990 in text and "y" * 1001 not in text  # kept: 1000 bytes, "fed" was read
    assert "output beyond the log limit dropped" in text


# -- escapes: files, other submissions, the grader, the network --------------

class Grader:
    """The grader's side: a TCP listener on every address, a UDP socket,
    unix sockets in the (hidden) work root and in the host's /tmp, a process
    of the sandbox's own uid, and a SIGUSR1 counter in this process."""

    def __init__(self, world: Layout, uid: int):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("0.0.0.0", 0))
        self.tcp.listen(8)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", 0))
        self.udpport = self.udp.getsockname()[1]
        self.hostip = host_ip()
        token = secrets.token_hex(4)
        self.sock_paths = [world.work / "grader.sock", Path(f"/tmp/pagewise-grader-{token}.sock")]
        self.unix = []
        for p in self.sock_paths:
            s = socket.socket(socket.AF_UNIX)
            s.bind(str(p))
            os.chmod(p, 0o777)  # only the sandbox's mounts can keep the code out
            s.listen(8)
            self.unix.append(s)
        os.chmod(world.work, 0o755)
        self.usr1 = 0
        self.old = signal.signal(signal.SIGUSR1, self._usr1)
        victim = ["sleep", "600"]
        if ROOT:
            victim = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                      "--"] + victim
        self.victim = subprocess.Popen(victim)

    def _usr1(self, *_):
        self.usr1 += 1

    def reached(self) -> list[str]:
        """Every way the code got through, seen from here."""
        got = []
        socks = [self.tcp, self.udp, *self.unix]
        ready, _, _ = select.select(socks, [], [], 0.5)
        for s in ready:
            got.append("udp" if s is self.udp else str(s.getsockname()))
        if self.usr1:
            got.append("SIGUSR1 to the grader")
        if self.victim.poll() is not None:
            got.append("the same-uid process was killed")
        return got

    def close(self):
        signal.signal(signal.SIGUSR1, self.old)
        self.victim.kill()
        self.victim.wait()
        for s in [self.tcp, self.udp, *self.unix]:
            s.close()
        for p in self.sock_paths:
            p.unlink(missing_ok=True)


def host_ip() -> str:
    """An address of this host other than loopback (a UDP connect sends
    nothing), or 127.0.0.1 when there is none."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def escape_args(world: Layout, grader: Grader, loot: Path) -> list[str]:
    args = dict(loot=loot, parent=world.scratch.parent, tmpnew=world.tmpnew,
                marker=world.marker, etc=world.etc, tools=world.tools,
                isecret=world.isecret, sibling=world.sibling, port=grader.port,
                udpport=grader.udpport, hostip=grader.hostip,
                socks=":".join(map(str, grader.sock_paths)), grader=os.getpid(),
                victim=grader.victim.pid, killall="1" if ROOT else "0")
    return [f"{k}={v}" for k, v in args.items()]


def test_control_attacks_work_without_the_sandbox(world):
    """The control: the same program, run as a plain child on the same
    layout (minus /etc, the tools, signals), does the damage the sandbox
    must prevent; so the sandboxed test below can fail."""
    grader = Grader(world, os.geteuid())
    try:
        prog = world.base / "escape.py"
        prog.write_text(ESCAPE)
        loot = world.base / "loot"
        loot.mkdir()
        args = [a for a in escape_args(world, grader, loot)
                if not a.startswith(("etc=", "tools=", "grader=", "victim=", "killall="))]
        args += [f"etc={world.base}/etc-stand-in", f"tools={world.base}/tools-stand-in",
                 "grader=0", "victim=0", "killall=0"]
        os.mkdir(world.base / "tools-stand-in")
        (world.base / "tools-stand-in" / "tool.py").write_text("")
        subprocess.run([sys.executable, str(prog), "files,sibling,grader", *args],
                       capture_output=True, timeout=60, check=True)
        assert (world.scratch.parent / "escaped").exists()
        assert world.tmpnew.exists()
        assert world.marker.read_text() == "overwritten"
        assert (loot / "sibling").read_text() == world.sibling_secret
        assert (loot / "isecret").read_text() == world.isecret.read_text()
        assert (world.sibling / "pwned").exists()
        reached = grader.reached()
        assert str(("0.0.0.0", grader.port)) in reached
        assert str(grader.sock_paths[0]) in reached
    finally:
        grader.close()


def test_escapes_fail_and_leave_no_damage(world):
    box = world.box()
    grader = Grader(world, box.uid)
    try:
        before_sibling = all_files(world.sibling)
        before_tools = all_files(world.tools)
        before_instructor = all_files(world.instructor)
        prog = world.scratch / "escape.py"
        prog.write_text(ESCAPE)
        loot = world.scratch / "loot"
        loot.mkdir()
        log = world.logs / "escape.log"
        st = box(["/usr/bin/python3", str(prog), "files,sibling,grader,net",
                  *escape_args(world, grader, loot)], cwd=world.scratch, timeout=120, log=log)
        text = read_log(log)
        assert st == 0, text
        # (a) nothing written outside scratch
        assert sorted(os.listdir(world.scratch.parent)) == ["scratch"], text
        assert not world.tmpnew.exists(), text
        assert world.marker.read_text() == world.marker_text, text
        assert not world.etc.exists(), text
        assert all_files(world.tools) == before_tools, text
        assert all_files(world.instructor) == before_instructor, text
        # (b) the other submission: unread, unchanged
        assert all_files(world.sibling) == before_sibling, text
        # nothing of the host's /tmp, the instructor's or the sibling's
        # secrets reached scratch
        loot_text = b"".join(all_files(world.scratch).values())
        for secret in (world.marker_text, world.sibling_secret, world.isecret.read_text()):
            assert secret.encode() not in loot_text, text
        # (c), (d) the grader and the network: no connection, datagram or signal
        assert grader.reached() == [], text
    finally:
        grader.close()


# -- resources ---------------------------------------------------------------

@pytest.fixture
def hog(world):
    """The hog program, built by gcc in the sandbox (the build path too)."""
    (world.scratch / "hog.c").write_text(HOG)
    log = world.logs / "hog-build.log"
    st = world.box()(["gcc", "-O1", "-o", "hog", "hog.c"], cwd=world.scratch, timeout=120, log=log)
    assert st == 0, read_log(log)
    return str(world.scratch / "hog")


def test_cpu_limit_kills(world, hog):
    box = world.box(Limits(cpu_seconds=1))
    log = world.logs / "cpu.log"
    assert box([hog, "cpu"], cwd=world.scratch, timeout=60, log=log) is None
    assert box.last.killed == "cpu"
    assert box.last.wall < 30 and 0.9 <= box.last.cpu < 4
    assert "killed by the CPU-time limit" in read_log(log)


def test_memory_limit_holds(world, hog):
    limit = 256 * MiB
    box = world.box(Limits(memory_bytes=limit))
    log = world.logs / "mem.log"
    st = box([hog, "mem"], cwd=world.scratch, timeout=60, log=log)
    # The allocation fails (RLIMIT_AS: ENOMEM), the hog aborts: no kill by
    # the sandbox, but the kernel's account shows it never got past the limit.
    assert st == 128 + signal.SIGABRT, read_log(log)
    assert 0.5 * limit < box.last.max_rss <= limit
    assert "memory limit 256 MiB nearly reached" in read_log(log)


def test_file_size_limit_kills(world, hog):
    box = world.box(Limits(file_bytes=1 * MiB))
    log = world.logs / "fsize.log"
    big = world.scratch / "big"
    assert box([hog, "fsize", str(big)], cwd=world.scratch, timeout=60, log=log) is None
    assert box.last.killed == "fsize"
    assert big.stat().st_size <= 1 * MiB
    assert "killed by the file-size limit" in read_log(log)


def sandbox_processes(uid: int, name: str) -> int:
    """Processes of @uid named @name (their comm: the program's file name),
    seen from here, in every pid namespace."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.stat(f"/proc/{d}").st_uid == uid and \
                    Path(f"/proc/{d}/comm").read_text().strip() == name:
                n += 1
        except OSError:
            pass
    return n


def count_while(run, uid: int, token: str) -> int:
    """Run @run() and return the most processes with @token seen meanwhile."""
    most = 0
    done = threading.Event()

    def watch():
        nonlocal most
        while not done.is_set():
            most = max(most, sandbox_processes(uid, token))
            time.sleep(0.05)

    t = threading.Thread(target=watch)
    t.start()
    try:
        run()
    finally:
        done.set()
        t.join()
    return most


def test_process_cap_per_sandbox(world, hog):
    """Two sandboxes of the same uid fork at once: each is held to its own
    cap (RLIMIT_NPROC in its user namespace), neither starves the other."""
    cap = 24
    token = "fork" + secrets.token_hex(4)
    link = world.scratch / token  # the token in every hog's command line
    os.symlink(hog, link)
    boxes = [world.box(Limits(processes=cap)) for _ in range(2)]
    results = [None, None]

    def run_both():
        ts = [threading.Thread(target=lambda i=i: results.__setitem__(i, boxes[i](
            [str(link), "fork"], cwd=world.scratch, timeout=60, log=world.logs / f"fork{i}.log")))
            for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    most = count_while(run_both, boxes[0].uid, token)
    logs = [read_log(world.logs / f"fork{i}.log") for i in range(2)]
    assert results == [0, 0], logs
    # In each sandbox, bwrap's init counts, then the hog and its children
    # (cap - 1 at most); both at once got more than one cap's worth.
    assert cap < most <= 2 * (cap - 1), (most, logs)
    assert sandbox_processes(boxes[0].uid, token) == 0


def test_timeout_kills_everything(world, hog):
    box = world.box()
    token = "sleep" + secrets.token_hex(4)
    link = world.scratch / token
    os.symlink(hog, link)
    log = world.logs / "timeout.log"
    t = time.monotonic()
    assert box([str(link), "sleep"], cwd=world.scratch, timeout=2, log=log) is None
    assert time.monotonic() - t < 15
    assert box.last.killed == "timeout"
    assert "killed: wall-clock timeout after 2 s" in read_log(log)
    time.sleep(0.2)
    assert sandbox_processes(box.uid, token) == 0


def test_no_process_outlives_its_run(world, hog):
    box = world.box()
    token = "dmn" + secrets.token_hex(4)
    link = world.scratch / token
    os.symlink(hog, link)
    log = world.logs / "daemon.log"
    assert box([str(link), "daemon"], cwd=world.scratch, timeout=30, log=log) == 0
    time.sleep(0.2)
    assert sandbox_processes(box.uid, token) == 0


# -- a machine that cannot sandbox ---------------------------------------------

def test_check_fails_closed_without_bwrap(world, monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "PATH", str(tmp_path))
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        world.box().check()


def test_scratch_handed_over_without_following_links(world):
    """As root the grader chowns scratch to the sandbox's uid before each run:
    links the code planted there (to a file, to a directory) change owner
    themselves, their targets never do; a file hard-linked in by the grader
    keeps its owner."""
    if not ROOT:
        pytest.skip("the hand-over (chown) happens only when the grader is root")
    target = world.base / "grader-file"
    target.write_text("the grader's")
    target_dir = world.base / "grader-dir"
    (target_dir / "inner").mkdir(parents=True)
    os.symlink(target, world.scratch / "link")
    os.symlink(target_dir, world.scratch / "dirlink")
    os.link(target, world.scratch / "hard")
    (world.scratch / "mine").mkdir()
    (world.scratch / "mine" / "file").write_text("x")
    box = world.box()
    assert box(["true"], cwd=world.scratch, timeout=30, log=world.logs / "chown.log") == 0
    for p in (target, target_dir, target_dir / "inner"):
        assert os.stat(p).st_uid == 0, p
    for p in ("link", "dirlink", "mine", "mine/file"):
        assert os.lstat(world.scratch / p).st_uid == box.uid, p


def test_kernel_builds_and_boots_in_the_sandbox(world):
    """What the grader does with a submission: make builds the kernel and
    its ISO (gcc, nasm, ld, grub-mkrescue, xorriso, mtools) in scratch, then
    QEMU boots it headless with no network device; the kernel's self-test
    powers the machine off through isa-debug-exit (status 33). Everything
    the build wrote belongs to the sandbox's uid."""
    for tool in ("gcc", "nasm", "grub-mkrescue", "xorriso", "qemu-system-x86_64"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (scripts/install-deps.sh grade)")
    tree = world.scratch / "tree"
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True,
                           check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (tree / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, tree / f)
    box = world.box()
    log = world.logs / "build.log"
    iso = tree / "build" / "pagewise-test.iso"
    st = box(["make", "-s", "-C", str(tree), "build/pagewise-test.iso"], cwd=tree, timeout=600,
             log=log)
    assert st == 0, read_log(log)[-3000:]
    for p in (tree / "build" / "kernel.elf", iso):
        assert os.stat(p).st_uid == box.uid
    serial = world.scratch / "serial.log"
    log = world.logs / "qemu.log"
    st = box(["qemu-system-x86_64", "-m", "128M", "-display", "none", "-no-reboot", "-nic", "none",
              "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-cdrom", str(iso),
              "-serial", f"file:{serial}"], cwd=world.scratch, timeout=300, log=log)
    assert st == 33, read_log(log)[-3000:] + serial.read_text(errors="replace")[-2000:]
    assert os.stat(serial).st_uid == box.uid


def test_check_fails_closed_without_user_namespaces(world, monkeypatch):
    """A bwrap that cannot create namespaces (what user namespaces turned
    off, or Docker's default seccomp profile, look like): check() refuses,
    giving bwrap's complaint and naming the sysctl to fix."""
    bindir = world.base / "fake-bin"  # (searchable by the sandbox's uid, unlike tmp_path)
    bindir.mkdir()
    fake = bindir / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    for tool in ("prlimit", "setpriv", "true", "sh"):
        real = shutil.which(tool, path=sandbox.PATH)
        if real:
            os.symlink(real, bindir / tool)
    monkeypatch.setattr(sandbox, "PATH", str(bindir))
    with pytest.raises(SandboxError, match="kernel.unprivileged_userns_clone") as e:
        world.box().check()
    assert "No permissions to creating new namespace" in str(e.value)
