"""Reading promptflow, CrewAI, Dify and ADK workflows: detection, estimates, positions,
conversion and the profile overlay, on real files copied from public repositories
(tests/fixtures/SOURCES.md) and on a few of our own."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from agentlint import adapters
from agentlint.sources import load_any
from tests.conftest import FIXTURES, run_process

FORMATS = FIXTURES / "formats"
PROMPTFLOW = FORMATS / "promptflow"
CREWAI = FORMATS / "crewai"
DIFY = FORMATS / "dify"
ADK = FORMATS / "adk"

ENTRIES = sorted(
    [(p, "promptflow") for p in PROMPTFLOW.rglob("flow.dag.yaml")]
    + [(p, "crewai") for p in CREWAI.rglob("tasks.yaml")]
    + [(p, "crewai") for p in CREWAI.rglob("agents.yaml")]
    + [(p, "dify") for p in DIFY.rglob("*.yml")]
    + [(p, "adk") for p in ADK.rglob("root_agent.yaml")])
IDS = [str(p.relative_to(FORMATS)) for p, _ in ENTRIES]
FIGURES = ("cost_usd", "cost_usd_max", "latency_s", "latency_s_max", "reliability", "calls",
           "critical_path")


def _estimate(cli, *args: str) -> dict:
    result = cli("estimate", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_fixtures_cover_every_format() -> None:
    counts = {fmt: sum(1 for _, f in ENTRIES if f == fmt) for fmt in
              ("promptflow", "crewai", "dify", "adk")}
    assert counts == {"promptflow": 5, "crewai": 26, "dify": 9, "adk": 4}


@pytest.mark.parametrize(("path", "fmt"), ENTRIES, ids=IDS)
def test_every_workflow_is_detected_and_estimates(cli, path: Path, fmt: str) -> None:
    text = path.read_text(encoding="utf-8")
    adapter = adapters.detect(str(path), text)
    assert adapter is not None and adapter.name == fmt
    data = _estimate(cli, str(path))
    assert data["steps"] and data["cost_usd"] > 0
    assert 0 < data["reliability"] <= 1
    assert data["cost_usd_max"] >= data["cost_usd"] - 1e-12
    wf = load_any(str(path))
    assert wf is not None and wf.format == fmt
    keys = [key for _, _, key in wf.assumptions]
    assert len(keys) == len(set(keys)), "an assumption is recorded more than once"
    assert all(isinstance(line, int) and line >= 1 for _, (line, _), _ in wf.assumptions)


@pytest.mark.parametrize(("path", "fmt"), ENTRIES, ids=IDS)
def test_converted_spec_estimates_the_same(cli, tmp_path: Path, path: Path, fmt: str) -> None:
    out = tmp_path / "converted.yaml"
    result = cli("convert", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# agentlint spec converted from the {fmt} workflow ")
    assert "\nagentlint: 1\n" in text
    source, converted = _estimate(cli, str(path)), _estimate(cli, str(out))
    for key in FIGURES:
        assert converted[key] == source[key], key
    assert [(s["id"], s["model"], s["cost_usd"], s["latency_s"]) for s in converted["steps"]] \
        == [(s["id"], s["model"], s["cost_usd"], s["latency_s"]) for s in source["steps"]]


def test_convert_prints_to_stdout_and_lists_assumptions(cli) -> None:
    flow = PROMPTFLOW / "microsoft__promptflow/examples/flows/standard/web-classification"
    result = cli("convert", str(flow / "flow.dag.yaml"))
    assert result.exit_code == 0
    head = result.output.split("\nagentlint: 1\n")[0]
    assert "also read: summarize_text_content.jinja2" in head
    assert "variants variant_1 are not estimated" in head
    assert ("x-source: promptflow llm node (variant variant_0) via open_ai_connection, "
            "flow.dag.yaml line 23") \
        in result.output


def test_convert_refuses_native_specs_and_unknown_files(cli, spec) -> None:
    native = spec("agentlint: 1\nsteps:\n  - {id: a, model: gpt-4o-mini}\n")
    result = cli("convert", str(native))
    assert result.exit_code == 2 and "already an agentlint spec" in result.output
    other = spec("services:\n  web: {image: nginx}\n", name="compose.yaml")
    result = cli("convert", str(other))
    assert result.exit_code == 2


# -- detection is cheap and specific --------------------------------------------------------


NOT_WORKFLOWS = {
    ".github/workflows/ci.yml": "name: ci\non: push\njobs:\n  t:\n    runs-on: x\n"
                                "    steps:\n      - run: echo ${{ inputs.x }}\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    "tasks.yaml": "- name: install\n  apt: {name: nginx}\n",
    "agents.yaml": "agents:\n  - name: a\n",
    "k8s.yaml": "kind: Deployment\nspec:\n  nodes: 3\n",
    "root.yaml": "agent_class: LlmAgent\nname: x\nmodel: gemini-2.0-flash\ninstruction: hi\n",
}


@pytest.mark.parametrize("name", sorted(NOT_WORKFLOWS))
def test_other_yaml_is_not_claimed(name: str) -> None:
    assert adapters.detect(name, NOT_WORKFLOWS[name]) is None


def test_sniffing_never_parses(monkeypatch) -> None:
    import yaml

    from agentlint.adapters import adk, crewai, dify, promptflow

    def refuse(*_args, **_kwargs):
        raise AssertionError("sniff parsed the file")

    for module in (adk, crewai, dify, promptflow):
        monkeypatch.setattr(module, "load_text", refuse)
    for name in ("parse", "compose", "load", "safe_load"):
        monkeypatch.setattr(yaml, name, refuse)
    for name, text in NOT_WORKFLOWS.items():
        assert adapters.detect(name, text) is None
    for path, fmt in ENTRIES:
        adapter = adapters.detect(str(path), path.read_text(encoding="utf-8"))
        assert adapter is not None and adapter.name == fmt


def test_sub_agent_files_are_not_workflows_of_their_own(cli) -> None:
    folder = ADK / "zhangp365__adk-python/contributing/samples/multi_agent_loop_config"
    data = _estimate(cli, str(folder))
    data = data if isinstance(data, list) else [data]
    assert [d["name"] for d in data] == ["IterativeWritingPipeline"]


def test_input_format_option_names_the_format(cli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = ADK / "zhangp365__adk-python/contributing/samples/tool_agent_tool_config"
    agent = tmp_path / "summarizer.yaml"
    agent.write_text((source / "summarizer_agent.yaml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    data = _estimate(cli, str(agent), "--input-format", "adk")
    assert [s["id"] for s in data["steps"]] == ["summarizer_agent"]
    assert data["steps"][0]["model"] == "gemini-2.0-flash"


# -- positions point into the original files --------------------------------------------------


def _line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} not in {path}")


def test_promptflow_step_points_at_the_node_name() -> None:
    path = PROMPTFLOW / ("microsoft__promptflow/examples/flows/evaluation/"
                         "eval-single-turn-metrics/flow.dag.yaml")
    wf = load_any(str(path))
    assert wf is not None
    for node in ("grounding", "validate_input", "answer_correctness"):
        assert wf.step(node).at() == (_line_of(path, rf"^- name: {node}$"), 3)
    deployment = wf.step("grounding").at("model")
    assert deployment[0] == _line_of(path, r"deployment_name: gpt-4") and deployment[1] == 22


def test_crewai_step_points_at_the_task_key_even_when_given_agents_yaml() -> None:
    config = CREWAI / "ed-donner__agents/3_crewai/reference/debate/src/debate/config"
    wf = load_any(str(config / "agents.yaml"))
    assert wf is not None and wf.file.endswith("tasks.yaml")
    tasks = config / "tasks.yaml"
    assert wf.text == tasks.read_text(encoding="utf-8")
    for task in ("propose", "oppose", "decide"):
        assert wf.step(task).at() == (_line_of(tasks, rf"^{task}:"), 1)
    line, col = wf.step("oppose").at("agent")
    assert line > wf.step("oppose").at()[0] and col == 10
    assert tasks.read_text(encoding="utf-8").splitlines()[line - 1] == "  agent: debater"


CREW_WITH_GET = """
from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, task


@CrewBase
class Team:
    @agent
    def writer(self) -> Agent:
        return Agent(config=self.agents_config.get("writer"), llm="gpt-4o")

    @agent
    def editor(self) -> Agent:
        return Agent(config=self.agents_config["editor"], llm="gpt-4o-mini")

    @task
    def draft(self) -> Task:
        return Task(config=self.tasks_config.get("draft"), agent=self.writer())

    @task
    def review(self) -> Task:
        return Task(config=self.tasks_config["review"], agent=self.editor())

    @crew
    def crew(self) -> Crew:
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
"""


def test_crewai_config_that_is_not_a_plain_key_falls_back_to_the_method_name(
        tmp_path: Path) -> None:
    # config=self.agents_config.get("writer") names no key the syntax tree can read; the
    # agent and task are then the ones named like their methods, as in CrewAI's templates
    (tmp_path / ".git").mkdir()
    config = tmp_path / "src" / "team" / "config"
    config.mkdir(parents=True)
    (config.parent / "crew.py").write_text(CREW_WITH_GET, encoding="utf-8")
    (config / "agents.yaml").write_text(
        "writer:\n  role: Writer\n  goal: Write.\n  backstory: You write.\n"
        "editor:\n  role: Editor\n  goal: Edit.\n  backstory: You edit.\n", encoding="utf-8")
    (config / "tasks.yaml").write_text(
        "draft:\n  description: Draft a note.\n  expected_output: A note.\n"
        "review:\n  description: Review it.\n  expected_output: A review.\n",
        encoding="utf-8")
    wf = load_any(str(config / "tasks.yaml"))
    assert wf is not None
    assert [s.id for s in wf.steps] == ["draft", "review"]
    assert wf.step("draft").agent == "writer" and wf.step("draft").model == "gpt-4o"
    assert wf.agents["writer"].model == "gpt-4o"
    assert not any("has no agent" in m for m, _, _ in wf.assumptions)


def test_dify_step_points_at_the_node_title() -> None:
    path = DIFY / "svcvit__Awesome-Dify-Workflow/DSL/translation_workflow.yml"
    wf = load_any(str(path))
    assert wf is not None
    step = wf.step("1721118559807")
    assert step.at() == (_line_of(path, r"^\s+title: EXPERT_SUGGESTIONS$"), 9)
    assert step.at("id")[0] == _line_of(path, r"^\s+id: '1721118559807'")


def test_adk_steps_point_at_the_root_file() -> None:
    root = ADK / "zhangp365__adk-python/contributing/samples/multi_agent_seq_config"
    wf = load_any(str(root / "root_agent.yaml"))
    assert wf is not None and wf.file.endswith("root_agent.yaml")
    line = _line_of(root / "root_agent.yaml", r"code_reviewer_agent.yaml")
    assert wf.step("CodeReviewerAgent").at() == (line, 18)
    assert "sub_agents/code_reviewer_agent.yaml" in (wf.step("CodeReviewerAgent").origin or "")
    tool_root = ADK / "zhangp365__adk-python/contributing/samples/tool_agent_tool_config"
    wf = load_any(str(tool_root / "root_agent.yaml"))
    assert wf is not None
    assert wf.step("research_assistant_agent").at() == (
        _line_of(tool_root / "root_agent.yaml", r"^name: research_assistant_agent"), 1)


# -- lint on the fixtures -----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "fmt"), ENTRIES, ids=IDS)
def test_lint_reads_every_fixture(cli, path: Path, fmt: str) -> None:
    result = cli("lint", str(path), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.output)
    assumed = [f for f in findings if f["code"] == "AL902"]
    assert assumed, "the defaults an adapter assumed are reported"
    assert all(f["file"].endswith(Path(path).name if fmt != "crewai" else "tasks.yaml")
               for f in findings)


def test_lint_a_folder_of_mixed_yaml(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    for name, text in NOT_WORKFLOWS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    flow = tmp_path / "flows" / "translate.yml"
    flow.parent.mkdir()
    flow.write_text((DIFY / "svcvit__Awesome-Dify-Workflow/DSL/translation_workflow.yml")
                    .read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_process("lint", ".", "--format", "json", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    files = {f["file"] for f in json.loads(proc.stdout)}
    assert files == {"flows/translate.yml"}


# -- the profile overlay ----------------------------------------------------------------------

FLOW = """\
inputs:
  question: {type: string}
nodes:
- name: classify
  type: llm
  source: {type: code, path: classify.jinja2}
  inputs:
    deployment_name: my-gpt-deployment
    question: ${inputs.question}
  connection: aoai
  api: chat
- name: route
  type: python
  source: {type: code, path: route.py}
  inputs:
    label: ${classify.output}
- name: answer_billing
  type: llm
  source: {type: code, path: answer.jinja2}
  inputs:
    deployment_name: my-gpt-deployment
    question: ${inputs.question}
  activate: {when: '${route.output}', is: billing}
- name: answer_tech
  type: llm
  source: {type: code, path: answer.jinja2}
  inputs:
    deployment_name: my-gpt-deployment
    question: ${inputs.question}
  activate: {when: '${route.output}', is: tech}
"""


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "flow"
    folder.mkdir()
    (folder / "flow.dag.yaml").write_text(FLOW, encoding="utf-8")
    (folder / "classify.jinja2").write_text("system:\nClassify the question.\nuser:\n"
                                            "{{question}}\n", encoding="utf-8")
    (folder / "answer.jinja2").write_text("system:\nAnswer briefly.\nuser:\n{{question}}\n",
                                          encoding="utf-8")
    return folder


def test_without_a_profile_the_defaults_are_assumed(flow_dir: Path) -> None:
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None
    messages = " | ".join(m for m, _, _ in wf.assumptions)
    unpriced = " | ".join(m for m, _, _ in wf.extra["unpriced"])
    # an unknown deployment is priced as an upper bound, never as the cheap default
    assert "model 'my-gpt-deployment' is not in the catalog; priced as gpt-4-32k, the " \
        "costliest GPT model" in unpriced
    assert "size of input question assumed 500 tokens" in messages
    assert "branches of 'route' assumed equally likely" in messages
    route = wf.step("route")
    assert route.kind == "router" and [r.share for r in route.routes] == [0.5, 0.5]
    assert wf.step("answer_billing").input_refs() == ["question"]


def test_the_profile_gives_real_figures(cli, flow_dir: Path) -> None:
    (flow_dir / "agentlint.profile.yaml").write_text(textwrap.dedent("""\
        models:
          my-gpt-deployment: gpt-4o
        inputs:
          question: 120
        steps:
          classify: {output_tokens: 5}
          answer_billing: {share: 0.8, output_tokens: 300}
          answer_tech: {retries: 1}
        budgets: {cost_usd: 0.5}
        """), encoding="utf-8")
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None
    assert wf.models["my-gpt-deployment"].base == "gpt-4o"
    assert wf.inputs["question"].tokens == 120
    assert wf.step("classify").output_tokens == 5
    assert [(r.step, round(r.share, 6)) for r in wf.step("route").routes] == [
        ("answer_billing", 0.8), ("answer_tech", 0.2)]
    assert wf.step("answer_tech").retries == 1
    assert wf.budgets.cost_usd == 0.5
    keys = {key for _, _, key in wf.assumptions}
    assert not keys & {"assumption:inputs", "assumption:model:my-gpt-deployment",
                       "assumption:shares:route"}
    data = _estimate(cli, str(flow_dir / "flow.dag.yaml"))
    assert data["budgets"]["cost_usd"]["ok"] is True


def test_profile_names_a_step_the_workflow_lacks(flow_dir: Path) -> None:
    (flow_dir / "agentlint.profile.yaml").write_text("steps:\n  clasify: {output_tokens: 5}\n",
                                                     encoding="utf-8")
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None
    assert any("names step 'clasify', which this workflow does not have" in m
               for m, _, _ in wf.assumptions)


def test_profile_sections_per_file(flow_dir: Path) -> None:
    (flow_dir / "agentlint.profile.yaml").write_text(textwrap.dedent("""\
        inputs: {question: 50}
        files:
          flow.dag.yaml:
            inputs: {question: 70}
          other.yml:
            inputs: {question: 90}
        """), encoding="utf-8")
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None and wf.inputs["question"].tokens == 70


@pytest.mark.parametrize(("body", "where", "words"), [
    ("stepz: {}\n", "1:1: ",
     "unknown key 'stepz' in agentlint profile; did you mean 'steps'?"),
    ("steps:\n  classify: {output_tokens: -3}\n", "2:29: ",
     "classify.output_tokens: -3 is out of range: output_tokens takes a number from 0 to"),
    ("steps:\n  answer_billing: {share: 0.7}\n  answer_tech: {share: 0.6}\n", "2:27: ",
     "add up to 1.3"),
    ("models:\n  my-gpt-deployment: gpt-9-ultra\n", "2:22: ", "not in the built-in catalog"),
    ("models:\n  my-gpt-deployment: {input_per_mtok: 1}\n", "2:", "needs a price"),
    # every file's section is checked, and a figure is named by its path
    ("files:\n  other.yml:\n    steps: {a: {calls: 0}}\n", "3:24: ",
     "files.other.yml.steps.a.calls: 0 is out of range: calls takes a whole number from 1"),
    ("steps:\n  classify: {output_token: 3}\n", "2:14: ",
     "unknown key 'output_token' in step; did you mean 'output_tokens'?"),
    ("budgets: {reliability: 0}\n", "1:24: ", "budgets.reliability: 0 is out of range"),
    ("- steps\n", "1:1: ", "a profile must be a YAML mapping at the top level, not a list"),
])
def test_profile_errors_point_into_the_profile(flow_dir: Path, body: str, where: str,
                                               words: str) -> None:
    (flow_dir / "agentlint.profile.yaml").write_text(body, encoding="utf-8")
    proc = run_process("estimate", "flow/flow.dag.yaml", cwd=flow_dir.parent)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"flow/agentlint.profile.yaml:{where}"), proc.stderr
    assert words in proc.stderr


def test_profile_candidates_let_the_optimizer_route_models(flow_dir: Path) -> None:
    (flow_dir / "agentlint.profile.yaml").write_text(
        "models: {my-gpt-deployment: gpt-4o}\ncandidates: [gpt-4o-mini]\n", encoding="utf-8")
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None
    assert wf.step("classify").candidates == ["my-gpt-deployment", "gpt-4o-mini"]
    assert wf.step("route").model is None and wf.step("route").candidates is None
    from agentlint.convert import as_native
    from agentlint.graph.estimate import estimate
    from agentlint.optimizer.run import optimize

    native = as_native(wf)
    assert native.format == "agentlint" and native.text.startswith("# agentlint spec")
    assert estimate(native).cost_usd == estimate(wf).cost_usd
    # gpt-4o-mini is a tier below gpt-4o: the lowest-cost objective takes it (the default
    # one, within budget, changes nothing that loses quality)
    result = optimize(native, path=str(flow_dir / "flow.dag.yaml"), time_limit=30,
                      objective="cost")
    assert result.status == "optimal" and result.proposal is not None
    assert result.proposal.estimate.cost_usd < result.before.cost_usd


def test_the_profile_example_in_the_docs_is_valid(flow_dir: Path) -> None:
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "profile.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    (flow_dir / "agentlint.profile.yaml").write_text(example, encoding="utf-8")
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None
    assert wf.budgets.reliability == 0.95 and wf.inputs["question"].tokens == 120
    unknown = [m for m, _, key in wf.assumptions if key.startswith("assumption:profile:")]
    assert any("'order_search'" in m for m in unknown)


def test_profile_figures_whole_where_the_limits_table_says(tmp_path: Path) -> None:
    from agentlint.adapters.profile import load_profile
    from agentlint.spec.limits import LIMITS

    (tmp_path / "agentlint.profile.yaml").write_text(
        "steps:\n  s: {calls: 2.0, retries: 1, count: 3, max_concurrency: 2, output_tokens: 7,"
        " share: 0.5}\nloops:\n  l: {max_iterations: 4.0, expected_iterations: 2}\n",
        encoding="utf-8")
    profile = load_profile(str(tmp_path), "flow.yaml", "flow.yaml", str(tmp_path))
    values = {**profile.steps["s"].values, **profile.loops["l"].values}
    for key, value in values.items():
        assert type(value) is (int if LIMITS[key].whole else float), key
