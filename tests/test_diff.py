"""``agentlint diff``: workflows changed since a base commit, on real git repositories."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from agentlint.ci.diff import Threshold, match_findings, parse_thresholds
from agentlint.errors import UsageError
from agentlint.lint.registry import Finding
from tests.conftest import FIXTURES, run_process
from tests.support import TWO_MODELS, GitRepo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SPEC = """\
agentlint: 1
name: triage
""" + TWO_MODELS + """inputs:
  ticket: {tokens: 1000}
steps:
  - id: answer
    model: big
    prompt: "Answer the ticket: {{ inputs.ticket }}"
    output_tokens: 500
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.write("flows/triage.yaml", SPEC)
    r.write("ci.yaml", "stages: [test]\n")  # YAML that is not a workflow
    r.commit("first")
    r.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(r.root)
    return r


def diff_json(cli: Callable[..., Result], *args: str) -> tuple[int, dict]:
    result = cli("diff", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


# -- the gate ------------------------------------------------------------------------------


@pytest.mark.contract
def test_thirty_percent_costlier_fails_a_ten_percent_gate(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 710"))
    repo.commit("longer answers")
    result = cli("diff", "--fail-on", "cost+10%,latency+50%,reliability-1pp")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "flows/triage.yaml (triage): modified" in out
    gate = out[out.index("gate: FAILED"):]
    assert "1 threshold crossed" in gate
    assert "workflow" in gate and "threshold" in gate
    row = next(line for line in gate.splitlines() if "flows/triage.yaml" in line)
    assert "cost+10%" in row and "+30.0 %" in row
    assert "latency" not in row

    code, data = diff_json(cli, "--fail-on", "cost+10%")
    assert code == 1 and data["failed"] is True
    [w] = data["workflows"]
    assert w["status"] == "modified" and w["file"] == "flows/triage.yaml"
    assert w["delta"]["cost_usd"]["percent"] == pytest.approx(30.0, abs=0.5)
    assert w["after"]["cost_usd"] > w["before"]["cost_usd"]
    [crossed] = data["crossed"]
    assert crossed["metric"] == "cost" and crossed["threshold"] == "cost+10%"
    assert crossed["change"] == pytest.approx(30.0, abs=0.5)


def test_a_cheaper_change_passes_and_shows_its_savings(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 300"))
    repo.commit("shorter answers")
    result = cli("diff", "--fail-on", "cost+10%")
    assert result.exit_code == 0, result.output
    cost = next(line for line in result.stdout.splitlines() if "cost per run" in line)
    assert "-$0.002" in cost and "(-28.5 %)" in cost
    assert "gate: passed (cost+10%)" in result.stdout
    code, data = diff_json(cli, "--fail-on", "cost+10%")
    assert code == 0 and data["crossed"] == [] and data["failed"] is False
    assert data["workflows"][0]["delta"]["cost_usd"]["change"] == pytest.approx(-0.002)


@pytest.mark.contract
def test_absolute_and_reliability_thresholds(repo: GitRepo, cli) -> None:
    worse = SPEC.replace("p_ok: 0.99}", "p_ok: 0.97}").replace("output_tokens: 500",
                                                               "output_tokens: 520")
    repo.write("flows/triage.yaml", worse)
    repo.commit("flakier")
    code, data = diff_json(cli, "--fail-on", "reliability-1pp,cost+0.001,latency+1s")
    assert code == 1
    assert [c["threshold"] for c in data["crossed"]] == ["reliability-1pp"]
    assert data["workflows"][0]["delta"]["reliability"]["change_pp"] == pytest.approx(-2.0)
    assert cli("diff", "--fail-on", "reliability-3pp").exit_code == 0
    assert cli("diff", "--fail-on", "cost+0.0001").exit_code == 1  # +$0.0002


def test_without_thresholds_a_costlier_change_only_reports(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 900"))
    repo.commit()
    result = cli("diff")
    assert result.exit_code == 0 and "gate" not in result.stdout
    assert "+57.1 %" in result.stdout


@pytest.mark.parametrize("text, expected", [
    ("cost+10%", Threshold("cost+10%", "cost", "%", 10.0)),
    ("cost+0.01", Threshold("cost+0.01", "cost", "abs", 0.01)),
    ("cost+$0.5", Threshold("cost+$0.5", "cost", "abs", 0.5)),
    ("latency+20%", Threshold("latency+20%", "latency", "%", 20.0)),
    ("latency+2s", Threshold("latency+2s", "latency", "abs", 2.0)),
    ("reliability-1pp", Threshold("reliability-1pp", "reliability", "pp", 1.0)),
    ("reliability-0.5%", Threshold("reliability-0.5%", "reliability", "%", 0.5)),
    ("reliability-0.01", Threshold("reliability-0.01", "reliability", "pp", 1.0)),
])
def test_threshold_forms(text: str, expected: Threshold) -> None:
    assert parse_thresholds([text]) == [expected]


@pytest.mark.parametrize("text", ["cost-10%", "reliability+1pp", "cost+10pp", "latency+$1",
                                  "speed+10%", "cost+", "reliability-2", "cost+10%%"])
def test_bad_thresholds_are_one_line_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--fail-on"):
        parse_thresholds([text])


def test_thresholds_split_on_commas_and_repeat() -> None:
    got = parse_thresholds(["cost+10%, latency+20%", "reliability-1pp"])
    assert [t.metric for t in got] == ["cost", "latency", "reliability"]


# -- what changed --------------------------------------------------------------------------


def test_added_deleted_renamed_and_untouched(repo: GitRepo, cli) -> None:
    repo.write("flows/other.yaml", SPEC.replace("name: triage", "name: other"))
    repo.write("flows/gone.yaml", SPEC.replace("name: triage", "name: gone"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "more")
    repo.git("branch", "-f", "main")  # these are on the base too
    repo.git("mv", "flows/other.yaml", "flows/renamed.yaml")
    repo.git("rm", "-q", "flows/gone.yaml")
    repo.write("flows/new.yaml", """\
        agentlint: 1
        name: new
        steps:
          - {id: only, model: gpt-4o-mini, prompt: "Say hello in French.", output_tokens: 9}
        """)
    repo.write("notes.yaml", "just: data\n")  # not a workflow: never mentioned
    repo.commit("shuffle")
    code, data = diff_json(cli)
    assert code == 0
    got = {w["file"]: (w["status"], w["old_file"]) for w in data["workflows"]}
    assert got == {"flows/renamed.yaml": ("renamed", "flows/other.yaml"),
                   "flows/gone.yaml": ("deleted", "flows/gone.yaml"),
                   "flows/new.yaml": ("added", None)}
    by_file = {w["file"]: w for w in data["workflows"]}
    assert by_file["flows/gone.yaml"]["after"] is None
    assert by_file["flows/new.yaml"]["before"] is None
    assert by_file["flows/renamed.yaml"]["delta"]["cost_usd"]["change"] == 0


def test_uncommitted_and_untracked_changes_count(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 710"))
    repo.write("flows/draft.yaml", SPEC.replace("name: triage", "name: draft"))
    code, data = diff_json(cli, "main")
    assert code == 0
    assert {w["file"] for w in data["workflows"]} == {"flows/triage.yaml", "flows/draft.yaml"}


def test_default_base_is_the_merge_base_with_main(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 600"))
    repo.commit("on the branch")
    repo.git("checkout", "-q", "main")
    repo.write("flows/elsewhere.yaml", SPEC.replace("name: triage", "name: elsewhere"))
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    code, data = diff_json(cli)
    assert data["base"]["ref"] == "main" and data["base"]["merge_base"] is True
    assert [w["file"] for w in data["workflows"]] == ["flows/triage.yaml"]
    # HEAD~1 names the base explicitly
    code, data = diff_json(cli, "HEAD~1")
    assert code == 0
    assert [w["file"] for w in data["workflows"]] == ["flows/triage.yaml"]


def test_findings_new_and_fixed_match_by_key_not_line(repo: GitRepo, cli) -> None:
    label = ("  - id: label\n    model: big\n    prompt: \"One word for: {{ inputs.ticket }}\"\n"
             "    output_tokens: 3\n")
    two = SPEC.replace("steps:\n", "steps:\n" + label).replace(
        "Answer the ticket:", "Label {{ steps.label.output }}. Answer the ticket:")
    repo.write("flows/triage.yaml", two)
    repo.commit("label first")
    repo.git("branch", "-f", "main")
    # move everything down and change the figures of the finding's message; add a new one
    moved = "# a comment\n\n# another\n" + two.replace("output_tokens: 3",
                                                        "output_tokens: 4")
    moved = moved.replace("  - id: answer\n", "  - id: tag\n    model: big\n    prompt: "
                          "\"Tag: {{ inputs.ticket }}\"\n    output_tokens: 2\n"
                          "  - id: answer\n").replace(
        "Answer the ticket:", "{{ steps.tag.output }} Answer the ticket:")
    repo.write("flows/triage.yaml", moved)
    code, data = diff_json(cli)
    [w] = data["workflows"]
    assert [(f["code"], f["key"]) for f in w["new_findings"]] == [("AL202", "step:tag/model")]
    assert w["fixed_findings"] == []
    # and a fix shows up as fixed
    repo.write("flows/triage.yaml", two.replace("  - id: label\n    model: big",
                                                "  - id: label\n    model: small"))
    code, data = diff_json(cli)
    assert code == 0
    [w] = data["workflows"]
    assert [(f["code"], f["key"]) for f in w["fixed_findings"]] == [("AL202",
                                                                     "step:label/model")]
    assert w["new_findings"] == []
    text = cli("diff").stdout
    assert "fixed findings (1):" in text and "AL202 [premium-on-trivial-step]" in text


def test_findings_without_a_key_match_by_message() -> None:
    def f(key: str, message: str, line: int) -> Finding:
        return Finding("AL999", "x", "warning", message, "a.yaml", line, 1, key)

    new, fixed = match_findings([f("", "m", 1), f("k", "old text", 2)],
                                [f("", "m", 9), f("k", "new text", 30), f("", "m", 12)])
    assert [(x.message, x.line) for x in new] == [("m", 12)]
    assert fixed == []


def test_a_prompt_file_is_read_from_the_base_commit(repo: GitRepo, cli) -> None:
    spec = SPEC.replace("    prompt: \"Answer the ticket: {{ inputs.ticket }}\"\n",
                        "    system_file: prompts/answer.md\n"
                        "    prompt: \"{{ inputs.ticket }}\"\n")
    repo.write("flows/triage.yaml", spec)
    repo.write("flows/prompts/answer.md", "Answer the ticket politely.\n")
    repo.commit("prompt file")
    repo.git("branch", "-f", "main")
    repo.write("flows/prompts/answer.md", "Answer the ticket politely. " * 400 + "\n")
    code, data = diff_json(cli)
    assert code == 0
    [w] = data["workflows"]
    assert w["file"] == "flows/triage.yaml" and w["via"] == ["flows/prompts/answer.md"]
    assert w["status"] == "modified"
    assert w["after"]["cost_usd"] > w["before"]["cost_usd"] * 1.5
    assert "through flows/prompts/answer.md" in cli("diff").stdout
    # the working tree was not touched
    assert repo.git("status", "--porcelain").strip() == "M flows/prompts/answer.md"


def test_a_changed_file_that_does_not_change_a_workflow_is_not_listed(repo: GitRepo,
                                                                     cli) -> None:
    repo.write("flows/README.md", "triage.yaml: the triage flow\n")
    repo.commit("docs")
    repo.git("branch", "-f", "main")
    repo.write("flows/README.md", "triage.yaml: the triage flow, documented\n")
    code, data = diff_json(cli)
    assert code == 0 and data["workflows"] == []
    assert cli("diff").stdout.startswith("agentlint diff: no workflow changed since main")


def test_paths_limit_the_comparison(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 710"))
    repo.write("other/x.yaml", SPEC.replace("name: triage", "name: x"))
    code, data = diff_json(cli, "main", "other")
    assert [w["file"] for w in data["workflows"]] == ["other/x.yaml"]
    code, data = diff_json(cli, "flows")  # a path where the base would be: taken as a path
    assert code == 0
    assert [w["file"] for w in data["workflows"]] == ["flows/triage.yaml"]


def test_paths_are_relative_to_the_repository_root(repo: GitRepo, cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 710"))
    monkeypatch.chdir(repo.root / "flows")
    code, data = diff_json(cli)
    assert code == 0
    assert [w["file"] for w in data["workflows"]] == ["flows/triage.yaml"]


def test_an_unreadable_spec_after_the_change_exits_2(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("model: big", "model: nope"))
    result = cli("diff")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if "flows/triage.yaml:" in line]
    assert "cannot be read" in result.stdout


@pytest.mark.contract
def test_markdown_is_a_pull_request_comment(repo: GitRepo, cli) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 710"))
    repo.commit()
    result = cli("diff", "--format", "markdown", "--fail-on", "cost+10%")
    assert result.exit_code == 1
    md = result.stdout
    assert md.startswith("<!-- agentlint -->\n### agentlint: 1 workflow changed since `main`")
    assert "| workflow | change | cost per run | latency | reliability | findings |" in md
    assert re.search(r"\*\*\+\$0\.00[0-9]+, \+30\.0 %\*\* ❌", md)
    assert "❌ **Gate failed**: 1 threshold crossed." in md
    assert "| `flows/triage.yaml` | `cost+10%` |" in md
    assert "```mermaid\nflowchart TD\n" in md and md.count("```") % 2 == 0


@pytest.mark.contract
def test_output_file(repo: GitRepo, cli, tmp_path: Path) -> None:
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 710"))
    target = tmp_path / "diff.md"
    result = cli("diff", "--format", "markdown", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("<!-- agentlint -->")


# -- failures are one line -----------------------------------------------------------------


def test_not_a_repository_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = run_process("diff", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"agentlint: not a git repository: {tmp_path}"


def test_unknown_revision_and_missing_git(repo: GitRepo, cli,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("diff", "no-such-branch")
    assert result.exit_code == 2
    assert result.stderr.startswith("agentlint: unknown revision 'no-such-branch'")
    assert len(result.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("PATH", str(repo.root / "no-bin"))
    result = cli("diff")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("agentlint: git is not installed")


def test_no_default_branch(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    r = GitRepo(tmp_path / "r")
    r.git("checkout", "-q", "-b", "trunk")
    r.write("a.yaml", SPEC)
    r.commit()
    monkeypatch.chdir(r.root)
    result = cli("diff")
    assert result.exit_code == 2 and "no default branch" in result.stderr
    assert cli("diff", "trunk").exit_code == 0


def test_adapter_workflows_read_their_base_files_from_git(repo: GitRepo, cli) -> None:
    crew = FIXTURES / "formats" / "crewai" / "own" / "launch_crew"
    shutil.copytree(crew, repo.root / "crew")
    repo.commit("a crew")
    repo.git("branch", "-f", "main")
    code_py = repo.root / "crew" / "src" / "launch_crew" / "crew.py"
    code_py.write_text(code_py.read_text(encoding="utf-8").replace(
        "claude-sonnet-4-5", "claude-opus-4-1"), encoding="utf-8")
    code, data = diff_json(cli, "--fail-on", "cost+50%")
    assert code == 1
    [w] = data["workflows"]
    assert w["file"] == "crew/src/launch_crew/config/tasks.yaml" and w["format"] == "crewai"
    assert w["via"] == ["crew/src/launch_crew/crew.py"] and w["before_error"] is None
    models = {s["before"]["model"] + " -> " + s["after"]["model"] for s in w["steps"]}
    assert models == {"claude-sonnet-4-5 -> claude-opus-4-1"}


BUDGETED = SPEC.replace("    output_tokens: 500\n", """    output_tokens: 500
    candidates: [big, small]
budgets: {cost_usd: 0.02, reliability: 0.95}
""")


def test_gate_fails_costlier_change_and_passes_the_optimized_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    r = GitRepo(tmp_path / "gate")
    spec = r.write("flows/triage.yaml", BUDGETED)
    r.commit("first")
    base = r.git("rev-parse", "HEAD").strip()
    monkeypatch.chdir(r.root)
    # 30 % more output on the premium model: cost up by about 30 %
    r.write("flows/triage.yaml", BUDGETED.replace("output_tokens: 500", "output_tokens: 680"))
    r.commit("longer answers")
    failed = cli("diff", base, "--fail-on", "cost+10%")
    assert failed.exit_code == 1, failed.output
    assert "cost" in failed.output and "+10%" in failed.output.replace(" ", "")
    # The change `agentlint optimize --write` makes is cheaper and passes the gate.
    assert cli("optimize", str(spec), "--write").exit_code == 0
    r.commit("optimized")
    passed = cli("diff", base, "--fail-on", "cost+10%")
    assert passed.exit_code == 0, passed.output
    code, data = diff_json(cli, base, "--fail-on", "cost+10%")
    assert code == 0
    row = data["workflows"][0]
    assert row["after"]["cost_usd"] < row["before"]["cost_usd"]
    assert re.search(r"cost per run .* -\$[0-9.]+ \(-[0-9.]+ %\)", passed.output)
    assert "gate: passed (cost+10%)" in passed.output


def test_exclude_patterns_as_in_lint(repo: GitRepo, cli) -> None:
    repo.write("flows/legacy/a.yaml", SPEC.replace("triage", "old-a"))
    repo.write("flows/legacy/sub/b.yaml", SPEC.replace("triage", "old-b"))
    repo.write("flows/triage.yaml", SPEC.replace("output_tokens: 500", "output_tokens: 300"))
    repo.commit("more flows")

    def files(*args: str) -> list[str]:
        code, data = diff_json(cli, "main", *args)
        assert code == 0
        return [w["file"] for w in data["workflows"]]

    assert files() == ["flows/legacy/a.yaml", "flows/legacy/sub/b.yaml", "flows/triage.yaml"]
    # '*' stays within a folder, as in .gitignore
    assert files("--exclude", "flows/legacy/*.yaml") == ["flows/legacy/sub/b.yaml",
                                                         "flows/triage.yaml"]
    assert files("--exclude", "./flows/legacy") == ["flows/triage.yaml"]
    repo.write(".agentlint.yaml", "exclude: [/flows/legacy/**/*.yaml]\n")
    assert files() == ["flows/triage.yaml"]
