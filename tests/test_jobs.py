"""``agentlint lint --jobs N``: the same report as one process, in the same order."""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path

import pytest

from agentlint.lint.engine import lint_paths, worker_count
from tests.conftest import EXAMPLES


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Many specs in nested folders, with a broken one, a non-workflow and a strict config."""
    (tmp_path / ".git").mkdir()
    for i in range(4):
        shutil.copytree(EXAMPLES, tmp_path / f"team{i}")
    (tmp_path / "team1" / "broken.yaml").write_text("agentlint: 1\nsteps: [{id: a, model: "
                                                    "nope}]\n", encoding="utf-8")
    (tmp_path / "team2" / "compose.yaml").write_text("services: {web: {image: x}}\n",
                                                     encoding="utf-8")
    (tmp_path / "team3" / ".agentlint.yaml").write_text("strict: true\nignore: [AL202]\n",
                                                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.contract
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "gitlab"])
def test_two_jobs_write_what_one_writes(tree: Path, cli, fmt: str) -> None:
    one = cli("lint", ".", "missing.yaml", "--format", fmt, "--jobs", "1")
    two = cli("lint", ".", "missing.yaml", "--format", fmt, "--jobs", "2")
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout and one.stdout
    assert one.stderr == two.stderr and "broken.yaml" in one.stderr


def test_the_result_objects_are_equal(tree: Path) -> None:
    one = lint_paths(["."], jobs=1)
    many = lint_paths(["."], jobs=0)
    assert many.findings == one.findings and len(one.findings) > 20
    assert [str(e) for e in many.errors] == [str(e) for e in one.errors]
    assert many.files == one.files and many.sources == one.sources
    assert many.strict_files == one.strict_files and one.strict_files
    assert [r.code for r in many.rules] == [r.code for r in one.rules]
    assert one.exit_code() == many.exit_code() == 2


def test_one_file_starts_no_process(tree: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    result = cli("lint", "team0/long-chain.yaml", "--jobs", "8", "--format", "concise")
    assert result.exit_code == 1 and result.stdout.count("team0/long-chain.yaml:") >= 3


def test_jobs_zero_is_one_per_cpu_and_negative_is_refused(cli) -> None:
    assert worker_count(0) >= 1 and worker_count(3) == 3
    result = cli("lint", ".", "--jobs", "-1")
    assert result.exit_code == 2 and "--jobs" in result.stderr
