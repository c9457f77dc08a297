"""Model names resolve the way people write them in specs and other frameworks."""

from __future__ import annotations

import pytest

from agentlint.spec import catalog


@pytest.mark.parametrize(("written", "canonical"), [
    ("gpt-35-turbo", "gpt-3.5-turbo"),  # Azure deployment-style spelling
    ("azure/gpt-35-turbo", "gpt-3.5-turbo"),
    ("openai/gpt-4o-mini", "gpt-4o-mini"),
    ("GPT-4o", "gpt-4o"),
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gemini-2.5-flash", "gemini-2.5-flash"),
    ("models/gemini-2.5-pro", "gemini-2.5-pro"),
    ("openrouter/anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"),
    ("deepseek/deepseek-chat", "deepseek-chat"),
])
def test_aliases(written: str, canonical: str) -> None:
    assert catalog.resolve(written) == canonical


def test_unknown_name_is_none() -> None:
    assert catalog.resolve("my-private-finetune") is None
    assert catalog.resolve("openai/") is None


def test_every_vendor_present() -> None:
    providers = {m["provider"] for m in catalog.catalog()["models"].values()}
    for vendor in ("openai", "anthropic", "mistral", "deepseek"):
        assert vendor in providers
    assert any(p in providers for p in ("gemini", "google", "vertex_ai"))
    assert any(p in providers for p in ("groq", "together_ai", "fireworks_ai"))
