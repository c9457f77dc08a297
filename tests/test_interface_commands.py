"""One interface: every command that reads a spec takes ``-`` (with ``--stdin-filename``),
every command that writes a report takes ``-o/--output-file``; ``estimate`` and
``optimize`` give an unreadable spec in JSON too; ``lint --show-settings`` says
where each setting comes from. Real processes: these are the command line's contract.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, FIXTURES, run_process
from tests.support import SPEC, GitRepo

BROKEN = SPEC.replace("{{ steps.first.output }}", "{{ steps.nowhere.output }}")
DIFY = (FIXTURES / "formats" / "dify" / "langgenius__dify" / "api" / "tests" / "fixtures"
        / "workflow" / "multilingual_parallel_llm_streaming_workflow.yml")


@pytest.fixture
def here(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def test_the_broken_spec_is_broken_where_expected(here: Path) -> None:
    done = run_process("lint", "broken.yaml", "--format", "concise", cwd=here)
    assert done.returncode == 2
    assert done.stdout.startswith("broken.yaml:11:17: error AL000 [load-error] unknown step")


# -- stdin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["estimate"], ["estimate", "--format", "json"], ["graph"], ["graph", "--format", "dot"],
    ["optimize", "--format", "json"], ["lint", "--format", "json"]])
def test_stdin_gives_what_the_file_gives(command: list[str], here: Path) -> None:
    from_file = run_process(*command, "flow.yaml", cwd=here)
    from_stdin = run_process(*command, "-", "--stdin-filename", "flow.yaml", cwd=here,
                             input=SPEC)
    assert from_stdin.returncode == from_file.returncode
    assert from_stdin.stdout == from_file.stdout and from_stdin.stdout.strip()


def test_stdin_without_a_name(here: Path) -> None:
    done = run_process("estimate", "-", "--format", "json", cwd=here, input=SPEC)
    assert done.returncode == 0 and json.loads(done.stdout)["file"] == "<stdin>"
    broken = run_process("estimate", "-", cwd=here, input=BROKEN)
    assert broken.returncode == 2
    assert broken.stderr.startswith("<stdin>:11:17: unknown step 'nowhere'")


def test_stdin_that_is_no_spec(here: Path) -> None:
    done = run_process("graph", "-", cwd=here, input="just: yaml\n")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("<stdin>:1:1: ")


def test_convert_reads_stdin(here: Path) -> None:
    shutil.copy(DIFY, here / "app.yml")
    from_file = run_process("convert", "app.yml", cwd=here)
    from_stdin = run_process("convert", "-", "--stdin-filename", "app.yml", cwd=here,
                             input=DIFY.read_bytes())
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_stdin.stdout == from_file.stdout
    native = run_process("convert", "-", cwd=here, input=SPEC)
    assert native.returncode == 2 and "already an agentlint spec" in native.stderr


def test_optimize_from_stdin_cannot_write_back(here: Path) -> None:
    done = run_process("optimize", "-", "--write", cwd=here, input=SPEC)
    assert done.returncode == 2
    assert "--write edits a file" in done.stderr
    assert (here / "flow.yaml").read_text(encoding="utf-8") == SPEC


def test_optimize_diff_from_stdin_names_the_file(here: Path) -> None:
    shutil.copy(EXAMPLES / "research-fanout.yaml", here / "fanout.yaml")
    shutil.copytree(EXAMPLES / "prompts", here / "prompts")
    text = (here / "fanout.yaml").read_text(encoding="utf-8")
    from_file = run_process("optimize", "fanout.yaml", "--diff", cwd=here)
    from_stdin = run_process("optimize", "-", "--stdin-filename", "fanout.yaml", "--diff",
                             cwd=here, input=text)
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_stdin.stdout == from_file.stdout and "+++ " in from_stdin.stdout


def test_diff_reads_no_stdin(here: Path) -> None:
    done = run_process("diff", "-", cwd=here, input=SPEC)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("agentlint: diff compares the specs of two git revisions")


# -- -o / --output-file --------------------------------------------------------------------


@pytest.mark.parametrize(("command", "option"), [
    (["lint", "broken.yaml", "--format", "json"], "-o"),
    (["estimate", "flow.yaml"], "--output-file"),
    (["estimate", "flow.yaml", "--format", "json"], "-o"),
    (["graph", "flow.yaml"], "-o"),
    (["optimize", "flow.yaml"], "-o"),
    (["optimize", "flow.yaml", "--format", "json"], "--output-file"),
    (["optimize", "flow.yaml", "--format", "markdown"], "-o")])
def test_output_file(command: list[str], option: str, here: Path) -> None:
    printed = run_process(*command, cwd=here)
    written = run_process(*command, option, "report.txt", cwd=here)
    assert written.returncode == printed.returncode
    assert written.stdout == ""
    assert (here / "report.txt").read_text(encoding="utf-8") == printed.stdout
    assert printed.stdout.strip()


def test_output_file_never_replaces_an_input(here: Path) -> None:
    done = run_process("estimate", "flow.yaml", "-o", "flow.yaml", cwd=here)
    assert done.returncode == 2
    assert (here / "flow.yaml").read_text(encoding="utf-8") == SPEC


def test_estimate_text_to_a_file_has_no_colour(here: Path) -> None:
    done = run_process("estimate", "flow.yaml", "-o", "e.txt", cwd=here)
    assert done.returncode == 0
    assert "\x1b[" not in (here / "e.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("option", ["-o", "--output", "--output-file"])
def test_convert_output_spellings(option: str, here: Path) -> None:
    shutil.copy(DIFY, here / "app.yml")
    printed = run_process("convert", "app.yml", cwd=here)
    done = run_process("convert", "app.yml", option, "native.yaml", cwd=here)
    assert done.returncode == 0
    assert (here / "native.yaml").read_text(encoding="utf-8") == printed.stdout


# -- an unreadable spec in JSON ------------------------------------------------------------


@pytest.mark.parametrize("command", [["estimate"], ["optimize"]])
def test_json_carries_the_load_error(command: list[str], here: Path) -> None:
    done = run_process(*command, "broken.yaml", "--format", "json", cwd=here)
    assert done.returncode == 2
    [item] = json.loads(done.stdout)["errors"]
    assert (item["code"], item["rule"], item["severity"]) == ("AL000", "load-error", "error")
    assert (item["file"], item["line"], item["column"]) == ("broken.yaml", 11, 17)
    assert done.stderr.splitlines() == [f"broken.yaml:11:17: {item['message']}"]
    to_file = run_process(*command, "broken.yaml", "--format", "json", "-o", "e.json",
                          cwd=here)
    assert to_file.returncode == 2 and to_file.stdout == ""
    assert json.loads((here / "e.json").read_text(encoding="utf-8"))["errors"] == [item]


@pytest.mark.parametrize("command", [["estimate"], ["optimize"]])
def test_json_errors_never_replace_the_spec(command: list[str], here: Path) -> None:
    done = run_process(*command, "broken.yaml", "--format", "json", "-o", "broken.yaml",
                       cwd=here)
    assert done.returncode == 2
    assert (here / "broken.yaml").read_text(encoding="utf-8") == BROKEN


def test_text_keeps_the_stderr_line_only(here: Path) -> None:
    done = run_process("estimate", "broken.yaml", cwd=here)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("broken.yaml:11:17: unknown step")


def test_diff_json_lists_the_load_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("flows/a.yaml", SPEC)
    repo.commit("a spec")
    repo.git("checkout", "-q", "-b", "change")
    repo.write("flows/a.yaml", BROKEN)
    repo.commit("break it")
    done = run_process("diff", "main", "--format", "json", cwd=repo.root)
    assert done.returncode == 2
    [item] = json.loads(done.stdout)["errors"]
    assert (item["code"], item["file"], item["line"]) == ("AL000", "flows/a.yaml", 11)


# -- lint --show-settings ------------------------------------------------------------------


def settings(cwd: Path, *args: str) -> dict[str, tuple[str, str]]:
    done = run_process("lint", "--show-settings", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("# settings for ")
    out = {}
    for line in lines[1:]:
        setting, source = line.rsplit("  # ", 1)
        key, value = setting.split(" = ", 1)
        out[key] = (value.strip(), source)
    return out


def test_show_settings_defaults(here: Path) -> None:
    shown = settings(here, "flow.yaml")
    assert shown["select"] == ('["default rules"]', "defaults")
    assert shown["strict"] == ("false", "defaults")
    assert shown["rules.deep-chain.max_depth"] == ("8", "defaults")
    assert '"AL101"' in shown["enabled"][0]


def test_show_settings_from_agentlint_yaml_and_command_line(here: Path) -> None:
    (here / ".agentlint.yaml").write_text(
        "ignore: [AL101]\nseverity: {AL102: error}\nrules:\n  deep-chain: {max_depth: 5}\n",
        encoding="utf-8")
    shown = settings(here, "flow.yaml", "--strict", "--extend-select", "AL9")
    assert shown["ignore"] == ('["AL101"]', ".agentlint.yaml:1")
    assert shown["severity.AL102"] == ("error", ".agentlint.yaml:2")
    assert shown["rules.deep-chain.max_depth"] == ("5", ".agentlint.yaml:4")
    assert shown["strict"] == ("true", "command line (--strict)")
    assert shown["extend-select"] == ('["AL9"]', "command line (--extend-select)")
    assert '"AL101"' not in shown["enabled"][0]


def test_show_settings_from_pyproject(here: Path) -> None:
    (here / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.agentlint]\nstrict = true\nselect = ['AL1']\n",
        encoding="utf-8")
    shown = settings(here, ".")
    assert shown["strict"] == ("true", "pyproject.toml:5")
    assert shown["select"] == ('["AL1"]', "pyproject.toml:6")
    assert shown["enabled"][0].startswith('["AL101"')
    both = settings(here, ".", "--ignore", "AL102")
    assert both["ignore"] == ('["AL102"]', "command line (--ignore)")


def test_show_settings_names_the_file(here: Path) -> None:
    (here / "sub").mkdir()
    (here / "sub" / ".agentlint.yml").write_text("strict: true\n", encoding="utf-8")
    done = run_process("lint", "sub", "--show-settings", cwd=here)
    assert done.stdout.splitlines()[0] == \
        "# settings for sub; configuration file: sub/.agentlint.yml"


def test_show_settings_for_a_file_applies_per_file_ignores(here: Path) -> None:
    (here / ".agentlint.yaml").write_text("per-file-ignores: {flow.yaml: [AL1]}\n",
                                          encoding="utf-8")
    for_file = settings(here, "flow.yaml")
    assert for_file["per-file-ignores.flow.yaml"] == ('["AL1"]', ".agentlint.yaml:1")
    assert '"AL101"' not in for_file["enabled"][0]
    assert for_file["enabled"][1].endswith("and per-file-ignores")
    assert '"AL101"' in settings(here, "broken.yaml")["enabled"][0]
