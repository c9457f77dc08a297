"""What agentlint reads, refuses and skips, and optimize on every format it reads.

A file named on the command line (or by the pre-commit hook) that is almost a
workflow is refused with a "did you mean"; one with no sign of a workflow is
skipped; a folder's files keep their silent skip. A misspelt placeholder
reference is an error at its placeholder. ``optimize`` reports an adapted
workflow's changes in its real source file, and considers the models
``premium-on-trivial-step`` names. The files are the real ones under
tests/fixtures (see SOURCES.md), copied or lightly altered in a temporary
repository where the case needs it; the CLI runs as a real process.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from agentlint.spec.tokens import find_misspelt
from tests.conftest import FIXTURES, ROOT, exit_2_one_line, run_process

FORMATS = FIXTURES / "formats"
TRAVELMATE = FORMATS / "crewai/ed-donner__agents/3_crewai/community_contributions/" \
    "travelmate/src/travelmate/config"
ADK_LOOP = FORMATS / "adk/zhangp365__adk-python/contributing/samples/multi_agent_loop_config"
PREMIUM = FIXTURES / "rules" / "AL202-premium-on-trivial-step.yaml"
CONTOSO = FORMATS / "promptflow/Azure-Samples__contoso-chat/contoso-chat/flow.dag.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def lint(*args: str, cwd: Path) -> tuple[int, str, str]:
    proc = run_process("lint", "--no-color", *args, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


# -- almost a workflow: refused when named --------------------------------------------------


def test_misspelt_marker_is_refused_at_the_key(repo: Path) -> None:
    text = PREMIUM.read_text(encoding="utf-8").replace("agentlint: 1", "agentlnt: 1")
    (repo / "reply.yaml").write_text(text, encoding="utf-8")
    line = exit_2_one_line(run_process("lint", "reply.yaml", cwd=repo), "reply.yaml")
    marker_line = text.splitlines().index("agentlnt: 1") + 1
    assert line.startswith(f"reply.yaml:{marker_line}:1: ")
    assert "'agentlnt'" in line and "did you mean 'agentlint: 1'?" in line


def test_steps_of_models_without_the_marker_are_refused(repo: Path) -> None:
    text = PREMIUM.read_text(encoding="utf-8").replace("agentlint: 1\n", "")
    (repo / "reply.yaml").write_text(text, encoding="utf-8")
    line = exit_2_one_line(run_process("lint", "reply.yaml", cwd=repo), "reply.yaml")
    steps_line = text.splitlines().index("steps:") + 1
    assert line.startswith(f"reply.yaml:{steps_line}:1: ")
    assert "did you mean to add 'agentlint: 1'" in line


def test_crewai_tasks_under_another_name_are_refused_then_read_with_the_format(
        repo: Path) -> None:
    shutil.copy(TRAVELMATE / "tasks.yaml", repo / "travel_tasks.yaml")
    shutil.copy(TRAVELMATE / "agents.yaml", repo / "agents.yaml")
    line = exit_2_one_line(run_process("lint", "travel_tasks.yaml", cwd=repo),
                           "travel_tasks.yaml")
    first_task = (repo / "travel_tasks.yaml").read_text(encoding="utf-8").splitlines() \
        .index("travel_guide_task:") + 1
    assert line.startswith(f"travel_tasks.yaml:{first_task}:1: ")
    assert "did you mean to name it tasks.yaml" in line and "--input-format crewai" in line
    code, out, err = lint("--input-format", "crewai", "travel_tasks.yaml", cwd=repo)
    assert code in (0, 1) and err == "" and "travel_tasks.yaml" in out


def test_crewai_agents_without_their_tasks_are_refused(repo: Path) -> None:
    shutil.copy(TRAVELMATE / "agents.yaml", repo / "agents.yaml")
    line = exit_2_one_line(run_process("lint", "agents.yaml", cwd=repo), "agents.yaml")
    assert "no tasks.yaml beside it" in line and "did you mean" in line


def test_adk_agent_outside_a_tree_is_refused_inside_its_tree_it_is_not(repo: Path) -> None:
    shutil.copy(ADK_LOOP / "writer_agents" / "critic_agent.yaml", repo / "critic.yaml")
    line = exit_2_one_line(run_process("lint", "critic.yaml", cwd=repo), "critic.yaml")
    assert line.startswith("critic.yaml:3:1: ")  # its name:, under the schema comment
    assert "root_agent.yaml" in line and "--input-format adk" in line
    # the same file where it belongs: a sub-agent of root_agent.yaml, named by the hook
    tree = repo / "loop"
    shutil.copytree(ADK_LOOP, tree)
    code, _, err = lint("loop/writer_agents/critic_agent.yaml", cwd=repo)
    assert (code, err) == (0, "")


NOT_WORKFLOWS = {
    "ci.yml": "name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
              "    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n",
    "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n"
                    "  db:\n    image: postgres:16\n",
    "deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
                       "spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n"
                       "        - name: api\n          image: example/api:1.0\n",
    "cloudbuild.yaml": "steps:\n  - name: gcr.io/cloud-builders/docker\n"
                       "    args: [build, -t, app, .]\n",
    "empty.yaml": "",
}


def test_files_with_no_sign_of_a_workflow_are_skipped_when_named(repo: Path) -> None:
    for name, text in NOT_WORKFLOWS.items():
        (repo / name).write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "action.yml", repo / "action.yml")
    shutil.copy(ROOT / ".pre-commit-hooks.yaml", repo / ".pre-commit-hooks.yaml")
    names = [*NOT_WORKFLOWS, "action.yml", ".pre-commit-hooks.yaml"]
    code, out, err = lint(*names, cwd=repo)
    assert (code, err) == (0, ""), err
    assert "error" not in out


def test_a_folder_keeps_its_silent_skip(repo: Path) -> None:
    text = PREMIUM.read_text(encoding="utf-8")
    (repo / "flows").mkdir()
    (repo / "flows" / "typo.yaml").write_text(text.replace("agentlint: 1", "agentlnt: 1"),
                                              encoding="utf-8")
    (repo / "flows" / "reply.yaml").write_text(text, encoding="utf-8")
    code, out, err = lint("flows", cwd=repo)
    assert (code, err) == (0, "")  # reply.yaml has warnings only
    assert "flows/reply.yaml" in out and "typo.yaml" not in out


def test_near_misses_are_refused_in_parallel_runs_and_from_stdin(repo: Path) -> None:
    text = PREMIUM.read_text(encoding="utf-8")
    (repo / "a.yaml").write_text(text.replace("agentlint: 1", "agentlnt: 1"), encoding="utf-8")
    (repo / "b.yaml").write_text(text, encoding="utf-8")
    proc = run_process("lint", "-j", "2", "a.yaml", "b.yaml", cwd=repo)
    assert proc.returncode == 2 and proc.stderr.startswith("a.yaml:")
    piped = run_process("lint", "-", "--stdin-filename", "reply.yaml", cwd=repo,
                        input=text.replace("agentlint: 1\n", ""))
    assert piped.returncode == 2 and "did you mean to add 'agentlint: 1'" in piped.stderr


def test_estimate_gives_the_same_reason(repo: Path) -> None:
    shutil.copy(TRAVELMATE / "tasks.yaml", repo / "travel_tasks.yaml")
    line = exit_2_one_line(run_process("estimate", "travel_tasks.yaml", cwd=repo),
                           "travel_tasks.yaml")
    assert "did you mean to name it tasks.yaml" in line


# -- misspelt placeholders ---------------------------------------------------------------------


@pytest.mark.parametrize(("wrong", "meant"), [
    ("{{ input.email }}", "inputs.email"),
    ("{{ step.detect_language.output }}", "steps.detect_language.output"),
    ("{{ steps.detect_language.outptu }}", "steps.detect_language.output"),
    ("{{ Inputs.email }}", "inputs.email"),
])
def test_a_misspelt_reference_is_an_error_at_its_placeholder(repo: Path, wrong: str,
                                                             meant: str) -> None:
    text = PREMIUM.read_text(encoding="utf-8")
    right = "{{ steps.detect_language.output }}" if "step" in meant else "{{ inputs.email }}"
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines)
                  if "id: complaint" in line) + 2  # its prompt: line
    assert right in lines[target]
    lines[target] = lines[target].replace(right, wrong, 1)
    (repo / "reply.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = exit_2_one_line(run_process("lint", "reply.yaml", cwd=repo), "reply.yaml")
    col = lines[target].index(wrong) + 1
    assert line.startswith(f"reply.yaml:{target + 1}:{col}: ")
    assert f"did you mean '{meant}'?" in line


def test_template_text_that_is_not_a_reference_stays_allowed() -> None:
    for text in ("Dear {{ customer.name }},", "{{#sys.query#}} {{#1711.text#}}",
                 "{{ current_document }} and {{ arg2[0].content }}", "{{ outputs.x }}",
                 "{{ steps.a.output }} {{ inputs.b }} {{ steps.a.output.text }}"):
        assert find_misspelt(text) == [], text


def test_examples_and_fixtures_have_no_misspelt_reference() -> None:
    for path in [*sorted((ROOT / "examples").rglob("*.yaml")),
                 *sorted((FIXTURES / "rules").glob("*.yaml"))]:
        assert find_misspelt(path.read_text(encoding="utf-8")) == [], path


def test_the_misspelling_scan_is_linear() -> None:
    def took(n: int) -> float:
        text = "{{ customer.name }} {{ stepz.x.output }} {{ " * n
        started = time.perf_counter()
        found = find_misspelt(text)
        assert len(found) == n
        return time.perf_counter() - started

    took(500)
    small, large = took(2000), took(16000)
    assert large < small * 8 * 3  # 8x the text: linear, with room for noise


# -- optimize on every format ----------------------------------------------------------------


def test_optimize_reports_crewai_changes_in_the_source_at_its_lines(repo: Path) -> None:
    shutil.copy(TRAVELMATE / "tasks.yaml", repo / "travel_tasks.yaml")
    shutil.copy(TRAVELMATE / "agents.yaml", repo / "agents.yaml")
    proc = run_process("optimize", "travel_tasks.yaml", "--input-format", "crewai",
                       "--objective", "latency", "--no-color", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert ".agentlint.yaml" not in proc.stdout
    source = (repo / "travel_tasks.yaml").read_text(encoding="utf-8").splitlines()
    changes = re.findall(r"^travel_tasks\.yaml:(\d+): step '(\w+)'", proc.stdout, re.M)
    assert changes
    for line, step in changes:
        assert source[int(line) - 1].startswith(f"{step}:"), (line, step)


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_optimize_names_no_converted_file(fmt: str) -> None:
    proc = run_process("optimize", str(TRAVELMATE / "tasks.yaml"), "--objective", "latency",
                       "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert ".agentlint.yaml" not in proc.stdout
    if fmt == "json":
        data = json.loads(proc.stdout)
        lines = (TRAVELMATE / "tasks.yaml").read_text(encoding="utf-8").splitlines()
        assert data["changes"]
        for change in data["changes"]:
            assert lines[change["line"] - 1].startswith(f"{change['step']}:")


def test_optimize_refuses_to_write_an_adapted_source(repo: Path) -> None:
    shutil.copy(CONTOSO.parent / "flow.dag.yaml", repo / "flow.dag.yaml")
    for name in ("customer_prompt.jinja2", "llm_response.jinja2"):
        shutil.copy(CONTOSO.parent / name, repo / name)
    before = (repo / "flow.dag.yaml").read_bytes()
    line = exit_2_one_line(run_process("optimize", "flow.dag.yaml", "--write", cwd=repo))
    assert "promptflow file, which agentlint does not rewrite" in line
    assert (repo / "flow.dag.yaml").read_bytes() == before


def test_optimize_takes_an_input_format(repo: Path) -> None:
    shutil.copy(ADK_LOOP / "writer_agents" / "critic_agent.yaml", repo / "critic.yaml")
    refused = run_process("optimize", "critic.yaml", cwd=repo)
    assert refused.returncode == 2 and "--input-format adk" in refused.stderr
    read = run_process("optimize", "critic.yaml", "--input-format", "adk", "--format", "json",
                       cwd=repo)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["status"] == "optimal"


def test_lint_and_optimize_agree_on_premium_models(repo: Path) -> None:
    shutil.copy(PREMIUM, repo / "reply.yaml")
    found = json.loads(run_process("lint", "--select", "AL202", "--format", "json",
                                   "reply.yaml", cwd=repo).stdout)
    named = {}
    for finding in found:
        step = re.match(r"`(\w+)`", finding["message"])
        cheap = re.search(r"on `([^`]+)` it costs", finding["message"])
        assert step and cheap, finding["message"]
        named[step.group(1)] = cheap.group(1)
    assert len(named) == 4
    data = json.loads(run_process("optimize", "reply.yaml", "--format", "json",
                                  cwd=repo).stdout)
    # no step names candidates or a tier floor: the models AL202 names are opportunities
    # (with the same saving), not changes
    assert [c for c in data["changes"] if c["field"] == "model"] == []
    found = {o["step"]: o for o in data["opportunities"]}
    for step, model in named.items():
        assert found[step]["to"] == model, (step, found[step], model)
        assert found[step]["trivial"]


def test_optimize_names_the_file_an_adk_sub_agent_sets_its_model_in() -> None:
    root = ADK_LOOP / "root_agent.yaml"
    proc = run_process("optimize", str(root), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    # no agent names candidates or a tier floor: the cheaper models are opportunities
    found = json.loads(proc.stdout)["opportunities"]
    assert found
    lines = root.read_text(encoding="utf-8").splitlines()
    for item in found:
        # the line of root_agent.yaml that brings the agent in, and the file that sets it
        assert "config_path:" in lines[item["line"] - 1] or "name:" in lines[item["line"] - 1]
        defined = re.search(r"the model is set in (\S+\.yaml)\)$", item["note"])
        assert defined and (ADK_LOOP / defined.group(1)).is_file(), item["note"]
