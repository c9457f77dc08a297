"""How often agentlint is right on real workflow files: a labelled precision benchmark.

Run from the repository root::

    python benchmarks/precision.py                 # the table
    python benchmarks/precision.py --json          # the same figures, machine-readable
    python benchmarks/precision.py --only promptflow/basic --only crewai/debate
    python benchmarks/precision.py --jobs 2       # two workflows at a time

About 160 short processes: some 90 s on one core.

The corpus is ``benchmarks/corpus/<format>/<name>/`` (real files from public
repositories, each workflow with its layout; sources and licences in
``benchmarks/corpus/SOURCES.md``). ``benchmarks/labels.yaml`` says, for each
workflow, what a careful reader of the file and of its framework's documentation
expects:

- ``expect``: ``read`` (a valid workflow agentlint reads), ``refused`` (invalid:
  exit 2 with one ``file:line:col: reason`` line; ``error_line`` is the line it
  should name) or ``skipped`` (not a workflow agentlint reads);
- ``must``: the warnings and errors that must appear (``rule`` code, ``line`` in
  ``file``); ``may``: findings a careful reader cannot call right or wrong (they
  count neither way); ``must_not``: tempting findings that would be wrong. On a
  workflow that is read the ``must`` list is complete: any other warning or
  error is a false positive;
- ``unscored`` (top level): rules whose findings no reader can call right or
  wrong from the file (they rest on catalog figures); they are counted apart;
- ``model_calls``: expected model calls per run (the framework's semantics, plus
  agentlint's documented assumptions where the framework leaves a figure open,
  such as three calls for an agent with tools); ``critical_path``: the step ids on
  the longest path, where it is clear.

For each workflow the script runs ``agentlint lint --format json`` and
``agentlint estimate --format json`` (with ``--input-format`` where the label gives
one) as real processes, in the corpus folder. Exit 2 from ``lint`` means refused.
A file ``lint`` accepts but ``estimate`` refuses was skipped: ``lint`` passes over
a file it does not recognise, while ``estimate``, given the file explicitly,
reads it as a native spec and refuses it.

Scoring: info findings are not scored. A warning or error on a workflow labelled
``read`` is a true positive when it matches a ``must`` entry (same rule, same
line, same file when the entry names one; each entry matches once), ignored when
it matches a ``may`` entry, else a false positive; an unmatched ``must`` entry is
a false negative. Every warning or error on a workflow not labelled ``read`` is a
false positive. Precision is TP / (TP + FP), recall TP / (TP + FN).

The script is a measurement: it exits 0 whatever the figures (2 only when its
own labels cannot be read).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SCORED = ("warning", "error")
OUTCOMES = ("read", "refused", "skipped")
#: what a run can give: a labelled outcome, or a crash (a traceback, an exit code
#: agentlint does not document, output that is not JSON)
RESULTS = (*OUTCOMES, "crashed")
#: the file outcomes that disagree with the labels, as the table names them
MISMATCHES = (
    ("valid_refused", "valid but refused"),
    ("valid_skipped", "valid but skipped"),
    ("invalid_read", "invalid but read"),
    ("invalid_skipped", "invalid but skipped"),
    ("non_workflow_read", "not a workflow but read"),
    ("non_workflow_refused", "not a workflow but refused"),
    ("crashed", "crashed"),
)
#: two call counts agree when they differ by at most this share (and 0.01 absolute)
CALLS_TOLERANCE = 0.01


@dataclass
class Expected:
    """One labelled finding: a rule at a line (of a file, when named)."""

    rule: str
    line: int | None = None
    file: str | None = None
    step: str | None = None

    def matches(self, finding: dict[str, Any]) -> bool:
        if finding.get("code") != self.rule and finding.get("rule") != self.rule:
            return False
        if self.line is not None and finding.get("line") != self.line:
            return False
        if self.file is not None:
            where = str(finding.get("file", "")).replace("\\", "/")
            if not (where == self.file or where.endswith("/" + self.file)):
                return False
        return True


@dataclass
class Label:
    """What one workflow should give, read from the labels file."""

    id: str
    path: str
    expect: str
    input_format: str | None = None
    must: list[Expected] = field(default_factory=list)
    may: list[Expected] = field(default_factory=list)
    must_not: list[Expected] = field(default_factory=list)
    model_calls: float | None = None
    critical_path: list[str] | None = None
    error_line: int | None = None


@dataclass
class Run:
    """What agentlint gave on one workflow."""

    outcome: str
    findings: list[dict[str, Any]]
    error: str = ""
    estimate: dict[str, Any] | None = None


class LabelError(Exception):
    pass


def _expected(raw: object, where: str) -> list[Expected]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise LabelError(f"{where}: expected a list")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            raise LabelError(f"{where}: each entry needs a rule")
        line = item.get("line")
        if line is not None and not isinstance(line, int):
            raise LabelError(f"{where}: line must be a number")
        out.append(Expected(item["rule"], line, item.get("file"), item.get("step")))
    return out


def load_labels(path: Path) -> tuple[list[Label], set[str]]:
    """The workflows of a labels file, in order, and the rules it leaves unscored."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("workflows"), list):
        raise LabelError(f"{path}: expected a mapping with a workflows: list")
    unscored = data.get("unscored") or []
    if not isinstance(unscored, list) or not all(isinstance(r, str) for r in unscored):
        raise LabelError(f"{path}: unscored must be a list of rule codes")
    labels: list[Label] = []
    seen: set[str] = set()
    for raw in data["workflows"]:
        if not isinstance(raw, dict):
            raise LabelError(f"{path}: each workflow is a mapping")
        wid, wpath, expect = raw.get("id"), raw.get("path"), raw.get("expect")
        if not isinstance(wid, str) or not isinstance(wpath, str) or expect not in OUTCOMES:
            raise LabelError(f"{path}: workflow {wid!r} needs id, path and expect in {OUTCOMES}")
        if wid in seen:
            raise LabelError(f"{path}: workflow {wid!r} is labelled twice")
        seen.add(wid)
        calls = raw.get("model_calls")
        path_ = raw.get("critical_path")
        labels.append(Label(
            id=wid, path=wpath, expect=expect, input_format=raw.get("input_format"),
            must=_expected(raw.get("must"), f"{wid}.must"),
            may=_expected(raw.get("may"), f"{wid}.may"),
            must_not=_expected(raw.get("must_not"), f"{wid}.must_not"),
            model_calls=float(calls) if calls is not None else None,
            critical_path=[str(s) for s in path_] if isinstance(path_, list) else None,
            error_line=raw.get("error_line"),
        ))
    return labels, set(unscored)


def agentlint(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentlint", *args], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def run_one(label: Label, corpus: Path) -> Run:
    """Run ``lint`` and ``estimate`` on one workflow and classify the outcome."""
    fmt = ["--input-format", label.input_format] if label.input_format else []
    lint = agentlint(["lint", "--format", "json", *fmt, label.path], corpus)
    if lint.returncode == 2:
        return Run("refused", [], error=lint.stderr.strip())
    try:
        if lint.returncode not in (0, 1):
            raise ValueError(f"lint exited {lint.returncode}")
        findings = json.loads(lint.stdout or "[]")
        est = agentlint(["estimate", "--format", "json", *fmt, label.path], corpus)
        if est.returncode == 2:
            return Run("skipped", findings)
        if est.returncode not in (0, 1):
            raise ValueError(f"estimate exited {est.returncode}")
        data = json.loads(est.stdout)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        tail = (lint.stderr.strip().splitlines() or [""])[-1]
        return Run("crashed", [], error=f"{exc}: {tail}".strip())
    estimate = data[0] if isinstance(data, list) else data
    return Run("read", findings, estimate=estimate)


def model_calls(estimate: dict[str, Any]) -> float:
    """Expected model calls per run: the calls of the steps that have a model."""
    return sum(float(s.get("calls", 0)) for s in estimate.get("steps", []) if s.get("model"))


def error_line(message: str) -> int | None:
    """The line number of a ``file:line:col: reason`` error."""
    first = message.splitlines()[0] if message else ""
    parts = first.split(":")
    for i in range(len(parts) - 2):
        if parts[i + 1].isdigit() and parts[i + 2].isdigit():
            return int(parts[i + 1])
    return None


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": ratio(self.tp, self.tp + self.fp),
                "recall": ratio(self.tp, self.tp + self.fn)}


def score(label: Label, run: Run, rules: dict[str, Tally],
          unscored: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Match one workflow's findings against its labels; add to ``rules``."""
    graded = [f for f in run.findings if f.get("severity") in SCORED]
    scored = [f for f in graded if f.get("code") not in unscored]
    tp: list[dict[str, Any]] = []
    fp: list[dict[str, Any]] = []
    debatable: list[dict[str, Any]] = []
    open_must = ([e for e in label.must if e.rule not in unscored]
                 if label.expect == "read" else [])
    open_may = list(label.may) if label.expect == "read" else []
    for f in scored:
        hit = next((e for e in open_must if e.matches(f)), None)
        if hit is not None:
            open_must.remove(hit)
            tp.append(f)
            continue
        maybe = next((e for e in open_may if e.matches(f)), None)
        if maybe is not None:
            open_may.remove(maybe)
            debatable.append(f)
            continue
        fp.append(f)
    for f in tp:
        rules.setdefault(f["code"], Tally()).tp += 1
    for f in fp:
        rules.setdefault(f["code"], Tally()).fp += 1
    for e in open_must:
        rules.setdefault(e.rule, Tally()).fn += 1

    def brief(f: dict[str, Any]) -> str:
        return f"{f.get('code')} {f.get('file')}:{f.get('line')}"

    out: dict[str, Any] = {
        "id": label.id, "expect": label.expect, "outcome": run.outcome,
        "tp": [brief(f) for f in tp], "fp": [brief(f) for f in fp],
        "fn": [f"{e.rule} line {e.line}" + (f" ({e.step})" if e.step else "")
               for e in open_must],
        "debatable": [brief(f) for f in debatable],
        "unscored": [brief(f) for f in graded if f.get("code") in unscored],
    }
    if run.error:
        out["error"] = run.error
        if run.outcome == "refused" and label.error_line is not None:
            out["error_line_ok"] = error_line(run.error) == label.error_line
    if label.model_calls is not None:
        got = model_calls(run.estimate) if run.estimate is not None else None
        out["model_calls"] = {"expected": label.model_calls, "got": got,
                              "agree": got is not None and abs(got - label.model_calls)
                              <= max(0.01, CALLS_TOLERANCE * label.model_calls)}
    if label.critical_path is not None:
        got_path = run.estimate.get("critical_path") if run.estimate is not None else None
        out["critical_path"] = {"expected": label.critical_path, "got": got_path,
                                "agree": got_path == label.critical_path}
    return out


def summarise(labels: list[Label], runs: list[Run],
              unscored: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every figure the table prints, from the labels and the runs."""
    rules: dict[str, Tally] = {}
    workflows = [score(lb, rn, rules, unscored) for lb, rn in zip(labels, runs, strict=True)]
    left_out: dict[str, int] = {}
    for w in workflows:
        for item in w["unscored"]:
            code = item.split(" ", 1)[0]
            left_out[code] = left_out.get(code, 0) + 1
    total = Tally(sum(t.tp for t in rules.values()), sum(t.fp for t in rules.values()),
                  sum(t.fn for t in rules.values()))
    n = len(labels)
    matrix = {e: {o: 0 for o in RESULTS} for e in OUTCOMES}
    for lb, rn in zip(labels, runs, strict=True):
        matrix[lb.expect][rn.outcome] += 1
    actual = {o: sum(matrix[e][o] for e in OUTCOMES) for o in RESULTS}
    calls = [w["model_calls"] for w in workflows if "model_calls" in w]
    paths = [w["critical_path"] for w in workflows if "critical_path" in w]
    lines = [w["error_line_ok"] for w in workflows if "error_line_ok" in w]

    def ids(expect: str, outcome: str) -> list[str]:
        return [w["id"] for w in workflows if w["expect"] == expect and w["outcome"] == outcome]

    return {
        "workflows_total": n,
        "rules": {code: rules[code].to_json() for code in sorted(rules)},
        "overall": total.to_json(),
        "unscored": {code: left_out.get(code, 0) for code in sorted(unscored)},
        "debatable": sum(len(w["debatable"]) for w in workflows),
        "files": {
            "expected": {e: sum(matrix[e].values()) for e in OUTCOMES},
            "actual": actual,
            "share": {o: ratio(actual[o], n) for o in RESULTS},
            "matrix": matrix,
            "agree": sum(matrix[o][o] for o in OUTCOMES),
            "valid_refused": ids("read", "refused"),
            "valid_skipped": ids("read", "skipped"),
            "invalid_read": ids("refused", "read"),
            "invalid_skipped": ids("refused", "skipped"),
            "non_workflow_read": ids("skipped", "read"),
            "non_workflow_refused": ids("skipped", "refused"),
            "crashed": [w["id"] for w in workflows if w["outcome"] == "crashed"],
            "error_line_agree": sum(lines), "error_line_labelled": len(lines),
        },
        "model_calls": {"labelled": len(calls), "agree": sum(c["agree"] for c in calls),
                        "share": ratio(sum(c["agree"] for c in calls), len(calls))},
        "critical_path": {"labelled": len(paths), "agree": sum(p["agree"] for p in paths),
                          "share": ratio(sum(p["agree"] for p in paths), len(paths))},
        "details": workflows,
    }


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def render(s: dict[str, Any]) -> str:
    """The text table."""
    out = [f"{'rule':<8}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}"]
    for code, t in s["rules"].items():
        out.append(f"{code:<8}{t['tp']:>5}{t['fp']:>5}{t['fn']:>5}"
                   f"{pct(t['precision']):>11}{pct(t['recall']):>8}")
    o = s["overall"]
    out.append(f"{'all':<8}{o['tp']:>5}{o['fp']:>5}{o['fn']:>5}"
               f"{pct(o['precision']):>11}{pct(o['recall']):>8}")
    out.append("")
    out.append(f"precision on warnings and errors: {pct(o['precision'])} "
               f"({o['tp']} right of {o['tp'] + o['fp']}); recall {pct(o['recall'])}")
    left = ", ".join(f"{code} {n}" for code, n in s["unscored"].items())
    out.append(f"not scored: {s['debatable']} findings labelled debatable"
               + (f"; unscored rules: {left}" if left else ""))
    f = s["files"]
    n = s["workflows_total"]
    out.append(f"files: {n} labelled ({f['expected']['read']} valid, "
               f"{f['expected']['refused']} invalid, {f['expected']['skipped']} not workflows); "
               + ", ".join(f"{o} {f['actual'][o]} ({pct(f['share'][o])})" for o in RESULTS)
               + f"; outcome as labelled {f['agree']}/{n}")
    for key, text in MISMATCHES:
        out.append(f"  {text}: {', '.join(f[key]) if f[key] else 'none'}")
    if f["error_line_labelled"]:
        out.append(f"  refusals at the labelled line: {f['error_line_agree']}/"
                   f"{f['error_line_labelled']}")
    c, p = s["model_calls"], s["critical_path"]
    out.append(f"model calls per run: {c['agree']}/{c['labelled']} agree ({pct(c['share'])})")
    for w in s["details"]:
        mc = w.get("model_calls")
        if mc and not mc["agree"]:
            got = "-" if mc["got"] is None else f"{mc['got']:g}"
            out.append(f"  {w['id']}: expected {mc['expected']:g}, got {got}")
    out.append(f"critical path: {p['agree']}/{p['labelled']} agree ({pct(p['share'])})")
    for w in s["details"]:
        cp = w.get("critical_path")
        if cp and not cp["agree"]:
            out.append(f"  {w['id']}: expected {' > '.join(cp['expected'])}, "
                       f"got {' > '.join(cp['got'] or ['-'])}")
    out.append("")
    out.append("false positives and negatives:")
    for w in s["details"]:
        for kind in ("fp", "fn"):
            for item in w[kind]:
                out.append(f"  {kind.upper()} {w['id']}: {item}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--labels", type=Path, default=HERE / "labels.yaml")
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus")
    ap.add_argument("--only", action="append", default=[], metavar="ID",
                    help="benchmark only this workflow (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="workflows run at a time")
    args = ap.parse_args(argv)
    try:
        labels, unscored = load_labels(args.labels)
    except (OSError, yaml.YAMLError, LabelError) as exc:
        print(f"{args.labels}: {exc}", file=sys.stderr)
        return 2
    if args.only:
        unknown = set(args.only) - {lb.id for lb in labels}
        if unknown:
            print(f"not in the labels: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        labels = [lb for lb in labels if lb.id in args.only]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda lb: run_one(lb, args.corpus), labels))
    summary = summarise(labels, runs, frozenset(unscored))
    print(json.dumps(summary, indent=2) if args.json else render(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
