"""The vendored model catalog: its shape, its figures and its refresh script."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOG_PATH = ROOT / "agentlint" / "data" / "catalog.json"
SCRIPT_PATH = ROOT / "scripts" / "refresh_catalog.py"

REQUIRED = (
    "provider",
    "input_per_mtok",
    "output_per_mtok",
    "context_window",
    "ttft_s",
    "tokens_per_s",
    "p_ok",
    "source",
    "read",
)
POSITIVE = ("input_per_mtok", "output_per_mtok", "context_window", "ttft_s", "tokens_per_s")


@pytest.fixture(scope="module")
def catalog() -> dict:
    return json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def refresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_catalog", SCRIPT_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_snapshot_block(catalog: dict) -> None:
    snap = catalog["snapshot"]
    assert re.fullmatch(r"[0-9a-f]{40}", snap["commit"])
    assert snap["licence"] == "MIT"
    assert "litellm" in snap["source"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", snap["read"])
    assert snap["commit_date"] == "unknown" or re.fullmatch(
        r"\d{4}-\d{2}-\d{2}", snap["commit_date"]
    )
    assert "estimate" in snap["estimates"]


def test_catalog_size(catalog: dict) -> None:
    assert 60 <= len(catalog["models"]) <= 120


def test_every_model_has_finite_positive_figures(catalog: dict) -> None:
    for name, model in catalog["models"].items():
        assert name == name.lower(), name
        for key in REQUIRED:
            assert key in model, f"{name} lacks {key}"
        for key in POSITIVE:
            value = model[key]
            free = model["provider"] == "ollama" and key.endswith("_per_mtok")  # local: $0
            assert _is_number(value) and math.isfinite(value) and (
                value > 0 or (free and value == 0)), (name, key)
        assert isinstance(model["context_window"], int), name
        p_ok = model["p_ok"]
        assert _is_number(p_ok) and 0 < p_ok <= 1, name
        assert isinstance(model["provider"], str) and model["provider"], name
        assert model["source"].startswith(("litellm@", "listed@")), name


def test_cached_price_not_above_input_price(catalog: dict) -> None:
    for name, model in catalog["models"].items():
        if "cached_input_per_mtok" in model:
            cached = model["cached_input_per_mtok"]
            assert _is_number(cached) and math.isfinite(cached) and cached > 0, name
            assert cached <= model["input_per_mtok"], name


def test_every_alias_targets_a_model(catalog: dict) -> None:
    models = catalog["models"]
    for alias, target in catalog["aliases"].items():
        assert alias == alias.lower(), alias
        assert alias not in models, alias
        assert target in models, (alias, target)


def test_spec_format_examples_are_in_the_catalog(catalog: dict) -> None:
    names = set(catalog["models"]) | set(catalog["aliases"])
    for name in (
        "gpt-4o",
        "gpt-4o-mini",
        "claude-sonnet-4-5",
        "gpt-35-turbo",
        "openai/gpt-4o-mini",
        "gemini-2.5-flash",
        "deepseek-chat",
        "o3",
    ):
        assert name in names, name


def test_per_million_rounds_float_noise(refresh: ModuleType) -> None:
    assert refresh.per_million(1.5e-07) == 0.15
    assert refresh.per_million(1.25e-07) == 0.125
    assert refresh.per_million(3e-06) == 3.0


def test_transform_entry_converts_litellm_layout(refresh: ModuleType) -> None:
    estimate = refresh.Estimate(ttft_s=0.4, tokens_per_s=140.0, p_ok=0.99)
    raw = {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 1.5e-07,
        "output_cost_per_token": 6e-07,
        "cache_read_input_token_cost": 7.5e-08,
        "max_input_tokens": 128000,
        "max_output_tokens": 16384,
        "max_tokens": 16384,
    }
    entry = refresh.transform_entry(
        raw,
        name="sample-mini",
        provider="openai",
        estimate=estimate,
        source="litellm@0000000",
        read_date="2026-11-21",
    )
    # 1.5e-07 USD/token * 1e6 = 0.15 USD per million tokens, and so on.
    assert entry == {
        "provider": "openai",
        "input_per_mtok": 0.15,
        "output_per_mtok": 0.6,
        "cached_input_per_mtok": 0.075,
        "context_window": 128000,
        "ttft_s": 0.4,
        "tokens_per_s": 140.0,
        "p_ok": 0.99,
        "source": "litellm@0000000",
        "read": "2026-11-21",
    }


def test_transform_entry_without_cache_price_or_input_window(refresh: ModuleType) -> None:
    estimate = refresh.Estimate(ttft_s=0.6, tokens_per_s=80.0, p_ok=0.99)
    raw = {
        "mode": "chat",
        "input_cost_per_token": 2.5e-06,
        "output_cost_per_token": 1e-05,
        "max_tokens": 8192,
    }
    entry = refresh.transform_entry(
        raw,
        name="sample",
        provider="example",
        estimate=estimate,
        source="litellm@0000000",
        read_date="2026-11-21",
    )
    assert "cached_input_per_mtok" not in entry
    assert entry["input_per_mtok"] == 2.5
    assert entry["output_per_mtok"] == 10.0
    assert entry["context_window"] == 8192


def test_transform_entry_rejects_non_text_and_free_entries(refresh: ModuleType) -> None:
    estimate = refresh.Estimate(ttft_s=0.6, tokens_per_s=80.0, p_ok=0.99)
    common = {
        "name": "x",
        "provider": "p",
        "estimate": estimate,
        "source": "litellm@0000000",
        "read_date": "2026-11-21",
    }
    with pytest.raises(refresh.CatalogError):
        refresh.transform_entry(
            {
                "mode": "embedding",
                "input_cost_per_token": 1e-07,
                "output_cost_per_token": 0.0,
                "max_tokens": 8191,
            },
            **common,
        )
    with pytest.raises(refresh.CatalogError):
        refresh.transform_entry(
            {
                "mode": "chat",
                "input_cost_per_token": 0,
                "output_cost_per_token": 0,
                "max_tokens": 8191,
            },
            **common,
        )


def test_curated_aliases_point_at_curated_models(refresh: ModuleType) -> None:
    keys = {item.key for item in refresh.CURATED}
    assert len(keys) == len(refresh.CURATED)
    assert set(refresh.ALIASES.values()) <= keys | {item.key for item in refresh.LISTED}
    assert {item.klass for item in refresh.CURATED} <= set(refresh.CLASS_ESTIMATES)
