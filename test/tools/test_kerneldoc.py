"""test_kerneldoc.py - the public mm headers (gfp.h, mm.h, memblock.h, found
by name under src/) document every function in Linux's kernel-doc format
(Documentation/doc-guide/kernel-doc.rst), as DEVELOPERS.md asks.

The rules, for each function declared in those headers and each static
inline function defined there:
  - a comment sits right above it (nothing between, not even a blank line);
  - it opens with "/**" and its first line is "name() - short description",
    naming this function;
  - it has one "@param:" line for each parameter ("@...:" for a variadic
    one), and none for a parameter the function does not have;
  - unless the function returns void, it has a "Return:" section.
A function-like macro is held to the same rules (less Return:, as its type
is unknown) when its comment opens with "/**"; shorthand macros such as
alloc_page() or PFN_UP() may keep a plain comment.

Debian 12 packages no kernel-doc script (`apt-cache search kernel-doc`
finds only Linux's documentation), so the check is this file, standard
library only. The tests at the end feed it small header texts with one
fault each, to show it reports that fault by name.
Run: /usr/bin/python3 -m pytest -q test/tools/test_kerneldoc.py"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEADERS = ("gfp.h", "mm.h", "memblock.h")

IDENT = re.compile(r"[A-Za-z_]\w*")
NAME_LINE = re.compile(r"(\w+)\(\) - \S")
PARAM_LINE = re.compile(r"@(\w+|\.\.\.):\s*\S")
RETURN_LINE = re.compile(r"Return:\s*\S")
MACRO = re.compile(r"#\s*define\s+(\w+)\(([^)]*)\)")


@dataclass
class Comment:
    start: int  # offset of "/*" or "//"
    end: int  # offset just past "*/" or the line's end
    text: str
    own_line: bool  # nothing but blanks before it on its first line


@dataclass
class Function:
    name: str
    kind: str  # "declaration", "static inline" or "macro"
    params: list[str]  # names; "..." for a variadic tail
    returns_void: bool | None  # None for a macro
    line: int
    comment: Comment | None  # the comment right above, if any


def _skip_string(text: str, i: int) -> int:
    """Offset just past the string or character literal opening at i."""
    quote, i = text[i], i + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _strip_attributes(decl: str) -> str:
    """decl without its __attribute__((...)) parts."""
    while (at := decl.find("__attribute__")) >= 0:
        i = decl.index("(", at)
        depth = 0
        for j in range(i, len(decl)):
            depth += {"(": 1, ")": -1}.get(decl[j], 0)
            if depth == 0:
                break
        decl = decl[:at] + " " + decl[j + 1:]
    return decl


def _split_top_level(params: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in params:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(ch, 0)
        cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


def param_name(param: str) -> str | None:
    """The name a parameter declares: "const struct page *page" -> "page",
    "void (*fn)(unsigned long, void *)" -> "fn", "..." -> "...", "void" ->
    None (no parameters)."""
    param = " ".join(param.split())
    if param == "...":
        return "..."
    if param == "void":
        return None
    if m := re.match(r"[^(]*\(\s*\*\s*(\w+)\s*\)", param):  # function pointer
        return m.group(1)
    names = IDENT.findall(re.sub(r"\[[^\]]*\]", "", param))
    return names[-1] if names else None


def _as_function(decl: str, body: bool) -> tuple[str, list[str], bool] | None:
    """(name, params, returns void) if decl (up to its body or ";") declares
    or defines a function, else None."""
    decl = " ".join(_strip_attributes(decl).split())
    if decl.startswith(("typedef ", "struct ", "union ", "enum ")) and "{" in decl:
        return None
    if decl.startswith("typedef "):
        return None
    paren = decl.find("(")
    if paren < 0:
        return None
    head = decl[:paren].rstrip()
    m = re.search(r"(\w+)$", head)
    if not m:
        return None  # "(*fp)" and the like: not a function
    name, type_ = m.group(1), head[:m.start()].strip()
    if "=" in head or not type_:
        return None
    depth = 0
    for close in range(paren, len(decl)):
        depth += {"(": 1, ")": -1}.get(decl[close], 0)
        if depth == 0:
            break
    rest = decl[close + 1:].strip().rstrip(";").strip()
    if rest and not body:
        return None  # e.g. an array of function pointers
    words = [w for w in type_.split() if w not in ("static", "inline", "extern", "__always_inline")]
    params = [n for p in _split_top_level(decl[paren + 1:close]) if (n := param_name(p))]
    return name, params, words == ["void"]


def scan(text: str) -> list[Function]:
    """Every function declared or defined at file scope in a C header, and
    every function-like macro, with the comment right above each."""
    comments: list[Comment] = []
    items: list[tuple[int, str, bool]] = []  # (start, text, has a body)
    i, n = 0, len(text)
    start, depth, brace, had_body = None, 0, 0, False

    def line_start(at: int) -> int:
        return text.rfind("\n", 0, at) + 1

    while i < n:
        ch = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            close = "*/" if text.startswith("/*", i) else "\n"
            end = text.find(close, i + 2)
            end = n if end < 0 else end + (2 if close == "*/" else 0)
            comments.append(Comment(i, end, text[i:end], not text[line_start(i):i].strip()))
            i = end
            continue
        if ch == "#" and start is None and not text[line_start(i):i].strip():
            end = i
            while True:
                end = text.find("\n", end)
                if end < 0:
                    end = n
                    break
                if text[end - 1] != "\\":
                    break
                end += 1
            items.append((i, text[i:end], False))
            i = end
            continue
        if ch in "\"'":
            i = _skip_string(text, i)
            continue
        if not ch.isspace() and start is None:
            start, had_body = i, False
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "{":
            brace += 1
        elif ch == "}":
            brace -= 1
            if brace == 0 and depth == 0 and start is not None:
                head = text[start:text.rfind("{", start, i + 1)]
                head = _strip_attributes(head).rstrip()
                if head.endswith(")"):  # a function's body ends here
                    items.append((start, text[start:i + 1], True))
                    start = None
        elif ch == ";" and depth == 0 and brace == 0 and start is not None:
            items.append((start, text[start:i + 1], False))
            start = None
        i += 1

    functions = []
    for at, item, body in items:
        if item.startswith("#"):
            m = MACRO.match(item)
            if not m:
                continue
            params = [p.strip() for p in m.group(2).split(",") if p.strip()]
            found = (m.group(1), "macro", params, None)
        else:
            decl = item[:item.index("{")] if body else item
            parsed = _as_function(decl, body)
            if not parsed:
                continue
            name, params, void = parsed
            kind = "static inline" if body else "declaration"
            if body and not re.match(r"static\s+(__always_)?inline\b", item):
                kind = "definition"
            found = (name, kind, params, void)
        above = [c for c in comments if c.end <= at and c.own_line and not text[c.end:at].strip()
                 and text[c.end:at].count("\n") <= 1]
        functions.append(Function(found[0], found[1], found[2], found[3],
                                  text.count("\n", 0, at) + 1, above[-1] if above else None))
    return functions


def comment_lines(comment: Comment) -> list[str]:
    """A /** comment's lines without the leading " * "."""
    body = comment.text[3:-2] if comment.text.startswith("/**") else comment.text[2:-2]
    return [re.sub(r"^\s*\*? ?", "", line).rstrip() for line in body.split("\n")]


def problems(fn: Function) -> list[str]:
    """What is wrong with fn's kernel-doc, one message each; [] if nothing."""
    where = f"{fn.name}() (line {fn.line})"
    c = fn.comment
    if c is None:
        return [] if fn.kind == "macro" else [f"{where}: no comment right above it"]
    if not c.text.startswith("/**") or c.text.startswith("/***"):
        return [] if fn.kind == "macro" else [f"{where}: its comment does not open with /**"]
    out = []
    lines = [line for line in comment_lines(c)]
    first = next((line for line in lines if line), "")
    m = NAME_LINE.match(first)
    if not m or m.group(1) != fn.name:
        out.append(f"{where}: the first line is not \"{fn.name}() - short description\": {first!r}")
    documented = [p.group(1) for line in lines if (p := PARAM_LINE.match(line))]
    for p in fn.params:
        if p not in documented:
            out.append(f"{where}: no @{p}: line")
    for p in documented:
        if p not in fn.params:
            out.append(f"{where}: @{p}: names no parameter of it")
    if fn.returns_void is False and not any(RETURN_LINE.match(line) for line in lines):
        out.append(f"{where}: no Return: section, and it returns a value")
    return out


def check_text(text: str) -> list[str]:
    return [msg for fn in scan(text) if fn.kind != "definition" for msg in problems(fn)]


def public_headers() -> list[Path]:
    return sorted(p for name in HEADERS for p in (REPO / "src").glob(f"**/{name}"))


# The headers of this tree ---------------------------------------------------


def test_each_header_is_found():
    found = [p.name for p in public_headers()]
    for name in HEADERS:
        assert name in found, f"no {name} under src/"


def test_the_scan_sees_every_kind_of_function():
    """The parser finds what it must check, including a function-pointer
    parameter, a variadic one, attributes and static inline bodies; a test
    that listed nothing would pass for nothing."""
    fns = {fn.name: fn for p in public_headers() for fn in scan(p.read_text())}
    assert fns["alloc_pages"].params == ["gfp", "order"] and fns["alloc_pages"].returns_void is False
    assert fns["__free_pages"].returns_void is True
    assert fns["pfn_to_page"].kind == "static inline" and fns["pfn_to_page"].params == ["pfn"]
    assert fns["for_each_free_mem_pfn_range"].params == ["fn", "arg"]
    assert fns["mm_break_report"].params == ["bit", "point", "fmt", "..."]
    assert fns["show_meminfo"].params == [] and fns["show_meminfo"].returns_void is True
    assert fns["mm_break_point"].kind == "macro"
    assert "mm_image_sizes" not in fns and "memblock" not in fns and "gfp_t" not in fns
    assert sum(fn.kind != "macro" for fn in fns.values()) >= 50


@pytest.mark.parametrize("header", public_headers(), ids=lambda p: str(p.relative_to(REPO)))
def test_public_functions_have_kerneldoc(header):
    found = check_text(header.read_text())
    assert not found, f"{header.relative_to(REPO)}: kernel-doc problems:\n  " + "\n  ".join(found)


# The checker itself, on texts with one fault each ----------------------------

GOOD = """\
/**
 * frob_pages() - frob @nr pages from @pfn.
 * @pfn: the first page frame number.
 * @nr: how many pages.
 *
 * Return: 0, or -EINVAL with nothing changed.
 */
int frob_pages(unsigned long pfn, unsigned long nr);

/**
 * frob_all() - frob everything.
 * @fn: called for each pfn.
 * @arg: passed to @fn.
 */
void frob_all(void (*fn)(unsigned long pfn, void *arg), void *arg);

/**
 * frob_report() - print a frob line.
 * @fmt: printf format.
 * @...: its arguments.
 */
void frob_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * frob_count() - how many pfns @f has frobbed.
 * @f: a frob.
 *
 * Return: its count.
 */
static inline unsigned long frob_count(const struct frob *f)
{
	return f->count;
}

/* frob_page(gfp) - shorthand: a plain comment is fine on a macro. */
#define frob_page(gfp) frob_pages(gfp, 1)

struct frob { unsigned long count; /* pfns */ };
extern struct frob frob;
"""


def test_a_good_header_passes():
    assert check_text(GOOD) == []
    assert [fn.name for fn in scan(GOOD)] == ["frob_pages", "frob_all", "frob_report", "frob_count", "frob_page"]


@pytest.mark.parametrize("fault,header,message", [
    ("no comment",
     "int frob(int x);\n",
     "frob() (line 1): no comment right above it"),
    ("plain comment",
     "/* frob() - frob.\n * @x: x.\n * Return: 0. */\nint frob(int x);\n",
     "frob() (line 4): its comment does not open with /**"),
    ("a blank line between",
     "/**\n * frob() - frob.\n * @x: x.\n * Return: 0.\n */\n\nint frob(int x);\n",
     "frob() (line 7): no comment right above it"),
    ("a parameter missing",
     "/**\n * frob() - frob.\n * @x: x.\n * Return: 0.\n */\nint frob(int x, int y);\n",
     "frob() (line 6): no @y: line"),
    ("the variadic part missing",
     "/**\n * frob() - frob.\n * @fmt: format.\n */\nvoid frob(const char *fmt, ...);\n",
     "frob() (line 5): no @...: line"),
    ("a parameter of another name",
     "/**\n * frob() - frob.\n * @page: a page.\n */\nvoid frob(struct page *pg);\n",
     "frob() (line 5): @page: names no parameter of it"),
    ("no Return:",
     "/**\n * frob() - frob @x.\n * @x: x.\n */\nunsigned long frob(int x);\n",
     "frob() (line 5): no Return: section, and it returns a value"),
    ("a pointer return is not void",
     "/**\n * frob() - frob.\n */\nvoid *frob(void);\n",
     "frob() (line 4): no Return: section, and it returns a value"),
    ("the comment of another function",
     "/**\n * frib() - frib.\n * @x: x.\n */\nvoid frob(int x);\n",
     "frob() (line 5): the first line is not \"frob() - short description\": 'frib() - frib.'"),
    ("two functions, one comment",
     "/**\n * frob() - frob.\n */\nvoid frob(void);\nvoid frib(void);\n",
     "frib() (line 5): no comment right above it"),
    ("a static inline without a comment",
     "/* frob */\nstatic inline int frob(int x)\n{\n\treturn x;\n}\n",
     "frob() (line 2): its comment does not open with /**"),
    ("a /** macro lacking a parameter",
     "/**\n * frob_point() - frob at @name.\n * @name: a word.\n */\n#define frob_point(bit, name) do { } while (0)\n",
     "frob_point() (line 5): no @bit: line"),
])
def test_the_checker_reports(fault, header, message):
    assert message in check_text(header), fault
