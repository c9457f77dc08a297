"""Over every example and every rule fixture: after ``--fix`` (and ``--unsafe-fixes``)
each file still loads, has no more findings than before, none of the findings whose
fix was applied is left at its place, and fixing again changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentlint.lint.autofix import fix_result, wanted
from agentlint.lint.config import Overrides
from agentlint.lint.engine import lint_paths
from agentlint.lint.rules import default_registry

ROOT = Path(__file__).resolve().parent.parent
TREES = {"examples": ROOT / "examples", "rules": ROOT / "tests" / "fixtures" / "rules",
         "formats": ROOT / "tests" / "fixtures" / "formats"}


@pytest.mark.parametrize("unsafe", [False, True], ids=["fix", "unsafe-fixes"])
@pytest.mark.parametrize("tree", [
    "examples",
    pytest.param("rules", marks=pytest.mark.slow),
    pytest.param("formats", marks=pytest.mark.slow),
])
def test_fixed_files_load_with_fewer_findings(tmp_path: Path, tree: str, unsafe: bool) -> None:
    copy = tmp_path / tree
    shutil.copytree(TREES[tree], copy)
    result = lint_paths([str(copy)])
    before = {file: [f for f in result.findings if f.file == file] for file in result.files}
    registry = default_registry()
    fixed = fix_result(result, Overrides(), unsafe=unsafe, input_format=None,
                       registry=registry)
    assert not fixed.broken
    for f in [f for old in before.values() for f in old]:  # as its rule's page says
        if f.fix is not None:
            declared = registry.find(f.code)
            assert declared is not None and declared.fix
            assert f.fix.applicability in declared.fix[0].split("/")
    if tree == "formats":  # in an adapted format only a suppression comment is edited
        assert all(f.code == "AL901" for f in result.findings if f.fix is not None)
    else:
        assert fixed.files  # the anti-pattern files have something to fix
    for file, (_old, new) in fixed.files.items():
        Path(file).write_text(new, encoding="utf-8")
    again = lint_paths([str(copy)])
    assert not again.errors
    findings_again = list(again.findings)
    second = fix_result(again, Overrides(), unsafe=unsafe, input_format=None,
                        registry=registry)
    assert second.count == 0 and not second.files  # a second run changes nothing
    again.findings = findings_again
    assert sorted(again.files) == sorted(result.files)
    for file, old in before.items():
        now = [f for f in again.findings if f.file == file]
        assert len(now) <= len(old), file
        if file not in fixed.files:
            continue
        left = {(f.code, f.key) for f in now}
        for f in old:
            if wanted(f, unsafe) and f.key:
                assert (f.code, f.key) not in left, (file, f.code, f.key)
