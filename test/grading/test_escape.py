"""test_escape.py - a submission that tries to break out while it is graded.

Its lab 3 region __find_buddy_pfn() is right, and in host builds (the grade
harnesses, __STDC_HOSTED__) it also tries, once, to write a file into
another submission's work directory, into the instructor's tree, into /tmp
and into its own built tree (which later runs execute), and to reach the
grader over a Unix socket and over TCP on
127.0.0.1. The grader runs it in the sandbox: afterwards, seen from
outside, no file exists, no connection came in, and the report flags the
calls for a human. tools/sandbox.py's own tests (test/tools/test_sandbox.py)
attack the sandbox directly; this one goes through tools/grade
--submission's whole pipeline."""

import os
import secrets
import socket
import threading
from pathlib import Path

import pytest

import grade_submission
import submission

ROOT = Path(__file__).resolve().parents[2]
from conftest import NO_SANDBOX, UNSAFE  # noqa: E402

ESCAPE = r"""lab = 3
@@ src/mm/page_alloc.c __find_buddy_pfn
#if __STDC_HOSTED__
	{
		extern int open(const char *path, int flags, ...);
		extern int socket(int domain, int type, int protocol);
		extern int connect(int fd, const void *addr, unsigned int len);
		static const char *const targets[] = { TARGETS };
		static int tried;

		if (!tried) {
			struct { unsigned short family; char path[108]; } un = { 1, "SOCKET" };
			struct { unsigned short family, port; unsigned int addr; char zero[8]; } in = {
				2, (unsigned short)((PORT >> 8) | ((PORT & 0xff) << 8)), 0x0100007f, { 0 } };
			int fd;

			tried = 1;
			for (unsigned int i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
				open(targets[i], 0101, 0644); /* O_WRONLY | O_CREAT */
			fd = socket(1, 1, 0);
			connect(fd, &un, sizeof(un));
			fd = socket(2, 1, 0);
			connect(fd, &in, sizeof(in));
		}
	}
#endif
	return pfn ^ (1UL << order);
"""


@pytest.mark.skipif(NO_SANDBOX is not None and os.environ.get("PAGEWISE_GRADE_UNSAFE") != "1",
                    reason=f"this machine cannot sandbox: {NO_SANDBOX}")
def test_a_submission_cannot_write_outside_or_reach_the_grader(workdir):
    tag = secrets.token_hex(4)
    other = workdir / "other-student"  # another submission's directory, beside this one
    other.mkdir()
    os.chmod(other, 0o777)
    built = workdir / "work" / "scratch" / "tree" / "build"  # what later runs execute
    targets = [other / f"escaped-{tag}", ROOT / "build" / f"escaped-{tag}", Path(f"/tmp/escaped-{tag}"),
               built / f"escaped-{tag}"]
    sock_path = workdir / f"grader-{tag}.sock"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(sock_path))
    os.chmod(sock_path, 0o777)
    unix.listen(1)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    port = tcp.getsockname()[1]
    came: list[str] = []

    def accept(s, what):
        s.settimeout(1.0)
        while not stop.is_set():
            try:
                s.accept()
                came.append(what)
            except OSError:
                pass

    stop = threading.Event()
    threads = [threading.Thread(target=accept, args=(unix, "unix")),
               threading.Thread(target=accept, args=(tcp, "tcp"))]
    for t in threads:
        t.start()
    try:
        spec = workdir / "escape.regions"
        spec.write_text(ESCAPE.replace("TARGETS", ", ".join(f'"{t}"' for t in targets))
                        .replace("SOCKET", str(sock_path)).replace("PORT", str(port)))
        sub = workdir / "submission"
        assert submission.materialize_fixture(ROOT, spec, sub) == 3
        out = grade_submission.grade_one(sub, 3, workdir / "work", jobs=1, say=lambda *a: None, unsafe=UNSAFE,
                                         keep=True,
                                         base_cache=ROOT / "build" / "test-grading" / "base")
        print("\n".join(grade_submission.render(out)))
    finally:
        stop.set()
        for t in threads:
            t.join()
        unix.close()
        tcp.close()
    assert not out.error, out.error
    assert out.notes and ("bubblewrap" in out.notes[0]) != UNSAFE
    for t in targets:
        assert not t.exists(), f"the submission wrote {t}"
    assert not came, f"the submission reached the grader over {came}"
    for call in ("open(", "socket(", "connect("):
        assert any(f.startswith("src/mm/page_alloc.c:") and call in f.split(": ", 2)[2]
                   for f in out.flags), (call, out.flags)
    # The grade harness ran the code (the host tests passed), so the tries were made.
    assert any(v.passed and v.name.startswith("host:") for v in out.verdicts)
