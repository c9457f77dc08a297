"""``agentlint lint --fix`` / ``--unsafe-fixes`` / ``--diff`` as real processes: what is
written, what is printed, the exit codes, standard input, a read-only file, and the
examples fixed in a git checkout showing only the fixes' edits."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import run_process
from tests.support import GitRepo
from tests.test_fix_rules import LOOP, PREMIUM, SERIAL

ROOT = Path(__file__).resolve().parent.parent


def test_diff_prints_the_fix_and_writes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "loop.yaml"
    spec.write_text(LOOP, encoding="utf-8")
    done = run_process("lint", "loop.yaml", "--diff", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == (
        "--- a/loop.yaml\n+++ b/loop.yaml\n@@ -13,3 +13,4 @@\n"
        "   - id: refine  # the review round\n     steps: [critique, revise]\n"
        "     until: \"{{ steps.critique.output }} contains APPROVED\"\n"
        "+    max_iterations: 10\n")
    assert done.stderr == "agentlint: would fix 1\n"
    assert spec.read_text(encoding="utf-8") == LOOP


def test_diff_of_a_clean_spec_is_empty_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(LOOP + "    max_iterations: 10\n", encoding="utf-8")
    done = run_process("lint", "loop.yaml", "--diff", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "")


def test_fix_writes_reports_what_is_left_and_is_idempotent(tmp_path: Path) -> None:
    spec = tmp_path / "flow.yaml"
    spec.write_text(SERIAL, encoding="utf-8")
    (tmp_path / "tag.yaml").write_text(PREMIUM, encoding="utf-8")
    done = run_process("lint", ".", "--fix", "--format", "json", cwd=tmp_path)
    assert done.stderr == "agentlint: 1 fixed (1 more with --unsafe-fixes)\n"
    left = json.loads(done.stdout)
    assert [f["code"] for f in left] == ["AL202"]
    assert left[0]["fix"]["applicability"] == "unsafe"
    assert done.returncode == 0  # the one left is a warning
    once = spec.read_text(encoding="utf-8")
    assert once.count("parallel: g1") == 2
    again = run_process("lint", ".", "--fix", cwd=tmp_path)
    assert again.stderr == "agentlint: 0 fixed (1 more with --unsafe-fixes)\n"
    assert spec.read_text(encoding="utf-8") == once
    unsafe = run_process("lint", ".", "--unsafe-fixes", cwd=tmp_path)
    assert unsafe.stderr == "agentlint: 1 fixed\n" and unsafe.stdout == ""
    assert "model: small" in (tmp_path / "tag.yaml").read_text(encoding="utf-8")


def test_fix_of_standard_input_prints_the_fixed_text(tmp_path: Path) -> None:
    done = run_process("lint", "-", "--fix", "--stdin-filename", "loop.yaml", input=LOOP,
                       cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == LOOP + "    max_iterations: 10\n"
    assert done.stderr.endswith("agentlint: 1 fixed\n")
    assert not (tmp_path / "loop.yaml").exists()


def test_fix_refuses_a_read_only_file(tmp_path: Path) -> None:
    spec = tmp_path / "loop.yaml"
    spec.write_text(LOOP, encoding="utf-8")
    spec.chmod(stat.S_IRUSR)
    done = run_process("lint", "loop.yaml", "--fix", cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot write loop.yaml: the file is read-only" in done.stderr
    assert spec.read_text(encoding="utf-8") == LOOP


def test_fix_refuses_a_file_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    spec = folder / "loop.yaml"
    spec.write_text(LOOP, encoding="utf-8")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user writes into read-only folders")
        done = run_process("lint", "flows/loop.yaml", "--fix", cwd=tmp_path)
    finally:
        folder.chmod(stat.S_IRWXU)
    assert done.returncode == 2 and "read-only" in done.stderr
    assert spec.read_text(encoding="utf-8") == LOOP


def test_examples_fixed_in_a_checkout_show_only_the_fix_edits(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    repo.commit("examples")
    before = run_process("lint", "examples", "--format", "json", cwd=tmp_path)
    findings = json.loads(before.stdout)
    safe = [f for f in findings if f.get("fix", {}).get("applicability") == "safe"]
    assert safe  # the examples show fixable anti-patterns
    done = run_process("lint", "examples", "--fix", cwd=tmp_path)
    assert done.returncode in (0, 1) and "fixed" in done.stderr
    after = json.loads(run_process("lint", "examples", "--format", "json",
                                   cwd=tmp_path).stdout)
    assert not [f for f in after if f.get("fix", {}).get("applicability") == "safe"]
    assert len(after) <= len(findings) - len(safe)
    diff = repo.git("diff", "--unified=0")
    added = [line[1:] for line in diff.splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in diff.splitlines()
               if line.startswith("-") and not line.startswith("---")]
    # the safe fixes of the examples: parallel labels and a moved nothing else
    assert added and all(line.strip().startswith(("parallel:", "max_iterations:"))
                         or not line.strip() for line in added)
    assert removed == []
    changed = {line[6:] for line in diff.splitlines() if line.startswith("+++ b/")}
    assert changed == {f["file"] for f in safe}


def test_an_adapted_format_gets_its_unused_suppression_removed(tmp_path: Path) -> None:
    """The one fix that is exact in every format: a comment that silences nothing goes
    from the real file (a promptflow flow here); the rest of the file is as it was."""
    source = ROOT / "tests" / "fixtures" / "formats" / "promptflow" / \
        "Azure-Samples__contoso-chat" / "contoso-chat"
    shutil.copytree(source, tmp_path / "flow")
    spec = tmp_path / "flow" / "flow.dag.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "\nnodes:\n" in text
    spec.write_text(text.replace("\nnodes:\n", "\nnodes:  # agentlint: disable=AL203\n", 1),
                    encoding="utf-8")
    done = run_process("lint", "flow/flow.dag.yaml", "--fix", cwd=tmp_path)
    assert done.stderr.endswith("agentlint: 1 fixed\n"), done.stderr
    assert spec.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("text", ["a: 1\nb: [2]  # not a workflow\n",
                                  LOOP + "    max_iterations: 3\n",
                                  "agentlint: 1\nsteps: 3\n"])
def test_fix_of_standard_input_with_nothing_to_fix_prints_it_back(tmp_path: Path,
                                                                   text: str) -> None:
    """An editor that pipes a buffer through ``--fix`` gets it back unchanged when there
    is nothing to fix, it is no workflow, or it cannot be read (exit 2 then)."""
    done = run_process("lint", "-", "--fix", input=text, cwd=tmp_path)
    assert done.stdout == text
    assert done.returncode == (2 if "steps: 3" in text else 0)


def test_fix_keeps_a_byte_order_mark_and_crlf_line_ends(tmp_path: Path) -> None:
    spec = tmp_path / "loop.yaml"
    spec.write_bytes(b"\xef\xbb\xbf" + LOOP.replace("\n", "\r\n").encode("utf-8"))
    done = run_process("lint", "loop.yaml", "--fix", cwd=tmp_path)
    assert done.stderr.endswith("agentlint: 1 fixed\n"), done.stderr
    assert spec.read_bytes() == b"\xef\xbb\xbf" + (
        LOOP + "    max_iterations: 10\n").replace("\n", "\r\n").encode("utf-8")


def test_a_file_changed_since_it_was_linted_is_not_overwritten(tmp_path: Path) -> None:
    from agentlint.command import as_on_disk
    from agentlint.errors import UsageError

    spec = tmp_path / "loop.yaml"
    spec.write_text(LOOP + "# edited meanwhile\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"cannot fix .*: it changed since it was read"):
        as_on_disk(str(spec), LOOP, LOOP + "    max_iterations: 10\n")
    assert as_on_disk(str(spec), LOOP + "# edited meanwhile\n", "new\n") == "new\n"
