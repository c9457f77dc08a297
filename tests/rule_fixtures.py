"""Annotated specs: ``# expect:`` comments say where findings must appear.

A comment ``# expect: AL201`` (several codes: ``# expect: AL201, AL203``)

- at the end of a line expects the findings on that line;
- alone on a line expects them on the next line that is neither blank nor a
  comment;
- written ``# expect+N: AL201`` (at the end of a line or alone) expects them N
  lines below the comment, for findings inside a block scalar, where a
  comment would be part of the text.

:func:`check_file` lints the file with every rule and requires the set of
(line, code) of the findings of the *tested* rules to equal the annotations:
nothing missing, nothing extra. The tested rules are the codes annotated in
the file plus any the caller names (a rule's fixture file names its rule, so
a file without annotations checks that the rule stays silent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from agentlint.lint.config import Config, resolve
from agentlint.lint.engine import lint_workflow
from agentlint.lint.registry import Finding
from agentlint.sources import load_any

EXPECT = re.compile(r"(?:^|\s)#\s*expect(?:\+(?P<offset>\d+))?:\s*"
                    r"(?P<codes>AL\d{3}(?:\s*,\s*AL\d{3})*)\s*$")
CODE_IN_NAME = re.compile(r"^(AL\d{3})-")
#: a doc block whose first line is a comment ending in a file name is that file
FILE_IN_COMMENT = re.compile(r"^#[^\n]*?\b([\w.-]+\.ya?ml)\s*$", re.M)


def expectations(text: str) -> set[tuple[int, str]]:
    """(line, code) pairs the ``# expect:`` comments of ``text`` ask for."""
    lines = text.splitlines()
    out: set[tuple[int, str]] = set()
    for i, line in enumerate(lines):
        m = EXPECT.search(line)
        if m is None:
            continue
        codes = [c.strip() for c in m.group("codes").split(",")]
        if m.group("offset") is not None:
            target = i + 1 + int(m.group("offset"))
        elif line.lstrip().startswith("#"):
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or
                                      lines[j].lstrip().startswith("#")):
                j += 1
            assert j < len(lines), f"line {i + 1}: `# expect:` with no line below it"
            target = j + 1
        else:
            target = i + 1
        out.update((target, c) for c in codes)
    return out


def findings_of(path: Path, text: str | None = None, display: str | None = None
                ) -> list[Finding]:
    """Every rule's findings on the spec (all rules selected, no configuration file).

    The spec is read the way ``agentlint lint`` reads it: a native spec, or a
    workflow in another format (a CrewAI ``tasks.yaml``, a promptflow flow).
    """
    wf = load_any(str(path), text=text, display=display)
    assert wf is not None, f"{path.name}: not a workflow agentlint reads"
    return lint_workflow(wf, resolve(Config(select=["ALL"])))


def check_file(path: Path, tested: Iterable[str] = (), text: str | None = None) -> None:
    """Fail unless the tested rules' findings are exactly the annotated ones."""
    source = text if text is not None else path.read_text(encoding="utf-8")
    expected = expectations(source)
    codes = {c for _, c in expected} | set(tested)
    found = findings_of(path, text=text)
    got = {(f.line, f.code) for f in found if f.code in codes}
    missing = sorted(expected - got)
    extra = sorted((f.line, f.code, f.message) for f in found
                   if f.code in codes and (f.line, f.code) not in expected)
    assert not missing and not extra, (
        f"{path.name}: missing {missing}; unexpected {extra}")


def rule_code_of(path: Path) -> list[str]:
    """The rule a fixture is about, from its name (``AL201-....yaml``), or the name of
    its folder for a format read from fixed file names (``AL005-.../tasks.yaml``)."""
    for name in (path.name, path.parent.name):
        m = CODE_IN_NAME.match(name)
        if m:
            return [m.group(1)]
    return []


def doc_file_name(block: str) -> str:
    """The file name a doc block is written to: ``example.yaml``, or the name its
    first line gives (``# CrewAI tasks.yaml``) for a format read from fixed names."""
    first = block.split("\n", 1)[0]
    m = FILE_IN_COMMENT.match(first)
    return m.group(1) if m else "example.yaml"


def doc_blocks(doc: str, section: str) -> list[str]:
    """The ```yaml blocks of one section of a rule's documentation page."""
    m = re.search(rf"^{re.escape(section)}\n-+\n(.*?)(?=^\S[^\n]*\n-{{3,}}\n|\Z)", doc,
                  re.S | re.M)
    return re.findall(r"```yaml\n(.*?)```", m.group(1), re.S) if m else []
