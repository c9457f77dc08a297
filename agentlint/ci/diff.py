"""What a change does to each workflow: figures before and after, findings new and fixed.

The "after" side is the working tree (in CI: the commit under test); the
"before" side is the base commit, read from git objects. The base version of
a workflow is rebuilt in a private temporary folder from the files it needs:
the spec itself, the YAML files beside it (a CrewAI pair, a profile), a
crew's modules where the CrewAI reader looks, and every file its text names by a relative path
(prompt files, ADK sub-agent files, promptflow templates), followed through
the YAML files so read. Nothing is checked out; the working tree is never
touched. Both sides are linted with the working tree's configuration, so a
changed configuration does not show up as new or fixed findings.

Findings are matched by (code, key) — the key names a place in the spec
(``step:billing/model``), not a line — so moving a step is no news; a finding
without a key falls back to (code, message).

Thresholds (``--fail-on``) gate the change: each is a metric, a direction and
a limit, ``cost+10%``, ``cost+0.01`` (USD), ``latency+20%``, ``latency+2s``,
``reliability-1pp``, ``reliability-0.5%`` (relative). A workflow that exists
on both sides crosses a threshold when its change is larger than the limit.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.crewai import (
    crew_folder,
    module_names,
    package_folders,
)
from agentlint.adapters.names import AGENT_NAMES, TASK_NAMES
from agentlint.ci.changes import changed_workflows, is_yaml, restrict_to
from agentlint.ci.git import Base, Change, Repo
from agentlint.errors import SpecError, UsageError
from agentlint.graph.estimate import Estimate, estimate
from agentlint.graph.view import View, build_view
from agentlint.lint.config import ConfigFinder, Overrides
from agentlint.lint.engine import lint_workflow
from agentlint.lint.registry import Finding
from agentlint.metrics import BY_SHORT, Metric
from agentlint.paths import MAX_SPEC_BYTES, read_bytes, relative_to
from agentlint.sources import load_any
from agentlint.spec.model import Workflow

_EPS = 1e-9


# -- thresholds ---------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Threshold:
    """``cost+10%``: fail when a workflow's cost per run rises by more than 10 %."""

    text: str
    metric: str  # cost | latency | reliability
    unit: str  # "%" (relative), "abs" (USD or seconds), "pp" (percentage points)
    limit: float

    @property
    def measure(self) -> Metric:
        """The metric this threshold gates."""
        return BY_SHORT[self.metric]

    def change(self, before: Estimate, after: Estimate) -> float:
        """The change in this threshold's unit, signed so that worse is positive."""
        m = self.measure
        a, b = m.of(before), m.of(after)
        worse = m.worse(a, b)
        if self.unit == "abs":
            return worse
        if self.unit == "pp":
            return worse * 100
        if a == 0:
            return 0.0 if worse <= 0 else float("inf")
        return worse / abs(a) * 100

    def crossed(self, before: Estimate, after: Estimate) -> bool:
        return self.change(before, after) > self.limit + _EPS * max(1.0, abs(self.limit))

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "metric": self.metric, "unit": self.unit,
                "limit": self.limit}


_THRESHOLD = re.compile(
    r"(?P<metric>cost(?:_usd)?|latency(?:_s)?|reliability)\s*(?P<sign>[+-])\s*(?P<dollar>\$)?"
    r"\s*(?P<value>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>%|pp|s|usd)?", re.IGNORECASE)


def parse_thresholds(values: list[str] | tuple[str, ...]) -> list[Threshold]:
    """``["cost+10%,latency+20%", "reliability-1pp"]`` -> thresholds; UsageError if bad."""
    found: list[Threshold] = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if text:
                found.append(_threshold(text))
    return found


def _threshold(text: str) -> Threshold:
    m = _THRESHOLD.fullmatch(text)
    hint = ("; write e.g. cost+10%, cost+0.01 (USD), latency+20%, latency+2s, "
            "reliability-1pp")
    if m is None:
        raise UsageError(f"bad --fail-on threshold '{text}'{hint}")
    metric = m["metric"].lower().split("_")[0]
    gauge = BY_SHORT[metric]
    sign, unit = m["sign"], (m["unit"] or "").lower()
    value = float(m["value"])
    if gauge.floor:
        if sign != "-":
            raise UsageError(f"bad --fail-on threshold '{text}': reliability gates a "
                             "fall, write reliability-1pp")
        if unit in ("s", "usd") or m["dollar"]:
            raise UsageError(f"bad --fail-on threshold '{text}'{hint}")
        if unit == "":  # a fraction: reliability-0.01 is one percentage point
            if value > 1:
                raise UsageError(f"bad --fail-on threshold '{text}': a fraction above 1; "
                                 f"for percentage points write reliability-{m['value']}pp")
            return Threshold(text, metric, "pp", value * 100)
        return Threshold(text, metric, unit, value)
    if sign != "+":
        raise UsageError(f"bad --fail-on threshold '{text}': {metric} gates a rise, "
                         f"write {metric}+{m['value']}{unit}")
    if unit == "pp" or (unit == "s" and gauge.unit != "s") or \
            ((unit == "usd" or m["dollar"]) and gauge.unit != "usd"):
        raise UsageError(f"bad --fail-on threshold '{text}'{hint}")
    return Threshold(text, metric, "%" if unit == "%" else "abs", value)


# -- results ------------------------------------------------------------------------------


@dataclass(slots=True)
class StepChange:
    id: str
    before: Any  # StepEstimate | None
    after: Any  # StepEstimate | None


@dataclass(slots=True)
class WorkflowDiff:
    change: Change
    file: str  # repository-relative, the new path (the old one when deleted)
    name: str
    #: the format it is written in: agentlint, promptflow, crewai, dify, adk
    format: str = "agentlint"
    before: Estimate | None = None
    after: Estimate | None = None
    #: why the base version could not be read (it is then shown as unknown)
    before_error: str | None = None
    after_error: SpecError | None = None
    new_findings: list[Finding] = field(default_factory=list)
    fixed_findings: list[Finding] = field(default_factory=list)
    steps: list[StepChange] = field(default_factory=list)
    #: the graph to draw: the version after the change (before, when deleted)
    view: View | None = None

    @property
    def status(self) -> str:
        if self.before is None and self.before_error is None:
            return "added"
        if self.after is None and self.after_error is None:
            return "deleted"
        return self.change.status if self.change.status == "renamed" else "modified"

    @property
    def old_file(self) -> str | None:
        return self.change.old_path

    def unchanged(self) -> bool:
        """Same figures and findings on both sides (a file it reads changed, to no effect)."""
        if self.new_findings or self.fixed_findings or self.before is None \
                or self.after is None:
            return False
        b, a = self.before, self.after
        return (b.cost_usd, b.latency_s, b.reliability, b.calls) == \
            (a.cost_usd, a.latency_s, a.reliability, a.calls)


@dataclass(slots=True)
class Crossing:
    file: str
    threshold: Threshold
    before: Estimate
    after: Estimate

    @property
    def change(self) -> float:
        return self.threshold.change(self.before, self.after)


@dataclass(slots=True)
class DiffResult:
    base: Base
    workflows: list[WorkflowDiff] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    crossings: list[Crossing] = field(default_factory=list)
    #: versions after the change that cannot be read: the run exits 2
    errors: list[SpecError] = field(default_factory=list)
    #: the working tree's files the run read (changed specs): never written over
    read: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.crossings)

    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.crossings else 0


# -- reading the base ---------------------------------------------------------------------

#: a relative file path with an extension, as specs name prompt and sub-agent files
#: (one start per word: none right after ``@`` or ``+``, and the ``./`` steps taken
#: whole, so a long word is scanned once, not once per character)
_PATH_WORD = re.compile(r"(?<![\w.~/$@+-])((?:\.{1,2}/)*+[\w.@+-]+(?:/[\w.@+-]+)*\.\w{1,10})\b")
_MAX_FOLLOW = 3  # rounds of following names in fetched YAML files
_MAX_SIBLINGS = 200


class BaseTree:
    """The base commit's files, written on demand into a private temporary folder.

    The folder has a ``.git`` marker so the loaders take it as the repository
    root: a base spec can read only files of the base, never the working tree.
    """

    def __init__(self, repo: Repo, commit: str) -> None:
        self.repo = repo
        self.commit = commit
        self.root = tempfile.mkdtemp(prefix="agentlint-base-")
        os.mkdir(os.path.join(self.root, ".git"))
        self._state: dict[str, bool] = {}  # path -> present in the base

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> BaseTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def path(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def text(self, rel: str) -> str | None:
        if not self._state.get(rel):
            return None
        try:
            data = read_bytes(self.path(rel), self.root, limit=MAX_SPEC_BYTES, shown=rel)
        except SpecError:
            return None
        return data.decode("utf-8", errors="replace")

    def fetch(self, rels: list[str]) -> list[str]:
        """Write those of ``rels`` that exist in the base; returns the newly written."""
        todo = [r for r in dict.fromkeys(rels) if r not in self._state and _safe(r)]
        if not todo:
            return []
        written = []
        for rel, data in self.repo.read_blobs(self.commit, todo).items():
            self._state[rel] = data is not None
            if data is None:
                continue
            target = self.path(rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
            written.append(rel)
        return written

    def prepare(self, rel: str) -> bool:
        """Fetch the spec ``rel`` and what it reads; False when the base has no such file."""
        if not self.fetch([rel]) and not self._state.get(rel):
            return False
        folder = posixpath.dirname(rel)
        siblings = [p for p in self.repo.list_dir(self.commit, folder) if is_yaml(p)]
        extra: list[str] = []
        if folder and posixpath.basename(rel).lower() in TASK_NAMES + AGENT_NAMES:
            # a crew's Python: the crew module and the module that assembles the crew, looked
            # for where the CrewAI reader looks for them
            for package in package_folders(crew_folder(rel)):
                listed = [posixpath.basename(p) for p in self.repo.list_dir(self.commit, package)]
                extra += [posixpath.join(package, n) if package else n
                          for n in module_names(listed, first="crew.py")]
        self.fetch(siblings[:_MAX_SIBLINGS] + extra)
        frontier = [rel]
        for _ in range(_MAX_FOLLOW):
            names: list[str] = []
            for spec in frontier:
                text = self.text(spec) or ""
                here = posixpath.dirname(spec)
                for word in _PATH_WORD.findall(text):
                    target = posixpath.normpath(posixpath.join(here, word))
                    if _safe(target):
                        names.append(target)
            new = self.fetch(names)
            frontier = [p for p in new if is_yaml(p)]
            if not frontier:
                break
        return True


def _safe(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and ".." not in parts and ".git" not in parts \
        and "" not in parts and "." not in parts


# -- the comparison -----------------------------------------------------------------------


def run_diff(base_ref: str | None = None, *, paths: list[str] | None = None,
             thresholds: list[Threshold] | None = None, overrides: Overrides | None = None,
             input_format: str | None = None, repo: Repo | None = None,
             pictures: bool = True) -> DiffResult:
    """Compare every workflow changed since ``base_ref``'s merge base with the working tree."""
    repo = repo or Repo.find()
    if base_ref is not None and os.path.exists(base_ref) and not _is_revision(repo, base_ref):
        paths = [base_ref, *(paths or [])]  # `agentlint diff flows/`: a path, not a revision
        base_ref = None
    base = repo.base(base_ref)
    restrict = [restrict_to(repo, p) for p in paths] if paths else None
    overrides = overrides or Overrides()
    finder = ConfigFinder(overrides)
    result = DiffResult(base, thresholds=list(thresholds or []))
    with BaseTree(repo, base.commit) as tree:
        for change in changed_workflows(repo, base.commit, restrict):
            if change.path is not None:
                result.read.append(relative_to(repo.abs(change.path), os.getcwd(), up=True))
            wd = _compare(repo, tree, change, finder, input_format, pictures)
            if wd is None:
                continue
            if not change.direct and wd.unchanged():
                continue  # a file it reads changed, to no effect on it
            result.workflows.append(wd)
            if wd.after_error is not None:
                result.errors.append(wd.after_error)
    for wd in result.workflows:
        if wd.before is None or wd.after is None:
            continue
        for t in result.thresholds:
            if t.crossed(wd.before, wd.after):
                result.crossings.append(Crossing(wd.file, t, wd.before, wd.after))
    return result


def _is_revision(repo: Repo, name: str) -> bool:
    return not name.startswith("-") and repo.try_git(
        ["rev-parse", "--verify", "--quiet", name + "^{commit}"]) is not None


def _compare(repo: Repo, tree: BaseTree, change: Change, finder: ConfigFinder,
             input_format: str | None, pictures: bool) -> WorkflowDiff | None:
    shown = change.path or change.old_path or ""
    where = repo.abs(change.path or change.old_path or "")
    if finder.excluded(where):
        return None
    settings = finder.settings_for(where)
    fmt = input_format if input_format not in (None, "auto") else None
    after: Workflow | None = None
    after_error: SpecError | None = None
    if change.path is not None:
        try:
            after = load_any(repo.abs(change.path), input_format=fmt, display=shown)
        except SpecError as exc:
            after_error = exc
    before: Workflow | None = None
    before_error: str | None = None
    if change.old_path is not None and tree.prepare(change.old_path):
        try:
            before = load_any(tree.path(change.old_path), input_format=fmt, display=shown)
        except SpecError as exc:
            before_error = f"{tree.commit[:10]}:{change.old_path}:{exc.line}:{exc.col}: " \
                f"{exc.message}"
    if after is None and before is None and after_error is None and before_error is None:
        return None  # not a workflow on either side
    if after is None and after_error is None and before_error is not None:
        return None  # no workflow now, and none that could be read before
    known = after or before
    wd = WorkflowDiff(change, shown, known.name if known else posixpath.basename(shown),
                      known.format if known else "agentlint", before_error=before_error,
                      after_error=after_error)
    old = _side(before, settings) if before is not None else None
    new = _side(after, settings) if after is not None else None
    if old is not None:
        wd.before = old[0]
    if new is not None:
        wd.after = new[0]
    wd.new_findings, wd.fixed_findings = match_findings(old[1] if old else [],
                                                        new[1] if new else [])
    if wd.before is not None and wd.after is not None:
        wd.steps = _step_changes(wd.before, wd.after)
    if pictures and known is not None:
        wd.view = _picture(known)
    return wd


def _side(wf: Workflow, settings: Any) -> tuple[Estimate, list[Finding]]:
    try:
        findings = lint_workflow(wf, settings)
    except Exception:  # a crashing rule must not hide the figures
        if os.environ.get("AGENTLINT_DEBUG"):
            raise
        findings = []
    return estimate(wf), findings


def _picture(wf: Workflow) -> View | None:
    try:
        return build_view(wf)
    except Exception:
        if os.environ.get("AGENTLINT_DEBUG"):
            raise
        return None


def finding_id(f: Finding) -> tuple[str, str]:
    """What identifies a finding across versions: (code, key), else (code, message)."""
    return (f.code, f.key) if f.key else (f.code, "message:" + f.message)


def match_findings(before: list[Finding], after: list[Finding]
                   ) -> tuple[list[Finding], list[Finding]]:
    """(new, fixed): findings of ``after`` not in ``before``, and the other way round.

    Counted: two identical findings after and one before make one new finding.
    """
    return _excess(after, before), _excess(before, after)


def _excess(these: list[Finding], others: list[Finding]) -> list[Finding]:
    budget = Counter(finding_id(f) for f in others)
    out = []
    for f in these:
        fid = finding_id(f)
        if budget[fid] > 0:
            budget[fid] -= 1
        else:
            out.append(f)
    return out


def _step_changes(before: Estimate, after: Estimate) -> list[StepChange]:
    old = {s.id: s for s in before.steps}
    new = {s.id: s for s in after.steps}
    out = []
    for s in after.steps:
        b = old.get(s.id)
        if b is None or (b.model, b.cascade) != (s.model, s.cascade) \
                or not _close(b.cost_usd, s.cost_usd) \
                or not _close(b.latency_s, s.latency_s) \
                or not _close(b.reliability, s.reliability):
            out.append(StepChange(s.id, b, s))
    out.extend(StepChange(s.id, s, None) for s in before.steps if s.id not in new)
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
