"""A LiteLLM proxy config as the model catalog and call policy behind a workflow.

The figures below are worked out by hand from the config and the catalog's
prices (docs/cost-model.md, "Gateway retries and fallbacks"), never by calling
the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentlint.errors import SpecError
from agentlint.graph.litellm import Resolver, read_gateway
from tests.conftest import FIXTURES, exit_2_one_line, run_process

CREW = FIXTURES / "litellm" / "gateway_crew"
TASKS = str(CREW / "config" / "tasks.yaml")
CONFIG = str(CREW / "litellm_config.yaml")

# catalog prices per million tokens (input, output), speeds and success per call
MINI_TTFT, MINI_TPS = 0.4, 140.0  # gpt-4o-mini; the config prices it at 0.2 / 0.8
GPT4O = (2.5, 10.0)
SONNET = (3.0, 15.0)
UPPER = (60.0, 120.0)  # gpt-4-32k: what an unknown alias is priced as without the config
P = 0.99


def estimate(*extra: str) -> dict[str, Any]:
    run = run_process("estimate", "--format", "json", TASKS, *extra)
    assert run.returncode == 0, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def steps(data: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {s["id"]: s for s in data["steps"]}


def test_the_overlay_changes_price_and_reliability_by_the_hand_computed_amounts() -> None:
    before, after = estimate(), estimate("--models", CONFIG)
    b, a = steps(before), steps(after)
    # the same tokens either way: classify 1800 in / 100 out, draft 2900 in / 400 out
    for step, (i, o) in {"classify_ticket": (1800, 100), "draft_reply": (2900, 400)}.items():
        assert (a[step]["input_tokens"], a[step]["output_tokens"]) == (i, o)
        assert (b[step]["input_tokens"], b[step]["output_tokens"]) == (i, o)
        assert a[step]["cached_input_tokens"] == b[step]["cached_input_tokens"] == 0
    # without the config both aliases are unknown: the costliest catalog model, p 0.99
    assert b["classify_ticket"]["cost_usd"] == pytest.approx((1800 * 60 + 100 * 120) / 1e6)
    assert b["draft_reply"]["cost_usd"] == pytest.approx((2900 * 60 + 400 * 120) / 1e6)
    assert before["reliability"] == pytest.approx(P * P)

    # num_retries 1: a group is tried at most twice; expected attempts 1 + 0.01 = 1.01,
    # success 1 - 0.01^2 = 0.9999
    attempts, group_ok = 1 + (1 - P), 1 - (1 - P) ** 2
    # fast: gpt-4o-mini at the config's own prices, 0.2 / 0.8 per million tokens
    fast_cost = attempts * (1800 * 0.2 + 100 * 0.8) / 1e6
    assert fast_cost == pytest.approx(0.0004444)
    assert a["classify_ticket"]["cost_usd"] == pytest.approx(fast_cost)
    assert a["classify_ticket"]["latency_s"] == pytest.approx(
        attempts * (MINI_TTFT + 100 / MINI_TPS))
    assert a["classify_ticket"]["reliability"] == pytest.approx(group_ok)
    # smart: gpt-4o, falling back to backup (claude-sonnet-4-5) when both tries failed;
    # the fallback is reached with probability 1 - 0.9999 = 0.0001
    gpt4o_call = (2900 * GPT4O[0] + 400 * GPT4O[1]) / 1e6  # 0.01125
    sonnet_call = (2900 * SONNET[0] + 400 * SONNET[1]) / 1e6  # 0.0147
    smart_cost = attempts * gpt4o_call + (1 - group_ok) * attempts * sonnet_call
    assert smart_cost == pytest.approx(0.0113639847)
    assert a["draft_reply"]["cost_usd"] == pytest.approx(smart_cost)
    smart_ok = group_ok + (1 - group_ok) * group_ok
    assert smart_ok == pytest.approx(0.99999999)
    assert a["draft_reply"]["reliability"] == pytest.approx(smart_ok)

    # the run: price and reliability change by exactly these amounts
    before_cost = (1800 * 60 + 100 * 120 + 2900 * 60 + 400 * 120) / 1e6
    assert after["cost_usd"] - before["cost_usd"] == pytest.approx(
        fast_cost + smart_cost - before_cost)
    assert after["reliability"] - before["reliability"] == pytest.approx(
        group_ok * smart_ok - P * P)


def test_unpriced_model_stops_firing_for_an_alias_the_config_prices() -> None:
    plain = run_process("lint", "--format", "concise", TASKS)
    assert plain.stdout.count("AL903") == 2, plain.stdout
    gated = run_process("lint", "--format", "concise", TASKS, "--models", CONFIG)
    assert gated.returncode == 0, gated.stderr
    assert "AL903" not in gated.stdout, gated.stdout


def test_the_configuration_file_names_the_gateway(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    for name in ("agents.yaml", "tasks.yaml", "agentlint.profile.yaml"):
        (tmp_path / "config" / name).write_text((CREW / "config" / name).read_text())
    (tmp_path / "gateway.yaml").write_text(Path(CONFIG).read_text())
    (tmp_path / ".agentlint.yaml").write_text("models: gateway.yaml\n")
    run = run_process("lint", "--format", "concise", "config/tasks.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "AL903" not in run.stdout, run.stdout
    (tmp_path / ".agentlint.yaml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.agentlint]\nmodels = "gateway.yaml"\n')
    run = run_process("lint", "--format", "concise", "config/tasks.yaml", cwd=tmp_path)
    assert "AL903" not in run.stdout, run.stdout
    (tmp_path / "pyproject.toml").unlink()
    run = run_process("lint", "--format", "concise", "config/tasks.yaml", cwd=tmp_path)
    assert "AL903" in run.stdout


REAL = sorted((FIXTURES / "litellm").glob("*__*/*.yaml"))


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_configs_are_read(path: Path) -> None:
    gw = read_gateway(str(path))
    assert gw.groups


def test_real_configs_resolve_their_aliases() -> None:
    base = FIXTURES / "litellm"
    proxy = read_gateway(str(base / "BerriAI__litellm" / "proxy_server_config.yaml"))
    # litellm_settings: num_retries 5, a context-window fallback, a group alias
    assert proxy.num_retries == 5
    assert proxy.context_window_fallbacks == {"gpt-3.5-turbo": ["gpt-3.5-turbo-large"]}
    assert proxy.group_of("my-special-fake-model-alias-name") == "fake-openai-endpoint-3"
    assert proxy.group_of("openai/gpt-3.5-turbo-large") == "gpt-3.5-turbo-large"
    resolver = Resolver(proxy)
    # two deployments of one group under usage-based routing: equal shares, assumed; the
    # Azure one (a deployment name, which says nothing of its model) priced as the other
    shared = resolver.resolve("gpt-3.5-turbo-end-user-test", "x")
    assert shared is not None and shared.model.base == "gpt-3.5-turbo"
    assert "azure/chatgpt-v-2 of 'gpt-3.5-turbo-end-user-test' is not in the catalog" \
        in shared.assumed[0]
    assert "share its calls equally" in shared.assumed[1]
    # 5 retries: expected attempts 1 + 0.01 + ... + 0.01^5, success 1 - 0.01^6
    assert shared.model.p_ok == pytest.approx(1 - 0.01 ** 6)
    # a group whose only deployment the catalog does not know is left to the workflow's name
    assert resolver.resolve("gpt-4", "gpt-4") is None
    assert resolver.resolve("gpt-3.5-turbo-large", "gpt-3.5-turbo-large") is None

    router = read_gateway(str(base / "BerriAI__litellm" / "adaptive_router_example.yaml"))
    assert router.num_retries == 2  # LiteLLM's default
    found = Resolver(router).resolve("smart-cheap-router", "smart-cheap-router")
    assert found is not None and "equal shares to fast, smart" in found.assumed[0]
    attempts = 1 + 0.01 + 0.01 ** 2  # two retries
    # fast: 0.15 in (the config), 0.6 out; smart: 5.0 in (the config), 10 out; half each
    assert found.model.input_per_mtok == pytest.approx(attempts * (0.15 + 5.0) / 2)
    assert found.model.output_per_mtok == pytest.approx(attempts * (0.6 + 10.0) / 2)

    local = read_gateway(str(base / "All-Hands-AI__OpenHands" / "litellm_config.yaml"))
    assert sorted(local.groups) == ["deepseek-coder", "llama2", "mistral", "vicuna"]
    llama = Resolver(local).resolve("llama2", "llama2")
    assert llama is not None and llama.model.base == "ollama-local"
    assert llama.model.input_per_mtok == 0


HOSTILE = {
    "env": ("model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o}\n"
            "router_settings:\n  num_retries: os.environ/RETRIES\n",
            (5, 16), "never reads environment variables"),
    "unknown fallback": ("model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o}\n"
                         "router_settings:\n  fallbacks: [{a: [b]}]\n",
                         (5, 16), "'b', which no model_list entry defines"),
    "cycle": ("model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o}\n"
              "  - model_name: b\n    litellm_params: {model: gpt-4o-mini}\n"
              "router_settings:\n  fallbacks: [{a: [b]}, {b: [a]}]\n",
              (7, 16), "a -> b -> a"),
    "no model_list": ("router_settings: {num_retries: 1}\n", (1, 1), "no model_list"),
    "no model": ("model_list:\n  - model_name: a\n    litellm_params: {api_key: x}\n",
                 (3, 5), "needs litellm_params.model"),
    "bad retries": ("model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o}\n"
                    "litellm_settings: {num_retries: 2.5}\n", (4, 33), "whole number"),
    "bad yaml": ("model_list: [\n", (2, 1), "invalid YAML"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_configs_are_refused_at_their_place(case: str, tmp_path: Path) -> None:
    text, (line, col), words = HOSTILE[case]
    path = tmp_path / "litellm_config.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        read_gateway(str(path))
    assert (caught.value.line, caught.value.col) == (line, col), caught.value
    assert words in caught.value.message


def test_a_hostile_config_exits_2_with_one_positioned_line(tmp_path: Path) -> None:
    bad = tmp_path / "gateway.yaml"
    bad.write_text(HOSTILE["cycle"][0])
    run = run_process("estimate", TASKS, "--models", str(bad))
    line = exit_2_one_line(run, str(bad))
    assert line.startswith(f"{bad}:7:16: ")
    run = run_process("lint", TASKS, "--models", str(bad))
    assert run.returncode == 2 and f"{bad}:7:16: " in run.stderr


def test_assumed_router_shares_are_reported_as_assumptions(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    for name in ("agents.yaml", "tasks.yaml", "agentlint.profile.yaml"):
        text = (CREW / "config" / name).read_text()
        (tmp_path / "config" / name).write_text(
            text.replace("llm: openai/smart", "llm: openai/smart-cheap-router"))
    router = FIXTURES / "litellm" / "BerriAI__litellm" / "adaptive_router_example.yaml"
    run = run_process("lint", "--format", "concise", "config/tasks.yaml", "--models",
                      str(router), cwd=tmp_path)
    lines = [line for line in run.stdout.splitlines() if "AL902" in line]
    assert any(line.startswith("config/tasks.yaml:14:10: ") and "router 'smart-cheap-router' "
               "assumed to send equal shares to fast, smart" in line for line in lines), \
        run.stdout
    # 'fast' is priced by the config too: the only unpriced model left is none
    assert "AL903" not in run.stdout, run.stdout


@pytest.mark.parametrize("native", [False, True], ids=["crewai", "native"])
def test_optimize_plans_on_the_gateway_figures(native: bool, tmp_path: Path) -> None:
    target = TASKS
    if native:  # the crew's native spec, its models named as the crew names them
        converted = tmp_path / "crew.agentlint.yaml"
        done = run_process("convert", TASKS, "-o", str(converted))
        assert done.returncode == 0, done.stderr
        target = str(converted)
    run = run_process("optimize", "--format", "json", target, "--models", CONFIG)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["status"] == "optimal"
    assert data["before"]["cost_usd"] == pytest.approx(estimate("--models", CONFIG)["cost_usd"])
    if native:
        refused = run_process("optimize", target, "--models", CONFIG, "--write")
        assert refused.returncode == 2 and "--models" in refused.stderr


def test_wildcard_groups_take_the_names_no_group_is_called() -> None:
    proxy = read_gateway(str(FIXTURES / "litellm" / "BerriAI__litellm" /
                             "proxy_server_config.yaml"))
    assert proxy.group_of("gpt-4o") is None
    assert proxy.wildcard_of("gpt-4o") == ("*", "gpt-4o")
    # the provider's own pattern is more specific than "*"
    assert proxy.wildcard_of("anthropic/claude-sonnet-4-5") == ("anthropic/*",
                                                                "claude-sonnet-4-5")
    found = Resolver(proxy).resolve("*", "gpt-4o", "gpt-4o")
    assert found is not None and found.model.base == "gpt-4o"
    # num_retries 5: six tries at most, expected attempts 1 + 0.01 + ... + 0.01^5
    attempts = sum(0.01 ** i for i in range(6))
    assert found.model.input_per_mtok == pytest.approx(attempts * GPT4O[0])
    assert found.model.p_ok == pytest.approx(1 - 0.01 ** 6)


def test_a_gateway_fallback_without_retries_on_a_cheap_primary_is_reported(
        tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(Path(CONFIG).read_text().replace("num_retries: 1", "num_retries: 0"))
    run = run_process("lint", "--format", "concise", "--select", "AL208", TASKS,
                      "--models", str(config))
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    # gpt-4o at $0.01125 a call falls back to claude-sonnet-4-5 at $0.0147: a retry
    # first saves (1 - 0.99) * (0.99 * 0.0147 - 0.01125) = $0.00003303 per run
    assert "alias `openai/smart`, which falls back from `smart` to `backup`" in lines[0]
    assert "(num_retries: 0)" in lines[0] and "$3.30e-05 per run" in lines[0], lines[0]
    assert lines[0].startswith(f"{TASKS}:14:10: "), lines[0]  # the responder's llm:
    # with the config's own num_retries: 1 there is nothing to report
    run = run_process("lint", "--format", "concise", "--select", "AL208", TASKS,
                      "--models", CONFIG)
    assert run.stdout == "", run.stdout


def test_the_configuration_may_not_name_a_gateway_outside_its_repository(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "config").mkdir()
    for name in ("agents.yaml", "tasks.yaml", "agentlint.profile.yaml"):
        (repo / "config" / name).write_text((CREW / "config" / name).read_text())
    (tmp_path / "gateway.yaml").write_text(Path(CONFIG).read_text())
    (repo / ".agentlint.yaml").write_text("models: ../gateway.yaml\n")
    run = run_process("lint", "config/tasks.yaml", cwd=repo)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "outside the repository" in run.stderr, run.stderr


WINDOW_GATEWAY = """\
model_list:
  - model_name: small
    litellm_params: {model: gpt-3.5-turbo}
  - model_name: big
    litellm_params: {model: gpt-4o}
router_settings:
  num_retries: 0
  context_window_fallbacks: [{small: [big]}]
"""

LONG_READ = """\
agentlint: 1
name: long-read
models:  # an alias of the gateway: the config's prices replace these
  small: {input_per_mtok: 1, output_per_mtok: 1, ttft_s: 0.5, tokens_per_s: 50}
inputs:
  contract: {tokens: 30000}
  note: {tokens: 100}
steps:
  - id: summarise
    model: small
    prompt: "Summarise: {{ inputs.contract }}"
    output_tokens: 500
  - id: tag
    model: small
    prompt: "Tag: {{ inputs.note }}"
    output_tokens: 20
"""


def test_a_step_over_its_window_goes_to_the_context_window_fallback(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    flow = tmp_path / "flow.yaml"
    flow.write_text(LONG_READ)
    gw = tmp_path / "gw.yaml"
    gw.write_text(WINDOW_GATEWAY)
    run = run_process("estimate", "--format", "json", str(flow), "--models", str(gw))
    assert run.returncode == 0, run.stderr
    got = {s["id"]: s for s in json.loads(run.stdout)["steps"]}
    long, short = got["summarise"], got["tag"]
    # 30,003 + 500 tokens do not fit gpt-3.5-turbo's 16,385: the call goes to big (gpt-4o,
    # $2.5 / $10), the refused first call costing nothing; the short step stays on small
    assert long["model"] == "small@big" and long["cached_input_tokens"] == 0
    assert long["input_tokens"] + long["output_tokens"] > 16385
    assert long["cost_usd"] == pytest.approx((long["input_tokens"] * 2.5 + 500 * 10) / 1e6)
    assert short["model"] == "small"
    assert short["cost_usd"] == pytest.approx((short["input_tokens"] * 0.5 + 20 * 1.5) / 1e6)
    lint = run_process("lint", "--format", "concise", str(flow), "--models", str(gw))
    assert "AL207" not in lint.stdout and "context_window_fallbacks" in lint.stdout
    # without the fallback the step overflows its window
    gw.write_text(WINDOW_GATEWAY.replace("  context_window_fallbacks: [{small: [big]}]\n", ""))
    lint = run_process("lint", "--format", "concise", str(flow), "--models", str(gw))
    assert "AL207" in lint.stdout, lint.stdout
    gw.write_text(WINDOW_GATEWAY)
    plan = run_process("optimize", "--format", "json", str(flow), "--models", str(gw))
    assert plan.returncode == 0, plan.stderr
    total = json.loads(run.stdout)["cost_usd"]
    assert json.loads(plan.stdout)["before"]["cost_usd"] == pytest.approx(total)
