"""Units: how dollars, seconds, percentages, chains and changes are written.

Used by the rules (their messages) and by the reports alike; JSON output
stays unrounded.
"""

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


def relative(a: float, b: float) -> str:
    """The change from ``a`` to ``b`` in per cent of ``a`` (signed as the change is)."""
    if a == b:
        return "0 %"
    if a == 0:
        return "new"
    return f"{(b - a) / abs(a) * 100:+.1f} %"


def points(a: float, b: float) -> str:
    """The change from ``a`` to ``b`` (fractions) in percentage points."""
    d = (b - a) * 100
    if abs(d) < 0.005:
        return "0 pp" if d == 0 else f"{d:+.4f} pp"
    return f"{d:+.2f} pp"
