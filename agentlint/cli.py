"""The command line: parse options, call the library, print, choose the exit code.

Exit codes (contract): 0 clean, 1 findings at error level or a budget
exceeded, 2 agentlint could not do its job. Nothing here computes anything;
each command is a few lines over the package's modules.

The package's modules are imported inside the commands, not here: for start-up
speed, so a command loads only what it uses (``lint`` never the optimizer, and
no command the report formats it does not print).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

import click

from agentlint import __version__, escape, report
from agentlint.command import (
    STDIN,
    as_on_disk,
    color_for,
    emit,
    error_line,
    gateway_config,
    guarded,
    inputs_of,
    interruptible,
    run_lint,
    stdin_path,
    write_output,
)
from agentlint.errors import SpecError, UsageError
from agentlint.optimizer import OBJECTIVES  # names only: the solver loads on first use

#: the trace formats ``calibrate --trace-format`` names (agentlint.trace.read.TRACE_FORMATS)
TRACE_FORMATS = ["auto", "otlp", "otel-sdk", "langfuse", "langsmith", "litellm"]
INPUT_FORMATS = ["auto", "agentlint", "promptflow", "crewai", "dify", "adk", "autogen",
                 "langgraph", "agents-sdk", "prompty",
                 "cagent", "crewai-flow", "agentspec", "agent-framework"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentlint")
def main() -> None:
    """Static analysis of LLM agent workflows: lint, estimate, optimize."""
    from agentlint.paths import read_once

    click.get_current_context().with_resource(read_once())  # each file read once per run


def entry() -> None:
    """The ``agentlint`` command: the CLI in a process of its own.

    A run builds millions of small objects and frees them at exit; the cyclic
    collector's passes over them made large specs superlinear (measured in
    benchmarks/lint_speed.py), and agentlint's data holds no reference cycles.
    So the collector is switched off here, for a process that ends with the
    command, and never in ``main``, which tests and other programs call in
    their own process.
    """
    import gc

    gc.disable()
    main()


def _json_errors(err: SpecError, output_file: str | None, inputs: Iterable[str]) -> None:
    """``--format json`` for a spec that cannot be read: ``{"errors": [<AL000 finding>]}``,
    the element ``lint --format json`` prints for it (the one line on stderr follows)."""
    from agentlint.report.json_report import errors_document

    emit(errors_document([err]), output_file, inputs)


def _read_beside(file: str) -> list[str]:
    """Files an adapter reads beside ``file`` (CrewAI's pair and crew.py, a profile)."""
    from agentlint.adapters.ir import PROFILE_NAMES
    from agentlint.adapters.names import AGENT_NAMES, TASK_NAMES

    folder = os.path.dirname(os.path.abspath(file))
    names = (*TASK_NAMES, *AGENT_NAMES, "crew.py", *PROFILE_NAMES)
    return [os.path.join(folder, n) for n in names] + [
        os.path.join(folder, "config", n) for n in names]


def _read_stdin_text(stdin_filename: str | None) -> str:
    from agentlint.paths import MAX_SPEC_BYTES, decode, read_stdin

    shown = stdin_filename or "<stdin>"
    return decode(read_stdin(MAX_SPEC_BYTES, shown), shown)


def _load_named(paths: tuple[str, ...], input_format: str, models: str | None = None,
                stdin_filename: str | None = None, plan: bool = False) -> list[Any]:
    """Workflows named on the command line (files, or folders searched for specs;
    ``-`` is standard input, named ``stdin_filename``), their gateway aliases resolved
    by the LiteLLM config ``models`` when one is given (``plan``: for the optimizer,
    see :func:`agentlint.graph.litellm.overlay`)."""
    from agentlint.paths import as_named, discover
    from agentlint.sources import load_any, read_with_their_tasks

    gateway_config(models)  # a bad config stops the run before any workflow is read

    def through(wf: Any) -> None:
        if models is not None:
            from agentlint.graph.litellm import overlay

            overlay(wf, models, plan=plan)

    workflows = []
    seen: set[str] = set()  # a CrewAI crew is read from agents.yaml and tasks.yaml alike
    for path in paths:
        if path == STDIN:
            shown = stdin_filename or "<stdin>"
            wf = load_any(stdin_path(stdin_filename), input_format=input_format,
                          text=_read_stdin_text(stdin_filename), display=shown,
                          explicit=True)
            if wf is None:
                raise SpecError(shown, 1, 1, "not a workflow spec (no top-level "
                                "'agentlint:' key and no known format)")
            through(wf)
            workflows.append(wf)
            continue
        if not os.path.exists(path) and not os.path.islink(path):
            raise SpecError(path, 1, 1, "no such file or folder")
        explicit = not os.path.isdir(path)
        found = list(discover([path]))
        also = read_with_their_tasks(found, input_format)  # a crew once, from its tasks
        for file in found:
            if file in also:
                continue
            wf = load_any(file, input_format=input_format, explicit=explicit,
                          display=as_named(file))
            if wf is None:
                if explicit:
                    raise SpecError(file, 1, 1, "not a workflow spec (no top-level "
                                    "'agentlint:' key and no known format)")
                continue
            if wf.file in seen:
                continue
            seen.add(wf.file)
            through(wf)
            workflows.append(wf)
    return workflows


MODELS_HELP = ("A LiteLLM proxy config.yaml: resolve the gateway aliases the workflows call "
               "to its models, prices, retries and fallbacks.")
OUTPUT_FILE_HELP = "Write the report to this file instead of standard output."
STDIN_FILENAME_HELP = "The name of the spec read from standard input ('-')."


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help=OUTPUT_FILE_HELP)
@click.option("--stdin-filename", metavar="PATH", help=STDIN_FILENAME_HELP)
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the files (detected by default).")
@click.option("--color/--no-color", default=None, help="Colour the text output.")
@click.option("--models", type=click.Path(dir_okay=False), help=MODELS_HELP)
@click.option("--profile", type=click.Path(dir_okay=False), help="A profile (docs/profile.md), "
              "e.g. one `agentlint calibrate` wrote: lay its figures over the native spec.")
@guarded
def estimate(paths: tuple[str, ...], fmt: str, output_file: str | None,
             stdin_filename: str | None, input_format: str, color: bool | None,
             models: str | None = None, profile: str | None = None) -> None:
    """Estimate cost per run, critical-path latency and reliability (files, folders, or -
    for stdin).

    Exits 1 when a budget in the spec is exceeded, 2 when a spec cannot be read.
    """
    from agentlint.graph.estimate import estimate as run_estimate

    try:
        workflows = _load_named(paths, input_format, models, stdin_filename)
        _overlay(workflows, profile)
    except SpecError as exc:
        if fmt == "json":
            _json_errors(exc, output_file, inputs_of(paths))
        raise
    if not workflows:
        raise UsageError("no workflow specs found in " + ", ".join(paths))
    from agentlint.graph.spread import attach

    results = [run_estimate(wf) for wf in workflows]
    for wf, result in zip(workflows, results, strict=True):
        attach(result, wf)
    from agentlint.lint.provenance import provenance

    provs = [provenance(wf) for wf in workflows]
    if fmt == "json":
        import io

        from agentlint.report import estimate_json

        single = len(results) == 1 and len(paths) == 1 and not os.path.isdir(paths[0])
        after: list[dict[str, object]] = [{"provenance": p} for p in provs]
        if output_file is None:
            estimate_json.write(results, sys.stdout, as_list=not single, after=after)
        else:
            buffer = io.StringIO()
            estimate_json.write(results, buffer, as_list=not single, after=after)
            emit(buffer.getvalue(), output_file, inputs_of(paths, (profile,)))
    else:
        from agentlint.report.estimate_text import render

        if output_file is not None and color is None:
            color = False
        use_color = color_for(color)
        emit("\n\n".join(render(r, use_color, p) for r, p in zip(results, provs, strict=True))
             + "\n", output_file, inputs_of(paths, (profile,)))
    if any(r.over_budget for r in results):
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@guarded
def models(fmt: str) -> None:
    """List the built-in model catalog (prices per million tokens)."""
    from agentlint.spec import catalog

    data = catalog.catalog()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    snap = data.get("snapshot", {})
    click.echo(f"# {len(data['models'])} models; prices from {snap.get('source', '?')} "
               f"({snap.get('commit', '?')[:10]}, read {snap.get('read', '?')}); "
               "speeds and p_ok are estimates")
    from agentlint.report.table import columns

    rows = [("model", "provider", "in $/Mtok", "out $/Mtok", "cached", "ttft s", "tok/s",
             "p_ok")]
    for name in catalog.names():
        m = data["models"][name]
        cached = m.get("cached_input_per_mtok")
        rows.append((name, m.get("provider", ""), f"{m['input_per_mtok']:g}",
                     f"{m['output_per_mtok']:g}", "-" if cached is None else f"{cached}",
                     f"{m['ttft_s']:g}", f"{m['tokens_per_s']:g}", f"{m['p_ok']:g}"))
    click.echo("\n".join(columns(rows, right=range(2, 8), sep=" ",
                                  minimum=(32, 12, 10, 11, 8, 7, 6, 6))))


@main.command()
@click.argument("kind", required=False, default="workflow",
                type=click.Choice(["workflow", "config", "profile", "dag"]))
@click.option("--path", "show_path", is_flag=True, help="Print the schema file's path.")
@guarded
def schema(kind: str, show_path: bool) -> None:
    """Print a JSON Schema (for editors and CI).

    KIND: workflow (the spec format v1, the default), config (.agentlint.yaml,
    [tool.agentlint]), profile (agentlint.profile.yaml) or dag (the output of
    export --format dag-json).
    """
    from agentlint.spec.schema import SCHEMAS, load_schema, schema_path

    if show_path:
        click.echo(schema_path(SCHEMAS[kind]))
    else:
        click.echo(json.dumps(load_schema(SCHEMAS[kind]), indent=2, ensure_ascii=False))


LINT_FORMATS = list(report.LINT)


class _OneLineErrors(click.Command):
    """A bad option is reported in one line (exit 2), without the usage text.

    The hook and CI read stderr; the exit-code contract promises a one-line
    reason there, and ``--help`` is one command away.
    """

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.ctx = None
            message = exc.format_message()
            if escape.text(message) == message:
                raise
            shown = click.UsageError(escape.text(message))  # it may quote a file name
            raise shown from None


@main.command(cls=_OneLineErrors)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(LINT_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--select", multiple=True, metavar="RULES",
              help="Run only these rules (codes, code prefixes, names or families).")
@click.option("--extend-select", multiple=True, metavar="RULES",
              help="Run these rules in addition to the selected ones.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules.")
@click.option("--exclude", multiple=True, metavar="PATTERN",
              help="Skip files and folders matching this .gitignore pattern "
                   "(relative to the working directory).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Use this configuration file instead of searching for one.")
@click.option("--stdin-filename", metavar="PATH",
              help="The name of the spec read from standard input ('-').")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the files (detected by default).")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the run.")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--quiet", "-q", is_flag=True, help="Leave out info findings and the summary.")
@click.option("--color/--no-color", default=None, help="Colour the text output.")
@click.option("--changed-since", metavar="REF",
              help="Lint only the workflows changed since the merge base of REF and HEAD "
                   "(within PATHS, if given).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Leave out the findings recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings in this baseline file and exit 0.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Lint the files in this many processes (0: one per CPU).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes to the files.")
@click.option("--unsafe-fixes", is_flag=True,
              help="Also apply the fixes that change what the workflow does.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the fixes as a unified diff instead of writing them "
                   "(exit 1 when there is something to fix).")
@click.option("--models", type=click.Path(dir_okay=False), help=MODELS_HELP)
@click.option("--profile", type=click.Path(dir_okay=False), help="A profile (docs/profile.md), "
              "e.g. one `agentlint calibrate` wrote: lay its figures over the native specs.")
@click.option("--show-settings", is_flag=True,
              help="Print the settings that apply to the first of PATHS and where each "
                   "comes from, and exit.")
def lint(**options: Any) -> None:
    """Report anti-patterns in workflow specs (files, folders, or - for stdin).

    YAML files that are not workflows are skipped silently. Exits 1 when a
    finding is an error (or a warning with --strict), 2 when a spec or the
    configuration cannot be read.
    """
    run_lint(registry=_registry(), **options)


def _registry() -> Any:
    """The rules: agentlint's own, or a Registry a host program (a test) passed as
    ``main(obj={"registry": ...})``."""
    obj = click.get_current_context().find_root().obj
    if isinstance(obj, dict) and obj.get("registry") is not None:
        return obj["registry"]
    from agentlint.lint.rules import default_registry

    return default_registry()


def _known_rules() -> list[Any]:
    """The rules the registry holds, and AL000 (a spec that cannot be read) before them."""
    from agentlint.report.load_error import RULE

    return [RULE, *_registry().rules()]


def _rule_or_fail(name: str) -> Any:
    from agentlint.report import load_error

    if load_error.is_load_error(name):
        return load_error.RULE
    registry = _registry()
    found = registry.find(name)
    if found is None:
        import difflib

        close = difflib.get_close_matches(name, [*registry.codes, *registry.names], n=1,
                                          cutoff=0.6) or \
            difflib.get_close_matches(name.lower(), registry.names, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else "; 'agentlint rules' lists them"
        raise UsageError(f"unknown rule '{name}'{hint}")
    return found


@main.command("rules", cls=_OneLineErrors)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@guarded
def rules_command(fmt: str) -> None:
    """List every lint rule: code, name, family, default severity, summary."""
    known = _known_rules()
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "family": r.family,
                                "severity": r.severity, "summary": r.summary,
                                "options": r.options, "default_enabled": r.default_enabled}
                               for r in known], indent=2))
        return
    from agentlint.report.table import columns

    rows = [("code", "name", "family", "severity", "summary")]
    rows += [(r.code, r.name, r.family, r.severity,
              r.summary + ("" if r.default_enabled else " (off by default)")) for r in known]
    click.echo("\n".join(columns(rows, sep=" ", minimum=(6, 4, 11, 8))))


@main.command("rule", cls=_OneLineErrors)
@click.argument("name")
@guarded
def rule_command(name: str) -> None:
    """Print the documentation page of one rule (by code or name)."""
    r = _rule_or_fail(name)
    lines = [f"{r.code} {r.name}", "",
             f"severity: {r.severity}    family: {r.family}"
             + ("" if r.default_enabled else "    off by default (select it to run it)"),
             f"summary:  {r.summary}"]
    if r.fix:
        how = "--fix" if "safe" in r.fix[0].split("/") else "--unsafe-fixes"
        lines.append(f"fix:      {r.fix[0]}: {r.fix[1]} (agentlint lint {how})")
    if r.options:
        lines.append("options (set under [tool.agentlint.rules." + r.name + "]):")
        lines += [f"  {k} = {json.dumps(v)}" for k, v in r.options.items()]
    lines += ["", r.doc.strip() or "(no documentation yet)"]
    click.echo("\n".join(lines))


@main.command()
@click.argument("file", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(report.GRAPH)), default="mermaid",
              show_default=True, help="Mermaid (GitHub renders it) or Graphviz DOT.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False),
              help="Write the diagram to this file instead of standard output.")
@click.option("--stdin-filename", metavar="PATH", help=STDIN_FILENAME_HELP)
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the file (detected by default).")
@guarded
def graph(file: str, fmt: str, output_file: str | None, stdin_filename: str | None,
          input_format: str) -> None:
    """Draw the workflow (a file, or - for stdin): models, dependencies, groups, loops,
    the critical path."""
    from agentlint.graph.view import build_view

    workflows = _load_named((file,), input_format, stdin_filename=stdin_filename)
    emit(report.GRAPH[fmt](build_view(workflows[0])), output_file, inputs_of((file,)))


@main.command("export")
@click.argument("file", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["dag-json"]), default="dag-json",
              show_default=True,
              help="dag-json: steps, dependencies, tokens, slack and shared prompt prefixes, "
                   "for a serving layer (schema: agentlint schema dag).")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help=OUTPUT_FILE_HELP)
@click.option("--stdin-filename", metavar="PATH", help=STDIN_FILENAME_HELP)
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the file (detected by default).")
@click.option("--models", type=click.Path(dir_okay=False), help=MODELS_HELP)
@guarded
def export_command(file: str, fmt: str, output_file: str | None, stdin_filename: str | None,
                   input_format: str, models: str | None) -> None:
    """Write the workflow (a file, or - for stdin) for the systems that run it."""
    from agentlint.report.dag_json import render

    workflows = _load_named((file,), input_format, models, stdin_filename)
    if not workflows:
        raise UsageError("no workflow specs found in " + file)
    emit(render(workflows[0]), output_file, inputs_of((file,), _read_beside(file)))


@main.command("optimize", cls=_OneLineErrors)
@click.argument("file", type=click.Path())
@click.option("--objective", type=click.Choice(OBJECTIVES),
              default="default", show_default=True,
              help="default: least change (least quality lost, then fewest edits, then "
                   "lowest expected cost); within budget, only changes that lose nothing.")
@click.option("--pareto", is_flag=True,
              help="Print the cost / latency / reliability frontier instead of one plan.")
@click.option("--solver", type=click.Choice(["auto", "highs", "cbc"]), default="auto",
              show_default=True, help="auto: HiGHS when highspy is installed, else CBC.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True,
              help="Seconds for the whole command; the best plan found by then is printed.")
@click.option("--gap", type=click.FloatRange(min=0, max=1, max_open=True), default=1e-4,
              show_default=True,
              help="Relative optimality gap within which a plan counts as proven optimal.")
@click.option("--format", "fmt", type=click.Choice(list(report.OPTIMIZE)),
              default="text", show_default=True,
              help="markdown: a pull-request comment with suggestions and a flowchart.")
@click.option("--max-chars", type=click.IntRange(min=2000), default=60_000, show_default=True,
              help="markdown: at most this many characters (GitHub's comment limit is "
                   "65,536); the longest lists are cut at a block boundary.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the change as a unified diff of the spec instead of the report.")
@click.option("--write", "write_back", is_flag=True,
              help="Apply the change to FILE in place (comments and layout kept).")
@click.option("--color/--no-color", default=None, help="Colour the text output.")
@click.option("--verbose", is_flag=True,
              help="Print progress and the solvers' own logs on standard error.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the file (detected by default).")
@click.option("--models", type=click.Path(dir_okay=False), help=MODELS_HELP)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help=OUTPUT_FILE_HELP)
@click.option("--stdin-filename", metavar="PATH", help=STDIN_FILENAME_HELP)
@click.option("--profile", type=click.Path(dir_okay=False), help="A profile (docs/profile.md), "
              "e.g. one `agentlint calibrate` wrote: plan with its figures (the spec keeps "
              "its own).")
@guarded
@interruptible
def optimize_command(file: str, objective: str, pareto: bool, solver: str, time_limit: float,
                     gap: float, fmt: str, max_chars: int, show_diff: bool,
                     write_back: bool,
                     color: bool | None, verbose: bool, input_format: str,
                     models: str | None = None, output_file: str | None = None,
                     stdin_filename: str | None = None, profile: str | None = None) -> None:
    """Propose the best change to a workflow (a file, or - for stdin) that meets its
    budgets (a MILP).

    Exits 0 with a plan, 1 when no plan meets the budgets, 2 when the spec
    cannot be read or an option is wrong.
    """
    import time

    from agentlint.interrupt import TimeUp, alarm_at

    started = time.perf_counter()  # --time-limit covers the whole command
    if os.path.isdir(file):
        raise UsageError(f"{file} is a folder; optimize takes one spec file")
    if write_back and pareto:
        raise UsageError("--write applies one plan; drop --pareto")
    if write_back and file == STDIN:
        raise UsageError("--write edits a file and the spec comes from standard input; "
                         "print the change with --diff instead")
    source = stdin_path(stdin_filename) if file == STDIN else file
    try:
        with alarm_at(started + time_limit):  # loading the optimizer and the spec count too
            from agentlint.optimizer.run import optimize as run_optimize

            try:
                wf = _load_named((file,), input_format, models, stdin_filename,
                                 plan=True)[0]
                _overlay([wf], profile)
            except SpecError as exc:
                if fmt == "json" and not show_diff:
                    _json_errors(exc, output_file, inputs_of((file,)))
                raise
            if models is not None and wf.format == "agentlint" and (write_back or show_diff):
                # the gateway's figures are not the spec's: it is planned on a copy that
                # has them (agentlint.graph.litellm.overlay), which is no file to edit
                raise UsageError("--write and --diff keep the spec's own models; drop "
                                 "--models, or give its prices under models:")
            adapted = wf if wf.extra.get("native") is not None else None
            if adapted is not None:
                # promptflow, CrewAI, Dify, ADK: plan on the equivalent native spec (the
                # one `agentlint convert` prints); its changes are reported at the
                # source's lines, and not written: the source says them in its own format.
                # an Agents SDK or LangGraph program and an AutoGen team take a plan's
                # model changes into their literals (agentlint.adapters.source_write)
                from agentlint.adapters.source_write import WRITABLE

                if show_diff or (write_back and wf.format not in WRITABLE):
                    raise UsageError(f"--write and --diff edit agentlint specs and {file} "
                                     f"is a {wf.format} file, which agentlint does not "
                                     f"rewrite; run 'agentlint convert {file} -o FILE' and "
                                     "optimize FILE")
                from agentlint.convert import as_native

                wf = as_native(wf)
    except TimeUp:
        raise UsageError(f"{file}: the time limit ({time_limit:g} s) ran out while the spec "
                         "was read, before any plan was found; raise --time-limit") from None
    from agentlint.optimizer.progress import Progress

    progress = Progress.for_stderr(verbose, started)  # a terminal's line; plain with --verbose
    try:
        result = run_optimize(wf, objective=objective, solver=solver, time_limit=time_limit,
                              pareto=pareto, path=None if adapted else source, gap=gap,
                              verbose=verbose, started=started, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    if adapted is not None:
        _into_source(result, adapted)
    if verbose and result.solver_log:
        click.echo(result.solver_log, err=True, nl=not result.solver_log.endswith("\n"))
    if output_file is not None and color is None:
        color = False
    if show_diff:
        from agentlint.report import optimize_diff

        text = optimize_diff.render(result)
    elif fmt == "markdown":
        from agentlint.report import optimize_markdown

        text = optimize_markdown.render(result, limit=max_chars)
    else:
        text = report.OPTIMIZE[fmt](result, color_for(color))
    emit(text, output_file, inputs_of((file,)))
    if result.status == "infeasible":
        sys.exit(1)
    if write_back and result.changes and adapted is not None:
        _write_program(file, adapted, result.changes)
    elif write_back and result.changes and result.proposal is not None:
        from agentlint.paths import write_text_atomic

        write_text_atomic(file, result.proposal.rewrite.text, what="spec")
        click.echo(f"agentlint: wrote {escape.text(file)} ({len(result.changes)} changes)",
                   err=True)


def _write_program(file: str, adapted: Any, changes: Any) -> None:
    """The plan's model changes written into the literals of an Agents SDK or LangGraph
    program, an AutoGen team or an Agent Spec file; the rest stay suggestions (said on
    standard error). Refused when the file changed since it was read (the edit is one of
    that text)."""
    from agentlint.adapters.source_write import write_plan
    from agentlint.paths import write_text_atomic

    done = write_plan(adapted, changes)
    target = done.path or file  # a LangGraph graph named by its langgraph.json: the module
    shown = adapted.file if done.path else file
    if done.written:
        write_text_atomic(target, as_on_disk(target, done.source, done.text, "write"),
                          what={"autogen": "team", "agentspec": "flow"}.get(adapted.format,
                                                                            "program"))
    click.echo(f"agentlint: wrote {escape.text(shown)} ({len(done.written)} of "
               f"{len(changes)} changes)" if done.written else f"agentlint: "
               f"{escape.text(shown)} not changed", err=True)
    for reason in done.left:
        click.echo(f"agentlint: left as a suggestion: {escape.text(reason)}", err=True)


def _into_source(result: Any, adapted: Any) -> None:
    """An adapted workflow's plan, told in its source file: each change at the source's
    line, and no suggested edit (those would be lines of the converted spec)."""
    from agentlint.convert import source_line, source_note
    from agentlint.spec.edit import Edits

    for proposal in [result.proposal, *result.frontier]:
        if proposal is None:
            continue
        for change in proposal.changes:
            change.line = source_line(adapted, change.step, change.field)
            change.message += source_note(adapted, change.step, change.field)
        proposal.rewrite.edits = Edits([], "\n", True)
    for found in result.problem.opportunities:
        found.line = source_line(adapted, found.step, "model")
        found.note = source_note(adapted, found.step, "model")
    if result.changes and adapted.format == "agentspec":
        result.notes.append(f"{adapted.file} is an Oracle Agent Spec file: --write sets the "
                            "model_id values these changes name; make the others by hand")
    elif result.changes and adapted.format == "agents-sdk":
        result.notes.append(f"{adapted.file} is an OpenAI Agents SDK program: --write sets "
                            "the literal model=\"...\" keywords these changes name; make "
                            "the others by hand")
    elif result.changes and adapted.format in ("autogen", "langgraph"):
        what = "an AutoGen team" if adapted.format == "autogen" else "a LangGraph module"
        result.notes.append(f"{adapted.file} is {what}: --write sets the model literals "
                            "these changes name where every step that reads one moves "
                            "alike; make the others by hand")
    elif result.changes:
        result.notes.append(f"{adapted.file} is a workflow in the {adapted.format} format: "
                            "make these changes in it by hand (agentlint rewrites only its "
                            "own specs)")


@main.command(cls=_OneLineErrors)
@click.argument("file", type=click.Path())
@click.option("--output-file", "--output", "-o", "output", type=click.Path(dir_okay=False),
              help="Write the spec to this file instead of standard output.")
@click.option("--stdin-filename", metavar="PATH", help=STDIN_FILENAME_HELP)
@click.option("--input-format", type=click.Choice([f for f in INPUT_FORMATS
                                                   if f != "agentlint"]),
              default="auto", show_default=True, help="Format of FILE (detected by default).")
@guarded
def convert(file: str, output: str | None, stdin_filename: str | None,
            input_format: str) -> None:
    """Write the agentlint spec (format v1) equivalent to a promptflow, CrewAI, Dify, ADK,
    AutoGen, LangGraph or OpenAI Agents SDK workflow (a file, or - for stdin).

    The spec estimates to the same figures as FILE; its header lists what had to be
    assumed, for you to replace with real figures.
    """
    from agentlint.convert import convert_file

    if file == STDIN:  # what convert_file does, over the text of standard input
        from agentlint.convert import render

        wf = _load_named((file,), input_format, stdin_filename=stdin_filename)[0]
        if wf.format == "agentlint":
            raise UsageError(f"{wf.file} is already an agentlint spec; there is nothing "
                             "to convert")
        text = render(wf)
    else:
        text = convert_file(file, input_format)
    if output is None:
        click.echo(text, nl=False)
        return
    if os.path.exists(output) and os.path.realpath(output) == os.path.realpath(file):
        raise UsageError("--output would overwrite the source file; name another file")
    write_output(text, output, inputs_of((file,), _read_beside(file)))
    click.echo(f"agentlint: wrote {escape.text(output)}", err=True)


@main.command("diff", cls=_OneLineErrors)
@click.argument("base_ref", required=False, metavar="[BASE_REF]")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fail-on", multiple=True, metavar="THRESHOLDS",
              help="Exit 1 when a workflow changes by more than this: cost+10%, cost+0.01, "
                   "latency+20%, latency+2s, reliability-1pp (comma-separated, repeatable).")
@click.option("--format", "fmt", type=click.Choice(list(report.DIFF)),
              default="text", show_default=True,
              help="markdown: a pull-request comment with the deltas and flowcharts.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--exclude", multiple=True, metavar="PATTERN",
              help="Skip files and folders matching this .gitignore pattern "
                   "(relative to the working directory).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Use this configuration file instead of searching for one.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the files (detected by default).")
@guarded
def diff_command(base_ref: str | None, paths: tuple[str, ...], fail_on: tuple[str, ...],
                 fmt: str, output_file: str | None, exclude: tuple[str, ...],
                 config_file: str | None, input_format: str) -> None:
    """Compare the workflows changed since BASE_REF: cost, latency, reliability, findings.

    BASE_REF defaults to the default branch (origin/HEAD, else main, else
    master); the comparison is with its merge base with HEAD, as a pull
    request shows it, and the working tree. PATHS limit it to those files and
    folders. Exits 1 when a --fail-on threshold is crossed, 2 when git or a
    changed spec cannot be read.
    """
    from agentlint.ci.diff import parse_thresholds, run_diff
    from agentlint.lint.config import Overrides

    if STDIN in (base_ref, *paths):
        raise UsageError("diff compares the specs of two git revisions and reads no "
                         "standard input; name a file, or lint one from stdin with "
                         "'agentlint lint -'")
    thresholds = parse_thresholds(fail_on)
    overrides = Overrides(exclude=list(exclude), config=config_file)
    result = run_diff(base_ref, paths=list(paths) or None, thresholds=thresholds,
                      overrides=overrides, input_format=input_format,
                      pictures=fmt == "markdown")
    text = report.DIFF[fmt](result)
    if output_file is not None:
        write_output(text, output_file, inputs_of(result.read, paths, config_file))
    else:
        click.echo(text, nl=False)
    for err in result.errors:
        click.echo(error_line(err), err=True)
    sys.exit(result.exit_code())


def _overlay(workflows: list[Any], profile: str | None) -> None:
    """Lay the profile ``--profile`` over each native spec of ``workflows``."""
    if profile is None:
        return
    from agentlint.adapters.profile import overlay_workflow

    for wf in workflows:
        overlay_workflow(wf, profile)


@main.command("calibrate", cls=_OneLineErrors)
@click.argument("traces", nargs=-1, required=True, type=click.Path())
@click.option("--spec", "spec_file", required=True, type=click.Path(dir_okay=False),
              help="The workflow the traces are runs of.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the profile to this file (without it, it is printed).")
@click.option("--check", is_flag=True,
              help="Compare the spec's estimate with the traces; exit 1 past --fail-on.")
@click.option("--fail-on", multiple=True, metavar="THRESHOLDS",
              help="With --check: exit 1 when the traces are worse than the estimate by more "
                   "than this, as in diff (default: cost+10%,latency+10%,reliability-2pp).")
@click.option("--trace-format", type=click.Choice(TRACE_FORMATS), default="auto",
              show_default=True, help="Format of the trace files (found from each file).")
@click.option("--color/--no-color", default=None, help="Colour the text output.")
@guarded
def calibrate_command(traces: tuple[str, ...], spec_file: str, output: str | None,
                      check: bool, fail_on: tuple[str, ...], trace_format: str,
                      color: bool | None) -> None:
    """Measure a workflow's figures from trace exports (OTLP JSON, the OpenTelemetry
    SDK's JSON, Langfuse, LangSmith, LiteLLM spend logs) and write them as a profile;
    with --check, gate the spec's estimate against them.

    Exits 1 when --check finds drift beyond the thresholds, 2 when the spec or an
    export cannot be read.
    """
    from agentlint.calibrate.measure import Calibrator
    from agentlint.calibrate.overlay import profile_text
    from agentlint.report import calibrate_text
    from agentlint.trace.read import read_spans

    if fail_on and not check:
        raise UsageError("--fail-on sets the thresholds of --check; add --check")
    if STDIN in (*traces, spec_file):
        raise UsageError("calibrate reads files; name the spec and the trace exports")
    if check:
        from agentlint.ci.diff import parse_thresholds

        parse_thresholds(fail_on)  # a bad threshold stops the run before the reading
    wf = _load_named((spec_file,), "auto")[0]
    progress = None
    if sys.stderr.isatty():
        def progress(done: int, total: int) -> None:
            click.echo(f"\ragentlint: {done / 1e6:,.1f} of {total / 1e6:,.1f} MB of traces "
                       "read", err=True, nl=False)
    spans = read_spans(list(traces), input_format=trace_format, progress=progress)
    measured = Calibrator(wf).feed(spans)
    if progress is not None:
        click.echo("\r\x1b[K", err=True, nl=False)
    if not measured.runs:
        raise SpecError(traces[0], 1, 1, f"no run of the workflow in the trace exports "
                        f"({measured.spans:,} spans, no trace with a root span)")
    profile = profile_text(wf, measured, list(traces))
    if output is not None:
        write_output(profile, output, inputs_of(traces, (spec_file,)))
    use_color = color_for(color)
    if check:
        from agentlint.ci.drift import check as drift_check

        result = drift_check(wf, measured, fail_on)
        click.echo(calibrate_text.drift(wf, measured, result, use_color), nl=False)
        if output is not None:
            click.echo(f"agentlint: wrote {escape.text(output)}", err=True)
        sys.exit(1 if result.failed else 0)
    if output is None:
        click.echo(profile, nl=False)
        return
    click.echo(calibrate_text.summary(wf, measured), nl=False)
    click.echo(f"agentlint: wrote {escape.text(output)}", err=True)


@main.command("server", cls=_OneLineErrors)
@guarded
def server_command() -> None:
    """Run the editor server (Language Server Protocol over stdin/stdout).

    Needs the optional pygls: pip install 'agentlint-workflows[server]'.
    docs/editors.md shows the setup for VS Code, Neovim and Helix.
    """
    from agentlint.server import serve

    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
