#!/usr/bin/env python3
"""Regenerate agentlint's built-in model catalog (agentlint/data/catalog.json).

The prices and context windows come from a local copy of litellm's
``model_prices_and_context_window.json`` (https://github.com/BerriAI/litellm,
MIT licence). This script never downloads anything: fetch the file yourself at
the commit you want and pass its path. The time-to-first-token, decode-speed
and success-rate figures are agentlint's own estimates, set by the class rule
in ``CLASS_ESTIMATES`` below (see docs/catalog.md).

Usage::

    python scripts/refresh_catalog.py /tmp/litellm_prices.json \\
        --commit <40-hex litellm commit> --commit-date YYYY-MM-DD \\
        --read-date YYYY-MM-DD

Add ``--check`` to compare with the committed catalog instead of writing it.
The output is deterministic: the same input file and arguments give the same
bytes.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "agentlint" / "data" / "catalog.json"

SOURCE = "BerriAI/litellm model_prices_and_context_window.json"
LICENCE = "MIT"
ESTIMATES_NOTE = (
    "ttft_s, tokens_per_s and p_ok are agentlint estimates, not measurements; see docs/catalog.md"
)

#: litellm modes that describe a text model answering a prompt.
TEXT_MODES = frozenset({"chat", "completion"})

#: Significant digits kept when converting per-token prices to per-million.
PRICE_DIGITS = 6


@dataclass(frozen=True)
class Estimate:
    """agentlint's latency and success estimate for one class of model."""

    ttft_s: float
    tokens_per_s: float
    p_ok: float


#: The estimate rule. Every catalog model belongs to one class; a few carry
#: per-model overrides in ``CURATED``. These are judgement figures for
#: planning, not benchmarks: see docs/catalog.md for what each class means.
CLASS_ESTIMATES: dict[str, Estimate] = {
    # Long hidden reasoning before the first visible token.
    "reasoning": Estimate(ttft_s=2.5, tokens_per_s=45.0, p_ok=0.98),
    # Flagship models (GPT-5 line, Opus, Gemini Pro, Grok flagship).
    "frontier": Estimate(ttft_s=1.5, tokens_per_s=55.0, p_ok=0.985),
    # Mid-size general models (GPT-4o/4.1, Sonnet, Mistral Large/Medium).
    "mid": Estimate(ttft_s=0.6, tokens_per_s=80.0, p_ok=0.99),
    # Small reasoning models (o3-mini, o4-mini, GPT-5 mini/nano).
    "small_reasoning": Estimate(ttft_s=1.0, tokens_per_s=120.0, p_ok=0.985),
    # Small fast models (mini, Haiku, Flash, Mistral Small).
    "small": Estimate(ttft_s=0.4, tokens_per_s=140.0, p_ok=0.99),
    # The smallest, cheapest tier (nano, flash-lite).
    "tiny": Estimate(ttft_s=0.3, tokens_per_s=200.0, p_ok=0.985),
    # Open-weight models on Groq's LPU hosting.
    "groq": Estimate(ttft_s=0.2, tokens_per_s=350.0, p_ok=0.985),
    # Open-weight models on GPU hosts (Together AI).
    "hosted_open": Estimate(ttft_s=0.5, tokens_per_s=90.0, p_ok=0.985),
    # A model on the user's own machine (Ollama): loaded, on a laptop-class GPU.
    "local": Estimate(ttft_s=0.5, tokens_per_s=30.0, p_ok=0.98),
}


#: The quality tier of each class (1 the smallest models .. 4 flagships and reasoning
#: models): what a step's ``min_tier`` is compared with (see docs/optimizer.md).
#: Classes named by their hosting say nothing of size: ``TIER_BY_KEY`` gives those.
CLASS_TIERS: dict[str, int] = {"tiny": 1, "small": 2, "small_reasoning": 2, "mid": 3,
                               "frontier": 4, "reasoning": 4, "local": 1}
TIER_BY_KEY: dict[str, int] = {"llama-3.1-8b": 1, "llama-4-scout": 2, "gpt-oss-20b": 2,
                               "qwen3-32b": 2, "llama-3.3-70b": 3, "llama-3.1-70b": 3,
                               "llama-4-maverick": 3, "gpt-oss-120b": 3, "kimi-k2": 3,
                               "llama-3.1-405b": 3, "open-mixtral-8x7b": 2,
                               "open-mixtral-8x22b": 3}


def tier_of(key: str, klass: str) -> int:
    """The quality tier of catalog model ``key`` of estimate class ``klass``."""
    if key in TIER_BY_KEY:
        return TIER_BY_KEY[key]
    if klass not in CLASS_TIERS:
        raise CatalogError(f"{key}: no tier for class {klass!r}; add it to TIER_BY_KEY")
    return CLASS_TIERS[klass]


@dataclass(frozen=True)
class Curated:
    """One catalog model: where its figures come from and its estimate class."""

    key: str
    litellm_key: str
    provider: str
    klass: str
    #: Another litellm entry of the same model to take the context window from,
    #: for entries that carry prices but no window.
    context_from: str | None = None
    #: Per-model estimate overrides (ttft_s, tokens_per_s, p_ok).
    overrides: Mapping[str, float] = field(default_factory=dict)


def _c(
    key: str,
    provider: str,
    klass: str,
    litellm_key: str | None = None,
    *,
    context_from: str | None = None,
    **overrides: float,
) -> Curated:
    return Curated(
        key=key,
        litellm_key=litellm_key or key,
        provider=provider,
        klass=klass,
        context_from=context_from,
        overrides=overrides,
    )


#: The curated model list: canonical bare name -> litellm entry.
CURATED: tuple[Curated, ...] = (
    # OpenAI
    _c("gpt-3.5-turbo", "openai", "small"),
    _c("gpt-4", "openai", "mid"),
    _c("gpt-4-turbo", "openai", "mid"),
    _c("gpt-4o", "openai", "mid"),
    _c("gpt-4o-mini", "openai", "small"),
    _c("gpt-4.1", "openai", "mid"),
    _c("gpt-4.1-mini", "openai", "small"),
    _c("gpt-4.1-nano", "openai", "tiny"),
    _c("gpt-5", "openai", "frontier"),
    _c("gpt-5-mini", "openai", "small_reasoning"),
    _c("gpt-5-nano", "openai", "small_reasoning", tokens_per_s=160.0),
    _c("gpt-5.1", "openai", "frontier"),
    _c("gpt-5.2", "openai", "frontier"),
    _c("gpt-5.4", "openai", "frontier"),
    _c("gpt-5.4-mini", "openai", "small_reasoning"),
    _c("gpt-5.4-nano", "openai", "small_reasoning", tokens_per_s=160.0),
    _c("gpt-5.5", "openai", "frontier"),
    _c("gpt-5.6", "openai", "frontier"),
    _c("gpt-5.6-terra", "openai", "mid", ttft_s=0.8),
    _c("gpt-5.6-luna", "openai", "small_reasoning"),
    _c("o1", "openai", "reasoning", ttft_s=3.0),
    _c("o3", "openai", "reasoning"),
    _c("o3-mini", "openai", "small_reasoning"),
    _c("o4-mini", "openai", "small_reasoning"),
    # Anthropic (dated keys only where litellm has no undated name)
    _c("claude-opus-4-8", "anthropic", "frontier"),
    _c("claude-opus-4-7", "anthropic", "frontier"),
    _c("claude-opus-4-6", "anthropic", "frontier"),
    _c("claude-opus-4-5", "anthropic", "frontier"),
    _c("claude-opus-4-1", "anthropic", "frontier"),
    _c("claude-opus-4-20250514", "anthropic", "frontier"),
    _c("claude-sonnet-5", "anthropic", "mid"),
    _c("claude-sonnet-4-6", "anthropic", "mid"),
    _c("claude-sonnet-4-5", "anthropic", "mid"),
    _c("claude-sonnet-4-20250514", "anthropic", "mid"),
    _c("claude-haiku-4-5", "anthropic", "small"),
    _c("claude-3-7-sonnet-20250219", "anthropic", "mid"),
    _c("claude-3-opus-20240229", "anthropic", "frontier"),
    _c("claude-3-haiku-20240307", "anthropic", "small"),
    # Claude 3.5 is retired from Anthropic's API; litellm keeps it under Vertex AI.
    _c("claude-3-5-sonnet", "vertex_ai", "mid", "vertex_ai/claude-3-5-sonnet"),
    _c("claude-3-5-haiku", "vertex_ai", "small", "vertex_ai/claude-3-5-haiku"),
    # Google (Gemini API prices)
    _c("gemini-3.1-pro-preview", "google", "frontier", "gemini/gemini-3.1-pro-preview"),
    _c("gemini-3.5-flash", "google", "small", "gemini/gemini-3.5-flash"),
    _c("gemini-3-flash-preview", "google", "small", "gemini/gemini-3-flash-preview"),
    _c("gemini-3.1-flash-lite", "google", "tiny", "gemini/gemini-3.1-flash-lite"),
    _c("gemini-2.5-pro", "google", "frontier", "gemini/gemini-2.5-pro"),
    _c("gemini-2.5-flash", "google", "small", "gemini/gemini-2.5-flash"),
    _c("gemini-2.5-flash-lite", "google", "tiny", "gemini/gemini-2.5-flash-lite"),
    _c("gemini-2.0-flash", "google", "small", "gemini/gemini-2.0-flash"),
    _c("gemini-2.0-flash-lite", "google", "tiny", "gemini/gemini-2.0-flash-lite"),
    # Mistral (its undated API names end in -latest)
    _c("mistral-large-latest", "mistral", "mid", "mistral/mistral-large-latest"),
    _c("mistral-medium-latest", "mistral", "mid", "mistral/mistral-medium-latest"),
    _c("mistral-small-latest", "mistral", "small", "mistral/mistral-small-latest"),
    _c("ministral-8b-latest", "mistral", "small", "mistral/ministral-8b-latest"),
    _c("magistral-medium-latest", "mistral", "reasoning", "mistral/magistral-medium-latest"),
    _c("magistral-small-latest", "mistral", "small_reasoning", "mistral/magistral-small-latest"),
    _c("devstral-latest", "mistral", "mid", "mistral/devstral-latest"),
    _c("codestral-2508", "mistral", "small", "mistral/codestral-2508"),
    _c("open-mistral-nemo", "mistral", "small", "mistral/open-mistral-nemo"),
    _c("open-mixtral-8x22b", "mistral", "mid", "mistral/open-mixtral-8x22b"),
    _c("open-mixtral-8x7b", "mistral", "small", "mistral/open-mixtral-8x7b"),
    # DeepSeek
    _c("deepseek-chat", "deepseek", "mid", "deepseek/deepseek-chat"),
    _c("deepseek-reasoner", "deepseek", "reasoning", "deepseek/deepseek-reasoner"),
    # xAI
    _c("grok-4.5", "xai", "frontier", "xai/grok-4.5"),
    _c("grok-4.3", "xai", "mid", "xai/grok-4.3"),
    _c("grok-4", "xai", "frontier", "xai/grok-4"),
    _c("grok-4-1-fast", "xai", "small", "xai/grok-4-1-fast"),
    _c("grok-code-fast", "xai", "small", "xai/grok-code-fast"),
    # Open-weight models: Groq where it serves the model, else Together AI
    _c("llama-3.1-8b", "groq", "groq", "groq/llama-3.1-8b-instant", tokens_per_s=750.0),
    _c("llama-3.3-70b", "groq", "groq", "groq/llama-3.3-70b-versatile"),
    _c(
        "llama-4-scout",
        "groq",
        "groq",
        "groq/meta-llama/llama-4-scout-17b-16e-instruct",
        tokens_per_s=450.0,
    ),
    _c("llama-4-maverick", "groq", "groq", "groq/meta-llama/llama-4-maverick-17b-128e-instruct"),
    _c("qwen3-32b", "groq", "groq", "groq/qwen/qwen3-32b"),
    _c("gpt-oss-120b", "groq", "groq", "groq/openai/gpt-oss-120b", tokens_per_s=450.0),
    _c("gpt-oss-20b", "groq", "groq", "groq/openai/gpt-oss-20b", tokens_per_s=900.0),
    _c("kimi-k2", "groq", "groq", "groq/moonshotai/kimi-k2-instruct-0905", tokens_per_s=200.0),
    _c(
        "llama-3.1-70b",
        "together_ai",
        "hosted_open",
        "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
        context_from="nebius/meta-llama/Meta-Llama-3.1-70B-Instruct",
    ),
    _c(
        "llama-3.1-405b",
        "together_ai",
        "hosted_open",
        "together_ai/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo",
        context_from="nebius/meta-llama/Meta-Llama-3.1-405B-Instruct",
        ttft_s=0.7,
        tokens_per_s=40.0,
    ),
)

@dataclass(frozen=True)
class Listed:
    """A model litellm's table does not carry (or not at the snapshot), entered by hand
    from a published price list; ``source`` is ``listed@<read date>`` and
    docs/catalog.md names the page each figure was read from."""

    key: str
    provider: str
    klass: str
    input_per_mtok: float
    output_per_mtok: float
    context_window: int
    read: str
    cached_input_per_mtok: float | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)


#: Hand-entered models (see docs/catalog.md, "Models entered by hand").
LISTED: tuple[Listed, ...] = (
    Listed("gpt-4-32k", "openai", "mid", 60.0, 120.0, 32768, "2026-11-30"),
    Listed("glm-4.6", "zai", "mid", 0.6, 2.2, 200000, "2026-11-30",
           cached_input_per_mtok=0.11),
    Listed("glm-4.5", "zai", "mid", 0.6, 2.2, 131072, "2026-11-30"),
    Listed("glm-4.5-air", "zai", "small", 0.2, 1.1, 131072, "2026-11-30",
           cached_input_per_mtok=0.03),
    Listed("qwen3-max", "alibaba", "mid", 1.2, 6.0, 262144, "2026-11-30"),
    # Any model served by a local Ollama: no charge. Its context window is Ollama's
    # default num_ctx and its speed a laptop-class GPU's on an 8B model at 4 bits.
    Listed("ollama-local", "ollama", "local", 0.0, 0.0, 4096, "2026-11-30"),
)

#: Other spellings of catalog models. Keys are lower case. The loader also
#: lower-cases and strips one leading ``provider/`` generically, so only the
#: irregular forms need listing here. Every target must be a catalog key.
ALIASES: dict[str, str] = {
    # OpenAI: Azure deployment names, dated snapshots, -latest names
    "gpt-35-turbo": "gpt-3.5-turbo",
    "gpt-35-turbo-16k": "gpt-3.5-turbo",
    "azure/gpt-35-turbo": "gpt-3.5-turbo",
    "gpt-3.5-turbo-0125": "gpt-3.5-turbo",
    "gpt-4-turbo-2024-04-09": "gpt-4-turbo",
    "gpt-4-turbo-preview": "gpt-4-turbo",
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-2024-11-20": "gpt-4o",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "gpt-4.1-2025-04-14": "gpt-4.1",
    "gpt-4.1-mini-2025-04-14": "gpt-4.1-mini",
    "gpt-4.1-nano-2025-04-14": "gpt-4.1-nano",
    "gpt-5-2025-08-07": "gpt-5",
    "gpt-5-mini-2025-08-07": "gpt-5-mini",
    "gpt-5-nano-2025-08-07": "gpt-5-nano",
    "gpt-5.1-2025-11-13": "gpt-5.1",
    "gpt-5.2-2025-12-11": "gpt-5.2",
    "gpt-5.4-2026-03-05": "gpt-5.4",
    "gpt-5.4-mini-2026-03-17": "gpt-5.4-mini",
    "gpt-5.4-nano-2026-03-17": "gpt-5.4-nano",
    "gpt-5.5-2026-04-23": "gpt-5.5",
    "gpt-5.6-sol": "gpt-5.6",
    "o1-2024-12-17": "o1",
    "o3-2025-04-16": "o3",
    "o3-mini-2025-01-31": "o3-mini",
    "o4-mini-2025-04-16": "o4-mini",
    "openai/gpt-4o-mini": "gpt-4o-mini",
    "openrouter/openai/gpt-4o": "gpt-4o",
    "openrouter/openai/gpt-4o-mini": "gpt-4o-mini",
    "openrouter/openai/gpt-5": "gpt-5",
    # Anthropic: dated names, short names, dotted (OpenRouter-style) names
    "claude-opus-4-7-20260416": "claude-opus-4-7",
    "claude-opus-4-6-20260205": "claude-opus-4-6",
    "claude-opus-4-5-20251101": "claude-opus-4-5",
    "claude-opus-4-1-20250805": "claude-opus-4-1",
    "claude-opus-4": "claude-opus-4-20250514",
    "claude-opus-4-0": "claude-opus-4-20250514",
    "claude-4-opus-20250514": "claude-opus-4-20250514",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "claude-sonnet-4": "claude-sonnet-4-20250514",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-4-sonnet-20250514": "claude-sonnet-4-20250514",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    "claude-3-7-sonnet": "claude-3-7-sonnet-20250219",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-3-opus": "claude-3-opus-20240229",
    "claude-3-opus-latest": "claude-3-opus-20240229",
    "claude-3-haiku": "claude-3-haiku-20240307",
    "claude-opus-4.8": "claude-opus-4-8",
    "claude-opus-4.7": "claude-opus-4-7",
    "claude-opus-4.6": "claude-opus-4-6",
    "claude-opus-4.5": "claude-opus-4-5",
    "claude-opus-4.1": "claude-opus-4-1",
    "claude-sonnet-4.6": "claude-sonnet-4-6",
    "claude-sonnet-4.5": "claude-sonnet-4-5",
    "claude-haiku-4.5": "claude-haiku-4-5",
    "claude-3.7-sonnet": "claude-3-7-sonnet-20250219",
    "claude-3-5-sonnet-latest": "claude-3-5-sonnet",
    "claude-3-5-sonnet-20241022": "claude-3-5-sonnet",
    "claude-3-5-sonnet-20240620": "claude-3-5-sonnet",
    "claude-3-5-sonnet@20240620": "claude-3-5-sonnet",
    "claude-3.5-sonnet": "claude-3-5-sonnet",
    "claude-3-5-haiku-latest": "claude-3-5-haiku",
    "claude-3-5-haiku-20241022": "claude-3-5-haiku",
    "claude-3-5-haiku@20241022": "claude-3-5-haiku",
    "claude-3.5-haiku": "claude-3-5-haiku",
    "anthropic/claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "vertex_ai/claude-sonnet-4-5@20250929": "claude-sonnet-4-5",
    "vertex_ai/claude-opus-4-5@20251101": "claude-opus-4-5",
    "vertex_ai/claude-haiku-4-5@20251001": "claude-haiku-4-5",
    "openrouter/anthropic/claude-sonnet-4.5": "claude-sonnet-4-5",
    "openrouter/anthropic/claude-opus-4.5": "claude-opus-4-5",
    "openrouter/anthropic/claude-haiku-4.5": "claude-haiku-4-5",
    # Google
    "gemini/gemini-2.5-flash": "gemini-2.5-flash",
    "vertex_ai/gemini-2.5-pro": "gemini-2.5-pro",
    "vertex_ai/gemini-2.5-flash": "gemini-2.5-flash",
    "gemini-2.0-flash-001": "gemini-2.0-flash",
    "gemini-2.5-flash-lite-preview-09-2025": "gemini-2.5-flash-lite",
    "gemini-3.1-flash-lite-preview": "gemini-3.1-flash-lite",
    "openrouter/google/gemini-2.5-pro": "gemini-2.5-pro",
    "openrouter/google/gemini-2.5-flash": "gemini-2.5-flash",
    # Mistral: family names and dated names resolve to the current model
    "mistral-large": "mistral-large-latest",
    "mistral-large-3": "mistral-large-latest",
    "mistral-large-2512": "mistral-large-latest",
    "mistral-medium": "mistral-medium-latest",
    "mistral-medium-3-5": "mistral-medium-latest",
    "mistral-medium-2604": "mistral-medium-latest",
    "mistral-small": "mistral-small-latest",
    "mistral-small-2506": "mistral-small-latest",
    "mistral-small-3-2-2506": "mistral-small-latest",
    "ministral-8b": "ministral-8b-latest",
    "ministral-8b-2512": "ministral-8b-latest",
    "magistral-medium": "magistral-medium-latest",
    "magistral-small": "magistral-small-latest",
    "devstral": "devstral-latest",
    "devstral-2512": "devstral-latest",
    "codestral": "codestral-2508",
    "codestral-latest": "codestral-2508",
    "mistral-nemo": "open-mistral-nemo",
    "open-mistral-nemo-2407": "open-mistral-nemo",
    "mixtral-8x7b": "open-mixtral-8x7b",
    "mixtral-8x22b": "open-mixtral-8x22b",
    "mistral/mistral-large-latest": "mistral-large-latest",
    "mistral/codestral-latest": "codestral-2508",
    "openrouter/mistralai/mistral-large": "mistral-large-latest",
    # DeepSeek
    "deepseek/deepseek-chat": "deepseek-chat",
    # DeepSeek's API serves V3 as deepseek-chat and R1 as deepseek-reasoner
    "deepseek-v3": "deepseek-chat",
    "deepseek-r1": "deepseek-reasoner",
    "deepseek-r1-0528": "deepseek-reasoner",
    "deepseek/deepseek-reasoner": "deepseek-reasoner",
    "openrouter/deepseek/deepseek-chat": "deepseek-chat",
    # xAI
    "grok-4-latest": "grok-4",
    "grok-4-0709": "grok-4",
    "grok-4.3-latest": "grok-4.3",
    "grok-4.5-latest": "grok-4.5",
    "grok-4-1-fast-reasoning": "grok-4-1-fast",
    "grok-4-1-fast-non-reasoning": "grok-4-1-fast",
    "grok-code-fast-1": "grok-code-fast",
    "openrouter/x-ai/grok-4": "grok-4",
    # Open-weight models
    "llama-3.1-8b-instant": "llama-3.1-8b",
    "llama-3.1-8b-instruct": "llama-3.1-8b",
    "groq/llama-3.1-8b-instant": "llama-3.1-8b",
    "meta-llama/llama-3.1-8b-instruct": "llama-3.1-8b",
    "openrouter/meta-llama/llama-3.1-8b-instruct": "llama-3.1-8b",
    "llama-3.3-70b-versatile": "llama-3.3-70b",
    "llama-3.3-70b-instruct": "llama-3.3-70b",
    "groq/llama-3.3-70b-versatile": "llama-3.3-70b",
    "meta-llama/llama-3.3-70b-instruct": "llama-3.3-70b",
    "openrouter/meta-llama/llama-3.3-70b-instruct": "llama-3.3-70b",
    "llama-3.1-70b-instruct": "llama-3.1-70b",
    "meta-llama/meta-llama-3.1-70b-instruct-turbo": "llama-3.1-70b",
    "together_ai/meta-llama/meta-llama-3.1-70b-instruct-turbo": "llama-3.1-70b",
    "llama-3.1-405b-instruct": "llama-3.1-405b",
    "meta-llama/meta-llama-3.1-405b-instruct-turbo": "llama-3.1-405b",
    "together_ai/meta-llama/meta-llama-3.1-405b-instruct-turbo": "llama-3.1-405b",
    "llama-4-scout-17b-16e-instruct": "llama-4-scout",
    "meta-llama/llama-4-scout-17b-16e-instruct": "llama-4-scout",
    "groq/meta-llama/llama-4-scout-17b-16e-instruct": "llama-4-scout",
    "llama-4-maverick-17b-128e-instruct": "llama-4-maverick",
    "meta-llama/llama-4-maverick-17b-128e-instruct": "llama-4-maverick",
    "groq/meta-llama/llama-4-maverick-17b-128e-instruct": "llama-4-maverick",
    "qwen/qwen3-32b": "qwen3-32b",
    "groq/qwen/qwen3-32b": "qwen3-32b",
    "groq/openai/gpt-oss-120b": "gpt-oss-120b",
    "groq/openai/gpt-oss-20b": "gpt-oss-20b",
    "kimi-k2-instruct-0905": "kimi-k2",
    "moonshotai/kimi-k2-instruct-0905": "kimi-k2",
    "groq/moonshotai/kimi-k2-instruct-0905": "kimi-k2",
    # hand-entered models: snapshots, Azure deployment names, provider ids
    "gpt-4-0613": "gpt-4",
    "gpt-4-32k-0613": "gpt-4-32k",
    "gpt-4-32k-0314": "gpt-4-32k",
    "gpt-35-turbo-0125": "gpt-3.5-turbo",
    "zai/glm-4.6": "glm-4.6",
    "z-ai/glm-4.6": "glm-4.6",
    "zai/glm-4.5": "glm-4.5",
    "zai/glm-4.5-air": "glm-4.5-air",
    "z-ai/glm-4.5-air": "glm-4.5-air",
    "dashscope/qwen3-max": "qwen3-max",
    "alibaba/qwen3-max": "qwen3-max",
}

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CatalogError(ValueError):
    """The litellm file lacks, or has unusable, data for a curated model."""


def per_million(cost_per_token: float) -> float:
    """USD per token -> USD per million tokens, rounded to 6 significant digits.

    The rounding removes float noise such as ``0.15000000000000002``.
    """
    value = float(cost_per_token) * 1_000_000
    return float(f"{value:.{PRICE_DIGITS}g}")


def _positive_price(raw: Mapping[str, Any], field_name: str, name: str) -> float:
    value = raw.get(field_name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CatalogError(f"{name}: litellm gives no {field_name}")
    price = per_million(value)
    if not math.isfinite(price) or price <= 0:
        raise CatalogError(f"{name}: {field_name} is not a positive price ({value!r})")
    return price


def _window(raw: Mapping[str, Any]) -> int | None:
    for field_name in ("max_input_tokens", "max_tokens"):
        value = raw.get(field_name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return int(value)
    return None


def transform_entry(
    raw: Mapping[str, Any],
    *,
    name: str,
    provider: str,
    estimate: Estimate,
    source: str,
    read_date: str,
    context_fallback: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Turn one litellm entry (per-token layout) into one catalog entry.

    Pure: no I/O. Prices become USD per million tokens; ``cached_input_per_mtok``
    is present only when litellm has a positive cache-read price; the context
    window is ``max_input_tokens``, else ``max_tokens`` (of ``raw``, then of
    ``context_fallback``).
    """
    mode = raw.get("mode")
    if mode not in TEXT_MODES:
        raise CatalogError(f"{name}: litellm mode is {mode!r}, not chat or completion")
    entry: dict[str, Any] = {
        "provider": provider,
        "input_per_mtok": _positive_price(raw, "input_cost_per_token", name),
        "output_per_mtok": _positive_price(raw, "output_cost_per_token", name),
    }
    cached = raw.get("cache_read_input_token_cost")
    if isinstance(cached, int | float) and not isinstance(cached, bool) and cached > 0:
        entry["cached_input_per_mtok"] = per_million(cached)
    window = _window(raw)
    if window is None and context_fallback is not None:
        window = _window(context_fallback)
    if window is None:
        raise CatalogError(f"{name}: litellm gives no context window")
    entry["context_window"] = window
    entry["ttft_s"] = estimate.ttft_s
    entry["tokens_per_s"] = estimate.tokens_per_s
    entry["p_ok"] = estimate.p_ok
    entry["source"] = source
    entry["read"] = read_date
    return entry


def estimate_for(item: Curated) -> Estimate:
    """The class estimate of ``item`` with its per-model overrides applied."""
    base = CLASS_ESTIMATES[item.klass]
    values = {"ttft_s": base.ttft_s, "tokens_per_s": base.tokens_per_s, "p_ok": base.p_ok}
    unknown = set(item.overrides) - set(values)
    if unknown:
        raise CatalogError(f"{item.key}: unknown estimate override(s) {sorted(unknown)}")
    values.update(item.overrides)
    return Estimate(**values)


def listed_entry(item: Listed) -> dict[str, Any]:
    """The catalog entry of a hand-entered model (same fields as a litellm one)."""
    base = CLASS_ESTIMATES[item.klass]
    values = {"ttft_s": base.ttft_s, "tokens_per_s": base.tokens_per_s, "p_ok": base.p_ok}
    values.update(item.overrides)
    entry: dict[str, Any] = {"provider": item.provider,
                             "input_per_mtok": item.input_per_mtok,
                             "output_per_mtok": item.output_per_mtok}
    if item.cached_input_per_mtok is not None:
        entry["cached_input_per_mtok"] = item.cached_input_per_mtok
    entry["context_window"] = item.context_window
    entry.update(values)
    entry["source"] = f"listed@{item.read}"
    entry["read"] = item.read
    return entry


def build_catalog(
    prices: Mapping[str, Any],
    *,
    commit: str,
    commit_date: str,
    read_date: str,
    curated: Sequence[Curated] = CURATED,
    aliases: Mapping[str, str] = ALIASES,
    listed: Sequence[Listed] = LISTED,
) -> dict[str, Any]:
    """Build the whole catalog document from litellm's parsed price map."""
    if not _HEX40.match(commit):
        raise CatalogError(f"commit must be 40 lower-case hex digits, got {commit!r}")
    if not _DATE.match(read_date):
        raise CatalogError(f"read date must be YYYY-MM-DD, got {read_date!r}")
    if commit_date != "unknown" and not _DATE.match(commit_date):
        raise CatalogError(f"commit date must be YYYY-MM-DD or 'unknown', got {commit_date!r}")
    source = f"litellm@{commit[:7]}"
    models: dict[str, dict[str, Any]] = {}
    for item in curated:
        if item.key in models:
            raise CatalogError(f"{item.key}: listed twice")
        raw = prices.get(item.litellm_key)
        if not isinstance(raw, Mapping):
            raise CatalogError(f"{item.key}: no litellm entry {item.litellm_key!r}")
        fallback = None
        if item.context_from is not None:
            fallback = prices.get(item.context_from)
            if not isinstance(fallback, Mapping):
                raise CatalogError(f"{item.key}: no litellm entry {item.context_from!r}")
        models[item.key] = transform_entry(
            raw,
            name=item.key,
            provider=item.provider,
            estimate=estimate_for(item),
            source=source,
            read_date=read_date,
            context_fallback=fallback,
        )
        models[item.key]["tier"] = tier_of(item.key, item.klass)
    for item in listed:
        if item.key in models:
            raise CatalogError(f"{item.key}: listed twice")
        models[item.key] = listed_entry(item)
        models[item.key]["tier"] = tier_of(item.key, item.klass)
    checked_aliases: dict[str, str] = {}
    for alias, target in aliases.items():
        if alias != alias.lower():
            raise CatalogError(f"alias {alias!r} is not lower case")
        if alias in models:
            raise CatalogError(f"alias {alias!r} shadows a catalog model")
        if target not in models:
            raise CatalogError(f"alias {alias!r} points at unknown model {target!r}")
        checked_aliases[alias] = target
    return {
        "snapshot": {
            "source": SOURCE,
            "commit": commit,
            "commit_date": commit_date,
            "read": read_date,
            "licence": LICENCE,
            "estimates": ESTIMATES_NOTE,
        },
        "models": models,
        "aliases": checked_aliases,
    }


def render(catalog: Mapping[str, Any]) -> str:
    """The catalog as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(catalog, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Regenerate agentlint/data/catalog.json from a local copy of "
        "litellm's model_prices_and_context_window.json.",
    )
    parser.add_argument("prices", type=Path, help="path of the local litellm price file")
    parser.add_argument("--commit", required=True, help="litellm commit the file was read at")
    parser.add_argument(
        "--commit-date",
        default="unknown",
        help="date of that commit, YYYY-MM-DD (default: unknown)",
    )
    parser.add_argument("--read-date", required=True, help="date the file was read, YYYY-MM-DD")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the output file differs from what would be written",
    )
    args = parser.parse_args(argv)

    with args.prices.open(encoding="utf-8") as handle:
        prices = json.load(handle)
    try:
        catalog = build_catalog(
            prices,
            commit=args.commit.lower(),
            commit_date=args.commit_date,
            read_date=args.read_date,
        )
    except CatalogError as exc:
        print(f"refresh_catalog: {exc}", file=sys.stderr)
        return 2
    text = render(catalog)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"refresh_catalog: {args.output} is out of date", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(catalog['models'])} models)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(
        f"wrote {args.output}: {len(catalog['models'])} models, {len(catalog['aliases'])} aliases"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
