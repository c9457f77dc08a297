"""The pre-commit hook: the manifest (contract) and a real `pre-commit try-repo` run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.support import SPEC

CLEAN = SPEC
STALE = CLEAN.replace('"hello"', '"hello"  # agentlint: disable=assumed-value')
GITHUB_WORKFLOW = "name: ci\non: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
COMPOSE = "services:\n  web:\n    image: nginx\n"


def test_manifest() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "agentlint")
    assert hook["entry"] == "agentlint lint"
    assert hook["language"] == "python"
    # JSON: AutoGen teams; Python: LangGraph modules, OpenAI Agents SDK programs
    assert hook["types_or"] == ["yaml", "json", "python"]
    assert hook["require_serial"] is False
    assert hook.get("pass_filenames", True) is True  # the hook is given the files


def _pre_commit() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    exe = shutil.which("pre-commit")
    return [exe] if exe else None


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.slow
def test_try_repo_blocks_broken_specs_and_ignores_other_yaml(tmp_path: Path) -> None:
    """Install the hook from this repository's HEAD into a fresh repository and run it.

    The hook's environment is built by pre-commit (a virtualenv with agentlint
    and its dependencies from PyPI); without network that step fails, and the
    test is skipped with pre-commit's own words rather than failing CI.
    """
    command = _pre_commit()
    if command is None:
        pytest.skip("pre-commit is not installed")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of agentlint")
    head = _git("rev-parse", "HEAD", cwd=ROOT)
    work = tmp_path / "project"
    work.mkdir()
    _git("init", "-q", cwd=work)
    files = {
        # the rule catalogue changes; this run is about the hook, so pin the rules
        ".agentlint.yaml": "select: [AL9]\nseverity: {unused-suppression: error}\n",
        "flows/clean.yaml": CLEAN,
        "flows/stale.yaml": STALE,
        "flows/broken.yaml": "agentlint: 1\nsteps: 3\n",
        ".github/workflows/ci.yml": GITHUB_WORKFLOW,
        "docker-compose.yml": COMPOSE,
        "notes.md": "# not yaml\n",
    }
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(textwrap.dedent(text), encoding="utf-8")
    _git("add", "-A", cwd=work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["NO_COLOR"] = "1"

    def try_repo(*names: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, "try-repo", str(ROOT), "agentlint", "--ref", head,
                               "--color", "never", "--files", *names], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)

    passing = try_repo("flows/clean.yaml", ".github/workflows/ci.yml", "docker-compose.yml",
                       "notes.md")
    out = passing.stdout + passing.stderr
    if "hook id: agentlint" not in out and "agentlint..." not in out:
        pytest.skip("pre-commit could not build the hook environment (network?): "
                    + " | ".join(out.strip().splitlines()[-3:]))
    assert passing.returncode == 0, out
    assert "Passed" in out

    failing = try_repo("flows/broken.yaml", "flows/stale.yaml", "flows/clean.yaml")
    out = failing.stdout + failing.stderr
    assert failing.returncode != 0, out
    assert "flows/broken.yaml:2:8: " in out
    assert "flows/stale.yaml:8:22: error AL901 [unused-suppression]" in out  # severity set
    assert "clean.yaml:" not in out


# -- the lower bounds an install (the hook's among them) may resolve to -----------------------


def test_lower_bounds_are_the_pins_of_the_oldest_constraints() -> None:
    """Every dependency has a lower bound, and constraints/oldest.txt pins exactly those.

    .ci/run's second leg installs against that file; a bound raised in one place
    and not the other would test releases the project does not declare.
    """
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds: dict[str, Version] = {}
    for line in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        req = Requirement(line)
        lower = [s for s in req.specifier if s.operator == ">="]
        assert len(lower) == 1 and len(req.specifier) == 1, line
        bounds[canonicalize_name(req.name)] = Version(lower[0].version)
    pins: dict[str, Version] = {}
    for raw in (ROOT / "constraints" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (pin,) = req.specifier
            assert pin.operator == "==", raw
            pins[canonicalize_name(req.name)] = Version(pin.version)
    assert pins == bounds
