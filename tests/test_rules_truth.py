"""Rules fire only where their fix is right: dependencies beyond data, branch
timelines, assumed sizes, and the printed critical path as one route."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agentlint.lint.config import Config, resolve
from agentlint.lint.engine import lint_workflow
from agentlint.lint.registry import Finding
from agentlint.sources import load_any
from tests.conftest import FIXTURES, run_process

RULES = FIXTURES / "rules"
ROUTER = RULES / "AL101-serial-but-independent-router.yaml"


def _lint(path: Path, **rules: dict[str, object]) -> list[Finding]:
    wf = load_any(str(path))
    assert wf is not None
    return lint_workflow(wf, resolve(Config(select=["ALL"], rules=dict(rules))))


def _only(found: list[Finding], code: str) -> list[Finding]:
    return [f for f in found if f.code == code]


# -- 1. serial-but-independent -------------------------------------------------------------


def test_al101_saving_is_measured_on_the_steps_own_branch() -> None:
    (f,) = _only(_lint(ROUTER), "AL101")
    # billing (600 tokens) and audit (300) on gpt-4o, when the branch runs: the
    # wait starts when the router has chosen the branch, not at the start of the run,
    # and the other route (`fetch` -> `tech`) is never added to it.
    assert "holds `notify` back 12.45 s in the runs that take its branch (50.00 % of runs)" \
        in f.message
    assert "`tech`" not in f.message


def test_al101_sequential_saving_counts_the_branch_runs_not_their_average() -> None:
    (f,) = _only(_lint(RULES / "AL101-serial-but-independent-branch.yaml"), "AL101")
    # billing_summary takes 5.60 s and billing_audit 3.26 s when the billing route runs
    # (half the runs): grouping them saves 3.26 s in those runs, 1.63 s on average
    assert "saves 3.26 s in the runs that take this branch (50.00 % of runs; expected " \
        "latency 14.79 s -> about 13.16 s)" in f.message


def test_al101_main_line_step_after_an_alternative_uses_its_own_timeline(
        tmp_path: Path) -> None:
    spec = tmp_path / "after-route.yaml"
    spec.write_text(
        "agentlint: 1\nname: r\ninputs:\n  q: {tokens: 100}\nsteps:\n"
        "  - id: pick\n    kind: router\n    model: gpt-4o-mini\n    prompt: '{{ inputs.q }}'\n"
        "    output_tokens: 5\n    routes: [a, b, c]\n"
        "  - id: a\n    model: gpt-4o\n    prompt: '{{ inputs.q }}'\n    output_tokens: 60\n"
        "  - id: b\n    model: gpt-4o\n    prompt: '{{ inputs.q }}'\n    output_tokens: 60\n"
        "  - id: c\n    model: gpt-4o\n    prompt: '{{ steps.pick.output }}'\n"
        "    output_tokens: 150\n"
        "  - id: after\n    model: gpt-4o\n    prompt: '{{ inputs.q }}'\n    output_tokens: 60\n",
        encoding="utf-8")
    # `after` runs in every run; `c` (2.1 s) in a third of them: waiting for it costs
    # `after` 0.7 s on average, under min_seconds, though 2.1 s in c's own runs
    assert _only(_lint(spec), "AL101") == []
    (f,) = _only(_lint(spec, **{"serial-but-independent": {"min_seconds": 0.5}}), "AL101")
    assert f.message.startswith("`after` waits for `c`")
    assert "on the critical path" in f.message and "in the runs that take" not in f.message


def test_al101_a_quick_predecessor_on_the_other_route_is_not_reported() -> None:
    # `tech` needs `fetch` (a 0.5 s tool): on its own branch that holds it back
    # 0.5 s, under min_seconds, whatever the slow alternative takes
    found = _only(_lint(ROUTER), "AL101")
    assert all("`tech`" not in f.message for f in found)
    assert _only(_lint(ROUTER, **{"serial-but-independent": {"min_seconds": 0.4}}), "AL101")


def test_al101_a_promptflow_gate_is_a_dependency() -> None:
    flow = RULES / "AL101-serial-but-independent-promptflow" / "flow.dag.yaml"
    found = _only(_lint(flow), "AL101")
    assert [f.message.split(" but ")[0] for f in found] == ["`review` needs `check`"]
    # said in promptflow's words: the node's inputs
    assert "remove the `${check.output}` entry from the `inputs` of node `review`" \
        in found[0].message


def test_al101_native_spec_keeps_its_wording() -> None:
    (f,) = _only(_lint(ROUTER), "AL101")
    assert "drop the entry if the order is not required" in f.message


def test_al101_order_a_reader_records_is_a_dependency() -> None:
    wf = load_any(str(ROUTER))
    assert wf is not None
    wf.extra["required_order"] = {"notify": {"audit": "state"}}
    found = lint_workflow(wf, resolve(Config(select=["AL101"])))
    assert found == []


def test_al101_uses_a_readers_wording_first() -> None:
    class Words:
        format = "crewai"

        def unorder(self, step: str, before: str) -> str:
            return f"set `async_execution: true` on task `{before}`"

    wf = load_any(str(ROUTER))
    assert wf is not None
    wf.extra["wording"] = Words()
    (f,) = lint_workflow(wf, resolve(Config(select=["AL101"])))
    assert "set `async_execution: true` on task `audit`" in f.message
    assert "drop the entry" not in f.message


# -- 2. sizes agentlint assumed ------------------------------------------------------------


def test_repeated_context_on_assumed_sizes_is_info_and_says_so() -> None:
    (f,) = _only(_lint(RULES / "AL203-repeated-context-assumed.yaml"), "AL203")
    assert f.severity == "info"
    assert "input `answer` states no `tokens`, counted as 500" in f.message


def test_a_configured_severity_does_not_raise_a_finding_on_assumed_sizes() -> None:
    path = RULES / "AL203-repeated-context-assumed.yaml"
    wf = load_any(str(path))
    assert wf is not None
    found = lint_workflow(wf, resolve(Config(select=["ALL"], severity={"AL203": "error"})))
    assert [f.severity for f in found if f.code == "AL203"] == ["info"]
    stated = load_any(str(RULES / "AL203-repeated-context.yaml"))
    assert stated is not None
    found = lint_workflow(stated, resolve(Config(select=["ALL"], severity={"AL203": "error"})))
    assert {f.severity for f in found if f.code == "AL203"} == {"error"}


def test_repeated_context_on_stated_sizes_stays_a_warning() -> None:
    found = _only(_lint(RULES / "AL203-repeated-context.yaml"), "AL203")
    assert found and all(f.severity == "warning" for f in found)
    assert all("assumed" not in f.message for f in found)


def test_context_overflow_on_an_assumed_size_is_info() -> None:
    (f,) = _only(_lint(RULES / "AL207-context-window-overflow-assumed.yaml"), "AL207")
    assert f.severity == "info"
    assert "`write_page` states no `output_tokens`, counted as 256" in f.message
    stated = _only(_lint(RULES / "AL207-context-window-overflow.yaml"), "AL207")
    assert stated and all(f.severity == "error" for f in stated)


def test_orchestration_overhead_skips_a_cheap_router_on_the_cheapest_model() -> None:
    path = RULES / "AL206-orchestration-overhead-cheap.yaml"
    assert _only(_lint(path), "AL206") == []
    # the same router in a run that costs more is still worth a finding
    found = _only(_lint(path, **{"orchestration-overhead": {"min_cost_usd": 0.0}}), "AL206")
    assert len(found) == 1


def test_orchestration_overhead_on_stated_sizes_stays_a_warning() -> None:
    found = _only(_lint(RULES / "AL206-orchestration-overhead.yaml"), "AL206")
    assert [f.severity for f in found] == ["warning"]


def test_adapted_workflow_sizes_come_from_its_assumptions() -> None:
    flow = FIXTURES / "formats" / "promptflow" / "microsoft__promptflow" / "examples" / \
        "flows" / "evaluation" / "eval-single-turn-metrics" / "flow.dag.yaml"
    found = _only(_lint(flow), "AL203")
    assert found and all(f.severity == "info" for f in found)
    assert all("is assumed (500 tokens)" in f.message for f in found)


# -- 3. the printed critical path is one route --------------------------------------------


def _estimate(path: Path, tmp_path: Path, fmt: str = "json") -> str:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    result = run_process("estimate", str(copy), "--format", fmt)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_estimate_critical_path_takes_one_route_json(tmp_path: Path) -> None:
    data = json.loads(_estimate(ROUTER, tmp_path))
    assert data["critical_path"] == ["classify", "billing", "audit", "notify"]
    flagged = [s["id"] for s in data["steps"] if s["critical"]]
    assert flagged == data["critical_path"]
    assert not {"fetch", "tech"} & set(data["critical_path"])


def test_estimate_critical_path_takes_one_route_text(tmp_path: Path) -> None:
    text = _estimate(ROUTER, tmp_path, "text")
    assert "critical path (*): classify -> billing -> audit -> notify" in text


def test_router_alternatives_are_never_chained(tmp_path: Path) -> None:
    spec = FIXTURES.parent.parent / "examples" / "support-triage.yaml"
    data = json.loads(_estimate(spec, tmp_path))
    routes = {"billing", "tech", "account"}
    assert len(routes & set(data["critical_path"])) == 1
    # the slowest route when it runs: tech's expected time over its share
    times = {s["id"]: s["latency_s"] / s["runs"] for s in data["steps"] if s["id"] in routes}
    assert max(times, key=lambda k: times[k]) in data["critical_path"]


def test_sequential_critical_path_takes_one_route(tmp_path: Path) -> None:
    spec = tmp_path / "seq.yaml"
    spec.write_text(
        "agentlint: 1\nname: seq\ninputs:\n  q: {tokens: 100}\nsteps:\n"
        "  - id: pick\n    kind: router\n    model: gpt-4o-mini\n    prompt: '{{ inputs.q }}'\n"
        "    output_tokens: 5\n    routes: [a1, b1]\n"
        "  - id: a1\n    model: gpt-4o\n    prompt: '{{ inputs.q }}'\n    output_tokens: 100\n"
        "  - id: a2\n    model: gpt-4o\n    prompt: '{{ steps.a1.output }}'\n"
        "    output_tokens: 100\n"
        "  - id: b1\n    model: gpt-4o\n    prompt: '{{ inputs.q }}'\n    output_tokens: 900\n"
        "  - id: done\n    model: gpt-4o-mini\n    prompt: 'ok'\n    output_tokens: 5\n",
        encoding="utf-8")
    result = run_process("estimate", str(spec), "--format", "json")
    assert result.returncode == 0, result.stderr
    path = json.loads(result.stdout)["critical_path"]
    assert path == ["pick", "b1", "done"]


# -- 4. advice in the source format's words ------------------------------------------------

FORMATS = FIXTURES / "formats"


def test_adk_serial_agents_are_told_about_parallel_agent() -> None:
    found = _only(_lint(RULES / "AL101-serial-but-independent-adk" / "root_agent.yaml"),
                  "AL101")
    assert len(found) == 2
    first = next(f for f in found if f.message.startswith("`style_guide` needs `fact_finder`"))
    assert "`agent_class: ParallelAgent`" in first.message
    assert "`fact_finder` (agents/fact_finder.yaml)" in first.message
    assert "drop the entry" not in first.message


def test_adk_brief_writer_reading_state_is_not_told_to_drop_fact_finder() -> None:
    # {facts} is written by fact_finder's output_key: a dependency, never reported
    found = _lint(RULES / "AL101-serial-but-independent-adk" / "root_agent.yaml")
    assert not any("needs `fact_finder`" in f.message and f.message.startswith("`brief_writer`")
                   for f in found)


def test_adk_history_is_cut_with_include_contents_and_output_key() -> None:
    root = FORMATS / "adk" / "zhangp365__adk-python" / "contributing" / "samples" / \
        "multi_agent_seq_config" / "root_agent.yaml"
    found = _only(_lint(root), "AL005")
    assert found
    for f in found:
        assert "set `include_contents: none` on agent" in f.message
        assert "an `output_key`" in f.message and "`{key}`" in f.message
        assert "under `context`" not in f.message


def test_an_opaque_code_agent_is_taken_to_need_what_runs_before_it() -> None:
    root = FORMATS / "adk" / "own" / "support_router" / "root_agent.yaml"
    assert _only(_lint(root), "AL101") == []


def test_dify_and_promptflow_phrases_name_the_node_and_the_key() -> None:
    from agentlint.lint.wording import fix

    dify = load_any(str(FORMATS / "dify" / "svcvit__Awesome-Dify-Workflow" / "DSL" /
                        "translation_workflow.yml"))
    assert dify is not None and dify.format == "dify"
    first = dify.steps[0]
    said = fix(dify, "context", first.id, ["inputs.query"])
    assert said is not None
    assert f"node `TRANSLATION` (translation_workflow.yml:{first.at()[0]})" in said
    assert "variable selector" in said
    assert "`model.name: gpt-4o-mini`" in (fix(dify, "model", first.id, "gpt-4o-mini") or "")
    native = load_any(str(ROUTER))
    assert native is not None and fix(native, "context", "notify", ["audit"]) is None


def test_repeated_context_in_promptflow_names_the_nodes_inputs(tmp_path: Path) -> None:
    flow = RULES / "AL101-serial-but-independent-promptflow"
    copy = tmp_path / "flow"
    shutil.copytree(flow, copy)
    text = (copy / "flow.dag.yaml").read_text(encoding="utf-8")
    # give the question a stated size large enough to be worth a finding
    (copy / "agentlint.profile.yaml").write_text("inputs:\n  question: 3000\n",
                                                 encoding="utf-8")
    (copy / "flow.dag.yaml").write_text(text, encoding="utf-8")
    (f,) = _only(_lint(copy / "flow.dag.yaml"), "AL203")
    assert f.severity == "warning"
    assert "in the `inputs` of node `check` (flow.dag.yaml:" in f.message
    assert "`${inputs.question}`" in f.message


def test_sequential_critical_path_keeps_a_dependency_inside_a_group(tmp_path: Path) -> None:
    # polish reads draft although both carry one parallel label: it runs after it
    data = json.loads(_estimate(RULES / "AL004-parallel-group-dependency.yaml", tmp_path))
    assert data["critical_path"] == ["outline", "draft", "polish", "publish"]


def test_a_crewai_reader_plugs_its_words_into_implicit_context() -> None:
    class Words:
        format = "crewai"

        def context(self, step: str, reads: list[str]) -> str:
            return f"give task `{step}` `context: [{', '.join(reads)}]`"

    wf = load_any(str(RULES / "AL005-implicit-context" / "tasks.yaml"))
    assert wf is not None and wf.format == "crewai"
    wf.extra["wording"] = Words()
    found = lint_workflow(wf, resolve(Config(select=["AL005"])))
    assert found
    for f in found:
        assert "`context: [" in f.message and "keeping only the ones it needs" in f.message
        assert "under `context`" not in f.message


def test_a_straggler_whose_time_comes_from_an_assumed_size_is_info(tmp_path: Path) -> None:
    group = ("agentlint: 1\nname: drafts\ninputs:\n  topic: {tokens: 50}\nsteps:\n"
             "  - id: title\n    parallel: drafts\n    model: gpt-4o-mini\n"
             "    prompt: 'A title for {{ inputs.topic }}'\n    output_tokens: 10\n"
             "  - id: tagline\n    parallel: drafts\n    model: gpt-4o-mini\n"
             "    prompt: 'A tagline for {{ inputs.topic }}'\n    output_tokens: 10\n"
             "  - id: body\n    parallel: drafts\n    model: gpt-4o\n"
             "    prompt: 'A short body for {{ inputs.topic }}'\n")
    spec = tmp_path / "drafts.yaml"
    spec.write_text(group, encoding="utf-8")
    (f,) = _only(_lint(spec), "AL103")
    assert f.severity == "info"
    assert "`body` states no `output_tokens`, counted as 256" in f.message
    spec.write_text(group + "    output_tokens: 256\n", encoding="utf-8")
    (f,) = _only(_lint(spec), "AL103")
    assert f.severity == "warning" and "assumed" not in f.message


def test_orchestration_overhead_that_rests_on_assumed_sizes_is_info(tmp_path: Path) -> None:
    # a router on the workers' model: 46 % of the cost with every size assumed, under
    # the limit were the router's sizes smaller and the workers' larger
    spec = tmp_path / "route.yaml"
    spec.write_text(
        "agentlint: 1\nname: r\nexecution: dag\ninputs:\n  q: {}\nsteps:\n"
        "  - id: pick\n    kind: router\n    model: gpt-4o-mini\n    prompt: '{{ inputs.q }}'\n"
        "    routes: [a, b]\n"
        "  - id: a\n    model: gpt-4o-mini\n    prompt: '{{ inputs.q }} {{ steps.pick.output }}'\n"
        "  - id: b\n    model: gpt-4o-mini\n    prompt: '{{ inputs.q }} {{ steps.pick.output }}'\n",
        encoding="utf-8")
    (f,) = _only(_lint(spec, **{"orchestration-overhead": {"min_cost_usd": 0.0}}), "AL206")
    assert f.severity == "info"
    assert "`pick` states no `output_tokens`, counted as 256" in f.message


def test_a_premium_manager_over_small_workers_stays_a_warning_on_assumed_sizes() -> None:
    # 98 % of the cost on gpt-4o: whatever the sizes, coordination dominates
    crew = FORMATS / "crewai" / "own" / "hierarchical_crew" / "src" / "hierarchical_crew" / \
        "config" / "tasks.yaml"
    (f,) = _only(_lint(crew), "AL206")
    assert f.severity == "warning" and "assumed" not in f.message


def test_stragglers_with_the_same_assumed_size_are_compared_model_against_model(
        tmp_path: Path) -> None:
    spec = tmp_path / "drafts.yaml"
    spec.write_text(
        "agentlint: 1\nname: drafts\ninputs:\n  topic: {tokens: 50}\nsteps:\n"
        "  - id: fast_a\n    parallel: drafts\n    model: gpt-4o-mini\n"
        "    prompt: 'Code for {{ inputs.topic }}'\n"
        "  - id: fast_b\n    parallel: drafts\n    model: gpt-4o-mini\n"
        "    prompt: 'Code for {{ inputs.topic }}'\n"
        "  - id: slow\n    parallel: drafts\n    model: o1\n"
        "    prompt: 'Code for {{ inputs.topic }}'\n", encoding="utf-8")
    found = _only(_lint(spec), "AL103")
    assert [(f.severity, "assumed" in f.message) for f in found] == [("warning", False)]
