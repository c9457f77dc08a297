"""``agentlint diff`` for people: per workflow the figures before and after, the
findings new and fixed, then the gate (the thresholds crossed, if any)."""

from __future__ import annotations

from typing import Any

from agentlint.units import percent, points, relative, seconds, usd


def signed_usd(value: float) -> str:
    if value == 0:
        return "$0"
    return ("+" if value > 0 else "-") + usd(abs(value))


def signed_seconds(value: float) -> str:
    if abs(value) < 0.005:
        return "0 s"
    return ("+" if value > 0 else "-") + seconds(abs(value))


def figure_rows(before: Any, after: Any) -> list[tuple[str, str, str, str]]:
    """(figure, before, after, change) with "-" for a missing side."""
    rows = []
    for label, attr, fmt in (("cost per run", "cost_usd", usd), ("latency", "latency_s", seconds),
                             ("reliability", "reliability", percent)):
        a = getattr(before, attr) if before is not None else None
        b = getattr(after, attr) if after is not None else None
        if a is None or b is None:
            change = ""
        elif attr == "cost_usd":
            change = f"{signed_usd(b - a)} ({relative(a, b)})"
        elif attr == "latency_s":
            change = f"{signed_seconds(b - a)} ({relative(a, b)})"
        else:
            change = points(a, b)
        rows.append((label, fmt(a) if a is not None else "-",
                     fmt(b) if b is not None else "-", change))
    return rows


def threshold_change(c: Any) -> str:
    """The crossing's change in its threshold's unit, e.g. ``+30.0 %``."""
    t = c.threshold
    value = c.change
    if t.metric == "reliability":
        value = -value  # shown as the fall it is
    if t.unit == "%":
        return "new" if value == float("inf") else f"{value:+.1f} %"
    if t.unit == "pp":
        return f"{value:+.2f} pp"
    return signed_usd(value) if t.metric == "cost" else signed_seconds(value)


def metric_value(metric: str, e: Any) -> str:
    if metric == "cost":
        return usd(e.cost_usd)
    if metric == "latency":
        return seconds(e.latency_s)
    return percent(e.reliability)


def status_text(wd: Any) -> str:
    if wd.status == "renamed":
        return f"renamed from {wd.old_file}"
    text = wd.status
    if not wd.change.direct and wd.change.via:
        text += " (through " + ", ".join(wd.change.via) + ")"
    elif wd.change.via:
        text += " (and " + ", ".join(wd.change.via) + ")"
    return text


def headline(result: Any) -> str:
    base = result.base
    where = f"{base.ref} ({base.commit[:10]}" + (", merge base)" if base.merge_base else ")")
    n = len(result.workflows)
    if not n:
        return f"agentlint diff: no workflow changed since {where}"
    return f"agentlint diff: {n} workflow{'s' if n != 1 else ''} changed since {where}"


def _finding(f: Any) -> str:
    return f"{f.file}:{f.line}:{f.column}: {f.code} [{f.rule}] {f.message}"


def _table(rows: list[tuple[str, ...]], pad: str = "  ", left: int = 1) -> list[str]:
    """Columns padded to their widest cell: the first ``left`` flush left, numbers right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.ljust(w) if i < left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append((pad + "  ".join(cells)).rstrip())
    return out


def render(result: Any) -> str:
    out = [headline(result)]
    for wd in result.workflows:
        out.append("")
        out.append(f"{wd.file} ({wd.name}): {status_text(wd)}")
        if wd.after_error is not None:
            out.append(f"  cannot be read: {wd.after_error}")
        if wd.before_error is not None:
            out.append(f"  base version cannot be read: {wd.before_error}")
        if wd.before is not None or wd.after is not None:
            out += _table([("", "before", "after", "change"),
                           *figure_rows(wd.before, wd.after)])
        if wd.steps:
            out.append("  steps changed:")
            out += _table([("step", "model", "cost/run", "time", "success"),
                           *(_step_row(s) for s in wd.steps)], pad="    ", left=2)
        if wd.new_findings:
            out.append(f"  new findings ({len(wd.new_findings)}):")
            out += [f"    {_finding(f)}" for f in wd.new_findings]
        if wd.fixed_findings:
            out.append(f"  fixed findings ({len(wd.fixed_findings)}):")
            out += [f"    {_finding(f)}" for f in wd.fixed_findings]
    out += gate_lines(result)
    return "\n".join(out)


def _step_row(s: Any) -> tuple[str, str, str, str, str]:
    b, a = s.before, s.after

    def pair(fmt: Any, attr: str) -> str:
        x = fmt(getattr(b, attr)) if b is not None else "-"
        y = fmt(getattr(a, attr)) if a is not None else "-"
        return x if x == y else f"{x} -> {y}"

    def model(e: Any) -> str:
        return "-" if e is None else (e.model or "-")

    models = model(b) if model(b) == model(a) else f"{model(b)} -> {model(a)}"
    return (s.id, models, pair(usd, "cost_usd"), pair(seconds, "latency_s"),
            pair(percent, "reliability"))


def gate_lines(result: Any) -> list[str]:
    if not result.thresholds:
        return []
    limits = ", ".join(t.text for t in result.thresholds)
    if not result.crossings:
        return ["", f"gate: passed ({limits})"]
    n = len(result.crossings)
    rows = [("workflow", "threshold", "before", "after", "change")]
    for c in result.crossings:
        rows.append((c.file, c.threshold.text, metric_value(c.threshold.metric, c.before),
                     metric_value(c.threshold.metric, c.after), threshold_change(c)))
    return ["", f"gate: FAILED, {n} threshold{'s' if n != 1 else ''} crossed ({limits})",
            *_table(rows, left=2)]
