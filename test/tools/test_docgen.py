"""test_docgen.py - tools/docgen.py (make docs), docgen_check.py (make
docs-check) and docrefs.py on small trees of their own: blocks are rewritten
from runs, a stale block, fact or name is caught, and masks hide only what
they name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
sys.path.insert(0, str(TOOLS))

import docgen  # noqa: E402

RUNS = '''
[counter]
doc = "a shell run standing in for a boot"
cmd = "printf 'banner\\nGRUB 2.06-13\\nseed 0x1234\\na 1\\nb 2\\nc 3\\nd 4\\nprompt> '; read x; echo \\"got $x\\""
prompt = "prompt> "
send = ["hello"]
facts.b = 'b (\\d+)'
facts.addr = { re = 'seed (0x[0-9a-f]+)', fmt = "hex", doc = "the seed" }
'''

MASKS = '''
[[mask]]
why = "test"
re = 'GRUB 2\\.\\d+[-\\w]*'
repl = "GRUB <v>"
'''

DOC = '''# A doc

The b count is <!--fact counter.b-->0<!--/fact-->, see `src/x.c` and `x_fn()`.

<!-- docgen counter
from ^banner
to GRUB
from ^b 
to ^c 
line ^got
-->
```text
stale
```

Not a transcript:

```sh
make something
```
'''


def make_tree(tmp_path: Path, doc: str = DOC) -> Path:
    root = tmp_path / "tree"
    (root / "docs" / "runs").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "x.c").write_text("int x_fn(void) { return 0; }\n")
    (root / "Makefile").write_text("all:\n\ttrue\nsomething:\n\ttrue\n")
    (root / "docs" / "runs" / "t.toml").write_text(RUNS)
    (root / "docs" / "runs" / "masks.toml").write_text(MASKS)
    (root / "docs" / "guide.md").write_text(doc)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def regenerate(root: Path, out: Path | None = None) -> list[str]:
    return docgen.generate(root, out, jobs=1, reuse=False, only=None, artifacts=False, verbose=False)


def check(root: Path, out: Path) -> subprocess.CompletedProcess:
    """make docs-check's second step: pytest with the Sybil plugin."""
    env = dict(os.environ, DOCGEN_ROOT=str(root), DOCGEN_OUT=str(out), PYTHONPATH=str(TOOLS))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "docgen_check", "-p", "no:cacheprovider",
                           "--rootdir", str(root), str(root / "docs")], cwd=TOOLS, env=env,
                          capture_output=True, text=True)


def test_make_docs_rewrites_blocks_and_facts(tmp_path):
    root = make_tree(tmp_path)
    changed = regenerate(root)
    assert "docs/guide.md" in changed and "docs/facts.md" in changed
    text = (root / "docs" / "guide.md").read_text()
    assert "```text\nbanner\nGRUB 2.06-13\n...\nb 2\nc 3\n...\ngot hello\n```" in text
    assert "<!--fact counter.b-->2<!--/fact-->" in text
    assert "```sh\nmake something\n```" in text  # not a transcript: untouched
    facts = (root / "docs" / "facts.md").read_text()
    assert "| `counter.addr` | `0x1234` | the seed |" in facts
    assert regenerate(root) == []  # a second run changes nothing


def test_docs_check_passes_on_fresh_docs(tmp_path):
    root = make_tree(tmp_path)
    regenerate(root)
    out = tmp_path / "out"
    regenerate(root, out)
    r = check(root, out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " passed" in r.stdout


def edited_check(tmp_path, *edits: tuple[str, str]) -> subprocess.CompletedProcess:
    """make docs, then the doc edited by hand (each edit: old, new), then
    make docs-check."""
    root = make_tree(tmp_path)
    regenerate(root)
    guide = root / "docs" / "guide.md"
    text = guide.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    guide.write_text(text)
    out = tmp_path / "out"
    regenerate(root, out)
    return check(root, out)


def test_docs_check_catches_a_stale_block(tmp_path):
    r = edited_check(tmp_path, ("c 3\n", "c 4\n"))  # one line gone stale
    assert r.returncode != 0
    assert "docs/guide.md:5 (counter): stale" in r.stdout
    assert "-c 4" in r.stdout and "+c 3" in r.stdout


def test_docs_check_catches_a_stale_fact(tmp_path):
    r = edited_check(tmp_path, ("<!--fact counter.b-->2<", "<!--fact counter.b-->3<"))
    assert r.returncode != 0 and "fact counter.b" in r.stdout


def test_masks_hide_only_what_they_name(tmp_path):
    # Another GRUB version: masked, so still current.
    assert edited_check(tmp_path, ("GRUB 2.06-13", "GRUB 2.12-1")).returncode == 0
    # The same line with something else changed too: caught.
    r = edited_check(tmp_path / "2", ("GRUB 2.06-13", "GRUB 2.12-1 extra"))
    assert r.returncode != 0 and "+GRUB <v>" in r.stdout


def test_docs_check_catches_names_that_do_not_exist(tmp_path):
    root = make_tree(tmp_path, DOC.replace("`src/x.c`", "`src/gone.c`").replace("`x_fn()`", "`gone_fn()`")
                     + "\nRun `make nothing`, or see src/x.c:12 via `src/x.c:12`.\n")
    regenerate(root)
    out = tmp_path / "out"
    regenerate(root, out)
    r = check(root, out)
    assert r.returncode != 0
    for what in ("path 'src/gone.c': does not exist", "function 'gone_fn': defined nowhere",
                 "make 'nothing': no such target", "file-line 'src/x.c:12'"):
        assert what in r.stdout, what


def test_a_selection_that_finds_nothing_is_an_error(tmp_path):
    root = make_tree(tmp_path, DOC.replace("line ^got", "line ^never printed"))
    with pytest.raises(docgen.DocgenError, match=r"docs/guide.md:5: no line matching /\^never printed/"):
        regenerate(root)


def test_a_failing_run_is_an_error(tmp_path):
    root = make_tree(tmp_path)
    (root / "docs" / "runs" / "t.toml").write_text(RUNS.replace('read x; echo', 'read x; exit 3; echo'))
    with pytest.raises(docgen.DocgenError, match="exit status 3, expected 0"):
        regenerate(root)


def test_a_comment_without_its_block_is_an_error():
    with pytest.raises(docgen.DocgenError, match="followed directly by a fenced block"):
        docgen.parse_blocks("<!-- docgen counter\nall\n-->\n\ntext\n", "d.md")


def test_selection_statements():
    lines = ["a", "x 1", "b", "x 2", "c", "x 3", "d"]
    sel = docgen.parse_selection("r", "from ^x\nnth 2\ncount 2\njoin\nafter ^x 3\ngrep d\nend\n", "t")
    out, cursor = docgen.apply_selection(sel, lines, 0, "t")
    assert out == ["x 2", "c", "d"] and cursor == 7
    sel = docgen.parse_selection("r", "from ^x\nnth 2\ncount 2\nafter ^x 3\n", "t")
    assert docgen.apply_selection(sel, lines, 0, "t")[0] == ["x 2", "c", "...", "d"]
    sel = docgen.parse_selection("r", "from ^a\nupto ^b\nline ^d\nsub [a-z] => Z\n", "t")
    assert docgen.apply_selection(sel, lines, 0, "t")[0] == ["Z", "Z 1", "...", "Z"]


def test_blocks_of_one_run_continue_in_order(tmp_path):
    doc = "<!-- docgen counter\nline ^[a-d] \n-->\n```\n```\n\n<!-- docgen counter\nline ^[a-d] \n-->\n```\n```\n" \
          "\n<!-- docgen counter\nrewind\nline ^[a-d] \n-->\n```\n```\n"
    root = make_tree(tmp_path, doc)
    regenerate(root)
    text = (root / "docs" / "guide.md").read_text()
    assert text.count("```\na 1\n```") == 2 and text.count("```\nb 2\n```") == 1


def test_only_rewrites_the_blocks_and_facts_of_its_runs(tmp_path):
    """make docs DOCS_ARGS="--only RUN" with no earlier output of the doc's
    other runs: RUN's blocks and facts are rewritten, the others' blocks,
    facts and docs/facts.md rows stay as they were."""
    other = "\n[other]\ncmd = \"echo 'x 5'\"\nfacts.x = 'x (\\d+)'\n"
    doc = DOC + "\nThe x is <!--fact other.x-->0<!--/fact-->.\n\n<!-- docgen other\nline ^x\n-->\n```\n```\n"
    root = make_tree(tmp_path, doc)
    (root / "docs" / "runs" / "t.toml").write_text(RUNS + other)
    regenerate(root)
    guide = root / "docs" / "guide.md"
    fresh = guide.read_text()
    assert "```\nx 5\n```" in fresh and "<!--fact other.x-->5<!--/fact-->" in fresh
    guide.write_text(fresh.replace("```\nx 5\n```", "```\nby hand\n```").replace("got hello", "stale")
                     .replace("other.x-->5<", "other.x-->6<").replace("counter.b-->2<", "counter.b-->9<"))
    import shutil
    shutil.rmtree(root / docgen.WORK / "runs" / "other")  # no earlier output of it
    changed = docgen.generate(root, None, jobs=1, reuse=False, only={"counter"}, artifacts=False, verbose=False)
    assert changed == ["docs/guide.md"]
    text = guide.read_text()
    assert "got hello" in text and "<!--fact counter.b-->2<!--/fact-->" in text
    assert "```\nby hand\n```" in text and "<!--fact other.x-->6<!--/fact-->" in text
    facts = (root / "docs" / "facts.md").read_text()
    assert "| `other.x` | `5` |" in facts and "| `counter.b` | `2` |" in facts


def test_readme_table_lists_every_monitor_command():
    """README's table of the monitor's commands names every command of the
    monitor's table, and nothing else (it once missed `bench`)."""
    import docrefs

    text = (REPO / "README.md").read_text()
    table = text[text.index("## The monitor's commands"):]
    table = table[:table.index("\n\n", table.index("|---"))]
    named = set()
    for row in table.split("\n")[3:]:
        cell = re.split(r"(?<!\\)\|", row)[1]
        for span in docrefs.CODE_SPAN.findall(cell):
            named.add(span.split()[0])
    assert named == set(docrefs._monitor_commands(REPO))


def test_a_runs_file_may_add_facts_to_a_run_of_another_file(tmp_path):
    root = make_tree(tmp_path, DOC + "\nThe c count is <!--fact counter.c-->0<!--/fact-->.\n")
    (root / "docs" / "runs" / "more.toml").write_text("[counter.facts]\nc = 'c (\\d+)'\n")
    regenerate(root)
    assert "<!--fact counter.c-->3<!--/fact-->" in (root / "docs" / "guide.md").read_text()
    # The same fact twice, or facts for a run nobody defines, are refused.
    (root / "docs" / "runs" / "more.toml").write_text("[counter.facts]\nb = 'b (\\d+)'\n")
    with pytest.raises(docgen.DocgenError, match=r"facts \['b'\] of run counter are also defined elsewhere"):
        docgen.load_runs(root)
    (root / "docs" / "runs" / "more.toml").write_text("[nobody.facts]\nb = 'b (\\d+)'\n")
    with pytest.raises(docgen.DocgenError, match="facts for a run nobody that no runs file defines"):
        docgen.load_runs(root)


def test_the_facts_table_shows_a_long_command_on_one_line(tmp_path):
    # A multi-line cmd with a pipe: its first line, the pipe escaped for the table.
    root = make_tree(tmp_path)
    (root / "docs" / "runs" / "long.toml").write_text(
        "[long]\ncmd = \'\'\'\nprintf 'n 7\\n' | cat\ntrue\n\'\'\'\nfacts.n = 'n (\\d+)'\n")
    (root / "docs" / "guide.md").write_text(DOC + "\nThe n is <!--fact long.n-->0<!--/fact-->.\n")
    regenerate(root)
    assert "| `long.n` | `7` |  | `printf 'n 7\\n' \\| cat ...` |" in (root / "docs" / "facts.md").read_text()


def test_clean_transcript_applies_backspaces_and_drops_escapes():
    """What a terminal shows: a backspace takes back the character before
    it (the monitor's and readline's line editing), escapes vanish."""
    assert docgen.clean_transcript("ab\bc\r\nx\b\by\n\x1b[1mbold\x1b[0m\n\n") == ["ac", "y", "bold"]
