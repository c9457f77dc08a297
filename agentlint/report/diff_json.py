"""``agentlint diff --format json``: one object, figures unrounded.

```
{"base": {"ref", "commit", "merge_base"},
 "workflows": [{"file", "old_file", "status", "via", "name", "format",
                "before": <estimate> | null, "after": <estimate> | null,
                "before_error": str | null, "after_error": str | null,
                "delta": {"cost_usd": {"change", "percent"}, "latency_s": {...},
                          "reliability": {"change_pp", "percent"}} | null,
                "steps": [{"id", "before": <step> | null, "after": <step> | null}],
                "new_findings": [<finding>], "fixed_findings": [<finding>]}],
 "thresholds": [{"text", "metric", "unit", "limit"}],
 "crossed": [{"file", "threshold", "metric", "unit", "before", "after", "change"}],
 "failed": bool,
 "errors": [<finding>]}
```

``errors`` holds the changed specs that cannot be read, each an AL000
``load-error`` finding in the shape of ``lint --format json`` (the run exits 2).

In ``crossed``, ``before`` and ``after`` are the metric's figures and
``change`` is in the threshold's unit ("%", "pp", or "abs": USD or seconds),
positive for the worse (a fall, for reliability); null for a rise from 0.

``<estimate>`` has the keys of ``agentlint estimate --format json``; a
``<finding>`` those of ``agentlint lint --format json`` plus ``key``.
``percent`` is null when the base figure is 0.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentlint.metrics import METRICS
from agentlint.report import load_error
from agentlint.report.json_report import element

if TYPE_CHECKING:
    from agentlint.ci.diff import DiffResult
    from agentlint.graph.estimate import Estimate
    from agentlint.lint.registry import Finding


def _finding(f: Finding) -> dict[str, Any]:
    return {**f.to_json(), "key": f.key}


def _percent(a: float, b: float) -> float | None:
    if a == 0:
        return 0.0 if b == 0 else None
    return (b - a) / abs(a) * 100


def _delta(before: Estimate | None, after: Estimate | None) -> dict[str, Any] | None:
    if before is None or after is None:
        return None
    out: dict[str, Any] = {}
    for m in METRICS:
        a, b = m.of(before), m.of(after)
        # a fraction changes by percentage points
        change = {"change_pp": (b - a) * 100} if m.unit == "fraction" else {"change": b - a}
        out[m.name] = {**change, "percent": _percent(a, b)}
    return out


def build(result: DiffResult) -> dict[str, Any]:
    workflows = []
    for wd in result.workflows:
        workflows.append({
            "file": wd.file,
            "old_file": wd.old_file,
            "status": wd.status,
            "via": list(wd.change.via),
            "name": wd.name,
            "format": wd.format,
            "before": wd.before.to_json() if wd.before is not None else None,
            "after": wd.after.to_json() if wd.after is not None else None,
            "before_error": wd.before_error,
            "after_error": str(wd.after_error) if wd.after_error is not None else None,
            "delta": _delta(wd.before, wd.after),
            "steps": [{"id": s.id,
                       "before": s.before.to_json() if s.before is not None else None,
                       "after": s.after.to_json() if s.after is not None else None}
                      for s in wd.steps],
            "new_findings": [_finding(f) for f in wd.new_findings],
            "fixed_findings": [_finding(f) for f in wd.fixed_findings],
        })
    crossed = []
    for c in result.crossings:
        m = c.threshold.measure
        change = c.change
        crossed.append({"file": c.file, "threshold": c.threshold.text,
                        "metric": c.threshold.metric,
                        "before": m.of(c.before), "after": m.of(c.after),
                        "change": None if change == float("inf") else change,
                        "unit": c.threshold.unit})
    return {
        "base": {"ref": result.base.ref, "commit": result.base.commit,
                 "merge_base": result.base.merge_base},
        "workflows": workflows,
        "thresholds": [t.to_json() for t in result.thresholds],
        "crossed": crossed,
        "failed": result.failed,
        "errors": _errors(result),
    }


def _errors(result: DiffResult) -> list[dict[str, Any]]:
    return [element(load_error.finding(e)) for e in result.errors]


def render(result: DiffResult) -> str:
    return json.dumps(build(result), indent=2)
