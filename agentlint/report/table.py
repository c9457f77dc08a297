"""The pieces every text report is made of: aligned columns, colour, budget lines."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from agentlint import escape

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from agentlint.graph.estimate import BudgetCheck


def paint(text: str, code: str, color: bool) -> str:
    """``text`` in the ANSI style ``code`` (``"1"`` bold, ``"31;1"`` bold red), if ``color``."""
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def columns(rows: Sequence[Sequence[str]], right: Collection[int] = (), *, pad: str = "",
            sep: str = "  ", minimum: Sequence[int] = ()) -> list[str]:
    """Rows as lines of columns padded to their widest cell (at least ``minimum``).

    Columns whose index is in ``right`` are flush right (numbers), the others flush
    left; each line starts with ``pad`` and loses its trailing blanks.
    """
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, least in enumerate(minimum):
        widths[i] = max(widths[i], least)
    out = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append((pad + sep.join(cells)).rstrip())
    return out


def budget_lines(budgets: Iterable[BudgetCheck], color: bool) -> list[str]:
    """``budget cost_usd: $0.04 <= $0.05: pass``, one line per budget."""
    out = []
    for b in budgets:
        m = b.metric
        verdict = paint("pass", "32", color) if b.ok else paint("FAIL", "31;1", color)
        out.append(f"budget {escape.text(b.name)}: {m.text(b.actual)} {m.relation} "
                   f"{m.text(b.limit)}: {verdict}")
    return out
