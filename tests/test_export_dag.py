"""``agentlint export --format dag-json``: the serving-layer export, its schema and figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from agentlint.graph.estimate import estimate
from agentlint.report.dag_json import document, render
from agentlint.sources import load_any
from agentlint.spec.load import load_workflow
from agentlint.spec.tokens import count_tokens, prefix_text, prefix_tokens
from tests.conftest import exit_2_one_line, run_process

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FORMATS = ROOT / "tests" / "fixtures" / "formats"
ADAPTED = [
    FORMATS / "crewai/crewAIInc__crewAI/lib/cli/src/crewai_cli/templates/crew/config/tasks.yaml",
    FORMATS / "crewai/ed-donner__agents/3_crewai/reference/stock_picker/src/stock_picker/config"
              "/tasks.yaml",
    FORMATS / "crewai/own/market_watch/src/market_watch/config/tasks.yaml",
    FORMATS / "promptflow/Azure-Samples__contoso-chat/contoso-chat/flow.dag.yaml",
    FORMATS / "promptflow/microsoft__promptflow/examples/flows/standard/conditional-flow-for-switch"
              "/flow.dag.yaml",
    FORMATS / "promptflow/microsoft__promptflow/examples/flows/chat/chat-with-wikipedia"
              "/flow.dag.yaml",
    FORMATS / "dify/langgenius__dify/api/tests/fixtures/workflow"
              "/multilingual_parallel_llm_streaming_workflow.yml",
    FORMATS / "dify/svcvit__Awesome-Dify-Workflow/DSL/根据用户的意图进行回复.yml",
    FORMATS / "adk/zhangp365__adk-python/contributing/samples/multi_agent_seq_config"
              "/root_agent.yaml",
]
SCHEMA = json.loads((ROOT / "agentlint" / "schemas" / "dag-v1.schema.json")
                    .read_text(encoding="utf-8"))
RESEARCHERS = ["research_papers", "research_news", "research_filings", "research_forums"]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(SCHEMA)
    return Draft202012Validator(SCHEMA)


def export(path: Path) -> dict[str, object]:
    wf = load_any(str(path), explicit=True)
    assert wf is not None
    return json.loads(render(wf))


def steps_of(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    steps = doc["steps"]
    assert isinstance(steps, list)
    return {s["id"]: s for s in steps}


@pytest.mark.parametrize("path", EXAMPLES + ADAPTED, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_example_and_adapted_fixture_is_valid(path: Path,
                                                    validator: Draft202012Validator) -> None:
    doc = export(path)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    steps = steps_of(doc)
    # the critical path's steps have no slack; every other step's slack is what it could
    # take longer before the run does
    for sid in doc["critical_path"]:  # type: ignore[attr-defined]
        assert steps[sid]["slack_s"] == 0.0, sid
        assert steps[sid]["critical"] is True
    ids = set(steps)
    for s in steps.values():
        assert set(s["depends_on"]) | set(s["waits_for"]) <= ids
        for gid in s["prefix_groups"]:
            assert gid in {g["id"] for g in doc["prefix_groups"]}  # type: ignore[attr-defined]


def test_the_export_is_the_estimate() -> None:
    wf = load_workflow(str(ROOT / "examples" / "research-fanout.yaml"))
    est = estimate(wf)
    doc = document(wf)
    assert doc["cost_usd"] == est.cost_usd and doc["latency_s"] == est.latency_s
    assert doc["critical_path"] == est.critical_path
    for row, step in zip(est.steps, doc["steps"], strict=True):  # type: ignore[call-overload]
        assert step["id"] == row.id and step["calls"] == row.calls
        assert step["tokens_per_call"] == {"input": row.input_tokens,
                                           "cached_input": row.cached_tokens,
                                           "output": row.output_tokens}
        assert step["latency_s"] == row.latency_s and step["critical"] == row.critical


def _fixed_research_fanout(tmp_path: Path) -> Path:
    """research-fanout with its AL201 finding fixed: the date line moved to the end."""
    text = (ROOT / "examples" / "research-fanout.yaml").read_text(encoding="utf-8")
    date = "      Today is {{ inputs.date }}.\n\n"
    assert date in text
    text = text.replace(date, "", 1)
    last = "        so the senior analyst can use it.\n"
    assert last in text
    text = text.replace(last, last + "\n      Today is {{ inputs.date }}.\n", 1)
    (tmp_path / ".git").mkdir()
    path = tmp_path / "research-fanout.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_four_researchers_share_one_prefix_once_the_date_moves_last(tmp_path: Path) -> None:
    path = _fixed_research_fanout(tmp_path)
    lint = run_process("lint", "--select", "AL201", str(path), cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout  # the AL201 finding is gone
    doc = export(path)
    groups = doc["prefix_groups"]
    assert isinstance(groups, list) and len(groups) == 1
    group = groups[0]
    assert group["steps"] == RESEARCHERS and group["model"] == "scout"
    assert group["prefix_tokens"] >= 1024
    wf = load_workflow(str(path))
    researcher = wf.steps[wf.step_index["research_papers"]]
    text = prefix_text(researcher.system, researcher.prompt)
    assert count_tokens(text) == prefix_tokens(researcher.system, researcher.prompt)
    # the prefix runs up to the placeholder, now at the end
    assert text.startswith("You are a research analyst") and text.endswith("Today is ")
    steps = steps_of(doc)
    for sid in RESEARCHERS:
        assert steps[sid]["prefix_groups"] == [group["id"]]
        assert steps[sid]["tokens_per_call"]["cached_input"] == group["prefix_tokens"]
    assert steps["plan"]["prefix_groups"] == [] and steps["synthesise"]["prefix_groups"] == []


def test_a_volatile_opening_leaves_the_researchers_in_no_group() -> None:
    """As written, the system prompt opens with the date: the stable prefix is the three
    tokens of "Today is ", under the caching minimum, so no group is formed and no input
    is priced as cached; each step still says how short its stable prefix is."""
    doc = export(ROOT / "examples" / "research-fanout.yaml")
    assert doc["prefix_groups"] == []
    steps = steps_of(doc)
    for sid in RESEARCHERS:
        assert steps[sid]["prefix_groups"] == []
        assert steps[sid]["stable_prefix_tokens"] == count_tokens("Today is ")
        assert steps[sid]["tokens_per_call"]["cached_input"] == 0.0


CHAIN = """\
agentlint: 1
name: slack
execution: dag
models:
  m: {{input_per_mtok: 1, output_per_mtok: 1, ttft_s: 0, tokens_per_s: 100, p_ok: 1}}
steps:
  - {{id: a, model: m, prompt: "go", output_tokens: 100}}
  - {{id: slow, model: m, prompt: "{{{{ steps.a.output }}}}", output_tokens: {slow}}}
  - {{id: quick, model: m, prompt: "{{{{ steps.a.output }}}}", output_tokens: 300}}
  - {{id: join, model: m, prompt: "{{{{ steps.slow.output }}}} {{{{ steps.quick.output }}}}",
     output_tokens: 100}}
"""


def test_slack_is_zero_exactly_on_the_critical_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "flow.yaml"
    path.write_text(CHAIN.format(slow=1000), encoding="utf-8")
    doc = export(path)
    steps = steps_of(doc)
    assert doc["critical_path"] == ["a", "slow", "join"]
    assert [s for s, v in steps.items() if v["slack_s"] == 0.0] == ["a", "slow", "join"]
    # 100 tokens/s: `slow` takes 10 s, `quick` 3 s, so `quick` could take 7 s longer
    assert steps["quick"]["slack_s"] == pytest.approx(7.0)
    assert steps["quick"]["start_s"] == pytest.approx(1.0)
    assert steps["join"]["start_s"] == pytest.approx(11.0)
    assert doc["critical_path_s"] == pytest.approx(12.0)
    # `quick` taking its slack and no more leaves the run as long; beyond it, longer
    path.write_text(CHAIN.format(slow=1000).replace("output_tokens: 300", "output_tokens: 1000"),
                    encoding="utf-8")
    assert export(path)["critical_path_s"] == pytest.approx(12.0)
    path.write_text(CHAIN.format(slow=1000).replace("output_tokens: 300", "output_tokens: 1100"),
                    encoding="utf-8")
    assert export(path)["critical_path_s"] == pytest.approx(13.0)


def test_a_route_off_the_critical_path_has_the_slack_of_its_runs() -> None:
    """Sequential mode, a router: `tech` is listed between the billing steps but never runs
    with them, so its slack is the billing route's time less its own, in the runs that
    take each route (not the time of the billing steps listed after it)."""
    doc = export(ROOT / "tests" / "fixtures" / "rules" / "AL101-serial-but-independent-branch.yaml")
    steps = steps_of(doc)
    assert doc["critical_path"] == ["classify", "billing", "billing_summary", "billing_audit",
                                    "reply"]

    def when_run(sid: str) -> float:
        return float(steps[sid]["latency_s"]) / float(steps[sid]["runs"])

    billing = when_run("billing") + when_run("billing_summary") + when_run("billing_audit")
    assert steps["tech"]["slack_s"] == pytest.approx(billing - when_run("tech"))
    assert steps["tech"]["start_s"] == pytest.approx(when_run("classify"))
    assert doc["critical_path_s"] == pytest.approx(
        when_run("classify") + billing + when_run("reply"))


def test_sequential_order_is_kept_apart_from_dependencies() -> None:
    steps = steps_of(export(ROOT / "examples" / "research-fanout.yaml"))
    assert steps["research_filings"]["depends_on"] == ["plan"]
    assert steps["research_filings"]["waits_for"] == ["research_papers", "research_news"]
    assert steps["research_forums"]["waits_for"] == ["research_filings"]
    assert steps["synthesise"]["waits_for"] == []  # it reads the researcher it waits for
    assert steps["research_papers"]["reads"] == ["steps.plan", "inputs.date"]


HOSTILE_NAME = 'a "quoted" \\ name </script>\u2028\x1b[31m\U0001f600'
#: the same text as a YAML double-quoted scalar
HOSTILE_YAML = '"a \\"quoted\\" \\\\ name </script>\\u2028\\x1b[31m\\U0001F600"'


def test_hostile_names_are_escaped_as_json(tmp_path: Path) -> None:
    """Free text (the workflow's name) and a file name that is not UTF-8 come back from
    ``json.loads`` as they were, with no raw control character or line break printed."""
    (tmp_path / ".git").mkdir()
    spec = ("agentlint: 1\n"
            f"name: {HOSTILE_YAML}\n"
            "steps:\n"
            "  - {id: a, model: gpt-4o-mini, prompt: hi}\n").encode()
    raw = b'flow \xff"q".yaml'
    try:
        (tmp_path / os.fsdecode(raw)).write_bytes(spec)
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses names that are not UTF-8")
    proc = run_process("export", os.fsdecode(raw), "--format", "dag-json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["name"] == HOSTILE_NAME
    assert os.fsencode(doc["file"]) == raw
    assert "\x1b" not in proc.stdout and "\u2028" not in proc.stdout
    assert len(proc.stdout.splitlines()) == len(json.dumps(doc, indent=2).splitlines())


def test_cli_stdout_file_and_errors(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    spec = tmp_path / "flow.yaml"
    spec.write_text((ROOT / "examples" / "research-fanout.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    first = run_process("export", "flow.yaml", "--format", "dag-json", cwd=tmp_path)
    second = run_process("export", "flow.yaml", cwd=tmp_path)
    assert first.returncode == 0 and first.stdout == second.stdout  # same bytes every time
    assert list(json.loads(first.stdout)) == list(SCHEMA["required"])  # published key order
    written = run_process("export", "flow.yaml", "-o", "out/dag.json", cwd=tmp_path)
    assert written.returncode == 2  # no such folder: refused, nothing half-written
    (tmp_path / "out").mkdir()
    written = run_process("export", "flow.yaml", "-o", "out/dag.json", cwd=tmp_path)
    assert written.returncode == 0 and written.stdout == ""
    assert (tmp_path / "out" / "dag.json").read_text(encoding="utf-8") == first.stdout
    over = run_process("export", "flow.yaml", "-o", "flow.yaml", cwd=tmp_path)
    assert over.returncode == 2 and spec.read_text(encoding="utf-8").startswith("#")
    spec.write_text("agentlint: 1\nsteps: [\n", encoding="utf-8")
    exit_2_one_line(run_process("export", "flow.yaml", cwd=tmp_path), "flow.yaml")
    printed = run_process("schema", "dag")
    assert printed.returncode == 0 and json.loads(printed.stdout) == SCHEMA
