"""Prompty files read as the prompty runtime runs them: one model call on the model its
front matter names, with the template cut into messages at its role lines. Real files
from three repositories (tests/fixtures/prompty, see SOURCES.md) pin the call counts,
the critical path and the findings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.graph.estimate import estimate
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process

PROMPTY = FIXTURES / "prompty"
REAL = sorted(p.name for p in PROMPTY.glob("*.prompty"))


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "prompty"
    return wf


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_the_real_files_come_from_three_repositories() -> None:
    assert len(REAL) >= 5
    assert {name.split("_")[0] for name in REAL} == {"contoso", "creative", "promptflow"}


@pytest.mark.parametrize("name", REAL)
def test_each_real_file_is_one_model_call_on_its_deployment(name: str) -> None:
    wf = _load(PROMPTY / name)
    result = estimate(wf)
    rows = [row for row in result.steps if row.model]
    assert len(rows) == 1 and rows[0].calls == 1
    assert result.critical_path == [wf.steps[0].id] == [Path(name).stem]
    # every step is positioned at the file's model: key
    text = (PROMPTY / name).read_text(encoding="utf-8").split("\n")
    line, col = wf.steps[0].at("id")
    assert text[line - 1][col - 1:].startswith("model:")


def test_models_caps_and_inputs_from_the_front_matter() -> None:
    chat = _load(PROMPTY / "contoso_chat.prompty")
    step = chat.steps[0]
    assert chat.models[step.model or ""].name == "gpt-4o-mini"
    assert step.at("model") == (11, 23)  # the azure_deployment value
    assert step.output_tokens == 128  # parameters.max_tokens caps the default 256
    assert set(chat.inputs) == {"customer", "documentation", "question"}
    basic = _load(PROMPTY / "promptflow_basic.prompty")
    # the sample's question, written inline, gives the input's size
    assert basic.inputs["question"].tokens < 20
    assert basic.steps[0].system and "AI assistant" in basic.steps[0].system
    writer = _load(PROMPTY / "creative_writer.prompty")
    # no inputs: the sample's keys are the variables
    assert {"researchContext", "research", "products", "feedback",
            "assignment"} <= set(writer.inputs)
    assert writer.models[writer.steps[0].model or ""].name == "gpt-4"


def test_user_text_in_the_system_section_is_reported_where_the_template_starts() -> None:
    expected = {"contoso_chat.prompty": ("question", 26), "contoso_product.prompty":
                ("context", 18), "creative_editor.prompty": ("feedback", 26),
                "creative_researcher.prompty": ("feedback", 20),
                "creative_writer.prompty": ("researchContext", 22)}
    every = lint_json(PROMPTY)  # one process for the folder
    for name in REAL:
        found = [f for f in every if f["severity"] in ("warning", "error")
                 and Path(f["file"]).name == name]
        if name not in expected:
            # the question is the user: section of these: nothing to report
            assert found == [], (name, found)
            continue
        var, line = expected[name]
        assert [(f["code"], f["line"]) for f in found] == [("AL401", line)], (name, found)
        assert f"inputs.{var}" in found[0]["message"]


def test_a_folder_walk_finds_prompty_files_and_input_format_names_them(repo: Path) -> None:
    shutil.copy(PROMPTY / "promptflow_basic.prompty", repo / "basic.prompty")
    (repo / "notes.prompty").write_text("no front matter here\n", encoding="utf-8")
    found = lint_json(repo)
    assert {Path(f["file"]).name for f in found} == {"basic.prompty"}
    shutil.copy(PROMPTY / "promptflow_basic.prompty", repo / "basic.txt")
    proc = run_process("estimate", "--format", "json", "--input-format", "prompty",
                       str(repo / "basic.txt"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["calls"] == 1


def test_the_profile_and_convert(repo: Path) -> None:
    path = repo / "basic.prompty"
    shutil.copy(PROMPTY / "promptflow_basic.prompty", path)
    (repo / "agentlint.profile.yaml").write_text(
        "models:\n  gpt-4o: {model: gpt-4o-mini}\nsteps:\n  Basic Prompt: {output_tokens: 40}\n",
        encoding="utf-8")
    wf = _load(path)
    model = wf.models[wf.steps[0].model or ""]
    assert model.base == "gpt-4o-mini"  # the deployment mapped to the model behind it
    assert wf.steps[0].output_tokens == 40
    proc = run_process("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    # the user: section reads the run input; the profile's size is kept
    assert "user:\n    {{inputs.question}}" in proc.stdout
    assert "output_tokens: 40" in proc.stdout


def test_optimize_says_the_deployment_to_change_and_write_is_refused(repo: Path) -> None:
    path = repo / "writer.prompty"
    shutil.copy(PROMPTY / "creative_writer.prompty", path)
    (repo / "agentlint.yaml").write_text("budgets:\n  cost_per_run: 0.01\n", encoding="utf-8")
    before = path.read_bytes()
    proc = run_process("optimize", "--write", str(path))
    assert exit_2_one_line(proc).startswith("agentlint: --write")
    assert path.read_bytes() == before


@pytest.mark.parametrize("text, where", [
    ("no front matter\n", ":1:1:"),
    ("---\nname: x\nmodel: {api: chat\n", ":1:1:"),
    ("---\nname: x\nmodel: [\n---\nsystem:\nhi\n", ":4:"),
    ("---\n- a\n- b\n---\nhi\n", ":2:1:"),
    ("---\nmodel:\n  configuration: {name: gpt-4o}\n  parameters: {max_tokens: -5}\n---\nhi\n",
     ":4:"),
])
def test_broken_files_are_refused_with_a_position(repo: Path, text: str, where: str) -> None:
    path = repo / "bad.prompty"
    path.write_text(text, encoding="utf-8")
    proc = run_process("estimate", "--input-format", "prompty", str(path))
    line = exit_2_one_line(proc, str(path))
    assert where in line, line


def test_a_changed_prompty_file_is_linted_by_changed_since(tmp_path: Path) -> None:
    from tests.support import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("prompts/chat.prompty",
               (PROMPTY / "promptflow_basic.prompty").read_text(encoding="utf-8"))
    repo.write("prompts/other.prompty",
               (PROMPTY / "contoso_chat.prompty").read_text(encoding="utf-8"))
    repo.commit("prompts")
    repo.write("prompts/chat.prompty",
               (PROMPTY / "contoso_chat.prompty").read_text(encoding="utf-8"))
    repo.commit("the chat prompt changes")
    proc = run_process("lint", "--changed-since", "HEAD~1", "--format", "json",
                       cwd=repo.root)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)
    # only the changed file, now with the question in its system section
    assert {f["file"] for f in found} == {"prompts/chat.prompty"}
    assert "AL401" in {f["code"] for f in found}
