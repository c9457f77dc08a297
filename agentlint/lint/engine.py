"""The lint engine: find the specs, run the selected rules, filter, sort.

For each file: find its configuration, read it (YAML that is not a workflow
is skipped without a word, so the pre-commit hook can hand over every YAML
file), run the enabled rules over one :class:`Context`, apply severities,
inline suppressions and per-file ignores, then report unused suppressions.

A spec that cannot be read is not a finding but a failure to do the job: its
one-line :class:`SpecError` is collected, the other files are still linted,
and the run exits 2. An invalid configuration stops the run at once, because
every result after it would be computed with the wrong rules.

Only the spec loader and the rules are imported here; the heavy libraries
(networkx, jsonschema, pulp) stay out of this path, which runs on every commit.
"""

from __future__ import annotations

import os

from agentlint.errors import SpecError
from agentlint.lint import suppressions as sup
from agentlint.lint.config import ConfigError, ConfigFinder, Overrides, Settings, resolve
from agentlint.lint.registry import Context, Finding, Registry, Rule
from agentlint.lint.rules import default_registry
from agentlint.paths import MAX_SPEC_BYTES, as_named, decode, discover, find_root, read_stdin
from agentlint.record import Record
from agentlint.sources import load_any, read_with_their_tasks

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from agentlint.spec.model import Workflow

STDIN = "-"
#: the rule that reports unused suppressions: it runs last, when their use is known
UNUSED_SUPPRESSION = "AL901"


class LintResult(Record):
    """Everything a report needs: findings, failures, what was linted with what."""

    __slots__ = ("errors", "files", "findings", "registry", "rules", "sources", "strict_files")
    __match_args__ = ("findings", "errors", "files", "sources", "rules", "strict_files",
                      "registry")

    findings: list[Finding]
    #: files that could not be linted, one error each
    errors: list[SpecError]
    #: display names of the workflows linted, in order
    files: list[str]
    #: source text of each linted file, for the caret under a finding
    sources: dict[str, str]
    #: every rule enabled for at least one file (the SARIF rule table)
    rules: list[Rule]
    #: files whose configuration makes warnings fail the run
    strict_files: set[str]
    #: the rules the run knew (a report may describe a rule that was not enabled)
    registry: Registry

    def __init__(self, findings: list[Finding] | None = None,
                 errors: list[SpecError] | None = None, files: list[str] | None = None,
                 sources: dict[str, str] | None = None, rules: list[Rule] | None = None,
                 strict_files: set[str] | None = None, registry: Registry | None = None) -> None:
        self.findings = [] if findings is None else findings
        self.errors = [] if errors is None else errors
        self.files = [] if files is None else files
        self.sources = {} if sources is None else sources
        self.rules = [] if rules is None else rules
        self.strict_files = set() if strict_files is None else strict_files
        self.registry = default_registry() if registry is None else registry

    def failed(self, strict: bool = False) -> bool:
        """Do the findings fail the run (errors; warnings too when strict)?"""
        for f in self.findings:
            if f.severity == "error":
                return True
            if f.severity == "warning" and (strict or f.file in self.strict_files):
                return True
        return False

    def exit_code(self, *, strict: bool = False, exit_zero: bool = False) -> int:
        """2 when a file could not be linted, else 1 when findings fail, else 0."""
        if self.errors:
            return 2
        if exit_zero:
            return 0
        return 1 if self.failed(strict) else 0


class LintContext(Context):
    """A rule context that also carries the suppression comments' verdicts."""

    def __init__(self, wf: Workflow, rule_options: dict[str, dict[str, Any]] | None = None
                 ) -> None:
        super().__init__(wf, rule_options)
        self.suppression_problems: list[sup.Problem] = []


class RuleCrash(Exception):
    """A rule raised: a bug in agentlint, reported as a failure to lint the file."""


def lint_workflow(wf: Workflow, settings: Settings | None = None) -> list[Finding]:
    """Lint one loaded workflow; findings sorted by position.

    ``settings``: the rules to run, from :func:`resolve` (by default the
    configuration found for the file, over agentlint's own rules).
    """
    if settings is None:
        settings = resolve(ConfigFinder().config_for(wf.file))
    settings = settings.for_file(wf.file)
    ctx = LintContext(wf, settings.options)
    meta_rule = None
    for r in settings.rules:
        if r.code == UNUSED_SUPPRESSION:
            meta_rule = r
            continue
        _run(ctx, r)
    findings = ctx.findings
    defaults = {r.code: r.severity for r in settings.rules}
    for f in findings:
        f.severity = _severity(settings.severity, defaults, f)
    directives, problems = sup.parse(wf.text)
    findings = sup.apply(findings, directives)
    if meta_rule is not None:
        ctx.suppression_problems = problems + _unused(directives, settings)
        ctx.findings = []
        _run(ctx, meta_rule)
        extra = ctx.findings
        for f in extra:
            f.severity = _severity(settings.severity, defaults, f)
        # only a file-wide directive can silence the meta rule itself
        findings += sup.apply(extra, [d for d in directives if d.kind == "file"])
    findings.sort(key=Finding.sort_key)
    return findings


def _run(ctx: LintContext, r: Rule) -> None:
    try:
        ctx.run(r)
    except SpecError:
        raise
    except Exception as exc:
        if os.environ.get("AGENTLINT_DEBUG"):
            raise
        raise RuleCrash(f"internal error in rule {r.code} ({r.name}): "
                        f"{type(exc).__name__}: {exc} (set AGENTLINT_DEBUG=1 for details)"
                        ) from exc


def _unused(directives: list[sup.Suppression], settings: Settings) -> list[sup.Problem]:
    """Directives, or rules named in them, that silenced nothing this run (each saying
    what its fix removes: the directive, or the rule from its list)."""
    problems = []
    for d in directives:
        where = {"line": "on this line", "block": "in the block below",
                 "file": "in this file"}[d.kind]
        if not d.rules:
            if "*" not in d.used:
                problems.append(sup.Problem(d.line, d.column,
                                            f"unused suppression: no finding {where}",
                                            "*"))
            continue
        unused = [token for token in d.rules if _idle(token, d, settings)]
        whole = len(unused) == len(d.rules)
        for token in d.rules:
            r = settings.registry.find(token)
            if r is None:
                problems.append(sup.Problem(d.line, d.column, f"unknown rule '{token}' in "
                                            "suppression; 'agentlint rules' lists them"))
            elif r.code == UNUSED_SUPPRESSION or r.code not in settings.enabled:
                continue  # cannot tell whether it would have been used
            elif token not in d.used:
                problems.append(sup.Problem(d.line, d.column, f"unused suppression: no "
                                            f"{r.code} ({r.name}) finding {where}",
                                            "*" if whole else token))
    return problems


def _idle(token: str, d: sup.Suppression, settings: Settings) -> bool:
    """A rule named in a directive that is known, enabled and silenced nothing."""
    r = settings.registry.find(token)
    return (r is not None and r.code != UNUSED_SUPPRESSION and r.code in settings.enabled
            and token not in d.used)


def lint_paths(paths: list[str] | tuple[str, ...], overrides: Overrides | None = None, *,
               input_format: str | None = None, stdin: bytes | None = None,
               stdin_filename: str | None = None, jobs: int = 1,
               registry: Registry | None = None) -> LintResult:
    """Lint files and folders (``-`` is standard input); never raises for a bad spec.

    ``jobs``: lint the files in this many processes (0: one per CPU). The
    result is the same as with one, in the same order; a single file never
    starts a process.

    ``registry``: the rules that exist (agentlint's own by default).

    Raises :class:`ConfigError` (invalid configuration) and ``UsageError``
    (bad option) because those make the whole run meaningless.
    """
    overrides = overrides or Overrides()
    finder = ConfigFinder(overrides, registry)
    result = LintResult(registry=finder.registry)
    enabled: dict[str, Rule] = {}
    seen: set[str] = set()  # a file named twice (or inside a named folder) is linted once
    # First what to do, in order (cheap: discovery and configuration), then the linting,
    # which is what may be spread over processes.
    plan: list[_Item] = []
    for path in paths:
        if path == STDIN:
            plan.append(_Item("stdin"))
            continue
        if not os.path.exists(path) and not os.path.islink(path):
            plan.append(_Item("error", error=SpecError(path, 1, 1, "no such file or folder")))
            continue
        for file in discover([path], exclude=finder.exclude):
            real = os.path.realpath(file)
            if real in seen:
                continue
            seen.add(real)
            settings = finder.settings_for(file)
            if settings.excluded(file):
                continue
            plan.append(_Item("file", file, settings, as_named(file),
                              named=not os.path.isdir(path)))
    # a CrewAI crew is read from its tasks file, not a second time from its agents file
    also = read_with_their_tasks([item.file for item in plan if item.kind == "file"],
                                 input_format)
    plan = [item for item in plan if item.kind != "file" or item.file not in also]
    files = [item for item in plan if item.kind == "file"]
    workers = min(worker_count(jobs), len(files))
    outcomes = iter(_lint_parallel(files, overrides, finder.registry, input_format, workers)) \
        if workers > 1 else None
    for item in plan:
        if item.kind == "error":
            assert item.error is not None
            result.errors.append(item.error)
        elif item.kind == "stdin":
            _lint_stdin(result, finder, enabled, input_format, stdin, stdin_filename)
        elif outcomes is None:
            assert item.settings is not None
            _lint_one(result, item.settings, enabled, item.file, input_format=input_format,
                      display=item.display, named=item.named)
        else:
            _merge(result, item, enabled, next(outcomes))
    result.findings.sort(key=Finding.sort_key)
    result.rules = sorted(enabled.values(), key=lambda r: r.code)
    return result


class _Item:
    """One thing ``lint_paths`` does, in the order of the command line.

    A plain class, not a dataclass: this module is on every lint's start-up
    path and the generated methods of a dataclass cost more to create than the
    class is worth (nothing compares or prints an ``_Item``).
    """

    __slots__ = ("display", "error", "file", "kind", "named", "settings")

    def __init__(self, kind: str, file: str = "", settings: Settings | None = None,
                 display: str | None = None, error: SpecError | None = None,
                 named: bool = False) -> None:
        self.kind = kind  # file | stdin | error
        self.file = file
        self.settings = settings
        self.display = display
        self.error = error
        #: named one by one (not found in a folder): near misses are refused
        self.named = named


def worker_count(jobs: int) -> int:
    """``--jobs``: 0 means one process per CPU this process may use."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# -- linting in several processes ----------------------------------------------------------
#
# Each worker builds its own ConfigFinder from the same command-line overrides and rule
# registry (the settings are a pure function of the files on disk, the overrides and the
# rules), lints the files
# it is given with the very same ``_lint_one`` and sends back plain data: the findings,
# the source text, and errors as (file, line, col, message), because an exception with a
# custom constructor does not survive pickling. The parent merges the outcomes in the
# order of the plan, so the report is byte for byte the one a single process writes.

_WORKER_FINDER: ConfigFinder | None = None


class _Outcome:
    """What a worker sends back for one file (a plain class, as ``_Item``; it pickles
    through its slots)."""

    __slots__ = ("errors", "file", "findings", "strict", "text")

    def __init__(self, findings: list[Finding], file: str | None, text: str, strict: bool,
                 errors: list[tuple[str, int, int, str]]) -> None:
        self.findings = findings
        self.file = file  # the workflow's display name; None when not a workflow or unreadable
        self.text = text
        self.strict = strict
        self.errors = errors


def _init_worker(overrides: Overrides, registry: Registry) -> None:
    global _WORKER_FINDER
    _WORKER_FINDER = ConfigFinder(overrides, registry)


def _lint_task(task: tuple[str, str | None, str | None, bool]) -> _Outcome:
    file, display, input_format, named = task
    assert _WORKER_FINDER is not None
    settings = _WORKER_FINDER.settings_for(file)
    part = LintResult()
    _lint_one(part, settings, {}, file, input_format=input_format, display=display,
              named=named)
    wf_file = part.files[0] if part.files else None
    return _Outcome(part.findings, wf_file, part.sources.get(wf_file, "") if wf_file else "",
                    bool(part.strict_files),
                    [(e.file, e.line, e.col, e.message) for e in part.errors])


def _lint_parallel(items: list[_Item], overrides: Overrides, registry: Registry,
                   input_format: str | None, workers: int) -> list[_Outcome]:
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(item.file, item.display, input_format, item.named) for item in items]
    chunk = max(1, len(tasks) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                             initializer=_init_worker, initargs=(overrides, registry)) as pool:
        return list(pool.map(_lint_task, tasks, chunksize=chunk))


def _context() -> Any:
    """fork on Linux when this process runs one thread: the workers start in
    milliseconds with everything imported. Elsewhere (and from a threaded host
    program, where fork is unsafe) the platform's default start method."""
    import multiprocessing
    import sys
    import threading

    if sys.platform == "linux" and threading.active_count() == 1 \
            and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def _merge(result: LintResult, item: _Item, enabled: dict[str, Rule], out: _Outcome) -> None:
    result.errors.extend(SpecError(*e) for e in out.errors)
    if out.file is None or out.file in result.sources:
        return  # not a workflow, or one already read through another of its files
    assert item.settings is not None
    _add(result, enabled, item.settings.rules, out.file, out.text, out.strict, out.findings)


def _add(result: LintResult, enabled: dict[str, Rule], rules: Iterable[Rule], file: str,
         text: str, strict: bool, findings: Iterable[Finding]) -> None:
    """A workflow linted: its file, text and findings in ``result``, the rules it ran
    among those ``enabled``."""
    for r in rules:
        enabled.setdefault(r.code, r)
    result.files.append(file)
    result.sources[file] = text
    if strict:
        result.strict_files.add(file)
    result.findings.extend(findings)


def _lint_stdin(result: LintResult, finder: ConfigFinder, enabled: dict[str, Rule],
                input_format: str | None, data: bytes | None, name: str | None) -> None:
    shown = name or "<stdin>"
    try:
        if data is None:
            data = read_stdin(MAX_SPEC_BYTES, shown)
        text = decode(data, shown)
    except SpecError as exc:
        result.errors.append(exc)
        return
    path = name or os.path.join(os.getcwd(), "stdin.yaml")
    settings = finder.settings_for(path)
    if name is not None and settings.excluded(path):
        return
    _lint_one(result, settings, enabled, path, input_format=input_format, text=text,
              display=shown, named=True)


def _lint_one(result: LintResult, settings: Settings, enabled: dict[str, Rule], file: str,
              *, input_format: str | None, text: str | None = None,
              display: str | None = None, named: bool = False) -> None:
    try:
        wf = load_any(file, input_format=input_format, text=text, display=display,
                      named=named)
        if wf is None:
            return  # not a workflow: silence, by contract
        if wf.file in result.sources:
            return  # a CrewAI crew is read from agents.yaml and tasks.yaml alike
        if settings.models is not None:
            # loaded only when asked for: a plain lint stays on the lint path's imports
            from agentlint.graph.litellm import overlay

            # a configuration file's models key: a file inside that file's repository
            root = find_root(settings.config.base_dir) \
                if settings.models == settings.config.models else None
            overlay(wf, settings.models, root)
        if settings.profile is not None:
            from agentlint.adapters.profile import overlay_workflow

            overlay_workflow(wf, settings.profile)
        findings = lint_workflow(wf, settings)
    except ConfigError:
        raise
    except SpecError as exc:
        result.errors.append(exc)
        return
    except RuleCrash as exc:
        result.errors.append(SpecError(display or file, 1, 1, str(exc)))
        return
    _add(result, enabled, settings.rules, wf.file, wf.text, settings.strict, findings)


_RANK = {"info": 1, "warning": 2, "error": 3}


def _severity(configured: dict[str, str], defaults: dict[str, str], f: Finding) -> str:
    """The severity a finding is reported at: the configured one, except that

    - a finding its rule raised above the rule's default keeps it while the
      configuration leaves the rule at its default;
    - a finding its rule lowered below the default (a verdict that rests on an
      assumed figure) can be lowered further, never raised.
    """
    level = configured.get(f.code, f.severity)
    default = defaults.get(f.code, f.severity)
    if f.severity != default and _RANK.get(f.severity, 0) < _RANK.get(default, 0):
        return level if _RANK.get(level, 0) < _RANK[f.severity] else f.severity
    if level == default and f.severity != level:
        return f.severity
    return level
