"""Every number has a finite range: one table, the schema agrees, the loaders enforce it.

A value outside its range (``retries: 1e308``, ``.nan``, a negative price, a
5000-digit count) ends in exit 2 with ``file:line:col`` at the value and the
range in the message, fast, in the native format, in the profile and in the
numbers adapters read from other formats.
"""

from __future__ import annotations

import math
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from agentlint.cli import main
from agentlint.errors import SpecError
from agentlint.graph.estimate import attempt_figures, estimate
from agentlint.spec import catalog
from agentlint.spec.limits import FOREIGN, LIMITS, PROFILE, Limit, problem
from agentlint.spec.load import load_workflow
from agentlint.spec.schema import load_schema
from tests.conftest import exit_2_one_line, run_process

SENTINEL = "__VALUE__"


def _numeric_properties() -> list[tuple[str, str, dict[str, Any]]]:
    """(where, field, property schema) for every number of the schema."""
    schema = load_schema()
    out = [("top", name, sub) for name, sub in schema["properties"].items()
           if sub.get("type") in ("number", "integer") and "const" not in sub]
    for where, definition in schema["$defs"].items():
        for name, sub in definition.get("properties", {}).items():
            if sub.get("type") in ("number", "integer"):
                out.append((where, name, sub))
    return out


NUMERIC = _numeric_properties()


def test_schema_and_table_agree() -> None:
    assert {name for _, name, _ in NUMERIC} == set(LIMITS)
    for where, name, sub in NUMERIC:
        limit = LIMITS[name]
        assert (sub["type"] == "integer") == limit.whole, (where, name)
        assert sub["maximum"] == limit.high, (where, name)
        if limit.low_open:
            assert sub["exclusiveMinimum"] == limit.low and "minimum" not in sub, (where, name)
        else:
            assert sub["minimum"] == limit.low and "exclusiveMinimum" not in sub, (where, name)


def test_profile_schema_and_table_agree() -> None:
    """Every figure of the profile schema has the range LIMITS gives its name."""
    schema = load_schema("profile-v1.schema.json")
    seen = set()
    for where, definition in schema["$defs"].items():
        for name, sub in [(where, definition), *definition.get("properties", {}).items()]:
            types = sub.get("type")
            types = types if isinstance(types, list) else [types]
            if "number" not in types and "integer" not in types:
                continue
            limit = {**LIMITS, **PROFILE}[name]
            seen.add(name)
            assert ("integer" in types) == limit.whole, (where, name)
            assert sub["maximum"] == limit.high, (where, name)
            low = "exclusiveMinimum" if limit.low_open else "minimum"
            assert sub[low] == limit.low and len({"minimum", "exclusiveMinimum"} & set(sub)) \
                == 1, (where, name)
    assert {"tokens", "share", "retries", "p_ok", "reliability", "max_iterations"} <= seen


def test_every_limit_is_finite_and_sane() -> None:
    for name, limit in {**LIMITS, **FOREIGN, **PROFILE}.items():
        assert math.isfinite(limit.low) and math.isfinite(limit.high), name
        assert 0 <= limit.low < limit.high, name


def test_catalog_models_fit_the_ranges() -> None:
    for name in catalog.names():
        entry = catalog.entry(name)
        assert entry is not None
        for key in catalog.PRICE_FIELDS:
            if entry.get(key) is not None:
                assert problem(key, entry[key]) is None, (name, key, entry[key])


def test_limit_words() -> None:
    assert LIMITS["retries"].words() == "a whole number from 0 to 100"
    assert LIMITS["p_ok"].words() == "a number from 0.001 to 1"
    assert LIMITS["tokens_per_s"].words() == "a number above 0 and at most 10000000"
    assert Limit(False, 0, 0.5).words() == "a number from 0 to 0.5"
    assert problem("retries", 3) is None
    assert problem("retries", True) is None  # not a number: the type check's business
    assert problem("retries", 1e308, "1.0e+308") == (
        "retries: 1.0e+308 is out of range: retries takes a whole number from 0 to 100")


# -- real processes: every numeric field, every kind of hostile value ----------------------

BASE = {
    "agentlint": 1,
    "models": {"m": {"per_call_usd": 0.001, "per_call_s": 1, "p_ok": 0.99},
               "m2": {"per_call_usd": 0.0001, "per_call_s": 1, "p_ok": 0.99}},
    "tools": {"t": {"effect": "read"}},
    "inputs": {"q": {"untrusted": False}},
    "steps": [
        {"id": "r", "kind": "router", "model": "m",
         "routes": [{"step": "a", "share": 0.5}, {"step": "b"}]},
        {"id": "a", "model": "m", "prompt": "Answer {{ inputs.q }}",
         "cascade": [{"model": "m2", "accept": 0.5}], "may_cascade": {"accept": 0.5}},
        {"id": "b", "kind": "tool", "tool": "t"},
        {"id": "c", "model": "m", "prompt": "Check {{ steps.a.output }}",
         "fan_out": {"count": 2}},
    ],
    "loops": [{"id": "l", "steps": ["c"]}],
    "budgets": {"cost_usd": 1},
}
#: where each schema definition lives in BASE
PLACES: dict[str, tuple[Any, ...]] = {
    "top": (), "model": ("models", "m"), "tool": ("tools", "t"), "input": ("inputs", "q"),
    "step": ("steps", 3), "route": ("steps", 0, "routes", 0), "fan_out": ("steps", 3, "fan_out"),
    "loop": ("loops", 0), "budgets": ("budgets",),
    "cascade_stage": ("steps", 1, "cascade", 0), "may_cascade": ("steps", 1, "may_cascade"),
}
HUGE_INT = "9" * 5000
BAD_VALUES = {"1e308": "1e308", "negative": "-1", "nan": ".nan", "huge-int": HUGE_INT}


def _spec_with(where: str, field: str, literal: str) -> tuple[str, tuple[int, int]]:
    import copy

    doc = copy.deepcopy(BASE)
    node: Any = doc
    for key in PLACES[where]:
        node = node[key]
    node[field] = SENTINEL
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1000)
    offset = text.index(SENTINEL)
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return text.replace(SENTINEL, literal), (line, col)


def test_base_spec_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(BASE, sort_keys=False), encoding="utf-8")
    assert estimate(load_workflow(str(path))).cost_usd > 0


@pytest.mark.parametrize("mode", ["in-process", pytest.param("process", marks=pytest.mark.slow)])
@pytest.mark.parametrize("command", ["estimate", "lint"])
@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
@pytest.mark.parametrize(("where", "field"), [(w, f) for w, f, _ in NUMERIC],
                         ids=[f"{w}.{f}" for w, f, _ in NUMERIC])
def test_out_of_range_exit_2_fast(tmp_path: Path, where: str, field: str, bad: str,
                                  command: str, mode: str) -> None:
    """Every field, every hostile value: exit 2 at once, one positioned line with the range.

    In-process in every run; as 256 real processes under ``-m slow`` (CI runs both).
    """
    (tmp_path / ".git").mkdir()
    text, (line, col) = _spec_with(where, field, BAD_VALUES[bad])
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    if mode == "process":
        run: Any = run_process(command, str(path), cwd=tmp_path, timeout=30)
    else:
        run = CliRunner().invoke(main, [command, str(path)])
    elapsed = time.monotonic() - started
    stderr = exit_2_one_line(run, file=str(path)) + "\n"
    assert elapsed < 1.0, elapsed
    limit = LIMITS[field]
    assert stderr.startswith(f"{path}:{line}:{col}: {field}: "), stderr
    assert f"is out of range: {field} takes {limit.words()}" in stderr


@pytest.mark.parametrize(("where", "field"), [(w, f) for w, f, _ in NUMERIC],
                         ids=[f"{w}.{f}" for w, f, _ in NUMERIC])
def test_edges_of_each_range(tmp_path: Path, where: str, field: str) -> None:
    """The bounds themselves load (where the spec allows them); just past them does not."""
    limit = LIMITS[field]
    above = str(int(limit.high) + 1)
    below = str(int(limit.low) if limit.low_open else -1)
    for literal in (above, below, "-.inf", ".inf"):
        text, pos = _spec_with(where, field, literal)
        path = tmp_path / "flow.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SpecError) as info:
            load_workflow(str(path), root=str(tmp_path))
        assert (info.value.line, info.value.col) == pos
        assert "out of range" in info.value.message


def test_top_of_every_range_estimates_quickly(tmp_path: Path) -> None:
    """Every figure at its maximum: the estimate is finite and instant."""
    doc = textwrap.dedent("""\
        agentlint: 1
        max_concurrency: 100000
        models:
          m: {input_per_mtok: 100000, output_per_mtok: 100000, ttft_s: 1000000,
              tokens_per_s: 0.000001, p_ok: 0.001, context_window: 100000000}
        inputs:
          q: {tokens: 100000000}
        steps:
          - id: a
            model: m
            prompt: "{{ inputs.q }}"
            output_tokens: 100000000
            retries: 100
            calls: 1000
            fan_out: {count: 100000, max_concurrency: 1}
          - id: b
            model: m
            prompt: "{{ steps.a.output }}"
            retries: 100
            calls: 1000
        loops:
          - {id: l, steps: [a, b], max_iterations: 10000, expected_iterations: 10000}
        """)
    path = tmp_path / "flow.yaml"
    path.write_text(doc, encoding="utf-8")
    started = time.monotonic()
    est = estimate(load_workflow(str(path), root=str(tmp_path)))
    assert time.monotonic() - started < 1.0
    for value in (est.cost_usd, est.cost_usd_max, est.latency_s, est.latency_s_max,
                  est.calls):
        assert math.isfinite(value) and value > 0
    assert 0.0 <= est.reliability <= 1.0


def test_attempts_in_closed_form_agree_with_the_sum() -> None:
    for p in (1e-300, 1e-9, 0.3, 0.9, 0.999999, 1.0):
        for n in (1, 3):
            for k in (0, 1, 5, 100):
                fail = 1.0 - p ** n
                expected = sum(fail ** i for i in range(k + 1))
                got = attempt_figures(1.0, 1.0, p, n, k, 0.0).calls / n
                assert got == pytest.approx(expected, rel=1e-12)
    started = time.monotonic()
    assert attempt_figures(1.0, 1.0, 0.5, 1, 10**18, 0.0).calls == pytest.approx(2.0)
    assert time.monotonic() - started < 0.1


# -- the profile and foreign formats ------------------------------------------------------

FLOW = textwrap.dedent("""\
    inputs:
      question: {type: string}
    outputs:
      answer: {type: string, reference: "${answer.output}"}
    nodes:
      - name: answer
        type: llm
        source: {type: code, path: answer.jinja2}
        inputs: {deployment_name: gpt-4o-mini, question: "${inputs.question}"%s}
        api: chat
    """)


def _flow(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    folder = tmp_path / "flow"
    folder.mkdir(exist_ok=True)
    (folder / "answer.jinja2").write_text("user:\n{{question}}\n", encoding="utf-8")
    (folder / "flow.dag.yaml").write_text(FLOW % extra, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("body", "field", "name"), [
    ("steps:\n  answer: {retries: 1.0e+308}\n", "retries", "answer.retries"),
    ("steps:\n  answer: {calls: 100000000}\n", "calls", "answer.calls"),
    ("steps:\n  answer: {output_tokens: .nan}\n", "output_tokens", "answer.output_tokens"),
    (f"steps:\n  answer: {{count: {HUGE_INT}}}\n", "count", "answer.count"),
    ("inputs: {question: -1}\n", "tokens", "inputs.question"),
    ("loops:\n  l: {max_iterations: 1e9}\n", "max_iterations", "l.max_iterations"),
    ("budgets: {latency_s: .inf}\n", "latency_s", "budgets.latency_s"),
    ("models:\n  gpt-4o-mini: {per_call_usd: 1e300, per_call_s: 1}\n", "per_call_usd",
     "models.gpt-4o-mini.per_call_usd"),
])
def test_profile_numbers_are_bounded(tmp_path: Path, body: str, field: str,
                                     name: str) -> None:
    folder = _flow(tmp_path)
    (folder / "agentlint.profile.yaml").write_text(body, encoding="utf-8")
    started = time.monotonic()
    proc = run_process("estimate", "flow/flow.dag.yaml", cwd=tmp_path)
    assert time.monotonic() - started < 1.0
    exit_2_one_line(proc, file="flow/agentlint.profile.yaml")
    assert proc.stderr.startswith("flow/agentlint.profile.yaml:"), proc.stderr
    assert f"{name}: " in proc.stderr
    assert f"is out of range: {field} takes {LIMITS[field].words()}" in proc.stderr


@pytest.mark.parametrize("value", ["1e308", "-5", ".nan", "'1e999'", HUGE_INT])
def test_foreign_numbers_are_bounded(tmp_path: Path, value: str) -> None:
    folder = _flow(tmp_path, f", max_tokens: {value}")
    proc = run_process("estimate", "flow/flow.dag.yaml", cwd=tmp_path)
    exit_2_one_line(proc, file="flow/flow.dag.yaml")
    assert proc.stderr.startswith("flow/flow.dag.yaml:9:"), proc.stderr
    assert f"is out of range: max_tokens takes {FOREIGN['max_tokens'].words()}" \
        in proc.stderr
    assert folder.exists()


def test_foreign_numbers_in_range_still_read(tmp_path: Path) -> None:
    _flow(tmp_path, ", max_tokens: '64'")
    proc = run_process("estimate", "flow/flow.dag.yaml", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_docs_table_matches_the_limits() -> None:
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "format.md").read_text("utf-8")
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| (whole number|number) \| ([^|]+) \| ([^|]+) \|$",
                      text, re.M)
    documented: dict[str, list[tuple[str, str, str]]] = {}
    for name, kind, low, high in rows:
        documented.setdefault(name, []).append((kind, low.strip(), high.strip()))

    def row(limit: Limit) -> tuple[str, str, str]:
        low = f"{limit.low:g}" if not limit.low_open else f"above {limit.low:g}"
        return ("whole number" if limit.whole else "number", low, f"{int(limit.high)}")

    for name, limit in LIMITS.items():
        assert row(limit) in documented.get(name, []), name
    for name, limit in FOREIGN.items():
        assert row(limit) in documented.get(name, []), name
