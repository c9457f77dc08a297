"""Fuzzing: generated and mutated specs never crash lint, estimate or optimize.

Every input must end either in results or in a SpecError (the one-line,
positioned, exit-2 answer); any other exception is a bug. Inputs are valid
specs built by a strategy and real fixtures mutated the way files break in
practice: keys dropped, values swapped for other types, the file cut off
mid-token. A crash found here becomes a fixture in ``tests/fixtures/fuzz/``
and a regression test below.

Each fuzz test runs twice: a fast sample of ``FAST`` examples in every run of
the suite, and the full budget of ``FULL`` examples (``AGENTLINT_FUZZ_EXAMPLES``)
under the ``slow`` marker, which CI runs (``pytest -m slow``).
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentlint.errors import SpecError, UsageError
from agentlint.graph.estimate import estimate
from agentlint.lint.engine import lint_workflow
from agentlint.sources import load_any
from agentlint.spec.limits import LIMITS

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "examples").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "fixtures" / "formats").rglob("*.y*ml"))
REGRESSIONS = sorted((ROOT / "tests" / "fixtures" / "fuzz").glob("*.yaml"))
#: Each example is bounded (the optimizer gets 5 s at most), and so is the count.
FAST = 40
FULL = int(os.environ.get("AGENTLINT_FUZZ_EXAMPLES", "700"))


def budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=timedelta(seconds=20),
                    suppress_health_check=list(HealthCheck), derandomize=False)


def within(field: str, high: float | None = None, low: float | None = None
           ) -> st.SearchStrategy[float]:
    """Values the loader accepts for ``field``: drawn from its range in the limits table."""
    limit = LIMITS[field]
    top = limit.high if high is None else min(high, limit.high)
    bottom = limit.low if low is None else max(low, limit.low)
    if limit.whole:
        return st.integers(int(bottom), int(top))
    return st.floats(bottom, top, exclude_min=limit.low_open and bottom == limit.low,
                     allow_nan=False)


def run_all(path: Path, optimize: bool = False, cleanup: bool = False) -> None:
    """Load, lint, estimate (and optionally optimize) one file; SpecError is fine."""
    try:
        _run_all(path, optimize)
    finally:
        if cleanup:
            shutil.rmtree(path.parent, ignore_errors=True)


def _run_all(path: Path, optimize: bool) -> None:
    try:
        wf = load_any(str(path), explicit=True)
    except (SpecError, UsageError):
        return
    if wf is None:
        return
    lint_workflow(wf)
    est = estimate(wf)
    assert est.cost_usd >= 0 and 0 <= est.reliability <= 1
    if optimize and len(wf.steps) <= 12:
        from agentlint.optimizer.run import optimize as run_optimize

        # a deadline, not a benchmark: since the limit covers the whole command, a busy
        # machine ran an 8-step spec past 5 s; 30 s is still far beyond any solve here
        run_optimize(wf, time_limit=30)


def _write(text: str | bytes, suffix: str = ".yaml") -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="agentlint-fuzz-"))
    (tmp / ".git").mkdir()
    path = tmp / f"flow{suffix}"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@st.composite
def specs(draw: st.DrawFn) -> str:
    """Valid specs: models, inputs, steps with references, routers, groups, loops."""
    n = draw(st.integers(1, 8))
    ids = [f"s{i}" for i in range(n)]
    mode = draw(st.sampled_from(["sequential", "dag"]))
    doc: dict = {"agentlint": 1, "name": "fuzz", "execution": mode, "models": {
        "a": {"per_call_usd": draw(within("per_call_usd", 0.1)),
              "per_call_s": draw(within("per_call_s", 5)), "p_ok": draw(within("p_ok", low=0.5))},
        "b": {"input_per_mtok": draw(within("input_per_mtok", 20)),
              "output_per_mtok": draw(within("output_per_mtok", 60)),
              "ttft_s": draw(within("ttft_s", 3)),
              "tokens_per_s": draw(within("tokens_per_s", 500, low=1)),
              "p_ok": draw(within("p_ok", low=0.5))}},
        "inputs": {"q": {"tokens": draw(within("tokens", 10_000))}}, "steps": []}
    for i, sid in enumerate(ids):
        step: dict = {"id": sid, "model": draw(st.sampled_from(["a", "b", "gpt-4o-mini"])),
                      "output_tokens": draw(within("output_tokens", 3000))}
        earlier = ids[:i]
        refs = draw(st.lists(st.sampled_from(earlier), max_size=3)) if earlier else []
        parts = ["Do {{ inputs.q }}"] + [f"{{{{ steps.{r}.output }}}}" for r in refs]
        step["prompt"] = " ".join(parts)
        if draw(st.booleans()):
            step["retries"] = draw(within("retries", 3))
        if draw(st.booleans()):
            step["cache_hit_rate"] = draw(within("cache_hit_rate"))
        if draw(st.booleans()):
            step["parallel"] = draw(st.sampled_from(["g1", "g2"]))
        if draw(st.booleans()):
            step["optional"] = True
        if draw(st.booleans()):
            step["fan_out"] = {"count": draw(within("count", 5))}
        doc["steps"].append(step)
    if n >= 3 and draw(st.booleans()):
        doc["steps"][0]["kind"] = "router"
        doc["steps"][0]["routes"] = ids[1:3]
    if n >= 2 and draw(st.booleans()):
        doc["loops"] = [{"id": "l", "steps": ids[-2:],
                         "max_iterations": draw(within("max_iterations", 5))}]
    if draw(st.booleans()):
        doc["budgets"] = {"cost_usd": draw(within("cost_usd", 1)),
                          "latency_s": draw(within("latency_s", 60)),
                          "reliability": draw(within("reliability", low=0.01))}
    return yaml.safe_dump(doc, sort_keys=False)


def _generated(text: str) -> None:
    run_all(_write(text), optimize=True, cleanup=True)


test_generated_specs = budget(FAST)(given(text=specs())(_generated))
test_generated_specs_full = pytest.mark.slow(budget(FULL)(given(text=specs())(_generated)))


#: Type confusions; numbers are drawn from the field's own range (see _number_for):
#: values out of range are refused before anything else, tests/test_limits.py covers them.
REPLACEMENTS = [None, True, "", "x" * 50, "{{ steps.zz.output }}", [], {},
                {"id": "dup"}, [1, 2], "1.10", "NO"]


def _number_for(key: object, rng: random.Random) -> object:
    """An extreme but accepted value for a numeric field, or a small one elsewhere."""
    limit = LIMITS.get(key) if isinstance(key, str) else None
    if limit is None:
        return rng.choice([0, 1, 1.5])
    low = limit.low if not limit.low_open else limit.low + 1e-9
    value = rng.choice([low, limit.high, (low + limit.high) / 2])
    return int(value) if limit.whole else value


def _mutate(data: object, rng: random.Random) -> object:
    """Drop a key or swap a value for one of another type, somewhere in the tree."""
    nodes: list[tuple[object, object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                nodes.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                nodes.append((node, i))
                walk(v)

    walk(data)
    if not nodes:
        return data
    parent, key = rng.choice(nodes)
    if rng.random() < 0.4 and isinstance(parent, dict):
        del parent[key]
    elif rng.random() < 0.5:
        parent[key] = _number_for(key, rng)  # type: ignore[index]
    else:
        parent[key] = rng.choice(REPLACEMENTS)  # type: ignore[index]
    return data


def _mutated(seed: int, which: int, mode: str) -> None:
    rng = random.Random(seed)
    source = SEEDS[which % len(SEEDS)]
    raw = source.read_bytes()
    if mode == "cut":
        payload: str | bytes = raw[: rng.randrange(1, max(2, len(raw)))]
    elif mode == "bytes":
        buf = bytearray(raw)
        for _ in range(rng.randrange(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        payload = bytes(buf)
    else:
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError:
            return
        payload = yaml.safe_dump(_mutate(data, rng), sort_keys=False)
    path = _write(payload)
    # Keep the name the format is recognised by (flow.dag.yaml, tasks.yaml ...).
    named = path.with_name(source.name)
    path.rename(named)
    run_all(named, cleanup=True)


_MUTATIONS = given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 10_000),
                   mode=st.sampled_from(["mutate", "cut", "bytes"]))
test_mutated_fixtures = budget(FAST)(_MUTATIONS(_mutated))
test_mutated_fixtures_full = pytest.mark.slow(budget(FULL)(_MUTATIONS(_mutated)))


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_regressions(path: Path) -> None:
    run_all(path, optimize=True)


def test_a_number_where_dify_has_a_list() -> None:
    """Found by the fuzzer: a Dify node whose ``variables`` (a list) was mutated into a
    number raised TypeError (an internal error) instead of being read as no variables."""
    _mutated(8041, 8041, "mutate")
