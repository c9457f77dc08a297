"""Every console sample in README.md and docs/ is what the tool prints today.

A ```console block holds ``$ command`` lines, each followed by its output.
The test runs each command as a real process and compares the output line by
line; a line ``...`` alone stands for any number of lines the sample leaves
out. ``$ echo $?`` prints the previous command's exit code.

Samples run from the repository's root, or, when the block is preceded by an
HTML comment ``<!-- sample-setup: NAME -->``, in the folder that the setup
NAME below builds (a git repository for ``agentlint diff``, say).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_process

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_SETUP = re.compile(r"<!--\s*sample-setup:\s*([\w-]+)\s*-->\s*$")


@dataclass
class Sample:
    file: str
    line: int
    setup: str | None
    commands: list[tuple[str, list[str]]]  # (command, expected output lines)

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def samples() -> list[Sample]:
    found = []
    for doc in DOCS:
        lines = doc.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            if lines[i].strip() != "```console":
                i += 1
                continue
            start = i + 1
            setup = None
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if j >= 0 and (m := _SETUP.match(lines[j].strip())):
                setup = m.group(1)
            i += 1
            commands: list[tuple[str, list[str]]] = []
            while i < len(lines) and lines[i].strip() != "```":
                if lines[i].startswith("$ "):
                    commands.append((lines[i][2:], []))
                elif commands:
                    commands[-1][1].append(lines[i])
                else:
                    raise AssertionError(f"{doc.name}:{i + 1}: output before any command")
                i += 1
            found.append(Sample(str(doc.relative_to(ROOT)), start, setup, commands))
            i += 1
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line-for-line equality, where an expected ``...`` line takes any run of lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and actual[0] == head and matches(rest, actual[1:])


# -- setups -----------------------------------------------------------------------------

#: a fixed identity and clock, so the commits (and the hashes the output names) repeat
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_AUTHOR_DATE": "2026-01-05T09:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-05T09:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def setup_ci_diff(tmp: Path) -> Path:
    """docs/ci.md: a branch that lets the billing specialist write longer drafts."""
    repo = tmp / "repo"
    (repo / "flows").mkdir(parents=True)
    shutil.copy(EXAMPLES / "support-triage.yaml", repo / "flows" / "support-triage.yaml")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "support triage")
    _git(repo, "checkout", "-q", "-b", "longer-billing-drafts")
    spec = repo / "flows" / "support-triage.yaml"
    text = spec.read_text(encoding="utf-8")
    billing = text.index("  - id: billing")
    after = text.index("output_tokens: 350", billing)
    spec.write_text(text[:after] + "output_tokens: 750" + text[after + 18:], encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "longer billing drafts")
    return repo


def setup_worker_critic_first_try(tmp: Path) -> Path:
    """docs/format.md: the worker-critic spec a newcomer writes first, as the doc shows it."""
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    start = text.index("# flow.yaml: a first try")
    (tmp / ".git").mkdir()
    (tmp / "flow.yaml").write_text(text[start:text.index("```", start)], encoding="utf-8")
    return tmp


def setup_export_fixed(tmp: Path) -> Path:
    """docs/export.md: research-fanout with the date line moved to the end of the
    researchers' system prompt, as AL201 advises."""
    text = (EXAMPLES / "research-fanout.yaml").read_text(encoding="utf-8")
    date = "      Today is {{ inputs.date }}.\n\n"
    last = "        so the senior analyst can use it.\n"
    text = text.replace(date, "", 1).replace(last, last + "\n" + date.rstrip("\n") + "\n", 1)
    (tmp / ".git").mkdir()
    (tmp / "research-fanout.yaml").write_text(text, encoding="utf-8")
    return tmp


def setup_autogen_write(tmp: Path) -> Path:
    """docs/formats.md: a real AutoGen team and a budget its plan must meet."""
    (tmp / ".git").mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "autogen" / "travel_team.json", tmp)
    (tmp / "agentlint.profile.yaml").write_text(
        "candidates: [gpt-4o-mini]\nbudgets:\n  cost_usd: 0.05\n", encoding="utf-8")
    return tmp


SETUPS: dict[str, Callable[[Path], Path]] = {
    "ci-diff": setup_ci_diff, "worker-critic-first-try": setup_worker_critic_first_try,
    "export-fixed": setup_export_fixed,
    "autogen-write": setup_autogen_write}


# -- the test ---------------------------------------------------------------------------


def run(command: str, cwd: Path, last: int) -> tuple[int, str]:
    argv = shlex.split(command)
    if argv == ["echo", "$?"]:
        return 0, f"{last}\n"
    assert argv[0] == "agentlint", f"a sample runs agentlint only: {command}"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = run_process(*argv[1:], cwd=cwd, env=env, timeout=300)
    return done.returncode, done.stdout + done.stderr


ALL = samples()


def test_the_docs_have_samples() -> None:
    assert len(ALL) >= 3
    assert all(s.commands for s in ALL)
    assert {s.setup for s in ALL} - {None} <= set(SETUPS)


@pytest.mark.parametrize("sample", ALL, ids=lambda s: s.id)
def test_sample_is_what_the_tool_prints(sample: Sample, tmp_path: Path) -> None:
    cwd = SETUPS[sample.setup](tmp_path) if sample.setup else ROOT
    last = 0
    for command, expected in sample.commands:
        last, out = run(command, cwd, last)
        actual = out.splitlines()
        assert matches(expected, actual), (
            f"{sample.id}: `{command}` now prints:\n" + "\n".join(actual))


def test_an_ellipsis_stands_for_lines_and_nothing_else() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a", "b"], ["a", "b", "c"])
    assert not matches(["a", "c"], ["a", "b"])
