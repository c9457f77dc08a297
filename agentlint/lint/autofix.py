"""``agentlint lint --fix`` / ``--unsafe-fixes`` / ``--diff``: fixes applied to files.

For each linted file with a fix to apply, :func:`fix_result` runs
:func:`agentlint.lint.fix.fix_loop` over its text, linting each new text the
way the run linted the file (same configuration, same input format), and
replaces the file's findings in the result by those of the fixed text. The
caller writes the new texts (atomically) or prints them as a diff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentlint.lint.config import Overrides
from agentlint.lint.engine import STDIN, LintResult, lint_paths
from agentlint.lint.fix import Fix, apply
from agentlint.lint.registry import Finding, Registry
from agentlint.record import Record

#: passes of fix, lint again, fix: as many as ruff allows itself
MAX_PASSES = 100
#: how the engine names a spec read from standard input without --stdin-filename
STDIN_SHOWN = "<stdin>"


class Fixed(Record):
    """The fixed files of a run, and what is left to fix."""

    __slots__ = ("broken", "count", "files", "unsafe_left")
    __match_args__ = ("files", "count", "unsafe_left", "broken")

    #: display name -> (text as linted, fixed text), for files that changed
    files: dict[str, tuple[str, str]]
    #: fixes applied (over every pass)
    count: int
    #: findings left with a fix this run did not apply (unsafe ones without --unsafe-fixes)
    unsafe_left: int
    #: files where a pass of fixes would have broken the spec, with the reason
    broken: dict[str, str]

    def __init__(self, files: dict[str, tuple[str, str]] | None = None, count: int = 0,
                 unsafe_left: int = 0, broken: dict[str, str] | None = None) -> None:
        self.files = {} if files is None else files
        self.count = count
        self.unsafe_left = unsafe_left
        self.broken = {} if broken is None else broken


def fix_result(result: LintResult, overrides: Overrides, *, unsafe: bool,
               input_format: str | None, registry: Registry) -> Fixed:
    """Fix every file of ``result`` that has fixes to apply; ``result.findings`` become
    those of the fixed texts."""
    out = Fixed()
    by_file: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_file.setdefault(f.file, []).append(f)
    kept: list[Finding] = []
    for file, findings in by_file.items():
        if file not in result.sources or not any(wanted(f, unsafe) for f in findings):
            kept.extend(findings)
            continue

        def relint(text: str, file: str = file) -> tuple[list[Finding], str]:
            # the text is linted as standard input named as the file: the same
            # configuration applies, and the findings carry the same name
            again = lint_paths([STDIN], overrides, input_format=input_format,
                               stdin=text.encode("utf-8"),
                               stdin_filename=None if file == STDIN_SHOWN else file,
                               registry=registry)
            if again.errors:
                return [], str(again.errors[0])
            return again.findings, ""

        original = result.sources[file]
        outcome = fix_loop(original, findings, relint, unsafe=unsafe)
        if outcome.broken:
            out.broken[file] = outcome.broken
        if outcome.text != original:
            out.files[file] = (original, outcome.text)
            out.count += outcome.fixed
            result.sources[file] = outcome.text
        kept.extend(outcome.findings)
    result.findings = sorted(kept, key=Finding.sort_key)
    out.unsafe_left = sum(1 for f in result.findings
                          if f.fix is not None and not wanted(f, unsafe))
    return out


class Outcome(Record):
    """What :func:`fix_loop` did to one file."""

    __slots__ = ("broken", "findings", "fixed", "text")
    __match_args__ = ("text", "fixed", "findings", "broken")

    text: str
    #: fixes applied, over every pass
    fixed: int
    #: the findings of the final text (the original ones when nothing was applied)
    findings: list[Any]
    #: a pass whose result would not load was dropped (its reason)
    broken: str

    def __init__(self, text: str, fixed: int, findings: list[Any], broken: str = "") -> None:
        self.text = text
        self.fixed = fixed
        self.findings = findings
        self.broken = broken


def wanted(finding: Any, unsafe: bool) -> bool:
    """Is the finding's fix one this run applies?"""
    fix: Fix | None = finding.fix
    return fix is not None and (unsafe or fix.safe)


def fix_loop(text: str, findings: list[Any],
             relint: Callable[[str], tuple[list[Any], str]], *, unsafe: bool,
             max_passes: int = MAX_PASSES) -> Outcome:
    """Apply the fixes, lint the result again, repeat until nothing more applies.

    ``relint(text)`` returns the findings of a text and an error ("" when it
    loads). A pass whose text would not load is dropped and ends the loop, so a
    fixed file always loads.
    """
    fixed = 0
    broken = ""
    for _ in range(max_passes):
        fixes = [f.fix for f in findings if wanted(f, unsafe)]
        if not fixes:
            break
        new, applied = apply(text, fixes)
        if not applied or new == text:
            break
        again, error = relint(new)
        if error:
            broken = error
            break
        text, findings = new, again
        fixed += len(applied)
    return Outcome(text, fixed, findings, broken)
