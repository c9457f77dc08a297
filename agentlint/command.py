"""What a command does once its arguments are parsed, without the parser.

``agentlint lint PATH...`` with no option is a pre-commit hook's whole call, and
importing click and building the command line was a sixth of it (59M of a one-file
lint's 374M instructions). So the lint command's body lives here, free of
click: :mod:`agentlint.cli` parses the options into :class:`LintOptions` and calls
:func:`run_lint`; :mod:`agentlint.__main__` calls it directly (:func:`lint_plain`)
when the command line is ``lint`` followed by paths alone, with every option at
its default. Both print through :func:`out` and end through :func:`guarded`, so
the two ways give the same output and exit code (tests/test_plain_lint.py runs
both on the same arguments).

Also here, shared by every command: one line on stderr and exit 2 for every
error (:func:`guarded`), the files a run read (:func:`inputs_of`), colour, and
standard input's stand-in path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable

from agentlint import escape, report
from agentlint.errors import SpecError, UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any, NoReturn


def out(text: str | bytes, err: bool = False) -> None:
    """Write ``text`` as it is (no newline added) on standard output, or on standard error
    with ``err``, and flush: a report, a line, or standard input's bytes given back."""
    stream = sys.stderr if err else sys.stdout
    if isinstance(text, bytes):
        stream.flush()
        stream.buffer.write(text)
        stream.buffer.flush()
        return
    stream.write(text)
    stream.flush()


def fail(message: str) -> NoReturn:
    out(escape.line(message) + "\n", err=True)
    sys.exit(2)


def error_line(err: SpecError) -> str:
    """``file:line:col: reason`` with the file name and the reason escaped: one line,
    never a workflow command (a spec's name and text are a stranger's in CI)."""
    return f"{escape.path(err.file)}:{err.line}:{err.col}: {escape.text(err.message)}"


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line on stderr and exit 2, never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SpecError as exc:
            fail(error_line(exc))
        except UsageError as exc:
            fail(f"agentlint: {exc}")
        except BrokenPipeError:
            sys.exit(2)
        except (KeyboardInterrupt, SystemExit) as exc:  # a signal: one line, 128 + signal
            if isinstance(exc, SystemExit) and getattr(exc, "signum", None) is None:
                raise
            from agentlint.interrupt import leave

            leave(exc)
        except MemoryError:
            fail("agentlint: out of memory")
        except OSError as exc:  # the output cannot be written (a full disk, a closed pipe)
            if os.environ.get("AGENTLINT_DEBUG"):
                raise
            if exc.filename:
                fail(f"agentlint: {escape.path(str(exc.filename))}: {exc.strerror or exc}")
            fail(f"agentlint: cannot write the output: {exc.strerror or exc}")
        except Exception as exc:  # a bug in agentlint: still one line, exit 2
            if os.environ.get("AGENTLINT_DEBUG"):
                raise
            fail(f"agentlint: internal error: {type(exc).__name__}: {exc} "
                 "(set AGENTLINT_DEBUG=1 for details)")

    return wrapper


def interruptible(fn: Callable[..., Any]) -> Callable[..., Any]:
    """SIGINT and SIGTERM end the command cleanly (``agentlint.interrupt``): its solver
    ended, its temporary files removed; ``guarded`` reports it and exits 130 / 143."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from agentlint.interrupt import handled

        with handled():
            return fn(*args, **kwargs)

    return wrapper


def write_output(text: str, path: str, inputs: Iterable[str] = ()) -> None:
    """Write a command's output to the file ``path`` (--output-file, --output), never over
    one of ``inputs``, the files the command read."""
    from agentlint.paths import write_text_atomic

    write_text_atomic(path, text, inputs=inputs)


def emit(text: str, output_file: str | None, inputs: Iterable[str] = ()) -> None:
    """A report on standard output, or with ``-o/--output-file`` into that file (atomically,
    never over one of ``inputs``)."""
    if output_file is not None:
        write_output(text, output_file, inputs)
    elif text:
        out(text)


def inputs_of(*groups: Iterable[str | None] | str | None) -> list[str]:
    """The files a run read (named, discovered, configuration, baseline), for a write to
    refuse to replace; names that are not files are left to the write to skip."""
    from agentlint.paths import discover

    found: list[str] = []
    for group in groups:
        if group is None:
            continue
        for item in (group,) if isinstance(group, str) else group:
            if item and os.path.isfile(item):
                found.append(item)
            elif item and os.path.isdir(item):
                found.extend(discover([item]))
    return found


def color_for(flag: bool | None) -> bool:
    """``--color`` / ``--no-color`` as given, else colour on a terminal without NO_COLOR."""
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


STDIN = "-"


def stdin_path(stdin_filename: str | None) -> str:
    """The path a spec read from standard input is resolved against (its folder holds
    the files it names and its configuration): ``--stdin-filename``, else
    ``stdin.yaml`` in the working directory, as ``lint`` does."""
    return stdin_filename or os.path.join(os.getcwd(), "stdin.yaml")


def gateway_config(models: str | None) -> Any:
    """The LiteLLM proxy config named by ``--models``, read (None without one)."""
    if models is None:
        return None
    from agentlint.graph.litellm import gateway

    return gateway(models)


def selectors(values: tuple[str, ...]) -> list[str]:
    """``--select AL1,AL2 --select cost`` -> ["AL1", "AL2", "cost"]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@guarded
def run_lint(paths: tuple[str, ...], *, fmt: str = "text", output_file: str | None = None,
             select: tuple[str, ...] = (), extend_select: tuple[str, ...] = (),
             ignore: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
             config_file: str | None = None, stdin_filename: str | None = None,
             input_format: str = "auto", statistics: bool = False, exit_zero: bool = False,
             strict: bool = False, quiet: bool = False, color: bool | None = None,
             changed_since: str | None = None, baseline_file: str | None = None,
             write_baseline: str | None = None, jobs: int = 1, fix: bool = False,
             unsafe_fixes: bool = False, show_diff: bool = False, models: str | None = None,
             show_settings: bool = False, profile: str | None = None,
             registry: Any = None) -> None:
    """``agentlint lint``: its options as keywords, each default the command line's own
    (tests/test_plain_lint.py compares them with click's); ``registry``: the rules, by
    default agentlint's. Ends the process with the run's exit code (``--show-settings``
    returns)."""
    from agentlint.lint.config import Overrides
    from agentlint.lint.engine import lint_paths

    if registry is None:
        from agentlint.lint.rules import default_registry

        registry = default_registry()
    if statistics and fmt not in report.LINT_STATISTICS:
        raise UsageError("--statistics works with --format "
                         + ", ".join(list(report.LINT_STATISTICS)[:-1]) + " or "
                         + list(report.LINT_STATISTICS)[-1])
    if show_settings:
        overrides = Overrides(select=selectors(select) or None, ignore=selectors(ignore),
                              extend_select=selectors(extend_select), exclude=list(exclude),
                              config=config_file, strict=strict)
        target = paths[0] if paths else "."
        _show_settings(overrides, registry,
                       stdin_path(stdin_filename) if target == STDIN else target)
        return
    if not paths and changed_since is None:
        raise UsageError("missing PATHS: name the files or folders to lint "
                         "(or - for standard input, or --changed-since REF)")
    if changed_since is not None:
        from agentlint.ci.changes import changed_paths

        if "-" in paths:
            raise UsageError("--changed-since reads the files from git; drop '-'")
        paths = tuple(changed_paths(changed_since, paths))
    baseline = None
    if baseline_file is not None and write_baseline is None:
        from agentlint.ci.baseline import read as read_baseline

        baseline = read_baseline(baseline_file)
    gateway_config(models)  # a bad config stops the run once, not once per workflow
    overrides = Overrides(select=selectors(select) or None, ignore=selectors(ignore),
                          extend_select=selectors(extend_select), exclude=list(exclude),
                          config=config_file, strict=strict, models=models, profile=profile)
    stdin_data = stdin_error = None
    if STDIN in paths:  # read here, so a spec from stdin that cannot be read is still shown
        from agentlint.paths import MAX_SPEC_BYTES, read_stdin

        try:
            stdin_data = read_stdin(MAX_SPEC_BYTES, stdin_filename or "<stdin>")
        except SpecError as exc:  # too large: reported, and nothing of it is linted
            if (fix or unsafe_fixes) and not show_diff:
                fail(error_line(exc))  # a fixer's output would replace the input: none
            stdin_error, stdin_data = exc, b""
    result = lint_paths(paths, overrides, input_format=input_format, stdin=stdin_data,
                        stdin_filename=stdin_filename, jobs=jobs, registry=registry)
    if stdin_error is not None:
        result.errors.append(stdin_error)
    elif stdin_data is not None:
        _stdin_source(result, stdin_data, stdin_filename or "<stdin>")
    if write_baseline is not None:
        from agentlint.ci.baseline import write as write_baseline_file

        count = write_baseline_file(write_baseline, result.findings,
                                    inputs_of(paths, result.files, config_file, baseline_file))
        out(f"agentlint: recorded {count} finding{'s' if count != 1 else ''} in "
                   f"{escape.text(write_baseline)}" + "\n", err=True)
        for err in result.errors:
            out(error_line(err) + "\n", err=True)
        sys.exit(2 if result.errors else 0)
    report_err = False  # --fix of standard input: stdout holds the fixed text
    if fix or unsafe_fixes or show_diff:
        report_err = _apply_fixes(result, overrides, paths, input_format, unsafe_fixes,
                                  show_diff, output_file,
                                  (stdin_filename or "<stdin>") if "-" in paths else None,
                                  stdin_data)
    if baseline is not None:
        result.findings, _, stale = baseline.apply(result.findings, result.files)
        if stale and fmt in ("text", "concise") and not quiet:
            out(f"agentlint: {stale} finding{'s' if stale != 1 else ''} recorded in "
                       f"{escape.text(str(baseline_file))} no longer occur; refresh it with "
                       "--write-baseline\n", err=True)
    from agentlint.report import load_error

    # a spec that could not be read is a finding (AL000) in every format, and exit 2
    shown = load_error.merged([f for f in result.findings
                               if not (quiet and f.severity == "info")], result.errors)
    if output_file is not None and color is None:
        color = False
    use_color = color_for(color)
    if statistics:
        text = report.LINT_STATISTICS[fmt](shown)
    else:
        text = report.LINT[fmt](shown, result, use_color, not quiet)
    if output_file is not None:
        write_output(text, output_file, inputs_of(paths, result.files, config_file, baseline_file))
    elif text:
        out(text, err=report_err)
    for err in result.errors:
        out(error_line(err) + "\n", err=True)
    sys.exit(result.exit_code(strict=strict, exit_zero=exit_zero))


def _apply_fixes(result: Any, overrides: Any, paths: tuple[str, ...], input_format: str,
                 unsafe: bool, show_diff: bool, output_file: str | None,
                 stdin_name: str | None, stdin_data: bytes | None) -> bool:
    """``lint --fix`` / ``--unsafe-fixes`` / ``--diff``. Writes the fixed files (or prints
    the diff, or the fixed text of standard input, named ``stdin_name``) and says how
    many findings were fixed; ``--diff`` exits here. True when standard output now holds
    a fixed text (the report goes to standard error)."""
    from agentlint.lint.autofix import fix_result
    from agentlint.paths import write_text_atomic
    from agentlint.report.fix_diff import render as render_diff

    fixed = fix_result(result, overrides, unsafe=unsafe, input_format=input_format,
                       registry=result.registry)
    for file, reason in fixed.broken.items():
        out(f"agentlint: {escape.text(file)}: a fix was left out: the fixed spec "
                   f"would not load ({escape.text(reason)})" + "\n", err=True)
    more = f" ({fixed.unsafe_left} more with --unsafe-fixes)" if fixed.unsafe_left else ""
    if show_diff:
        text = "".join(render_diff(name, old, new) for name, (old, new) in fixed.files.items())
        if output_file is not None:
            write_output(text, output_file, inputs_of(paths, result.files))
        elif text:
            out(text)
        out(f"agentlint: would fix {fixed.count}{more}" + "\n", err=True)
        for err in result.errors:
            out(error_line(err) + "\n", err=True)
        sys.exit(2 if result.errors else 1 if fixed.files else 0)
    printed = False
    for name, (old, new) in fixed.files.items():
        if name == stdin_name:
            out(new)  # standard input: its fixed text, nothing written
            printed = True
        else:
            write_text_atomic(name, as_on_disk(name, old, new))
    if stdin_data is not None and not printed:
        # nothing to fix, not a workflow, or unreadable: the input as it came, byte for byte
        out(stdin_data)
        printed = True
    out(f"agentlint: {fixed.count} fixed{more}" + "\n", err=True)
    return printed


def as_on_disk(name: str, read: str, new: str, doing: str = "fix") -> str:
    """``new`` as it goes over ``name`` on disk, with the byte-order mark the file had;
    refused (``cannot DOING NAME: ...``) when the file is no longer the text ``read``:
    a fix, or a plan written back, is an edit of that text."""
    from agentlint.paths import MAX_SPEC_BYTES, decode, read_bytes

    try:
        data = read_bytes(name, None, limit=MAX_SPEC_BYTES)
        now = decode(data, name)
    except SpecError as exc:
        raise UsageError(f"cannot {doing} {name}: {exc.message}") from None
    if now != read:
        raise UsageError(f"cannot {doing} {name}: it changed since it was read; run again")
    return "\ufeff" + new if data.startswith(b"\xef\xbb\xbf") else new


def _show_settings(overrides: Any, registry: Any, path: str) -> None:
    """``lint --show-settings``: one line per setting, ``key = value  # source``."""
    from agentlint.lint.config import ConfigFinder, show_settings

    config, rows = show_settings(ConfigFinder(overrides, registry), path)
    lines = [f"# settings for {escape.path(path)}; configuration file: {escape.text(config)}"]
    width = min(48, max(len(f"{r.key} = {r.value}") for r in rows))
    lines += [f"{escape.text(f'{r.key} = {r.value}'):<{width}}  # {escape.text(r.source)}"
              for r in rows]
    out("\n".join(lines) + "\n")


def _stdin_source(result: Any, data: bytes, shown: str) -> None:
    """The text of a spec from standard input that could not be read, for the text
    report to show the line of its AL000 finding (it is not on disk to read again)."""
    if shown in result.sources or not any(e.file == shown for e in result.errors):
        return
    from agentlint.paths import decode

    try:
        result.sources[shown] = decode(data, shown)
    except SpecError:
        return


def lint_plain(paths: list[str]) -> NoReturn:
    """``agentlint lint PATH...`` with every option at its default, as a pre-commit hook
    runs it: what :mod:`agentlint.cli`'s ``lint`` does, without importing click."""
    from agentlint.paths import read_once

    with read_once():  # each file read once per run, as the command group does
        run_lint(tuple(paths))
    sys.exit(0)
