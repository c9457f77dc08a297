"""agentlint optimize: the command, its reports, the rewrite of the spec, the solvers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentlint.errors import UsageError
from agentlint.graph.estimate import estimate
from agentlint.optimizer.run import optimize
from agentlint.spec.load import load_workflow
from tests.conftest import EXAMPLES, run_process

EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))

PRICED_PAIR = """
agentlint: 1
name: small
execution: {execution}
models:
  big: {{input_per_mtok: 3.0, output_per_mtok: 15.0, ttft_s: 1.0, tokens_per_s: 60, p_ok: 0.99}}
  tiny: {{input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.3, tokens_per_s: 200, p_ok: 0.95}}
inputs:
  doc: {{tokens: 2000}}
steps:
"""


def routable(text: str) -> str:
    """``text`` with every model step allowed both models (``candidates: [big, tiny]``):
    without candidates or a tier floor the optimizer keeps a step's model."""
    head, sep, steps = text.partition("\nsteps:\n")
    out = []
    for line in steps.splitlines(keepends=True):
        out.append(line)
        if line in ("    model: big\n", "    model: tiny\n", "    agent: writer\n",
                    "    agent: helper\n"):
            out.append("    candidates: [big, tiny]\n")
    return head + sep + "".join(out)


def copy_example(tmp_path: Path, name: str) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    shutil.copytree(EXAMPLES / "prompts", tmp_path / "prompts", dirs_exist_ok=True)
    target = tmp_path / name
    shutil.copy(EXAMPLES / name, target)
    return target


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


# -- the rewritten spec re-estimates to the reported figures -----------------------------


@pytest.mark.parametrize("name", EXAMPLE_FILES)
@pytest.mark.parametrize("objective", ["default", "cost", "latency", "reliability"])
def test_reported_figures_equal_estimate_of_rewritten_text(name: str, objective: str) -> None:
    path = EXAMPLES / name
    wf = load_workflow(str(path))
    result = optimize(wf, objective=objective, path=str(path))
    assert result.status == "optimal"
    text = result.proposal.rewrite.text
    again = estimate(load_workflow(str(path), text=text))
    assert again.to_json() == result.after.to_json()
    fig = result.proposal.figures
    assert close(fig.cost_usd, again.cost_usd)
    assert close(fig.latency_s, again.latency_s)
    assert close(fig.reliability, again.reliability)
    for b in again.budgets:
        assert b.ok, (b.name, b.actual, b.limit)


def test_write_then_estimate_matches_json(cli, tmp_path: Path) -> None:
    path = copy_example(tmp_path, "long-chain.yaml")
    report = cli("optimize", str(path), "--format", "json", "--write")
    assert report.exit_code == 0
    after = json.loads(report.stdout)["after"]
    est = cli("estimate", str(path), "--format", "json")
    assert est.exit_code == 0  # the rewritten spec meets its budgets
    figures = json.loads(est.stdout)
    figures.pop("provenance")  # estimate's own key: where each figure came from
    figures.pop("percentiles")  # optimize computes them only for a percentile budget
    assert figures == after


# -- the JSON contract --------------------------------------------------------------------


def test_json_contract(cli) -> None:
    result = cli("optimize", str(EXAMPLES / "research-fanout.yaml"), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    for key in ("status", "objective", "before", "after", "plan", "changes"):
        assert key in data
    assert data["status"] == "optimal"
    assert data["objective"] == "default"
    est = json.loads(cli("estimate", str(EXAMPLES / "research-fanout.yaml"), "--format",
                         "json").stdout)
    est.pop("provenance")  # estimate's own key: where each figure came from
    est.pop("percentiles")  # optimize computes them only for a percentile budget
    assert data["before"] == est
    assert set(data["after"]) == set(est)
    wf = load_workflow(str(EXAMPLES / "research-fanout.yaml"))
    assert list(data["plan"]) == [s.id for s in wf.steps]
    for entry in data["plan"].values():
        assert set(entry) == {"model", "retries", "cut", "group"}
    # no step names candidates or a tier floor, so no model changes: the latency budget is
    # met by the two independent researchers joining the existing group `sources` (what
    # the example's own comment asks for)
    groups = {s: data["plan"][s]["group"] for s in data["plan"]}
    assert groups == {"plan": None, "research_papers": "sources", "research_news": "sources",
                      "research_filings": "sources", "research_forums": "sources",
                      "synthesise": None}
    assert [(c["step"], c["field"], c["from"], c["to"]) for c in data["changes"]] == [
        ("research_filings", "parallel", None, "sources"),
        ("research_forums", "parallel", None, "sources")]
    for change in data["changes"]:
        assert {"step", "field", "from", "to", "line", "message"} <= set(change)


def test_same_input_same_output(cli) -> None:
    args = ("optimize", str(EXAMPLES / "long-chain.yaml"), "--format", "json")
    first, second = cli(*args), cli(*args)
    assert first.stdout == second.stdout
    text = ("optimize", str(EXAMPLES / "research-fanout.yaml"), "--format", "markdown")
    assert cli(*text).stdout == cli(*text).stdout


def test_both_solvers_agree() -> None:
    path = str(EXAMPLES / "long-chain.yaml")
    wf = load_workflow(path)
    a = optimize(wf, solver="highs", gap=0)
    b = optimize(wf, solver="cbc", gap=0)
    assert a.status == b.status == "optimal"
    assert close(a.after.cost_usd, b.after.cost_usd, 1e-7)


# -- text, markdown, diff, write ----------------------------------------------------------


def test_text_report(cli) -> None:
    result = cli("optimize", str(EXAMPLES / "long-chain.yaml"))
    assert result.exit_code == 0
    out = result.stdout
    assert "optimal (proven)" in out
    assert "cost per run" in out and "reliability" in out and "calls" in out
    # no step names candidates or a tier floor: the cheaper model AL202 names is an
    # opportunity, listed after the plan, not a change
    changes, _, opportunities = out.replace(str(EXAMPLES.parent) + os.sep, "").partition(
        " opportunities (not in the plan")
    assert "step 'detect_language': model" not in changes
    assert "examples/long-chain.yaml:103: step 'detect_language': model premium -> mini " \
        "saves" in opportunities


def test_markdown_report(cli) -> None:
    result = cli("optimize", str(EXAMPLES / "research-fanout.yaml"), "--format", "markdown",
                 "--objective", "cost")
    assert result.exit_code == 0
    md = result.stdout
    assert "| cost per run |" in md
    assert "```suggestion" in md
    assert "<!-- agentlint-suggestion file=" in md
    assert "```mermaid" in md and "flowchart" in md
    assert 'subgraph' in md and "parallel: sources" in md
    # the plan is drawn from the rewritten spec: the changed steps filled, the cut one named
    # (no model changes: no step names candidates or a tier floor)
    assert "classDef changed" in md and "class n3,n4 changed" in md
    assert "Cut: `research_forums`." in md  # research_forums is cut for cost


def test_the_gap_is_judged_by_the_solve_and_worded_alike() -> None:
    from agentlint.optimizer.milp import NOISE_GAP, Formulation
    from agentlint.report import optimize_markdown, optimize_text

    wf = load_workflow(str(EXAMPLES / "long-chain.yaml"))
    result = optimize(wf)
    form = Formulation(result.problem, result.solver, 1e-4)
    # an optimal solve: closed to float noise or by the absolute gap, nothing to state;
    # within --gap, the gap reached; the solver silent, the --gap it ran with
    assert form._proven_within(NOISE_GAP / 10) is None
    assert form._proven_within(2e-4) is None
    assert form._proven_within(1.16e-4 / 2) == pytest.approx(5.8e-5)
    assert form._proven_within(None) == 1e-4
    assert Formulation(result.problem, result.solver, 0.0)._proven_within(None) is None
    assert result.status == "optimal" and result.gap == 0.0
    assert ": optimal (proven);" in optimize_text.status_line(result)
    assert "**Proven optimal** plan for:" in optimize_markdown.render(result)
    result.gap = 1.16e-4
    assert ": optimal within 0.0116 % (proven);" in optimize_text.status_line(result)
    assert "**Proven optimal** (within 0.0116 %) plan for:" in optimize_markdown.render(result)
    result.status, result.gap = "feasible", 5e-3
    assert "feasible (not proven optimal within the time limit, gap 0.5 %)" \
        in optimize_text.status_line(result)
    assert "not proven optimal within the time limit, gap 0.5 % (objective:" \
        in optimize_markdown.render(result)
    # CBC reports no gap once its search completes: its plan is stated within --gap
    cbc = optimize(wf, solver="cbc")
    assert cbc.status == "optimal" and cbc.gap == 1e-4
    assert ": optimal within 0.01 % (proven);" in optimize_text.status_line(cbc)


def test_diff_applies_with_patch(cli, tmp_path: Path) -> None:
    path = copy_example(tmp_path, "research-fanout.yaml")
    wf = load_workflow(str(path))
    expected = optimize(wf, objective="latency", path=str(path)).proposal.rewrite.text
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        diff = cli("optimize", "research-fanout.yaml", "--objective", "latency", "--diff")
    finally:
        os.chdir(cwd)
    assert diff.exit_code == 0
    assert diff.stdout.startswith("--- a/research-fanout.yaml\n+++ b/research-fanout.yaml\n")
    if shutil.which("patch"):
        subprocess.run(["patch", "-p1", "-s"], input=diff.stdout, text=True, cwd=tmp_path,
                       check=True)
        assert path.read_text(encoding="utf-8") == expected


def test_diff_keeps_a_leading_dot_of_the_file_name(cli, tmp_path: Path) -> None:
    path = copy_example(tmp_path, "research-fanout.yaml")
    path.rename(tmp_path / ".fanout.yaml")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        diff = cli("optimize", "./.fanout.yaml", "--objective", "latency", "--diff")
    finally:
        os.chdir(cwd)
    assert diff.exit_code == 0
    assert diff.stdout.startswith("--- a/.fanout.yaml\n+++ b/.fanout.yaml\n")


def test_write_keeps_comments_and_untouched_lines(cli, tmp_path: Path) -> None:
    path = copy_example(tmp_path, "long-chain.yaml")
    before = path.read_text(encoding="utf-8").splitlines()
    result = cli("optimize", str(path), "--write")
    assert result.exit_code == 0
    assert "wrote" in result.stderr
    after = path.read_text(encoding="utf-8").splitlines()
    # no step is cut here: every comment survives, and lines only change or get added
    assert [ln for ln in before if ln.strip().startswith("#")] == \
        [ln for ln in after if ln.strip().startswith("#")]
    import difflib

    ops = difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    for tag, a0, a1, b0, b1 in ops:
        if tag == "replace":
            for old, new in zip(before[a0:a1], after[b0:b1], strict=False):
                assert old.split(":")[0] == new.split(":")[0]  # same key, new value
        assert tag != "delete"
    for line in after:
        if line.strip().startswith("retries:"):
            assert line.startswith("    retries: ")  # the step's indentation
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".agentlint")] == []


def test_write_keeps_crlf(cli, spec) -> None:
    text = routable(PRICED_PAIR.format(execution="sequential") + (
        "  - id: a\n    model: big\n    prompt: \"Summarise {{ inputs.doc }}\"\n"
        "    output_tokens: 300\n"
        "budgets:\n  cost_usd: 0.01\n"))
    path = spec(text)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert cli("optimize", str(path), "--write").exit_code == 0
    data = path.read_bytes()
    assert b"model: tiny\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


# -- decisions ------------------------------------------------------------------------------


def test_cut_removes_the_step_and_every_reference(tmp_path: Path) -> None:
    path = copy_example(tmp_path, "research-fanout.yaml")
    wf = load_workflow(str(path))
    result = optimize(wf, objective="cost", path=str(path))
    plan = result.to_json()["plan"]
    assert plan["research_forums"]["cut"] is True
    text = result.proposal.rewrite.text
    assert "research_forums" not in text.split("steps:", 1)[1]
    assert "Marked optional: forum notes" not in text  # its comment block went with it
    new = load_workflow(str(path), text=text)
    before = {s.id: s for s in result.before.steps}
    after = {s.id: s for s in estimate(new).steps}
    drop = before["synthesise"].input_tokens - after["synthesise"].input_tokens
    assert abs(drop - 600) <= 1  # its output, give or take a token of whitespace


def test_default_objective_keeps_optional_steps() -> None:
    wf = load_workflow(str(EXAMPLES / "research-fanout.yaml"))
    result = optimize(wf)
    assert result.proposal.figures.cuts == 0
    cheaper = optimize(wf, objective="cost")
    assert cheaper.proposal.figures.cuts == 1
    assert cheaper.after.cost_usd < result.after.cost_usd


def test_candidates_limit_models(spec) -> None:
    body = ("  - id: a\n    model: big\n    prompt: \"{{ inputs.doc }}\"\n"
            "    candidates: [big]\n"
            "  - id: b\n    model: big\n    prompt: \"{{ steps.a.output }}\"\n"
            "  - id: c\n    model: big\n    prompt: \"{{ steps.b.output }}\"\n"
            "    candidates: [big, tiny]\n")
    path = spec(PRICED_PAIR.format(execution="sequential") + body)
    result = optimize(load_workflow(str(path)), objective="cost")
    plan = result.to_json()["plan"]
    assert plan["a"]["model"] == "big"
    assert plan["b"]["model"] == "big"  # no candidates, no tier floor: its model stays
    assert plan["c"]["model"] == "tiny"


def test_no_retries_added_to_side_effects(spec) -> None:
    body = ("  - id: send\n    kind: tool\n    tool: mail\n    retries: 1\n"
            "  - id: read\n    kind: tool\n    tool: fetch\n")
    text = PRICED_PAIR.format(execution="dag").replace(
        "inputs:", "tools:\n  mail: {effect: send, p_ok: 0.9}\n"
        "  fetch: {effect: read, p_ok: 0.9}\ninputs:") + body + "budgets:\n  reliability: 0.999\n"
    result = optimize(load_workflow(str(spec(text))), objective="reliability")
    plan = result.to_json()["plan"]
    assert plan["send"]["retries"] == 1  # never more than written on a send tool
    assert plan["read"]["retries"] == 2


def test_model_from_agent_gets_a_model_line(spec) -> None:
    text = PRICED_PAIR.format(execution="sequential") + (
        "  - id: a\n    agent: writer\n    prompt: \"{{ inputs.doc }}\"\n"
        "    output_tokens: 300\n")
    text = text.replace("inputs:", "agents:\n  writer: {model: big, system: Write.}\ninputs:")
    path = spec(routable(text))
    result = optimize(load_workflow(str(path)), objective="cost", path=str(path))
    new = result.proposal.rewrite.text
    assert "    agent: writer\n    model: tiny\n" in new.replace(
        "    candidates: [big, tiny]\n", "")
    assert load_workflow(str(path), text=new).steps[0].model == "tiny"


def test_sequential_groups_respect_data_and_concurrency(spec) -> None:
    steps = "".join(
        f"  - id: s{i}\n    model: big\n    prompt: \"part {i} {{{{ inputs.doc }}}}\"\n"
        f"    output_tokens: 400\n" for i in range(5))
    steps += ("  - id: join\n    model: big\n    prompt: \"" +
              " ".join(f"{{{{ steps.s{i}.output }}}}" for i in range(5)) + "\"\n")
    text = PRICED_PAIR.format(execution="sequential").replace(
        "execution: sequential", "execution: sequential\nmax_concurrency: 2") + steps
    path = spec(text)
    result = optimize(load_workflow(str(path)), objective="latency", path=str(path))
    plan = result.to_json()["plan"]
    labels = [plan[f"s{i}"]["group"] for i in range(5)]
    assert plan["join"]["group"] is None or plan["join"]["group"] not in labels
    sizes: dict[str, int] = {}
    for label in labels:
        if label is not None:
            sizes[label] = sizes.get(label, 0) + 1
    assert sizes and max(sizes.values()) <= 2
    new = load_workflow(str(path), text=result.proposal.rewrite.text)
    assert estimate(new).latency_s < result.before.latency_s


def test_dag_mode_keeps_needs(tmp_path: Path) -> None:
    path = copy_example(tmp_path, "orchestrator-workers.yaml")
    result = optimize(load_workflow(str(path)), objective="latency", path=str(path))
    new = load_workflow(str(path), text=result.proposal.rewrite.text)
    assert new.step("upgrade").needs == ["create_branch"]


def test_latency_objective_leaves_steps_off_the_critical_path(spec) -> None:
    text = PRICED_PAIR.format(execution="dag") + (
        "  - id: slow\n    model: big\n    prompt: \"{{ inputs.doc }}\"\n"
        "    output_tokens: 900\n"
        "  - id: quick\n    model: big\n    prompt: \"Say hi.\"\n    output_tokens: 5\n")
    result = optimize(load_workflow(str(spec(routable(text)))), objective="latency")
    plan = result.to_json()["plan"]
    assert plan["slow"]["model"] == "tiny"
    assert plan["quick"] == {"model": "big", "retries": 0, "cut": False, "group": None}


def test_no_change_when_spec_is_already_best(cli, spec) -> None:
    text = PRICED_PAIR.format(execution="sequential") + (
        "  - id: a\n    model: tiny\n    prompt: \"{{ inputs.doc }}\"\n"
        "    max_retries: 0\n")
    result = cli("optimize", str(spec(text)), "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["changes"] == []
    assert "no change" in cli("optimize", str(spec(text))).stdout


# -- infeasible budgets ---------------------------------------------------------------------


def test_infeasible_reports_relaxations_that_work(cli, spec) -> None:
    text = PRICED_PAIR.format(execution="sequential") + (
        "  - id: a\n    model: big\n    prompt: \"{{ inputs.doc }}\"\n    output_tokens: 600\n"
        "  - id: b\n    model: big\n    prompt: \"{{ steps.a.output }}\"\n"
        "    output_tokens: 600\n"
        "budgets:\n  latency_s: 0.5\n  reliability: 0.999\n")
    path = spec(text)
    result = cli("optimize", str(path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "infeasible"
    assert set(data["relaxations"]) == {"latency_s", "reliability"}
    assert data["binding"]
    assert data["plan"] and data["after"]  # the closest plan
    text_out = cli("optimize", str(path)).stdout
    assert "infeasible" in text_out and "needs " in text_out
    for name, value in data["relaxations"].items():
        if value is None:
            continue
        relaxed = text.replace(f"  {name}: {0.5 if name == 'latency_s' else 0.999}",
                               f"  {name}: {value!r}")
        again = cli("optimize", str(spec(relaxed, name=f"{name}.yaml")), "--format", "json")
        assert json.loads(again.stdout)["status"] == "optimal", name


def test_relaxation_text_rounds_the_safe_way() -> None:
    from agentlint.report.optimize_text import relaxation_text

    assert relaxation_text("latency_s", 3.2001) == "latency_s >= 3.21 s"
    assert relaxation_text("cost_usd", 0.0412345) == "cost_usd >= $0.04124"
    assert relaxation_text("reliability", 0.93456) == "reliability <= 93.45 %"
    assert "not enough" in relaxation_text("cost_usd", None)


# -- pareto -----------------------------------------------------------------------------------


def test_pareto_frontier(cli) -> None:
    result = cli("optimize", str(EXAMPLES / "long-chain.yaml"), "--pareto", "--format", "json")
    assert result.exit_code == 0
    points = json.loads(result.stdout)["frontier"]
    assert len(points) >= 3
    for p in points:
        for q in points:
            if p is q:
                continue
            assert not (q["cost_usd"] <= p["cost_usd"] and q["latency_s"] <= p["latency_s"]
                        and q["reliability"] >= p["reliability"]
                        and (q["cost_usd"], q["latency_s"], q["reliability"])
                        != (p["cost_usd"], p["latency_s"], p["reliability"]))
    table = cli("optimize", str(EXAMPLES / "long-chain.yaml"), "--pareto").stdout
    assert "frontier" in table and "cost/run" in table


# -- solvers, statuses, files -------------------------------------------------------------


def test_time_limited_cbc_is_feasible_not_optimal(monkeypatch) -> None:
    """PuLP reports Optimal when CBC stops at its time limit; only sol_status proves it."""
    import pulp

    real = pulp.LpProblem.solve

    def stopped(self, solver=None, **kwargs):  # type: ignore[no-untyped-def]
        status = real(self, solver, **kwargs)
        self.sol_status = pulp.LpSolutionIntegerFeasible
        return status

    monkeypatch.setattr(pulp.LpProblem, "solve", stopped)
    wf = load_workflow(str(EXAMPLES / "long-chain.yaml"))
    result = optimize(wf, solver="cbc")
    assert result.status == "feasible"
    assert result.proven is False


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_no_files_left_behind(tmp_path: Path, solver: str) -> None:
    work = tmp_path / "work"
    temp = tmp_path / "temp"
    work.mkdir()
    temp.mkdir()
    (work / ".git").mkdir()
    shutil.copy(EXAMPLES / "long-chain.yaml", work / "flow.yaml")
    env = dict(os.environ, TMPDIR=str(temp), TMP=str(temp), TEMP=str(temp))
    proc = subprocess.run([sys.executable, "-m", "agentlint", "optimize", "flow.yaml",
                           "--solver", solver, "--pareto"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in work.iterdir()) == [".git", "flow.yaml"]
    assert list(temp.iterdir()) == []


def test_lint_and_estimate_do_not_import_pulp() -> None:
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "from agentlint.cli import main\n"
            f"CliRunner().invoke(main, ['estimate', {str(EXAMPLES / 'debate.yaml')!r}])\n"
            f"CliRunner().invoke(main, ['lint', {str(EXAMPLES / 'debate.yaml')!r}])\n"
            "print('pulp' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False"


def test_errors_exit_2_in_one_line(tmp_path: Path) -> None:
    proc = run_process("optimize", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_process("optimize", str(EXAMPLES / "debate.yaml"), "--pareto", "--write")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_missing_highs_is_a_usage_error(monkeypatch, cli) -> None:
    import agentlint.optimizer.milp as milp

    monkeypatch.setattr(milp, "highs_available", lambda: False)
    result = cli("optimize", str(EXAMPLES / "debate.yaml"), "--solver", "highs")
    assert result.exit_code == 2
    assert "highspy" in result.stderr
    auto = cli("optimize", str(EXAMPLES / "debate.yaml"), "--format", "json")
    assert json.loads(auto.stdout)["solver"] == "cbc"


ROUTED = """
agentlint: 1
name: routed
execution: sequential
models:
  big: {input_per_mtok: 3.0, output_per_mtok: 15.0, ttft_s: 1.0, tokens_per_s: 60, p_ok: 0.99}
  tiny: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.3, tokens_per_s: 200, p_ok: 0.95}
inputs:
  doc: {tokens: 2000}
agents:
  helper:
    model: big
    system: |
      You help. Context: {{ steps.lookup.output }} and more.
steps:
  - id: lookup
    kind: tool
    tool: fetch
    optional: true
    output_tokens: 300
  - id: enrich
    model: big
    optional: true
    prompt: "Enrich {{ inputs.doc }} now"
    output_tokens: 200
  - id: route
    kind: router
    model: tiny
    prompt: "Classify {{ steps.enrich.output }} {{ inputs.doc }} please"
    output_tokens: 20
    routes: [{step: x, share: 0.7}, {step: y, share: 0.3}]
  - id: x
    agent: helper
    prompt: "Handle {{ steps.route.output }} ok"
  - id: y
    agent: helper
    prompt: "Other {{ steps.route.output }} ok"
  - id: critique
    model: big
    prompt: "Critique {{ steps.x.output }} {{ steps.y.output }} ok"
    output_tokens: 100
  - id: polish
    model: big
    optional: true
    context: [critique]
    prompt: "Polish it ok"
    output_tokens: 100
  - id: reply
    model: big
    context: [x, y, polish, enrich]
    prompt: "Reply ok"
tools:
  fetch: {per_call_s: 0.4, p_ok: 0.98}
loops:
  - id: refine
    steps: [critique, polish]
    max_iterations: 3
    until: "{{ steps.critique.output }} says fine"
budgets:
  cost_usd: 0.05
  latency_s: 20
"""


@pytest.mark.parametrize("execution", ["sequential", "dag"])
@pytest.mark.parametrize("objective", ["default", "cost", "latency", "reliability"])
def test_routers_loops_and_agents_stay_exact(spec, execution: str, objective: str) -> None:
    path = spec(routable(ROUTED.replace("execution: sequential", f"execution: {execution}")))
    result = optimize(load_workflow(str(path)), objective=objective, path=str(path))
    assert result.status == "optimal"
    again = estimate(load_workflow(str(path), text=result.proposal.rewrite.text))
    fig = result.proposal.figures
    assert close(fig.cost_usd, again.cost_usd)
    assert close(fig.latency_s, again.latency_s)
    assert close(fig.reliability, again.reliability)
    cut = {k for k, v in result.to_json()["plan"].items() if v["cut"]}
    if execution == "dag":
        assert not cut  # routers in a dag: cuts would move branch members
    elif objective == "latency":
        # cutting lookup does not shorten the critical path: the tie-break keeps it
        assert cut == {"polish"}
    elif objective != "default":
        assert cut == {"lookup", "polish"}
        text = result.proposal.rewrite.text
        assert "steps.lookup" not in text  # gone from the agent's system prompt
        assert "steps: [critique]" in text and "context: [x, y, enrich]" in text


def test_other_formats_plan_on_their_native_spec(cli) -> None:
    flow = (Path(__file__).parent / "fixtures" / "formats" / "promptflow"
            / "Azure-Samples__contoso-chat" / "contoso-chat" / "flow.dag.yaml")
    result = cli("optimize", str(flow))
    assert result.exit_code == 0, result.output
    # reported in the real source file, never in a converted file that does not exist
    assert result.output.startswith(f"{flow}: ") and ".agentlint.yaml" not in result.output
    refused = cli("optimize", str(flow), "--diff")
    assert refused.exit_code == 2
    assert "agentlint convert" in refused.stderr


def test_library_optimizes_native_specs_only() -> None:
    from agentlint.optimizer.run import optimize
    from agentlint.sources import load_any

    flow = (Path(__file__).parent / "fixtures" / "formats" / "promptflow"
            / "Azure-Samples__contoso-chat" / "contoso-chat" / "flow.dag.yaml")
    wf = load_any(str(flow))
    assert wf is not None
    with pytest.raises(UsageError, match="agentlint convert"):
        optimize(wf)


def test_cbc_log_gap_and_result(tmp_path: Path) -> None:
    from agentlint.optimizer.milp import _cbc_log

    log = tmp_path / "cbc.log"
    log.write_text("Result - Stopped on time limit\n\nObjective value:  200.0\n"
                   "Lower bound:  199.0\nGap:  0.00\n"
                   "Total time (CPU seconds):       0.98   (Wallclock seconds):       1.02\n",
                   encoding="utf-8")
    gap, wall = _cbc_log(str(log))
    assert gap == pytest.approx(0.005)
    assert wall == pytest.approx(1.02)
    assert _cbc_log(str(tmp_path / "missing.log")) == (None, None)


def test_the_tie_break_cap_skips_it_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    import agentlint.optimizer.run as run

    wf = load_workflow(str(EXAMPLES / "research-fanout.yaml"))
    settled = optimize(wf, objective="latency")
    assert settled.notes == [] and settled.changes
    monkeypatch.setattr(run, "MAX_TIE_BREAK_STEPS", 0)
    skipped = optimize(wf, objective="latency")
    assert skipped.status == "optimal"
    assert [n for n in skipped.notes if n.startswith("the tie-break between equally good")]
    assert skipped.timings["solves"] < settled.timings["solves"]


QUIET_SCRIPT = r"""
import ctypes, os, sys
from agentlint.optimizer.milp import quiet

libc = ctypes.CDLL(None)
libc.printf(b"c-before|")               # C-buffered before: must go out, not into log
print("py-before|", end="")             # Python-buffered before: likewise
fds = len(os.listdir("/proc/self/fd"))
log = []
try:
    with quiet(log):
        libc.printf(b"c-inside|")
        print("py-inside|", end="")
        os.write(2, b"err-inside|")
        raise KeyError("boom")
except KeyError:
    pass
print("after|", end="")
sys.stdout.flush()
sys.stderr.write("log=" + repr(log) + " leaked=" + str(len(os.listdir("/proc/self/fd")) - fds))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_quiet_captures_python_and_c_output_and_restores_on_errors() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffers on
    proc = subprocess.run([sys.executable, "-c", QUIET_SCRIPT], capture_output=True,
                          text=True, timeout=60, cwd=EXAMPLES.parent, env=env)
    assert proc.returncode == 0, proc.stderr
    # two buffers flushed one after the other: their order is not the writes' order
    assert sorted(proc.stdout.split("|")) == ["", "after", "c-before", "py-before"]
    log, leaked = proc.stderr.rsplit(" leaked=", 1)
    assert leaked == "0"
    for piece in ("c-inside|", "py-inside|", "err-inside|"):
        assert piece in log


def test_the_objectives_are_the_stages_the_run_solves() -> None:
    from agentlint.optimizer import OBJECTIVES
    from agentlint.optimizer.run import STAGES

    assert tuple(STAGES) == OBJECTIVES == ("default", "cost", "latency", "reliability")
    with pytest.raises(UsageError, match="use one of default, cost, latency, reliability"):
        optimize(load_workflow(str(EXAMPLES / "long-chain.yaml")), objective="speed")


def test_the_command_default_gap_is_the_optimizers() -> None:
    from agentlint.cli import main
    from agentlint.optimizer.milp import DEFAULT_GAP

    gap = next(p for p in main.commands["optimize"].params if p.name == "gap")
    assert gap.default == DEFAULT_GAP
