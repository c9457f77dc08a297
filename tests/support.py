"""Small things many tests share: canonical specs, file writing, a real git repository.

Kept here, once, so that a change of the format or of git's defaults is made
in one place; tests/conftest.py holds the fixtures built on them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from agentlint.graph.estimate import estimate
from agentlint.spec.model import Workflow

#: the smallest valid spec most tests need: one model priced per call, two steps, the
#: second reading the first (step ids on lines 6 and 9; ``"hello"`` at line 8, column 13)
SPEC = """\
agentlint: 1
name: demo
models:
  small: {per_call_usd: 0.001, per_call_s: 0.2, p_ok: 0.99}
steps:
  - id: first
    model: small
    prompt: "hello"
  - id: second
    model: small
    prompt: "{{ steps.first.output }}"
"""

#: two models with token prices: a premium one and a small one
TWO_MODELS = """\
models:
  big: {input_per_mtok: 2.0, output_per_mtok: 10.0, ttft_s: 0.5, tokens_per_s: 100, p_ok: 0.99}
  small: {input_per_mtok: 0.1, output_per_mtok: 0.4, ttft_s: 0.2, tokens_per_s: 200, p_ok: 0.98}
"""


def model_calls(wf: Workflow) -> float:
    """Model calls per run, from the estimate (free routers, joins, tools and people make
    none): the figure the format tests pin for each real file."""
    return sum(row.calls for row in estimate(wf).steps if row.model)


#: ``agentlint ARGS`` through the console script's own entry (``agentlint.__main__.run``),
#: printing the names of the modules the run imported as JSON on the last line of stderr
_MODULES_PROBE = """\
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\n" + json.dumps(sorted(sys.modules))))
from agentlint.__main__ import run
sys.argv = ["agentlint", *sys.argv[1:]]
run()
"""


def modules_after(*args: str, cwd: Path) -> tuple[int, set[str]]:
    """``agentlint ARGS`` as the console script runs it, a real process in ``cwd``: its exit
    code and every module it imported."""
    done = subprocess.run([sys.executable, "-c", _MODULES_PROBE, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    modules: set[str] = set(json.loads(done.stderr.rpartition("\n")[2]))
    return done.returncode, modules


def write(path: Path, text: str) -> Path:
    """Write ``text`` (dedented, leading newline dropped) to ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


class GitRepo:
    """A throwaway repository with real commits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                              check=True)
        return proc.stdout

    def write(self, name: str, text: str) -> Path:
        return write(self.root / name, text)

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()
