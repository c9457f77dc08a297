"""``agentlint lint --changed-since REF``: lint only the workflows a change touched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support import GitRepo
from tests.test_diff import SPEC

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

#: a spec with one finding (AL202, a premium model writing three tokens)
TRIVIAL = SPEC + """\
  - id: label
    model: big
    prompt: "One word for {{ inputs.ticket }} after {{ steps.answer.output }}"
    output_tokens: 3
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.write("flows/old.yaml", TRIVIAL.replace("name: triage", "name: old"))
    r.write("flows/touched.yaml", SPEC)
    r.write("flows/gone.yaml", TRIVIAL.replace("name: triage", "name: gone"))
    r.commit("legacy")
    r.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(r.root)
    return r


def files(cli, *args: str) -> tuple[int, list[str]]:
    result = cli("lint", *args, "--format", "json")
    return result.exit_code, sorted({f["file"] for f in json.loads(result.stdout)})


def test_only_changed_workflows_are_linted(repo: GitRepo, cli) -> None:
    assert files(cli, ".")[1] == ["flows/gone.yaml", "flows/old.yaml"]
    repo.write("flows/touched.yaml", TRIVIAL)
    repo.git("rm", "-q", "flows/gone.yaml")
    repo.commit("touch")
    code, linted = files(cli, "--changed-since", "main")
    assert code == 0
    assert linted == ["flows/touched.yaml"]  # not old.yaml, and the deleted one is gone
    assert cli("lint", "--changed-since", "main", "--format", "concise").stdout.startswith(
        "flows/touched.yaml:")


def test_nothing_changed_is_clean_and_silent(repo: GitRepo, cli) -> None:
    result = cli("lint", "--changed-since", "main")
    assert (result.exit_code, result.output) == (0, "")


def test_untracked_and_uncommitted_files_count(repo: GitRepo, cli) -> None:
    repo.write("flows/draft.yaml", TRIVIAL.replace("name: triage", "name: draft"))
    repo.write("flows/touched.yaml", TRIVIAL)
    assert files(cli, "--changed-since", "HEAD")[1] == ["flows/draft.yaml",
                                                        "flows/touched.yaml"]


def test_paths_restrict_and_names_are_relative_to_the_working_directory(
        repo: GitRepo, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("flows/touched.yaml", TRIVIAL)
    repo.write("other/new.yaml", TRIVIAL.replace("name: triage", "name: new"))
    assert files(cli, "other", "--changed-since", "main")[1] == ["other/new.yaml"]
    monkeypatch.chdir(repo.root / "flows")
    assert files(cli, "--changed-since", "main")[1] == ["../other/new.yaml", "touched.yaml"]


def test_a_changed_prompt_file_lints_the_workflow_that_reads_it(repo: GitRepo, cli) -> None:
    spec = TRIVIAL.replace("    prompt: \"Answer the ticket: {{ inputs.ticket }}\"\n",
                           "    system_file: prompts/answer.md\n"
                           "    prompt: \"{{ inputs.ticket }}\"\n")
    repo.write("flows/old.yaml", spec)
    repo.write("flows/prompts/answer.md", "Answer politely.\n")
    repo.commit("prompt file")
    repo.git("branch", "-f", "main")
    repo.write("flows/prompts/answer.md", "Answer politely and briefly.\n")
    assert files(cli, "--changed-since", "main")[1] == ["flows/old.yaml"]


def test_errors_are_one_line(repo: GitRepo, cli, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("lint", "--changed-since", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "agentlint: unknown revision 'nope' (fetch it first, e.g. git fetch origin; a "
        "shallow clone may lack it)"]
    result = cli("lint")
    assert result.exit_code == 2 and result.stderr.startswith("agentlint: missing PATHS")
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("lint", "--changed-since", "main")
    assert result.exit_code == 2 and "not a git repository" in result.stderr
