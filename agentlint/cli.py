"""The command line: parse options, call the library, print, choose the exit code.

Exit codes (contract): 0 clean, 1 findings at error level or a budget
exceeded, 2 agentlint could not do its job. Nothing here computes anything;
each command is a few lines over the package's modules.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from agentlint import __version__
from agentlint.errors import SpecError, UsageError

INPUT_FORMATS = ["auto", "agentlint", "promptflow", "crewai", "dify", "adk"]


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line on stderr and exit 2, never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SpecError as exc:
            fail(str(exc))
        except UsageError as exc:
            fail(f"agentlint: {exc}")
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(2)
        except MemoryError:
            fail("agentlint: out of memory")
        except Exception as exc:  # a bug in agentlint: still one line, exit 2
            if os.environ.get("AGENTLINT_DEBUG"):
                raise
            fail(f"agentlint: internal error: {type(exc).__name__}: {exc} "
                 "(set AGENTLINT_DEBUG=1 for details)")

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentlint")
def main() -> None:
    """Static analysis of LLM agent workflows: lint, estimate, optimize."""


def _color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _load_named(paths: tuple[str, ...], input_format: str) -> list[Any]:
    """Workflows named on the command line (files, or folders searched for specs)."""
    from agentlint.spec.sources import discover, load_any

    workflows = []
    for path in paths:
        if not os.path.exists(path) and not os.path.islink(path):
            raise SpecError(path, 1, 1, "no such file or folder")
        explicit = not os.path.isdir(path)
        for file in discover([path]):
            wf = load_any(file, input_format=input_format, explicit=explicit)
            if wf is None:
                if explicit:
                    raise SpecError(file, 1, 1, "not a workflow spec (no top-level "
                                    "'agentlint:' key and no known format)")
                continue
            workflows.append(wf)
    return workflows


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, help="Format of the files (detected by default).")
@click.option("--color/--no-color", default=None, help="Colour the text output.")
@guarded
def estimate(paths: tuple[str, ...], fmt: str, input_format: str, color: bool | None) -> None:
    """Estimate cost per run, critical-path latency and reliability.

    Exits 1 when a budget in the spec is exceeded, 2 when a spec cannot be read.
    """
    from agentlint.graph.estimate import estimate as run_estimate

    workflows = _load_named(paths, input_format)
    if not workflows:
        raise UsageError("no workflow specs found in " + ", ".join(paths))
    results = [run_estimate(wf) for wf in workflows]
    if fmt == "json":
        payload: Any = results[0].to_json() if len(results) == 1 and len(paths) == 1 \
            and not os.path.isdir(paths[0]) else [r.to_json() for r in results]
        click.echo(json.dumps(payload, indent=2))
    else:
        from agentlint.report.estimate_text import render

        click.echo("\n\n".join(render(r, _color(color)) for r in results))
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
    click.echo(f"{'model':32} {'provider':12} {'in $/Mtok':>10} {'out $/Mtok':>11} "
               f"{'cached':>8} {'ttft s':>7} {'tok/s':>6} {'p_ok':>6}")
    for name in catalog.names():
        m = data["models"][name]
        cached = m.get("cached_input_per_mtok")
        click.echo(f"{name:32} {m.get('provider', ''):12} {m['input_per_mtok']:>10g} "
                   f"{m['output_per_mtok']:>11g} {cached if cached is not None else '-':>8} "
                   f"{m['ttft_s']:>7g} {m['tokens_per_s']:>6g} {m['p_ok']:>6g}")


@main.command()
@click.option("--path", "show_path", is_flag=True, help="Print the schema file's path.")
@guarded
def schema(show_path: bool) -> None:
    """Print the JSON Schema of spec format v1 (for editors and CI)."""
    from agentlint.spec.schema import load_schema, schema_path

    if show_path:
        click.echo(schema_path())
    else:
        click.echo(json.dumps(load_schema(), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
