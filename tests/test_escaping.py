"""Untrusted text in every output: no forged workflow command, no raw control character.

A file name, a workflow name or a prompt is a stranger's in a pull request. Printed
raw, a newline in it starts a line of its own, and a line starting with ``::`` is a
command to the GitHub Actions runner; in a pull-request comment a file name could
open a heading or a table row. These tests run real processes over such files, and
test each function of ``agentlint.escape``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from agentlint import escape
from tests.conftest import ROOT, run_process
from tests.support import GitRepo

FIXTURE = ROOT / "tests" / "fixtures" / "rules" / "AL201-cache-defeating-prefix.yaml"
PROMPT = ROOT / "tests" / "fixtures" / "rules" / "prompts" / "analyst-dated.md"

#: a newline and a forged annotation, ANSI escapes and a bidi override, a leading ``::``
NAMES = ["flow\n::error file=x,line=1::forged.yaml",
         "\x1b[31mred\x1b[0m\u202eevil.yaml",
         "::warning::lead.yaml"]
#: a prompt text that reaches a finding's message (AL201 quotes the volatile part)
FORGED_PROMPT = "{{ inputs.date\n::warning::x }}"

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
GENUINE = re.compile(r"^::(error|warning|notice) file=[^:,\n]*,line=\d+,col=\d+,"
                     r"title=[^:,\n]*::")

LINT_FORMATS = ["text", "concise", "github", "json", "sarif", "junit", "gitlab"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_process(*args, cwd=cwd, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(cwd)})


def write_specs(root: Path) -> list[str]:
    """The AL201 fixture under each hostile name, its prompt carrying a forged command."""
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    prompt = PROMPT.read_text(encoding="utf-8").replace("{{ inputs.date }}", FORGED_PROMPT, 1)
    (root / "prompts" / "analyst-dated.md").write_text(prompt, encoding="utf-8")
    spec = FIXTURE.read_text(encoding="utf-8")
    for name in NAMES:
        (root / name).write_text(spec, encoding="utf-8")
    return NAMES


def assert_no_forged_lines(out: str, genuine: bool = False) -> None:
    for line in out.splitlines():
        stripped = line.lstrip()
        if genuine and GENUINE.match(line):
            continue
        assert not stripped.startswith("::"), line


def assert_no_raw_control(out: str) -> None:
    found = RAW_CONTROL.search(out)
    assert found is None, (found, out[max(found.start() - 60, 0):found.end() + 60])


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / ".git").mkdir()
    return tmp_path, write_specs(tmp_path)


@pytest.mark.parametrize("fmt", LINT_FORMATS)
def test_lint_formats_print_no_forged_command(hostile: tuple[Path, list[str]], fmt: str
                                              ) -> None:
    root, names = hostile
    proc = run("lint", "--format", fmt, "--", *names, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout
    assert "AL201" in out
    assert_no_forged_lines(out, genuine=fmt == "github")
    assert_no_forged_lines(proc.stderr)
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    if fmt in ("text", "concise", "github"):
        assert_no_raw_control(out)
    if fmt == "github":
        genuine = [line for line in out.splitlines() if GENUINE.match(line)]
        assert len(genuine) == len(names)  # one AL201 per file, each a line of its own
        assert all("%0A" in line for line in genuine)  # the prompt's newline, encoded
        assert any("file=flow%0A%3A%3Aerror file=x%2Cline=1%3A%3Aforged.yaml," in line
                   for line in genuine)
    if fmt in ("text", "concise"):
        assert "flow\\n::error file=x,line=1::forged.yaml:" in out
        assert "\\x1b[31mred\\x1b[0m\\u202eevil.yaml" in out
        assert "./::warning::lead.yaml:" in out
        assert "{{ inputs.date\\n::warning::x }}" in out


def test_the_error_line_on_stderr_is_escaped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    name = "bad\n::error file=x,line=1::forged\x1b[2J.yaml"
    (tmp_path / name).write_text("agentlint: 1\nname: [unclosed\n", encoding="utf-8")
    proc = run("lint", "--", name, cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("bad\\n::error file=x,line=1::forged\\x1b[2J.yaml:")
    assert_no_raw_control(proc.stderr)
    missing = run("lint", "--", "gone\n::error::x.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert_no_forged_lines(missing.stderr)
    assert_no_raw_control(missing.stderr)


@pytest.mark.parametrize("name", NAMES)
def test_estimate_and_optimize_reports(hostile: tuple[Path, list[str]], name: str) -> None:
    root, _ = hostile
    for args in (("estimate", "--", name),
                 ("optimize", "--format", "text", "--time-limit", "10", "--", name),
                 ("optimize", "--format", "markdown", "--time-limit", "10", "--", name)):
        proc = run(*args, cwd=root)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        assert_no_forged_lines(proc.stdout)
        assert_no_forged_lines(proc.stderr)
        assert_no_raw_control(proc.stdout)
        if "markdown" in args:
            heading = proc.stdout.splitlines()[0]
            assert heading.startswith("### agentlint optimize: `"), heading
            assert "<!-- agentlint-suggestion" not in proc.stdout or \
                all(line.endswith("-->") for line in proc.stdout.splitlines()
                    if line.startswith("<!-- agentlint-suggestion"))


@pytest.fixture(scope="module")
def hostile_branch(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """A repository whose branch adds the hostile names (read only: built once)."""
    repo = GitRepo(tmp_path_factory.mktemp("escaping") / "repo")
    repo.write("README.md", "demo\n")
    repo.commit("first")
    repo.git("checkout", "-q", "-b", "feature")
    write_specs(repo.root)
    markdown_name = "# heading\n| x |.yaml"
    (repo.root / markdown_name).write_text(FIXTURE.read_text(encoding="utf-8"),
                                           encoding="utf-8")
    repo.commit("hostile names")
    return repo


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_reports(hostile_branch: GitRepo, fmt: str) -> None:
    repo = hostile_branch
    proc = run("diff", "main", "--format", fmt, cwd=repo.root)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout
    assert_no_forged_lines(out)
    assert_no_forged_lines(proc.stderr)
    if fmt == "json":
        json.loads(out)
        return
    assert_no_raw_control(out)
    if fmt == "markdown":
        assert_markdown_safe(out)


def assert_markdown_safe(out: str) -> None:
    """No line a file name opened: headings and table rows are agentlint's own."""
    in_fence = False
    for line in out.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        assert not line.startswith("# "), line
        assert not line.startswith("| x |"), line
        if line.startswith("#"):
            assert line.startswith(("### agentlint", "#### ")), line


# -- the functions -------------------------------------------------------------------------


def test_text_shows_controls_and_bidi_as_escapes() -> None:
    assert escape.text("plain name/flow.yaml") == "plain name/flow.yaml"
    assert escape.text("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert escape.text("\x1b[31m\x00\x7f\x85") == "\\x1b[31m\\x00\\x7f\\x85"
    assert escape.text("\u202aA\u202eB\u2066C\u2069") == "\\u202aA\\u202eB\\u2066C\\u2069"
    assert escape.text("café ✓ 日本") == "café ✓ 日本"


def test_path_and_line_never_start_a_line_with_a_colon() -> None:
    assert escape.path("flows/a.yaml") == "flows/a.yaml"
    assert escape.path("::warning::x") == "./::warning::x"
    assert escape.path("  ::x") == "./  ::x"
    assert escape.path("a\n::error::x") == "a\\n::error::x"
    assert escape.line("::error::x") == "\\x3a:error::x"
    assert escape.line("  :x") == "  \\x3ax"
    assert escape.line("step_a") == "step_a"


def test_workflow_command_data_and_properties() -> None:
    assert escape.data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape.prop("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape.data("\x1b[1m") == "\\x1b[1m"
    assert escape.prop("x\n::error::y") == "x%0A%3A%3Aerror%3A%3Ay"


def test_markdown_prose_code_and_cells() -> None:
    assert escape.md("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert escape.md("x\n# heading") == "x\\n# heading"
    assert escape.code("flow.yaml") == "`flow.yaml`"
    assert escape.code("a`b") == "`` a`b ``"
    assert escape.code("a``b`") == "``` a``b` ```"
    assert escape.code("# heading\n| x |") == "`# heading\\n| x |`"
    assert escape.cell(escape.code("a|b")) == "`a\\|b`"
    assert escape.cell("x\ny") == "x\\ny"


def test_mermaid_labels() -> None:
    assert escape.mermaid("step\ngpt-4o") == "step<br/>gpt-4o"
    assert escape.mermaid('a"b') == "a#quot;b"
    assert escape.mermaid("#quot;") == "#35;quot;"
    assert escape.mermaid("[x]|{y}") == "#91;x#93;#124;#123;y#125;"
    assert escape.mermaid("<img>") == "#lt;img#gt;"
    assert escape.mermaid("a\x1bb") == "a\\x1bb"


def test_excerpt_cuts_and_escapes() -> None:
    assert escape.excerpt("short") == "short"
    long = "x" * 100
    assert escape.excerpt(long) == "x" * 79 + "…"
    assert len(escape.excerpt(long, 10)) == 10
    assert escape.excerpt("a\nb", 10) == "a\\nb"


def test_the_github_report_escapes_with_the_escape_module() -> None:
    from agentlint.lint.registry import Finding
    from agentlint.report import github

    f = Finding("AL801", "a,b", "error", "50%\n::warning::x", "dir:x/a,b.yaml", 3, 5)
    line = github.render([f])
    assert line == (f"::error file={escape.prop('dir:x/a,b.yaml')},line=3,col=5,"
                    f"title={escape.prop('AL801 a,b')}::{escape.data(f.message)}")
