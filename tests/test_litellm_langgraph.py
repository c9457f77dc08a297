"""The LiteLLM overlay on a LangGraph module whose models are gateway aliases: price and
reliability change by the amounts worked out by hand from the config
(tests/fixtures/litellm/gateway_crew/litellm_config.yaml) and the catalog's prices
(docs/cost-model.md, "Gateway retries and fallbacks"), never by calling the code under
test. The overlay is applied in one place for every command: ``estimate --models``,
``optimize --models`` and ``lint`` through the configuration's ``models`` key.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, run_process
from tests.support import write

CONFIG = FIXTURES / "litellm" / "gateway_crew" / "litellm_config.yaml"

GRAPH = """\
from langchain.chat_models import init_chat_model
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph

fast = ChatOpenAI(model="fast", temperature=0)


def classify(state: MessagesState) -> dict:
    return {"messages": [fast.invoke(state["messages"])]}


def draft(state: MessagesState) -> dict:
    llm = init_chat_model("smart")
    return {"messages": [llm.invoke(state["messages"])]}


builder = StateGraph(MessagesState)
builder.add_node("classify", classify)
builder.add_node("draft", draft)
builder.add_edge(START, "classify")
builder.add_edge("classify", "draft")
builder.add_edge("draft", END)
graph = builder.compile()
"""

# catalog prices per million tokens (input, output) and success per call
GPT4O = (2.5, 10.0)
SONNET = (3.0, 15.0)
UPPER = (60.0, 120.0)  # gpt-4-32k: what an unknown alias is priced as without the config
FAST = (0.2, 0.8)  # the config's own prices for "fast" (gpt-4o-mini)
P = 0.99
# the reader's stated sizes: the run input 500 tokens, each answer 256; draft reads the
# input and classify's answer
TOKENS = {"classify": (500, 256), "draft": (500 + 256, 256)}


def _call(tokens: tuple[int, int], price: tuple[float, float]) -> float:
    return (tokens[0] * price[0] + tokens[1] * price[1]) / 1e6


# num_retries 1: each group is tried at most twice: 1.01 attempts, success 0.9999
attempts, group_ok = 1 + (1 - P), 1 - (1 - P) ** 2
fast_cost = attempts * _call(TOKENS["classify"], FAST)
# smart: gpt-4o, then backup (claude-sonnet-4-5) when both tries failed (p 0.0001)
smart_cost = attempts * _call(TOKENS["draft"], GPT4O) \
    + (1 - group_ok) * attempts * _call(TOKENS["draft"], SONNET)
smart_ok = group_ok + (1 - group_ok) * group_ok


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "graph.py", GRAPH)
    shutil.copy(CONFIG, tmp_path / "litellm_config.yaml")
    return tmp_path


def _json(*args: str, cwd: Path) -> dict[str, Any]:
    proc = run_process(*args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_the_overlay_on_a_langgraph_module_by_the_hand_computed_amounts(repo: Path) -> None:
    before = _json("estimate", "--format", "json", "graph.py", cwd=repo)
    after = _json("estimate", "--format", "json", "--models", "litellm_config.yaml",
                  "graph.py", cwd=repo)
    b = {s["id"]: s for s in before["steps"]}
    a = {s["id"]: s for s in after["steps"]}
    for step, (i, o) in TOKENS.items():
        assert (b[step]["input_tokens"], b[step]["output_tokens"]) == (i, o)
        assert (a[step]["input_tokens"], a[step]["output_tokens"]) == (i, o)
    assert [a[s]["model"] for s in ("classify", "draft")] == ["fast", "smart"]
    # without the config both aliases are unknown: the costliest catalog model, p 0.99
    assert b["classify"]["cost_usd"] == pytest.approx(_call(TOKENS["classify"], UPPER))
    assert b["draft"]["cost_usd"] == pytest.approx(_call(TOKENS["draft"], UPPER))
    assert before["cost_usd"] == pytest.approx(0.06072 + 0.07608)
    assert before["reliability"] == pytest.approx(P * P)

    assert fast_cost == pytest.approx(1.01 * (500 * 0.2 + 256 * 0.8) / 1e6)  # 0.000307848
    assert a["classify"]["cost_usd"] == pytest.approx(fast_cost)
    assert a["classify"]["reliability"] == pytest.approx(group_ok)
    assert smart_cost == pytest.approx(1.01 * 0.00445 + 0.0001 * 1.01 * 0.006108)
    assert a["draft"]["cost_usd"] == pytest.approx(smart_cost)
    assert a["draft"]["reliability"] == pytest.approx(smart_ok)

    # the run: price and reliability change by exactly these amounts
    assert after["cost_usd"] - before["cost_usd"] == pytest.approx(
        fast_cost + smart_cost - 0.06072 - 0.07608)
    assert after["reliability"] - before["reliability"] == pytest.approx(
        group_ok * smart_ok - P * P)


def test_the_optimizer_plans_on_the_same_gateway_figures(repo: Path) -> None:
    plan = _json("optimize", "--format", "json", "--models", "litellm_config.yaml",
                 "graph.py", cwd=repo)
    assert plan["before"]["cost_usd"] == pytest.approx(fast_cost + smart_cost)
    assert plan["before"]["reliability"] == pytest.approx(group_ok * smart_ok)


def test_lint_applies_the_configurations_gateway_to_the_module(repo: Path) -> None:
    plain = run_process("lint", "--format", "concise", "graph.py", cwd=repo)
    assert plain.stdout.count("AL903") == 2, plain.stdout
    (repo / ".agentlint.yaml").write_text("models: litellm_config.yaml\n", encoding="utf-8")
    gated = run_process("lint", "--format", "concise", "graph.py", cwd=repo)
    assert gated.returncode in (0, 1), gated.stderr
    assert "AL903" not in gated.stdout, gated.stdout
