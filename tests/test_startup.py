"""A plain ``agentlint lint`` of a native spec imports only what linting uses.

It is a pre-commit hook's whole cost, run on every commit: the optimizer (and
PuLP and HiGHS behind it), the readers of other formats, the CI modules and the
other report formats cost start-up time and are not needed to lint a native
spec. Nor are the standard modules only a write (tempfile, and the signal
handling that guards it), a TOML configuration (tomllib) or a "did you mean"
hint (difflib) needs, nor ``dataclasses`` (the classes a lint creates are
records, ``agentlint.record``) and the ``inspect`` behind it; with an option
the full command line imports click, whose core imports ``inspect``.
``benchmarks/lint_speed.py`` measures the time itself.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentlint.lint.registry import cleandoc
from agentlint.lint.rules import RULE_MODULES
from tests.conftest import EXAMPLES, FIXTURES

#: packages and modules the lint path must not import (the optimizer package itself only
#: names the objectives for the command line; its modules are what cost)
FORBIDDEN = (
    "agentlint.optimizer.", "agentlint.ci", "agentlint.adapters.", "agentlint.convert",
    "pulp", "highspy", "networkx", "jsonschema", "pathspec",
)
#: of the adapters package, the lint path reads only the crew and ADK file names (three
#: tuples, for the sources' first look at a folder)
ADAPTER_NAMES = "agentlint.adapters.names"
#: modules only some runs need: writing a file (tempfile, and shutil and random behind it;
#: the signal handling that removes a half-written file), reading a TOML configuration,
#: suggesting a close name in an error
NOT_ON_THE_LINT_PATH = ("tempfile", "shutil", "random", "agentlint.interrupt", "signal",
                        "tomllib", "difflib")
#: of the report formats, the default text report only (with the colour helper it shares)
REPORTS_ALLOWED = {"agentlint.report", "agentlint.report.text", "agentlint.report.table",
                   # a spec that cannot be read as a finding; a message in parts (both small)
                   "agentlint.report.load_error", "agentlint.report.message"}

PROBE = """\
import atexit, json, sys
from agentlint.cli import entry
atexit.register(lambda: sys.stderr.write(json.dumps(sorted(sys.modules))))
sys.argv = ["agentlint", "lint", *sys.argv[1:]]
entry()
"""


def imported_by(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return set(json.loads(done.stderr))


def test_lint_of_a_native_spec_imports_only_the_lint_path() -> None:
    modules = imported_by(str(EXAMPLES / "research-fanout.yaml"))
    assert "agentlint.lint.engine" in modules  # the probe saw the run
    heavy = sorted(m for m in modules if (m.startswith(FORBIDDEN) or m in FORBIDDEN)
                   and m != ADAPTER_NAMES)
    assert heavy == []
    reports = {m for m in modules if m.startswith("agentlint.report")}
    assert reports <= REPORTS_ALLOWED


def test_json_output_adds_its_own_report_only() -> None:
    modules = imported_by("--format", "json", str(EXAMPLES / "research-fanout.yaml"))
    assert "agentlint.report.json_report" in modules  # the probe saw the JSON run
    reports = {m for m in modules if m.startswith("agentlint.report")}
    assert reports <= REPORTS_ALLOWED | {"agentlint.report.json_report"}
    assert not any(m.startswith(FORBIDDEN) for m in modules if m != ADAPTER_NAMES)


def _alone(tmp_path: Path) -> Path:
    """research-fanout.yaml in a repository of its own (no configuration file to read)."""
    (tmp_path / ".git").mkdir()
    spec = tmp_path / "flow.yaml"
    shutil.copyfile(EXAMPLES / "research-fanout.yaml", spec)
    return spec


def test_lint_leaves_out_the_modules_of_writes_toml_and_hints(tmp_path: Path) -> None:
    spec = _alone(tmp_path)
    modules = imported_by(str(spec), cwd=tmp_path)
    assert "agentlint.lint.engine" in modules  # the probe saw the run
    assert sorted(m for m in NOT_ON_THE_LINT_PATH if m in modules) == []


def test_a_toml_configuration_still_loads_its_reader(tmp_path: Path) -> None:
    """The deferred import is there when a pyproject.toml configures agentlint."""
    spec = _alone(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.agentlint]\nignore = [\"AL101\"]\n",
                                             encoding="utf-8")
    assert "tomllib" in imported_by(str(spec), cwd=tmp_path)


#: standard modules a lint does not need: ``dataclasses`` imports ``inspect``, which imports
#: the other four (about 47M instructions in all, more than the lint of a file)
COSTLY = ("dataclasses", "inspect", "ast", "dis", "tokenize", "linecache")

WATCHED = """\
import atexit, json, sys
watched, first_importer = sys.argv.pop(1).split(","), {}
class Watch:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in watched and name not in first_importer:
            frame = sys._getframe(1)
            while frame.f_globals.get("__name__", "").startswith("importlib"):
                frame = frame.f_back
            first_importer[name] = frame.f_globals.get("__name__")
        return None
sys.meta_path.insert(0, Watch)
from agentlint.__main__ import run
atexit.register(lambda: sys.stderr.write("\\n" + json.dumps([sorted(sys.modules), first_importer])))
sys.argv = ["agentlint", "lint", *sys.argv[1:]]
run()
"""


@pytest.mark.parametrize(("example", "options", "seen"), [
    ("research-fanout.yaml", [], "agentlint.lint.engine"),  # findings with fixes
    ("long-chain.yaml", [], "agentlint.lint.engine"),
    ("research-fanout.yaml", ["--strict"], "click"),  # an option: the full command line
    ("research-fanout.yaml", ["--diff"], "agentlint.lint.autofix"),  # the fixes applied
    ("research-fanout.yaml", ["--write-baseline", "b.json"], "agentlint.ci.baseline"),
    ("research-fanout.yaml", ["--models", str(FIXTURES / "litellm" / "gateway_crew"
                                              / "litellm_config.yaml")], "agentlint.graph.litellm"),
], ids=["fixes", "plain", "strict", "diff", "baseline", "gateway"])
def test_lint_imports_neither_dataclasses_nor_inspect(tmp_path: Path, example: str,
                                                      options: list[str], seen: str) -> None:
    """The ``agentlint`` command as a hook runs it (file names alone) imports none of
    them; with an option, click's core imports ``inspect`` (and with it the others but
    ``dataclasses``): no module of agentlint imports any of them."""
    (tmp_path / ".git").mkdir()
    spec = tmp_path / "flow.yaml"
    shutil.copyfile(EXAMPLES / example, spec)
    done = subprocess.run([sys.executable, "-c", WATCHED, ",".join(COSTLY), *options, str(spec)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    modules, first_importer = json.loads(done.stderr.rpartition("\n")[2])
    assert seen in modules  # the probe saw the run
    assert {m for m in COSTLY if m in modules} == set(first_importer)  # the watch saw them
    if not options:
        assert first_importer == {}
        assert "typing" not in modules  # see agentlint/__init__.py
    assert "dataclasses" not in modules
    from_outside = {m: by for m, by in first_importer.items() if by not in COSTLY}
    assert all(by.startswith("click.") for by in from_outside.values()), from_outside


@given(st.text(alphabet=" \t\n\r\x0b\u2003ab", max_size=40))
def test_the_rule_tables_cleandoc_is_inspects(doc: str) -> None:
    assert cleandoc(doc) == inspect.cleandoc(doc)


def test_rule_pages_are_cleaned_as_inspect_cleans_them() -> None:
    for module in RULE_MODULES:
        assert cleandoc(module.__doc__ or "") == inspect.cleandoc(module.__doc__ or "")


def test_the_console_script_stops_the_collector_before_the_imports() -> None:
    """The ``agentlint`` command starts at ``agentlint.__main__:run``, which switches
    the collector off before click and the lint path are imported."""
    with open(Path(__file__).parent.parent / "pyproject.toml", "rb") as fh:
        scripts = tomllib.load(fh)["project"]["scripts"]
    assert scripts["agentlint"] == "agentlint.__main__:run"
    probe = (
        "import atexit, gc, sys\n"
        "import agentlint.__main__ as m\n"
        "assert gc.isenabled() and 'click' not in sys.modules  # importing it changes nothing\n"
        "seen = []\n"
        "off = gc.disable\n"
        "gc.disable = lambda: (seen.append('click' in sys.modules), off())\n"
        "atexit.register(lambda: sys.stderr.write(repr(seen)))\n"
        "sys.argv = ['agentlint', '--version']\n"
        "m.run()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("[False"), done.stderr


def test_the_command_ends_without_the_interpreters_finalization(tmp_path: Path) -> None:
    """After the command, exit handlers run and the output is flushed, then the process
    ends: no object is freed one by one (a finalizer would print), the exit code is the
    command's."""
    spec = _alone(tmp_path)
    probe = (
        "import atexit, sys\n"
        "import agentlint.__main__ as m\n"
        "class Loud:\n"
        "    def __del__(self):\n"
        "        sys.stderr.write('finalized')\n"
        "kept = Loud()\n"
        "atexit.register(lambda: sys.stderr.write('handlers ran'))\n"
        "sys.argv = ['agentlint', 'lint', '--strict', sys.argv[1]]\n"
        "m.run()\n")
    done = subprocess.run([sys.executable, "-c", probe, str(spec)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # research-fanout has warnings: --strict fails
    assert "handlers ran" in done.stderr
    assert "finalized" not in done.stderr
    assert done.stdout.endswith("in 1 file\n")  # the report's last line got out
