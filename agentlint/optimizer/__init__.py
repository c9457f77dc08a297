"""The optimizer: a MILP over model routing, retries, parallel grouping and step cuts.

``optimize(wf)`` proposes the change to a workflow that meets its budgets
best (see docs/optimizer.md). PuLP is imported only when a solve starts, so
importing this package costs nothing for ``lint`` and ``estimate``.
"""

from __future__ import annotations

from typing import Any

from agentlint.metrics import METRICS

__all__ = ["OBJECTIVES", "optimize"]

#: ``default``: least change (quality lost, then edits, then cost); else one metric
OBJECTIVES = ("default", *(m.short for m in METRICS))


def optimize(wf: Any, **kwargs: Any) -> Any:
    from agentlint.optimizer.run import optimize as run  # on first use: see above

    return run(wf, **kwargs)
