"""`agentlint estimate`: the table, the JSON contract and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_process

CONTRACT_KEYS = {"name", "cost_usd", "cost_usd_max", "latency_s", "reliability", "calls",
                 "critical_path", "steps", "budgets"}
STEP_KEYS = {"id", "model", "cost_usd", "latency_s", "reliability"}
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_at_least_six_examples() -> None:
    assert len(EXAMPLE_FILES) >= 6


@pytest.mark.contract
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_estimates(cli, path: Path) -> None:
    result = cli("estimate", str(path), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert set(data) >= CONTRACT_KEYS
    assert data["steps"] and all(set(s) >= STEP_KEYS for s in data["steps"])
    assert data["cost_usd"] > 0 and 0 < data["reliability"] <= 1
    assert data["cost_usd_max"] >= data["cost_usd"]
    assert data["latency_s_max"] >= data["latency_s"] - 1e-9
    assert set(data["critical_path"]) <= {s["id"] for s in data["steps"]}
    over = [name for name, b in data["budgets"].items() if not b["ok"]]
    assert result.exit_code == (1 if over else 0)


def test_text_table_marks_critical_path_and_budgets(cli) -> None:
    result = cli("estimate", str(EXAMPLES / "long-chain.yaml"))
    assert result.exit_code == 1
    out = result.output
    assert "critical path (*):" in out
    assert "budget reliability:" in out and "FAIL" in out
    assert "\x1b[" not in out  # no colour when not a terminal


@pytest.mark.contract
def test_folder_gives_a_json_array(cli) -> None:
    result = cli("estimate", str(EXAMPLES), "--format", "json")
    data = json.loads(result.output)
    assert isinstance(data, list) and len(data) == len(EXAMPLE_FILES)


@pytest.mark.contract
def test_budget_exit_codes(cli, spec) -> None:
    body = """agentlint: 1
models:
  m: {per_call_usd: 0.01, per_call_s: 1, p_ok: 0.99}
steps:
  - id: a
    model: m
budgets: {cost_usd: %s}
"""
    assert cli("estimate", str(spec(body % "0.02"))).exit_code == 0
    assert cli("estimate", str(spec(body % "0.005"))).exit_code == 1


def test_unreadable_spec_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("agentlint: 1\nsteps:\n  - id: a\n    modle: x\n", encoding="utf-8")
    proc = run_process("estimate", str(path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"{path}:4:5: unknown key 'modle' in step; "
                                   "did you mean 'model'?")
    assert proc.stdout == ""


def test_schema_command_path_points_at_shipped_file(cli) -> None:
    result = cli("schema", "--path")
    assert Path(result.output.strip()).name == "workflow-v1.schema.json"
    assert json.loads(cli("schema").output)["$id"].endswith("workflow-v1.schema.json")
    for kind in ("config", "profile"):
        path = Path(cli("schema", "--path", kind).output.strip())
        assert path.name == f"{kind}-v1.schema.json" and path.is_file()
        assert json.loads(cli("schema", kind).output) == json.loads(path.read_text("utf-8"))


def test_docs_name_the_editor_schemas() -> None:
    from tests.conftest import ROOT

    for page, kind in (("configuration.md", "config"), ("profile.md", "profile")):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert (f"# yaml-language-server: $schema=https://raw.githubusercontent.com/agentlint/"
                f"agentlint/main/agentlint/schemas/{kind}-v1.schema.json") in text
        assert f"agentlint schema --path {kind}" in text


def test_models_command_lists_catalog(cli) -> None:
    out = cli("models").output
    assert "gpt-4o-mini" in out and "estimates" in out


def test_readme_spec_is_clean(cli, tmp_path: Path) -> None:
    import re

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## A spec in one screen"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    (tmp_path / ".git").mkdir()
    path = tmp_path / "readme.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    assert cli("estimate", str(path)).exit_code == 0
    result = cli("lint", str(path))
    assert (result.exit_code, result.output) == (0, "")
