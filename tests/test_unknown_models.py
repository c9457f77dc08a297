"""Models the catalog does not know are priced as an upper bound, and said to be.

An adapted workflow (CrewAI, promptflow, Dify, ADK) may name a model the
catalog does not know under any spelling. It used to be priced as the cheapest
default with an info note, which made workflows look up to hundreds of times
cheaper than they are. It is now priced as the costliest catalog model of its
family (or of the whole catalog when the name shows no family) and reported
as a warning (AL903 unpriced-model) at the place the source names it. The
real Dify exports under tests/fixtures/formats (see SOURCES.md) still name
such models.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.sources import load_any
from agentlint.spec import catalog
from tests.conftest import FIXTURES, run_process

DIFY = FIXTURES / "formats" / "dify" / "svcvit__Awesome-Dify-Workflow" / "DSL"
COURSE = DIFY / "dify_course_demo.yml"  # names o1-mini-2024-09-12
INTENT = DIFY / "根据用户的意图进行回复.yml"  # names qwen-vl-plus


@pytest.mark.parametrize(("name", "bound", "family"), [
    ("o1-mini-2024-09-12", "o4-mini", "OpenAI o-series"),
    ("qwen-vl-plus", "qwen3-max", "Qwen"),
    ("vllm-llama-4-maverick", "llama-4-maverick", "Llama"),
    ("sagemaker/berri-benchmarking-Llama-2-70b-chat-hf-4", "llama-3.1-70b", "Llama"),
    ("gpt-3.5-turbo-large", "gpt-3.5-turbo", "GPT"),
    ("claude-haiku-5", "claude-haiku-4-5", "Claude"),
    ("azure/chatgpt-v-2", "gpt-4-32k", "GPT"),
    ("my-gpt4o-deployment", "gpt-4o", "GPT"),
    ("gpt4o-mini-prod", "gpt-4o-mini", "GPT"),
    ("in-house-summariser", "gpt-4-32k", ""),
])
def test_upper_bound_is_the_costliest_of_the_family(name: str, bound: str,
                                                     family: str) -> None:
    assert catalog.resolve(name) is None
    assert catalog.upper_bound(name) == (bound, family)


def _price(key: str) -> float:
    entry = catalog.catalog()["models"][key]
    return float(entry["input_per_mtok"]) + float(entry["output_per_mtok"])


def test_the_bound_is_never_below_a_family_member_it_could_be() -> None:
    models = catalog.catalog()["models"]
    for name in ("claude-next", "gemini-next", "mistral-next", "deepseek-next", "grok-next"):
        bound, family = catalog.upper_bound(name)
        prefix = name.split("-")[0]
        members = [k for k in models if k.startswith(prefix)]
        assert family and members
        assert _price(bound) == max(_price(k) for k in members), name


def test_a_real_dify_export_warns_at_the_model_and_prices_high() -> None:
    proc = run_process("lint", "--no-color", "--select", "AL903", "--format", "json",
                       str(COURSE))
    assert proc.returncode == 0, proc.stderr  # a warning does not fail the run
    found = json.loads(proc.stdout)
    assert [f["severity"] for f in found] == ["warning"]
    lines = COURSE.read_text(encoding="utf-8").splitlines()
    model_line = next(i for i, line in enumerate(lines) if "o1-mini-2024-09-12" in line) + 1
    assert abs(found[0]["line"] - model_line) <= 1  # in the node's model: block
    assert "'o1-mini-2024-09-12'" in found[0]["message"]
    assert "upper bound" in found[0]["message"]
    strict = run_process("lint", "--strict", "--select", "AL903", str(COURSE))
    assert strict.returncode == 1


def test_the_estimate_no_longer_prices_an_unknown_model_as_the_cheap_default() -> None:
    wf = load_any(str(INTENT))
    assert wf is not None
    priced = {m.name: m for m in wf.models.values()}
    unknown = [m for m in priced.values() if m.base == "qwen3-max"]
    assert unknown, sorted(priced)
    cheap = catalog.model("gpt-4o-mini")
    assert cheap is not None
    assert unknown[0].output_per_mtok is not None and cheap.output_per_mtok is not None
    assert unknown[0].output_per_mtok > cheap.output_per_mtok
    assert not any("qwen-vl-plus" in m for m, _, _ in wf.assumptions)  # warned, not info
    assert any("qwen-vl-plus" in m for m, _, _ in wf.extra["unpriced"])


def test_convert_lists_the_unpriced_model_in_its_header() -> None:
    proc = run_process("convert", str(COURSE))
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.split("\nagentlint:", 1)[0]
    assert "priced as an upper bound" in header and "o1-mini-2024-09-12" in header


def test_a_profile_mapping_silences_the_warning(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(COURSE, tmp_path / "course.yml")
    (tmp_path / "agentlint.profile.yaml").write_text(
        "models:\n  o1-mini-2024-09-12: o4-mini\n", encoding="utf-8")
    proc = run_process("lint", "--select", "AL903", "--format", "json", "course.yml",
                       cwd=tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []


def test_native_specs_still_refuse_an_unknown_model(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "s.yaml").write_text(
        "agentlint: 1\nsteps:\n  - id: a\n    model: qwen-vl-plus\n    prompt: hi\n",
        encoding="utf-8")
    proc = run_process("estimate", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("s.yaml:4:12: unknown model")


# -- the catalog's new entries ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "key"), [
    ("gpt-4-32k", "gpt-4-32k"), ("azure/gpt-4-32k-0613", "gpt-4-32k"),
    ("gpt-4-0613", "gpt-4"), ("gpt-35-turbo-0125", "gpt-3.5-turbo"),
    ("zai/glm-4.6", "glm-4.6"), ("openrouter/z-ai/glm-4.5-air", "glm-4.5-air"),
    ("dashscope/qwen3-max", "qwen3-max"), ("deepseek/deepseek-chat", "deepseek-chat"),
    ("groq/llama-3.3-70b-versatile", "llama-3.3-70b"), ("mistral/mistral-large-latest",
                                                         "mistral-large-latest"),
    ("ollama/llama3.1:8b", "ollama-local"), ("ollama_chat/qwen2.5:7b", "ollama-local"),
])
def test_models_real_files_use_resolve(name: str, key: str) -> None:
    assert catalog.resolve(name) == key


def test_local_ollama_models_cost_nothing_and_state_their_speed(tmp_path: Path) -> None:
    entry = catalog.catalog()["models"]["ollama-local"]
    assert entry["input_per_mtok"] == entry["output_per_mtok"] == 0
    assert entry["ttft_s"] > 0 and entry["tokens_per_s"] > 0
    (tmp_path / ".git").mkdir()
    (tmp_path / "s.yaml").write_text(
        "agentlint: 1\ninputs:\n  ticket: {tokens: 300}\nsteps:\n  - id: tag\n"
        "    model: ollama/llama3.1:8b\n    prompt: 'Tag {{ inputs.ticket }}'\n"
        "    output_tokens: 30\n", encoding="utf-8")
    proc = run_process("estimate", "s.yaml", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["cost_usd"] == 0
    expected = entry["ttft_s"] + 30 / entry["tokens_per_s"]
    assert data["latency_s"] == pytest.approx(expected, rel=0.05)


def test_hand_entered_models_carry_their_date() -> None:
    models = catalog.catalog()["models"]
    for key in ("gpt-4-32k", "glm-4.6", "glm-4.5", "glm-4.5-air", "qwen3-max",
                "ollama-local"):
        assert models[key]["source"] == f"listed@{models[key]['read']}", key


CONTOSO = FIXTURES / "formats" / "promptflow" / "Azure-Samples__contoso-chat" / "contoso-chat"


def _contoso(tmp_path: Path, inputs: str) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    for item in CONTOSO.iterdir():
        shutil.copy(item, tmp_path / item.name)
    flow = tmp_path / "flow.dag.yaml"
    text = flow.read_text(encoding="utf-8")
    assert text.count("    deployment_name: gpt-35-turbo\n") == 1
    flow.write_text(text.replace("    deployment_name: gpt-35-turbo\n", inputs), encoding="utf-8")
    return flow


def test_an_azure_deployment_is_priced_by_its_model_field(tmp_path: Path) -> None:
    flow = _contoso(tmp_path, "    deployment_name: contoso-chat-prod\n    model: gpt-4-32k\n")
    wf = load_any(str(flow))
    assert wf is not None
    model = wf.model_of(wf.step("llm_response"))
    assert model is not None and model.base == "gpt-4-32k"
    assert wf.extra["unpriced"] == []


def test_an_azure_deployment_without_a_model_is_an_upper_bound(tmp_path: Path) -> None:
    flow = _contoso(tmp_path, "    deployment_name: contoso-chat-prod\n")
    proc = run_process("lint", "--select", "AL903", "--format", "json", "flow.dag.yaml",
                       cwd=tmp_path)
    found = json.loads(proc.stdout)
    assert proc.returncode == 0 and len(found) == 1
    lines = flow.read_text(encoding="utf-8").splitlines()
    assert "contoso-chat-prod" in lines[found[0]["line"] - 1]
    assert "costliest model in the catalog" in found[0]["message"]
