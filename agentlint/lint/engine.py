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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentlint.errors import SpecError
from agentlint.lint import suppressions as sup
from agentlint.lint.config import ConfigError, ConfigFinder, Overrides, Settings, resolve
from agentlint.lint.registry import Context, Finding, Rule

if TYPE_CHECKING:
    from agentlint.spec.model import Workflow

STDIN = "-"


@dataclass(slots=True)
class LintResult:
    """Everything a report needs: findings, failures, what was linted with what."""

    findings: list[Finding] = field(default_factory=list)
    #: files that could not be linted, one error each
    errors: list[SpecError] = field(default_factory=list)
    #: display names of the workflows linted, in order
    files: list[str] = field(default_factory=list)
    #: source text of each linted file, for the caret under a finding
    sources: dict[str, str] = field(default_factory=dict)
    #: every rule enabled for at least one file (the SARIF rule table)
    rules: list[Rule] = field(default_factory=list)
    #: files whose configuration makes warnings fail the run
    strict_files: set[str] = field(default_factory=set)

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
    """Lint one loaded workflow; findings sorted by position."""
    from agentlint.lint.rules.meta import UNUSED_SUPPRESSION

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
    for f in findings:
        f.severity = settings.severity.get(f.code, f.severity)
    directives, problems = sup.parse(wf.text)
    findings = sup.apply(findings, directives)
    if meta_rule is not None:
        ctx.suppression_problems = problems + _unused(directives, settings)
        ctx.findings = []
        _run(ctx, meta_rule)
        extra = ctx.findings
        for f in extra:
            f.severity = settings.severity.get(f.code, f.severity)
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
    """Directives, or rules named in them, that silenced nothing this run."""
    from agentlint.lint.registry import find_rule
    from agentlint.lint.rules.meta import UNUSED_SUPPRESSION

    problems = []
    for d in directives:
        where = {"line": "on this line", "block": "in the block below",
                 "file": "in this file"}[d.kind]
        if not d.rules:
            if "*" not in d.used:
                problems.append(sup.Problem(d.line, d.column,
                                            f"unused suppression: no finding {where}"))
            continue
        for token in d.rules:
            r = find_rule(token)
            if r is None:
                problems.append(sup.Problem(d.line, d.column, f"unknown rule '{token}' in "
                                            "suppression; 'agentlint rules' lists them"))
            elif r.code == UNUSED_SUPPRESSION or r.code not in settings.enabled:
                continue  # cannot tell whether it would have been used
            elif token not in d.used:
                problems.append(sup.Problem(d.line, d.column, f"unused suppression: no "
                                            f"{r.code} ({r.name}) finding {where}"))
    return problems


def lint_paths(paths: list[str] | tuple[str, ...], overrides: Overrides | None = None, *,
               input_format: str | None = None, stdin: bytes | None = None,
               stdin_filename: str | None = None) -> LintResult:
    """Lint files and folders (``-`` is standard input); never raises for a bad spec.

    Raises :class:`ConfigError` (invalid configuration) and ``UsageError``
    (bad option) because those make the whole run meaningless.
    """
    from agentlint.spec.sources import discover

    overrides = overrides or Overrides()
    finder = ConfigFinder(overrides)
    result = LintResult()
    enabled: dict[str, Rule] = {}
    seen: set[str] = set()  # a file named twice (or inside a named folder) is linted once
    for path in paths:
        if path == STDIN:
            _lint_stdin(result, finder, enabled, input_format, stdin, stdin_filename)
            continue
        if not os.path.exists(path) and not os.path.islink(path):
            result.errors.append(SpecError(path, 1, 1, "no such file or folder"))
            continue
        for file in discover([path], exclude=overrides.exclude):
            real = os.path.realpath(file)
            if real in seen:
                continue
            seen.add(real)
            settings = finder.settings_for(file)
            if settings.excluded(file):
                continue
            shown = file[2:] if file.startswith(os.curdir + os.sep) else None
            _lint_one(result, settings, enabled, file, input_format=input_format,
                      display=shown)
    result.findings.sort(key=Finding.sort_key)
    result.rules = sorted(enabled.values(), key=lambda r: r.code)
    return result


def _lint_stdin(result: LintResult, finder: ConfigFinder, enabled: dict[str, Rule],
                input_format: str | None, data: bytes | None, name: str | None) -> None:
    import sys

    from agentlint.spec.yamlload import decode

    shown = name or "<stdin>"
    if data is None:
        data = sys.stdin.buffer.read()
    try:
        text = decode(data, shown)
    except SpecError as exc:
        result.errors.append(exc)
        return
    path = name or os.path.join(os.getcwd(), "stdin.yaml")
    settings = finder.settings_for(path)
    if name is not None and settings.excluded(path):
        return
    _lint_one(result, settings, enabled, path, input_format=input_format, text=text,
              display=shown)


def _lint_one(result: LintResult, settings: Settings, enabled: dict[str, Rule], file: str,
              *, input_format: str | None, text: str | None = None,
              display: str | None = None) -> None:
    from agentlint.spec.sources import load_any

    try:
        wf = load_any(file, input_format=input_format, text=text, display=display)
        if wf is None:
            return  # not a workflow: silence, by contract
        findings = lint_workflow(wf, settings)
    except ConfigError:
        raise
    except SpecError as exc:
        result.errors.append(exc)
        return
    except RuleCrash as exc:
        result.errors.append(SpecError(display or file, 1, 1, str(exc)))
        return
    for r in settings.rules:
        enabled.setdefault(r.code, r)
    result.files.append(wf.file)
    result.sources[wf.file] = wf.text
    if settings.strict:
        result.strict_files.add(wf.file)
    result.findings.extend(findings)
