"""agentlint.paths: the repository root, discovery, one pattern matcher, shown names.

The pattern table is checked through every way a pattern reaches agentlint —
``Patterns`` itself, ``--exclude``, the configuration's ``exclude`` and
``per-file-ignores`` — and each must give the same answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentlint import paths
from agentlint.errors import UsageError
from agentlint.lint.config import ConfigError, Overrides
from agentlint.paths import Patterns, discover
from tests.conftest import ROOT
from tests.lint_support import SPEC, Rules

FILES = ["top.yaml", "a.draft.yaml", "keep.yaml", "legacy/a.yaml", "legacy/keep.yaml",
         "legacy/sub/b.yaml", "flows/legacy/c.yaml", "flows/x.draft.yaml"]
LEGACY = {"legacy/a.yaml", "legacy/keep.yaml", "legacy/sub/b.yaml"}

#: patterns -> the files they leave out (the documented table, docs/configuration.md)
TABLE: list[tuple[list[str], set[str]]] = [
    (["legacy"], LEGACY | {"flows/legacy/c.yaml"}),
    (["legacy/"], LEGACY | {"flows/legacy/c.yaml"}),
    (["./legacy"], LEGACY),
    (["/legacy"], LEGACY),
    (["./legacy/"], LEGACY),
    (["flows/legacy"], {"flows/legacy/c.yaml"}),
    (["**/legacy"], LEGACY | {"flows/legacy/c.yaml"}),
    (["legacy/*.yaml"], {"legacy/a.yaml", "legacy/keep.yaml"}),
    (["legacy/**/*.yaml"], LEGACY),
    (["*.draft.yaml"], {"a.draft.yaml", "flows/x.draft.yaml"}),
    (["keep.yaml"], {"keep.yaml", "legacy/keep.yaml"}),
    (["/keep.yaml"], {"keep.yaml"}),
    (["legacy/*.yaml", "!keep.yaml"], {"legacy/a.yaml"}),
    (["legacy/**", "!legacy/keep.yaml"], {"legacy/a.yaml", "legacy/sub/b.yaml"}),
    # a file cannot be brought back from a folder that stays excluded (as in git)
    (["legacy/", "!keep.yaml"], LEGACY | {"flows/legacy/c.yaml"}),
    # bringing a folder back does not bring back the files a pattern names (as in git)
    (["*.yaml", "!legacy/"], set(FILES)),
]
IDS = [" ".join(p) for p, _ in TABLE]
SINGLE = [(p, hit) for p, hit in TABLE if len(p) == 1]


@pytest.fixture
def rules() -> Rules:
    reg = Rules()
    reg.add("AL801", "every-step")
    return reg


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for name in FILES:
        write(tmp_path / name, SPEC)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def left_out(linted: list[str]) -> set[str]:
    return set(FILES) - set(linted)


# -- one answer for every way a pattern is given -------------------------------------------


@pytest.mark.parametrize(("patterns", "excluded"), TABLE, ids=IDS)
def test_patterns_match(repo: Path, patterns: list[str], excluded: set[str]) -> None:
    spec = Patterns(patterns, str(repo))
    assert {f for f in FILES if spec.match(f)} == excluded
    assert {f for f in FILES if spec.match(str(repo / f))} == excluded  # absolute paths


@pytest.mark.parametrize(("patterns", "excluded"), TABLE, ids=IDS)
def test_exclude_option(rules: Rules, repo: Path, patterns: list[str],
                        excluded: set[str]) -> None:
    assert left_out(rules.lint_paths(["."], Overrides(exclude=patterns)).files) == excluded
    # files named one by one are left out alike (the pre-commit hook names every file)
    assert left_out(rules.lint_paths(FILES, Overrides(exclude=patterns)).files) == excluded


@pytest.mark.parametrize(("patterns", "excluded"), TABLE, ids=IDS)
def test_exclude_in_configuration(rules: Rules, repo: Path, patterns: list[str],
                                  excluded: set[str]) -> None:
    write(repo / ".agentlint.yaml", "exclude: " + json.dumps(patterns) + "\n")
    assert left_out(rules.lint_paths(["."]).files) == excluded
    assert left_out(rules.lint_paths(FILES).files) == excluded


@pytest.mark.parametrize(("patterns", "excluded"), TABLE, ids=IDS)
def test_exclude_in_pyproject(rules: Rules, repo: Path, patterns: list[str],
                              excluded: set[str]) -> None:
    write(repo / "pyproject.toml", "[tool.agentlint]\nexclude = " + json.dumps(patterns) + "\n")
    assert left_out(rules.lint_paths(["."]).files) == excluded


@pytest.mark.parametrize(("patterns", "excluded"), SINGLE, ids=[p[0] for p, _ in SINGLE])
def test_per_file_ignores(rules: Rules, repo: Path, patterns: list[str],
                          excluded: set[str]) -> None:
    write(repo / ".agentlint.yaml",
          "per-file-ignores:\n  " + json.dumps(patterns[0]) + ": [AL801]\n")
    result = rules.lint_paths(["."])
    assert sorted(result.files) == sorted(FILES)
    assert set(FILES) - {f.file for f in result.findings} == excluded


@pytest.mark.parametrize(("patterns", "excluded"), TABLE, ids=IDS)
def test_exclude_on_the_command_line(cli, rules: Rules, repo: Path, patterns: list[str],
                                     excluded: set[str]) -> None:
    args = [a for p in patterns for a in ("--exclude", p)]
    out = cli("lint", ".", *args, "--format", "json", "--exit-zero")
    assert out.exit_code == 0, out.output
    assert left_out(sorted({f["file"] for f in json.loads(out.output)})) == excluded


def test_command_line_and_configuration_excludes_add_up(rules: Rules, repo: Path) -> None:
    write(repo / ".agentlint.yaml", "exclude: [legacy/*.yaml]\n")
    # a '!' on the command line does not bring back what the configuration leaves out
    result = rules.lint_paths(["."], Overrides(exclude=["*.draft.yaml", "!legacy/keep.yaml"]))
    assert left_out(result.files) == {"legacy/a.yaml", "legacy/keep.yaml", "a.draft.yaml",
                                      "flows/x.draft.yaml"}


def test_configuration_patterns_are_relative_to_its_folder(rules: Rules,
                                                           repo: Path) -> None:
    write(repo / "flows" / ".agentlint.yaml", "exclude: [/legacy, '*.draft.yaml']\n")
    assert left_out(rules.lint_paths(["."]).files) == {"flows/legacy/c.yaml", "flows/x.draft.yaml"}
    write(repo / "flows" / ".agentlint.yaml", "exclude: [legacy/*.yaml]\n")
    assert left_out(rules.lint_paths(["."]).files) == {"flows/legacy/c.yaml"}


def test_option_patterns_are_relative_to_the_working_directory(rules: Rules, repo: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.chdir(repo / "flows")
    result = rules.lint_paths([".."], Overrides(exclude=["/legacy", "/../top.yaml"]))
    assert left_out([os.path.relpath(f, "..") for f in result.files]) == {
        "flows/legacy/c.yaml"}
    # outside the working directory only the patterns that match at any depth apply
    result = rules.lint_paths([".."], Overrides(exclude=["keep.yaml"]))
    assert left_out([os.path.relpath(f, "..") for f in result.files]) == {
        "keep.yaml", "legacy/keep.yaml"}


def test_explicit_configuration_file_outside_the_files(rules: Rules, repo: Path,
                                                       tmp_path_factory: pytest.TempPathFactory
                                                       ) -> None:
    elsewhere = tmp_path_factory.mktemp("conf")
    write(elsewhere / "conf.yaml", "exclude: [legacy/, /top.yaml]\n")
    # the files lie outside the configuration's folder: only 'legacy/' can match them
    result = rules.lint_paths(["."], Overrides(config=str(elsewhere / "conf.yaml")))
    assert left_out(result.files) == LEGACY | {"flows/legacy/c.yaml"}


def test_negated_per_file_ignores_key_is_an_error(rules: Rules, repo: Path) -> None:
    write(repo / ".agentlint.yaml", "per-file-ignores:\n  '!keep.yaml': [AL801]\n")
    with pytest.raises(ConfigError) as err:
        rules.lint_paths(["."])
    assert str(err.value).startswith(".agentlint.yaml:2:3: per-file-ignores pattern "
                                     "'!keep.yaml': a pattern starting with '!' matches "
                                     "nothing on its own")


def test_invalid_patterns(rules: Rules, repo: Path) -> None:
    with pytest.raises(UsageError, match=r"^--exclude '!': not a valid pattern"):
        rules.lint_paths(["."], Overrides(exclude=["!"]))
    write(repo / ".agentlint.yaml", "exclude:\n  - legacy\n  - '!'\n")
    with pytest.raises(ConfigError) as err:
        rules.lint_paths(["."])
    assert str(err.value).startswith(".agentlint.yaml:3:5: pattern in 'exclude' '!': not a "
                                     "valid pattern")


def test_diff_excludes_with_the_same_matcher(rules: Rules, repo: Path) -> None:

    finder = rules.finder(Overrides(exclude=["legacy/*.yaml"]))
    assert [f for f in FILES if finder.excluded(str(repo / f))] == ["legacy/a.yaml",
                                                                    "legacy/keep.yaml"]
    write(repo / ".agentlint.yaml", "exclude: ['*.draft.yaml']\n")
    finder = rules.finder(Overrides(exclude=["./legacy"]))
    assert {f for f in FILES if finder.excluded(str(repo / f))} == LEGACY | {
        "a.draft.yaml", "flows/x.draft.yaml"}


def test_empty_and_blank_patterns_match_nothing(repo: Path) -> None:
    assert not Patterns([], str(repo))
    assert not Patterns(["", "  "], str(repo))
    assert not any(Patterns(["  "], str(repo)).match(f) for f in FILES)
    assert not Patterns(["legacy"], str(repo)).match(".")


def test_no_pattern_no_pathspec_import(tmp_path: Path) -> None:
    """A plain lint does not pay for importing pathspec."""
    write(tmp_path / "flow.yaml", SPEC)
    code = ("import sys\nfrom agentlint.lint.engine import lint_paths\n"
            "lint_paths(['flow.yaml'])\nprint('pathspec' in sys.modules)\n"
            "from agentlint.lint.config import Overrides\n"
            "lint_paths(['flow.yaml'], Overrides(exclude=['x']))\n"
            "print('pathspec' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


# -- discovery ------------------------------------------------------------------------------


def test_discovery_order_is_stable(repo: Path) -> None:
    write(repo / "B.yml", SPEC)
    write(repo / "flows" / "notes.txt", SPEC)
    write(repo / "node_modules" / "x.yaml", SPEC)
    write(repo / "legacy" / "z" / "c.yaml", SPEC)
    found = list(discover(["."]))
    assert [paths.as_named(f) for f in found] == [
        "B.yml", "a.draft.yaml", "keep.yaml", "top.yaml",
        "flows/x.draft.yaml", "flows/legacy/c.yaml",
        "legacy/a.yaml", "legacy/keep.yaml", "legacy/sub/b.yaml", "legacy/z/c.yaml"]
    assert list(discover(["."])) == found
    # in the order named, each file once; a named file whatever its suffix
    assert list(discover(["legacy/keep.yaml", "legacy", "flows/notes.txt"])) == [
        "legacy/keep.yaml", "legacy/a.yaml", "legacy/sub/b.yaml", "legacy/z/c.yaml",
        "flows/notes.txt"]


def test_discovery_prunes_excluded_folders(repo: Path) -> None:
    asked: list[str] = []

    class Spy(Patterns):
        def match(self, path: str, *, is_dir: bool = False) -> bool:
            asked.append(paths.as_named(path) + ("/" if is_dir else ""))
            return super().match(path, is_dir=is_dir)

    found = [paths.as_named(f) for f in discover(["."], exclude=Spy(["legacy/"], str(repo)))]
    assert found == ["a.draft.yaml", "keep.yaml", "top.yaml", "flows/x.draft.yaml"]
    assert "legacy/" in asked and "flows/legacy/" in asked
    assert not any(a.startswith(("legacy/a", "legacy/sub")) for a in asked)


# -- names ------------------------------------------------------------------------------------


def test_relative_to(tmp_path: Path) -> None:
    base = tmp_path / "repo"
    (base / "a").mkdir(parents=True)
    assert paths.relative_to(str(base / "a" / "f.yaml"), str(base)) == "a/f.yaml"
    assert paths.relative_to(str(base), str(base)) == "."
    outside = tmp_path / "other" / "f.yaml"
    assert paths.relative_to(str(outside), str(base)) == str(outside).replace(os.sep, "/")
    assert paths.relative_to(str(outside), str(base), up=True) == "../other/f.yaml"
    link = tmp_path / "link"
    link.symlink_to(base, target_is_directory=True)
    # the base named through a link: still inside
    assert paths.relative_to(str(base / "a" / "f.yaml"), str(link)) == "a/f.yaml"


def test_shown_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert paths.cwd_path("flow.yaml") == "flow.yaml"
    assert paths.cwd_path("./x/../flow.yaml") == "flow.yaml"
    assert paths.cwd_path("-") == "-" and paths.repo_path("<stdin>") == "<stdin>"
    assert paths.cwd_path("../top.yaml") == str(tmp_path / "top.yaml").replace(os.sep, "/")
    assert paths.repo_path("flow.yaml") == "sub/flow.yaml"
    assert paths.repo_path("../top.yaml") == "top.yaml"
    assert paths.artifact_uri("a b.yaml") == "a%20b.yaml"
    assert paths.artifact_uri("../top.yaml").startswith("file://")
    assert paths.as_named("./flows/a.yaml") == "flows/a.yaml"
    assert paths.as_named("flows/a.yaml") == "flows/a.yaml"
    assert paths.shown_beside(str(tmp_path / "sub" / "p.txt"), "flows/spec.yaml",
                              str(tmp_path / "sub")) == os.path.join("flows", "p.txt")


def test_find_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "plain" / "c").mkdir(parents=True)
    assert paths.find_root(str(tmp_path / "repo" / "a" / "b")) == str(
        (tmp_path / "repo").resolve())
    monkeypatch.chdir(tmp_path / "plain")
    assert paths.find_root(str(tmp_path / "plain" / "c")) == str(
        (tmp_path / "plain").resolve())


def test_paths_is_a_low_layer() -> None:
    """agentlint.paths imports the standard library, agentlint.errors, agentlint.interrupt
    (the signals of a write; standard library only) and pathspec only."""
    import ast

    tree = ast.parse((ROOT / "agentlint" / "paths.py").read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    names |= {node.module for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    assert {n for n in names if n.startswith("agentlint")} == {"agentlint.errors",
                                                                "agentlint.interrupt"}
    assert {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) == {
        "agentlint", "pathspec"}


def test_one_excerpt_cuts_every_quoted_value() -> None:
    from agentlint import errors, escape

    assert paths.excerpt is errors.excerpt
    assert escape.EXCERPT == errors.MAX_QUOTE
    assert errors.excerpt("a\n  b\tc") == "a b c"
    assert errors.excerpt("x" * 200) == "x" * (errors.MAX_QUOTE - 3) + "..."
    assert errors.excerpt("x" * 200, 10) == "x" * 7 + "..."
    err = errors.SpecError("f", 1, 1, f"key '{'k' * 200}' unknown")
    assert err.message == f"key '{errors.excerpt('k' * 200)}' unknown"
