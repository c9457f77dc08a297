"""OpenAI Agents SDK programs read as the SDK runs them, from their syntax tree only: a run
is a loop of turns bounded by ``max_turns``, a handoff hands the next agent the whole
history (or what its ``input_filter`` leaves), ``as_tool`` is a nested run, a guardrail
one more model call. Real programs from three repositories (tests/fixtures/agents_sdk,
see SOURCES.md) pin call counts, the critical path and the findings; small programs
written here pin the mapping.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agentlint.adapters.agents_sdk import AgentsSdkAdapter
from agentlint.graph.estimate import estimate
from agentlint.paths import discover
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process
from tests.support import model_calls

SDK = FIXTURES / "agents_sdk"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "agents-sdk"
    return wf


def _rules(found: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return {(f["code"], f["line"]) for f in found if f["code"] != "AL902"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def program(repo: Path, body: str, name: str = "app.py") -> Path:
    path = repo / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


TRIAGE = """\
from agents import Agent, Runner, handoff
from agents.extensions import handoff_filters

faq = Agent(name="FAQ", instructions="Answer questions.", model="gpt-4o-mini")
booking = Agent(name="Booking", instructions="Book seats.", model="gpt-4o-mini",
                tools=[update_seat])
triage = Agent(name="Triage", instructions="Route the customer.", model="gpt-4o-mini",
               handoffs=[faq, handoff(booking, input_filter=FILTER)])
faq.handoffs.append(triage)
booking.handoffs.append(triage)

async def main():
    await Runner.run(triage, "hello"MAX)
"""


def triage(repo: Path, filt: str = "handoff_filters.remove_all_tools", max_turns: str = "",
           extra: str = "") -> Path:
    body = TRIAGE.replace("FILTER", filt).replace("MAX", max_turns) + extra
    return program(repo, body)


# -- detection ------------------------------------------------------------------------------


def test_detection_needs_the_sdk_import_and_an_agent_call() -> None:
    sniff = AgentsSdkAdapter().sniff
    assert sniff("a.py", "from agents import Agent, Runner\nx = Agent(name='a')\n")
    assert sniff("a.py", "from agents import (\n    Agent,\n    Runner,\n)\nAgent(name='a')\n")
    # a module of one's own named agents, an import of something else, no Agent( call,
    # another suffix
    assert not sniff("a.py", "from agents import helper\nAgent(name='a', instructions='')\n")
    assert not sniff("a.py", "from myapp.agents import Agent\nAgent(instructions='x')\n")
    assert not sniff("a.py", "from agents import Agent, Runner\n")
    assert not sniff("a.txt", "from agents import Agent, Runner\nAgent(name='a')\n")
    # Agent imported, called, but nothing of the SDK's vocabulary
    assert not sniff("a.py", "from agents import Agent\nAgent('a', 3)\n")


def test_every_fixture_is_detected() -> None:
    for path in sorted(SDK.glob("*.py")):
        assert AgentsSdkAdapter().sniff(str(path), path.read_text(encoding="utf-8")), path


def test_lint_dot_reads_python_programs_once_and_skips_other_modules(repo: Path) -> None:
    shutil.copy(SDK / "routing.py", repo / "routing.py")
    crew = FIXTURES / "formats" / "crewai" / "own" / "launch_crew"
    shutil.copytree(crew, repo / "crew")
    (repo / "util.py").write_text("import os\nprint(os.sep)\n", encoding="utf-8")
    (repo / "team.json").write_bytes((FIXTURES / "autogen" / "team.json").read_bytes())
    shutil.copytree(FIXTURES / "runtime" / "adk" / "help_desk", repo / "adk")
    shutil.copytree(FIXTURES / "runtime" / "promptflow" / "basic", repo / "pf")
    shutil.copy(FIXTURES / "runtime" / "dify" / "review_loop.yml", repo / "review_loop.yml")
    (repo / "native.yaml").write_text("agentlint: 1\nsteps:\n  - id: a\n    model: gpt-4o-mini"
                                      "\n    prompt: hi\n", encoding="utf-8")
    read: dict[str, str] = {}
    for path in discover([str(repo)]):
        wf = load_any(path)
        if wf is not None:
            rel = Path(path).relative_to(repo).as_posix()
            assert rel not in read
            read[rel] = wf.format
    assert read["routing.py"] == "agents-sdk"
    assert read["team.json"] == "autogen"
    assert read["adk/root_agent.yaml"] == "adk"
    assert read["pf/flow.dag.yaml"] == "promptflow"
    assert read["review_loop.yml"] == "dify"
    assert read["native.yaml"] == "agentlint"
    assert "crewai" in read.values()
    assert "util.py" not in read
    assert not any(f.endswith(".py") and fmt != "agents-sdk" for f, fmt in read.items())
    found = lint_json(Path("."), cwd=repo)
    assert "routing.py" in {f["file"] for f in found}


def test_input_format_names_the_reader(repo: Path) -> None:
    path = program(repo, "from agents import Agent\nAgent(name='solo', model='gpt-4o-mini')\n",
                   "solo.py")
    proc = run_process("estimate", "--format", "json", "--input-format", "agents-sdk",
                       str(path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["calls"] == pytest.approx(1.0)


# -- real programs: call counts, critical paths, findings ---------------------------------


@pytest.mark.parametrize(("name", "calls", "path"), [
    # triage (1 call, a router) then one of three language agents (equal shares)
    ("routing.py", 2.0, ["triage_agent", "french_agent"]),
    # triage <-> FAQ (tools) <-> seat booking (tools): rounds of at least 1 + 3 turns,
    # max_turns 10 (the default) -> at most 2 rounds, 1 expected: 1 + 3 calls
    ("customer_service.py", 4.0, ["Triage_Agent", "FAQ_Agent"]),
    # first agent with a tool (3); second agent (a router, 1) hands to Spanish (1)
    ("message_filter.py", 5.0, ["Assistant"]),
    # the orchestrator's tool loop (3), three translators as tools and the synthesizer
    ("agents_as_tools.py", 7.0, ["orchestrator_agent", "spanish_agent_as_tool"]),
    # a guardrail agent beside the support agent (run_in_parallel by default)
    ("input_guardrails.py", 2.0, ["Customer_support_agent_math_guardrail"]),
    ("sdr.py", 6.0, ["Sales_Manager", "Email_Manager"]),
    # a guardrail agent, the manager's tool loop, four sales agents as tools, email manager
    ("send_email_guardrail.py", 11.0, ["Sales_Manager", "Email_Manager"]),
    ("agents_workflow.py", 6.0, ["TriageAgent", "SchedulerAgent"]),
])
def test_real_programs_calls_and_critical_path(name: str, calls: float,
                                               path: list[str]) -> None:
    wf = _load(SDK / name)
    assert model_calls(wf) == pytest.approx(calls)
    assert estimate(wf).critical_path == path


def test_the_airline_demo_cycle_and_its_premium_triage() -> None:
    wf = _load(SDK / "airline_agents.py")
    # no Runner call: triage (most handoffs) starts, max_turns is the SDK's 10; a round
    # is at least triage (3, tools) + a specialist (3): one round
    loop = wf.loops[0]
    assert loop.max_iterations == 1
    assert {"Triage_Agent", "FAQ_Agent", "Refunds_and_Compensation_Agent"} <= set(loop.steps)
    found = lint_json(SDK / "airline_agents.py")
    premium = [f for f in found if f["code"] == "AL202"]
    assert [(f["line"], f["column"]) for f in premium] == [(160, 11)]
    # MODEL = "gpt-5.2" at line 25 is what the six agents read: the fix names it
    assert '`MODEL = "gpt-5-nano"` (' in premium[0]["message"]
    assert "airline_agents.py:25:9" in premium[0]["message"]
    assert '`model="gpt-5-nano"`' in premium[0]["message"]


def test_a_filter_that_drops_the_users_input_is_router_context_transformation() -> None:
    found = lint_json(SDK / "message_filter.py")
    hits = [f for f in found if f["code"] == "AL006"]
    # at input_filter=spanish_handoff_message_filter, which slices input_history[2:]
    assert [(f["line"], f["column"]) for f in hits] == [(69, 51)]
    assert "Spanish_Assistant" in hits[0]["message"]
    # the advice is the SDK's: the handoff's filter, not a prompt to edit
    assert "`input_filter` (" in hits[0]["message"]
    assert "remove_all_tools" in hits[0]["message"]


def test_real_program_findings_are_few() -> None:
    assert _rules(lint_json(SDK / "routing.py")) == set()
    assert _rules(lint_json(SDK / "customer_service.py")) <= {("AL301", 94)}


# -- the mapping ---------------------------------------------------------------------------


def test_remove_all_tools_keeps_the_input_and_a_slicing_filter_drops_it(repo: Path) -> None:
    kept = _load(triage(repo))
    booking = kept.step("Booking")
    assert "inputs.input" in booking.prompt
    assert not [f for f in lint_json(repo / "app.py") if f["code"] == "AL006"]
    drop = """
def last_only(data):
    return data.clone(input_history=data.input_history[-1:])
"""
    path = triage(repo, filt="last_only", extra=drop)
    wf = _load(path)
    assert "inputs.input" not in (wf.step("Booking").prompt or "")
    hits = [f for f in lint_json(path) if f["code"] == "AL006"]
    assert [(f["line"], f["column"]) for f in hits] == [(8, 61)]  # at the filter


def test_the_cycle_is_bounded_by_max_turns(repo: Path) -> None:
    wf = _load(triage(repo, max_turns=", max_turns=20"))
    # 20 turns; the cheapest round is Triage (1) + FAQ (1, no tools)
    assert wf.loops[0].max_iterations == 10
    assert wf.loops[0].steps == ["Triage", "FAQ", "Booking"]
    wf = _load(triage(repo))
    assert wf.loops[0].max_iterations == 5  # the SDK's default, 10 turns


def test_a_bound_that_cannot_be_read_is_unbounded_loop(repo: Path) -> None:
    path = triage(repo, max_turns=", max_turns=settings.turns")
    assert _load(path).loops[0].max_iterations is None
    hits = [f for f in lint_json(path) if f["code"] == "AL302"]
    assert len(hits) == 1 and "max_turns=" in hits[0]["message"]
    assert "Runner.run" in hits[0]["message"]


def test_a_constant_max_turns_is_followed(repo: Path) -> None:
    path = triage(repo, max_turns=", max_turns=TURNS", extra="TURNS = 8\n")
    assert _load(path).loops[0].max_iterations == 4


def test_default_model_and_the_profile(repo: Path) -> None:
    path = program(repo, "from agents import Agent, Runner\n"
                   "a = Agent(name='solo', instructions='hi')\nRunner.run_sync(a, 'x')\n")
    wf = _load(path)
    assert wf.models[wf.step("solo").model or ""].name == "gpt-5.6-luna"
    (repo / "agentlint.profile.yaml").write_text(
        "default_model: gpt-4o-mini\nsteps:\n  solo: {output_tokens: 77}\n", encoding="utf-8")
    wf = _load(path)
    assert wf.models[wf.step("solo").model or ""].name == "gpt-4o-mini"
    assert wf.step("solo").output_tokens == 77


def test_models_from_constants_env_defaults_and_model_objects(repo: Path) -> None:
    path = program(repo, """\
        import os
        from agents import Agent, Runner
        from agents.extensions.models.litellm_model import LitellmModel
        MODEL = os.getenv("MODEL", "gpt-4.1-mini")
        a = Agent(name="a", instructions="x", model=MODEL)
        b = Agent(name="b", instructions="x", model=LitellmModel(model="gpt-4o"))
        """)
    wf = _load(path)
    assert wf.models[wf.step("a").model or ""].name == "gpt-4.1-mini"
    assert wf.models[wf.step("b").model or ""].name == "gpt-4o"
    assert wf.step("a").at("model") == (5, 45)  # at MODEL, the keyword's value


def test_guardrails_run_beside_or_before_the_agent(repo: Path) -> None:
    body = """\
        from agents import Agent, Runner, input_guardrail, output_guardrail
        check = Agent(name="check", instructions="Is it homework?", model="gpt-4o-mini")

        @input_guardrail{ARGS}
        async def homework(ctx, agent, input):
            result = await Runner.run(check, input)
            return result

        @output_guardrail
        def no_secrets(ctx, agent, output):
            return "secret" in output

        main = Agent(name="main", instructions="Help.", model="gpt-4o",
                     input_guardrails=[homework], output_guardrails=[no_secrets])
        Runner.run_sync(main, "x")
        """
    wf = _load(program(repo, body.replace("{ARGS}", "")))
    guard = wf.step("main_homework")
    assert guard.model is not None and guard.kind == "llm"
    assert "main_homework" not in wf.step("main").needs  # in parallel
    code = wf.step("main_no_secrets")
    assert code.kind == "tool" and code.context == ["main"]
    assert model_calls(wf) == pytest.approx(2.0)
    wf = _load(program(repo, body.replace("{ARGS}", "(run_in_parallel=False)")))
    assert "main_homework" in wf.step("main").needs


def test_as_tool_is_a_nested_run(repo: Path) -> None:
    path = program(repo, """\
        from agents import Agent, Runner
        es = Agent(name="es", instructions="Translate to Spanish.", model="gpt-4o-mini")
        boss = Agent(name="boss", instructions="Use the tools.", model="gpt-4o-mini",
                     tools=[es.as_tool(tool_name="to_es", tool_description="x")])
        Runner.run_sync(boss, "hi")
        """)
    wf = _load(path)
    nested = wf.step("es_as_tool")
    assert nested.context == ["boss"]
    assert wf.step("boss").calls == 3
    assert nested.at() == (4, 21)  # at the as_tool call


def test_convert_gives_the_same_estimate(repo: Path) -> None:
    out = repo / "native.yaml"
    proc = run_process("convert", str(SDK / "customer_service.py"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    a = json.loads(run_process("estimate", "--format", "json",
                               str(SDK / "customer_service.py")).stdout)
    b = json.loads(run_process("estimate", "--format", "json", str(out)).stdout)
    assert a["cost_usd"] == pytest.approx(b["cost_usd"])
    assert a["calls"] == pytest.approx(b["calls"])


def test_optimize_reports_at_the_model_keyword(repo: Path) -> None:
    proc = run_process("optimize", str(SDK / "airline_agents.py"))
    assert proc.returncode in (0, 1), proc.stderr
    assert "airline_agents.py:" in proc.stdout
    line = exit_2_one_line(run_process("optimize", "--diff", str(SDK / "routing.py")))
    assert "agents-sdk file" in line


PLANNED = """\
from agents import Agent, Runner

MODEL = "gpt-4o"
faq = Agent(name="faq", instructions="Answer questions about the airline.", model="gpt-4o")
triage = Agent(name="triage", instructions="Route the customer.", model='gpt-4o',
               handoffs=[faq])
other = Agent(name="other", instructions="Answer the rest.", model=MODEL)
triage.handoffs.append(other)
Runner.run_sync(triage, "hi")
"""


def test_optimize_write_sets_literal_model_keywords_only(repo: Path) -> None:
    path = program(repo, PLANNED)
    (repo / "agentlint.profile.yaml").write_text(
        "candidates: [gpt-4o-mini, gpt-4o]\nbudgets:\n  cost_usd: 0.0005\n",
        encoding="utf-8")
    proc = run_process("optimize", "--format", "json", str(path))
    assert proc.returncode == 0, proc.stderr
    planned = {c["step"]: c["to"] for c in json.loads(proc.stdout)["changes"]}
    assert planned == {"faq": "gpt-4o-mini", "triage": "gpt-4o-mini", "other": "gpt-4o-mini"}
    proc = run_process("optimize", "--write", str(path))
    assert proc.returncode == 0, proc.stderr
    text = path.read_text(encoding="utf-8")
    # the two literals are rewritten, each with its own quotes; the constant is not
    assert 'model="gpt-4o-mini")' in text and "model='gpt-4o-mini'," in text
    assert 'MODEL = "gpt-4o"' in text
    assert "wrote" in proc.stderr and "left as a suggestion: other" in proc.stderr
    import ast

    ast.parse(text)
    assert text.replace("gpt-4o-mini", "gpt-4o") == PLANNED


# -- hostile programs -----------------------------------------------------------------------


def test_a_syntax_error_is_exit_2_at_its_place(repo: Path) -> None:
    path = program(repo, "from agents import Agent, Runner\nx = Agent(name='a'\n")
    line = exit_2_one_line(run_process("lint", str(path)), str(path))
    assert ":2:" in line and "not valid Python" in line


def test_a_program_is_never_run(repo: Path) -> None:
    marker = repo / "ran"
    path = program(repo, f"""\
        import pathlib
        pathlib.Path({str(marker)!r}).write_text("x")
        from agents import Agent, Runner
        a = Agent(name="a", instructions="hi", model="gpt-4o-mini")
        Runner.run_sync(a, "x")
        """)
    assert run_process("lint", str(path)).returncode in (0, 1)
    assert not marker.exists()


def test_too_large_or_too_deep_or_too_many_is_exit_2(repo: Path) -> None:
    head = "from agents import Agent, Runner\na = Agent(name='a', instructions='x')\n"
    big = program(repo, head + "# " + "x" * (1024 * 1024) + "\n", "big.py")
    assert "larger than" in exit_2_one_line(run_process("lint", str(big)), str(big))
    deep = program(repo, head + "y = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "deep.py")
    exit_2_one_line(run_process("lint", str(deep)), str(deep))
    many = program(repo, head + "".join(f"a{i} = Agent(name='a{i}', instructions='x')\n"
                                        for i in range(501)), "many.py")
    assert "more than 500" in exit_2_one_line(run_process("lint", str(many)), str(many))
    zero = program(repo, "from agents import Agent, Runner\nRunner\nx = 1\nAgent\n# Agent(\n",
                   "none.py")
    # no Agent(...) call: not a program (skipped), and refused when named as one
    assert run_process("lint", str(zero)).returncode == 0
    assert "no Agent(...) call" in exit_2_one_line(
        run_process("lint", "--input-format", "agents-sdk", str(zero)), str(zero))


def test_self_referring_names_and_a_self_handoff_end(repo: Path) -> None:
    path = program(repo, """\
        from agents import Agent, Runner
        a = b
        b = a
        loop = Agent(name="loop", instructions="x", model="gpt-4o-mini", handoffs=[a])
        loop.handoffs.append(loop)
        Runner.run(loop, "x", max_turns=3)
        """)
    wf = _load(path)
    assert wf.loops[0].steps == ["loop"] and wf.loops[0].max_iterations == 3


# -- the pre-commit hook and changed files ---------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_changed_since_takes_a_changed_program_and_passes_over_other_modules(
        tmp_path: Path) -> None:
    from tests.support import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "x\n")
    repo.commit("start")
    (repo.root / "app").mkdir()
    shutil.copy(SDK / "message_filter.py", repo.root / "app" / "message_filter.py")
    repo.write("app/util.py", "def f():\n    return 1\n")
    repo.commit("add")
    proc = run_process("lint", "--format", "json", "--changed-since", "HEAD~1", cwd=repo.root)
    assert proc.returncode in (0, 1), proc.stderr
    assert {f["file"] for f in json.loads(proc.stdout)} == {"app/message_filter.py"}


def test_files_named_one_by_one_like_the_hook(repo: Path) -> None:
    """The hook names every changed Python file: modules that are no program pass."""
    shutil.copy(SDK / "message_filter.py", repo / "message_filter.py")
    (repo / "util.py").write_text("from agents import helper\nprint(helper)\n",
                                  encoding="utf-8")
    (repo / "notes.py").write_text('DOC = """\nsteps:\n  - id: a\n"""\n', encoding="utf-8")
    proc = run_process("lint", "--format", "json", "message_filter.py", "util.py", "notes.py",
                       cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    found = json.loads(proc.stdout)
    assert {f["file"] for f in found} == {"message_filter.py"}
    assert "AL006" in {f["code"] for f in found}


def test_a_module_that_only_quotes_the_import_is_no_program(repo: Path) -> None:
    """Text in a string (a test, a template) is not an import: a folder walk passes it."""
    (repo / "test_x.py").write_text('SRC = """\nfrom agents import Agent, Runner\n'
                                    'a = Agent(name="a", instructions="x")\n"""\n',
                                    encoding="utf-8")
    proc = run_process("lint", ".", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert not AgentsSdkAdapter().sniff("test_x.py", (repo / "test_x.py").read_text())


def test_run_config_model_overrides_every_agent(repo: Path) -> None:
    path = program(repo, """\
        from agents import Agent, Runner, RunConfig
        a = Agent(name="a", instructions="x", model="gpt-4o", handoffs=[])
        b = Agent(name="b", instructions="y", handoffs=[a])
        config = RunConfig(model="gpt-4o-mini")
        Runner.run_sync(b, "hi", run_config=config)
        """)
    wf = _load(path)
    for step in ("a", "b"):
        assert wf.models[wf.step(step).model or ""].name == "gpt-4o-mini"
        assert wf.step(step).at("model") == (4, 26)  # at RunConfig's model=


def test_the_profile_sets_handoff_shares_by_agent_name(repo: Path) -> None:
    shutil.copy(SDK / "routing.py", repo / "routing.py")
    (repo / "agentlint.profile.yaml").write_text(
        "steps:\n  french_agent: {share: 0.8}\n  spanish_agent: {share: 0.1}\n",
        encoding="utf-8")
    rows = {r.id: r for r in estimate(_load(repo / "routing.py")).steps}
    assert rows["french_agent"].runs == pytest.approx(0.8)
    assert rows["english_agent"].runs == pytest.approx(0.1)


def test_sniffing_is_linear_on_hostile_text() -> None:
    import time

    sniff = AgentsSdkAdapter().sniff
    for text in ("from agents import (\n" * 50_000 + "Agent(Runner",
                 "from agents import x\n" * 50_000 + "Agent(Runner",
                 "Runner Agent(" + "x" * 1_000_000):
        started = time.perf_counter()
        sniff("a.py", text)
        assert time.perf_counter() - started < 1.0


def test_the_cycle_holds_its_agents_guardrails_and_handoff_routers(repo: Path) -> None:
    path = program(repo, """\
        from agents import Agent, Runner, output_guardrail

        @output_guardrail
        def polite(ctx, agent, output):
            return "rude" in output

        c = Agent(name="c", instructions="Close.", model="gpt-4o-mini")
        b = Agent(name="b", instructions="Work.", model="gpt-4o-mini", tools=[look_up],
                  output_guardrails=[polite])
        a = Agent(name="a", instructions="Route.", model="gpt-4o-mini", handoffs=[b])
        b.handoffs.extend([a, c])
        Runner.run_sync(a, "x", max_turns=8)
        """)
    wf = _load(path)
    # a (1 turn) + b (3 turns, tools) a round: 8 turns bound it at 2 rounds
    assert [(lp.steps, lp.max_iterations) for lp in wf.loops] == [
        (["a", "b", "b_polite", "b_handoff"], 2)]
    assert wf.step("b_handoff").kind == "router"
    assert [r.step for r in wf.step("b_handoff").routes] == ["c"]
    assert wf.step("b_polite").kind == "tool"  # the guardrail runs no agent: code


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_compares_a_changed_program(tmp_path: Path) -> None:
    from tests.support import GitRepo

    repo = GitRepo(tmp_path / "repo")
    shutil.copy(SDK / "routing.py", repo.root / "routing.py")
    repo.write("util.py", "x = 1\n")
    repo.commit("start")
    text = (repo.root / "routing.py").read_text(encoding="utf-8")
    repo.write("routing.py", text.replace('    name="triage_agent",',
                                          '    name="triage_agent",\n    model="gpt-4o",'))
    repo.write("util.py", "x = 2\n")
    proc = run_process("diff", "main", cwd=repo.root)
    assert proc.returncode in (0, 1), proc.stderr
    assert "1 workflow changed" in proc.stdout
    assert "gpt-5.6-luna -> gpt-4o" in proc.stdout and "util.py" not in proc.stdout
