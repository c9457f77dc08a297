"""How figures are shown to people (JSON output stays unrounded)."""

from __future__ import annotations


def usd(value: float) -> str:
    if value == 0:
        return "$0"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 1:
        return f"${value:.2f}"
    return f"${value:.4g}" if abs(value) >= 0.0001 else f"${value:.2e}"


def seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    return f"{value:.2f} s"


def percent(value: float) -> str:
    if value >= 0.9999 and value < 1:
        return f"{value * 100:.3f} %"
    if 0 < value < 0.0001:  # 0.00 % would hide the difference between two tiny figures
        return f"{value * 100:.2e} %"
    return f"{value * 100:.2f} %"


def chain(ids: list[str], keep: int = 4) -> str:
    """``a -> b -> ... -> z`` with the middle elided, so a message stays one readable line."""
    if len(ids) <= 2 * keep + 1:
        return " -> ".join(ids)
    hidden = len(ids) - 2 * keep
    return " -> ".join([*ids[:keep], f"... ({hidden} more)", *ids[-keep:]])


def budget_value(name: str, value: float) -> str:
    if name == "cost_usd":
        return usd(value)
    if name == "latency_s":
        return seconds(value)
    return percent(value)
