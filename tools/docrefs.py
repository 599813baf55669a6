"""docrefs.py - the names a doc gives, and whether they exist: file paths,
make targets, monitor commands, gdb pw- commands, functions (`name()`),
links to files, and file:LINE references (which prose must not use: name the
function instead). make docs-check runs these through Sybil
(tools/docgen_check.py); `tools/docrefs.py DOC...` prints the problems."""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(`{3,}).*?^\1[ \t]*$", re.S | re.M)
COMMENT = re.compile(r"<!--.*?-->", re.S)
TABLE_HEAD = re.compile(r"^\|(.*)\|\s*\n\|[-:| ]+\|\s*$", re.M)
# Names that other projects own: a doc may name Linux's or xv6's functions.
FOREIGN = re.compile(r"Linux|linux|xv6|Theseus|PatchworkOS|pmallocator|glibc|libc|Bochs's|QEMU's|GRUB's|"
                     r"gdb's|pytest|cmocka|matplotlib|libFuzzer|Python|python|Sybil|kernel-doc|DDE")
PATH_START = ("src/", "docs/", "tools/", "scripts/", "test/", "bench/", ".ci/")
EXTENSIONS = (".c", ".h", ".py", ".md", ".toml", ".sh", ".asm", ".ld", ".cfg", ".gdb", ".template")
FILE_LINE = re.compile(r"\b[\w/.-]+\.(?:c|h|asm|py|S):\d+\b")


@dataclasses.dataclass
class Ref:
    kind: str  # path, make, monitor, gdb, function, link, file-line
    name: str
    start: int
    end: int
    where: str
    context: str = ""

    def problem(self, root: Path) -> str | None:
        check = CHECKS[self.kind]
        why = check(root, self)
        return f"{self.where}: {self.kind} {self.name!r}: {why}" if why else None


@functools.lru_cache(maxsize=None)
def _files(root: Path) -> tuple[str, ...]:
    import subprocess

    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True,
                         text=True).stdout
    return tuple(p for p in out.split("\n") if p)


@functools.lru_cache(maxsize=None)
def _make_targets(root: Path) -> frozenset:
    text = (root / "Makefile").read_text()
    targets = set()
    for m in re.finditer(r"^([A-Za-z0-9_.%/$()-][^:=\n]*?)\s*:(?![=])", text, re.M):
        targets.update(m.group(1).split())
    for m in re.finditer(r"^\.PHONY:(.*(?:\\\n.*)*)", text, re.M):
        targets.update(m.group(1).replace("\\\n", " ").split())
    return frozenset(targets)


@functools.lru_cache(maxsize=None)
def _monitor_commands(root: Path) -> frozenset:
    names = set()
    for p in _files(root):
        if p.startswith("src/") and p.endswith(".c"):
            text = (root / p).read_text(errors="replace")
            if "cmd_" in text:
                names.update(re.findall(r"\{\s*\"([a-z_]+)\",\s*\"[^\"]*\",", text))
    return frozenset(names)


@functools.lru_cache(maxsize=None)
def _gdb_commands(root: Path) -> frozenset:
    names = set()
    for p in _files(root):
        if p.startswith("scripts/gdb/"):
            names.update(re.findall(r"\"(pw-[a-z-]+)\"", (root / p).read_text()))
    return frozenset(names)


@functools.lru_cache(maxsize=None)
def _identifiers(root: Path) -> frozenset:
    """Every function, macro and Python def the tree defines or declares."""
    names = set()
    for p in _files(root):
        if p.endswith((".c", ".h", ".ld")):
            text = (root / p).read_text(errors="replace")
            names.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text))
            names.update(re.findall(r"#\s*define\s+([A-Za-z_]\w*)", text))
        elif p.endswith((".py", ".asm")) or p.startswith("tools/") or p.startswith("scripts/"):
            text = (root / p).read_text(errors="replace")
            names.update(re.findall(r"\bdef\s+([A-Za-z_]\w*)", text))
            names.update(re.findall(r"^([A-Za-z_]\w*):", text, re.M))
            names.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text))
    return frozenset(names)


def _check_path(root: Path, ref: Ref) -> str | None:
    name = ref.name.rstrip("/")
    if "*" in name or "?" in name:
        return None if list(root.glob(name)) else "matches no file"
    if (root / name).exists():
        return None
    if "/" not in name:
        base = name
        if any(Path(p).name == base for p in _files(root)):
            return None
        return "no file of that name in the tree"
    return "does not exist"


def _check_make(root: Path, ref: Ref) -> str | None:
    if ref.name.startswith("build/"):
        return None  # a file the build makes (a pattern rule's target)
    return None if ref.name in _make_targets(root) else "no such target in the Makefile"


def _check_monitor(root: Path, ref: Ref) -> str | None:
    return None if ref.name in _monitor_commands(root) else "the monitor has no such command"


def _check_gdb(root: Path, ref: Ref) -> str | None:
    return None if ref.name in _gdb_commands(root) else "scripts/gdb defines no such command"


def _check_function(root: Path, ref: Ref) -> str | None:
    return None if ref.name in _identifiers(root) else "defined nowhere in the tree"


def _check_link(root: Path, ref: Ref) -> str | None:
    base = Path(ref.context).parent
    target = ref.name.split("#")[0]
    if not target:
        return None
    return None if (root / base / target).exists() else "the link's target does not exist"


def _check_file_line(root: Path, ref: Ref) -> str | None:
    return "a file:LINE reference goes stale with any edit: name the function instead"


CHECKS = {"path": _check_path, "make": _check_make, "monitor": _check_monitor, "gdb": _check_gdb,
          "function": _check_function, "link": _check_link, "file-line": _check_file_line}


def _names_monitor_command(span: str, before: str, after: str) -> bool:
    """Does the prose name @span as a monitor command ("the monitor's
    `pcp`", "`buddyinfo` command", "monitor command `free`")?"""
    if not re.fullmatch(r"[a-z_]+(?: [^`]*)?", span):
        return False
    if re.search(r"\b(?:gdb|Bochs|shell|make|debugger|GRUB)\b", before[-40:] + after):
        return False
    return bool(re.search(r"\bmonitor(?:'s)?(?: command)?\s*$", before) or
                re.match(r"^\s+(?:monitor\s+)?command\b", after))


def _blank(text: str, pattern: re.Pattern) -> str:
    """@text with @pattern's matches blanked out (offsets kept)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def references(text: str, doc: str) -> list[Ref]:
    """The names @text gives outside fenced blocks and comments."""
    prose = _blank(_blank(text, FENCE), COMMENT)
    refs: list[Ref] = []

    def where(pos):
        return f"{doc}:{text.count(chr(10), 0, pos) + 1}"

    # Tables of monitor commands: a header cell saying "command".
    table_rows = set()
    for m in TABLE_HEAD.finditer(prose):
        head = m.group(1).lower()
        if "command" in head and "gdb" not in head and "make" not in head and "bochs" not in head:
            pos = m.end()
            for row in re.finditer(r"^\|((?:\\\||[^|\n])*)\|.*$", prose[pos:], re.M):
                if row.start() != 0 and prose[pos + row.start() - 1] != "\n":
                    break
                cell = row.group(1)
                span = CODE_SPAN.search(cell)
                if span:
                    word = span.group(1).split()[0]
                    s = pos + row.start(1) + span.start(1)
                    if re.fullmatch(r"[a-z_]+", word) and word not in ("make", "gdb", "bochs"):
                        refs.append(Ref("monitor", word, s, s + len(word), where(s)))
                        table_rows.add(s)
                pos_end = pos + row.end()
                if pos_end + 1 >= len(prose) or prose[pos_end + 1] != "|":
                    break
    for m in CODE_SPAN.finditer(prose):
        span, s = m.group(1).strip(), m.start(1)
        if s in table_rows:
            continue
        before = prose[max(0, s - 90):s]
        sentence_before = re.split(r"[.!?]\s", before)[-1]
        after = prose[m.end():m.end() + 30]
        if FILE_LINE.search(span):
            refs.append(Ref("file-line", span, s, s + len(span), where(s)))
        elif span.startswith("make ") or span == "make":
            words = [w for w in span.split()[1:] if "=" not in w and not w.startswith("-")]
            if words:
                refs.append(Ref("make", words[0], s, s + len(span), where(s)))
        elif span.startswith("pw-") and not span.endswith("-"):
            refs.append(Ref("gdb", span.split()[0], s, s + len(span), where(s)))
        elif span.startswith("pagewise> "):
            word = span.split()[1] if len(span.split()) > 1 else ""
            if word:
                refs.append(Ref("monitor", word, s, s + len(span), where(s)))
        elif _names_monitor_command(span, sentence_before, after):
            refs.append(Ref("monitor", span.split()[0], s, s + len(span), where(s)))
        elif re.fullmatch(r"[A-Za-z_]\w*\([^()]*\)", span):
            if not FOREIGN.search(sentence_before):
                refs.append(Ref("function", span.split("(")[0], s, s + len(span), where(s)))
        elif re.fullmatch(r"\.?[\w.-]+(/[\w.*?-]+)+/?", span) and span.startswith(PATH_START):
            refs.append(Ref("path", span, s, s + len(span), where(s)))
        elif re.fullmatch(r"[\w-]+(\.[\w-]+)*", span) and span.endswith(EXTENSIONS) and \
                not FOREIGN.search(sentence_before):
            refs.append(Ref("path", span, s, s + len(span), where(s)))
    for m in LINK.finditer(prose):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        refs.append(Ref("link", target, m.start(1), m.end(1), where(m.start(1)), context=doc))
    for m in FILE_LINE.finditer(prose):
        if not any(r.start <= m.start() < r.end for r in refs) and not FOREIGN.search(prose[max(0, m.start() - 60):
                                                                                           m.start()]):
            refs.append(Ref("file-line", m.group(0), m.start(), m.end(), where(m.start())))
    refs.sort(key=lambda r: r.start)
    return refs


def main(argv: list[str]) -> int:
    bad = 0
    for doc in argv or ["README.md", *sorted(str(p.relative_to(REPO)) for p in REPO.glob("docs/**/*.md"))]:
        text = (REPO / doc).read_text()
        for ref in references(text, doc):
            why = ref.problem(REPO)
            if why:
                print(why)
                bad += 1
    print(f"docrefs: {bad} problem(s)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
