"""Configuration: where it is found, what wins, and errors that name the file."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentlint.lint.config import (
    Config,
    ConfigError,
    Overrides,
    read_config,
)
from tests.conftest import run_process
from tests.lint_support import SPEC, Rules


@pytest.fixture
def rules() -> Iterator[Rules]:
    reg = Rules()
    reg.add("AL801", "latency-one", family="latency")
    reg.add("AL802", "latency-two", family="latency")
    reg.add("AL201", "cost-one", "error", family="cost", options={"floor": 0.9})
    yield reg


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def codes(rules: Rules, paths: list[str], overrides: Overrides | None = None) -> set[str]:
    result = rules.lint_paths(paths, overrides)
    assert result.errors == []
    return {f.code for f in result.findings}


def test_defaults_run_every_default_rule(rules: Rules, repo: Path) -> None:
    write(repo / "flow.yaml", SPEC)
    assert codes(rules, ["flow.yaml"]) == {"AL801", "AL802", "AL201"}


def test_pyproject_table(rules: Rules, repo: Path) -> None:
    write(repo / "pyproject.toml", """
        [project]
        name = "x"

        [tool.agentlint]
        select = ["latency"]
        ignore = ["AL802"]
    """)
    write(repo / "flow.yaml", SPEC)
    assert codes(rules, ["flow.yaml"]) == {"AL801"}


def test_pyproject_without_our_table_is_skipped(rules: Rules, repo: Path) -> None:
    write(repo / ".agentlint.yaml", "select: [AL201]\n")
    write(repo / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    write(repo / "sub" / "flow.yaml", SPEC)
    assert codes(rules, ["sub/flow.yaml"]) == {"AL201"}


def test_nearest_file_wins_outright(rules: Rules, repo: Path) -> None:
    write(repo / "pyproject.toml", "[tool.agentlint]\nselect = ['AL8']\nstrict = true\n")
    write(repo / "team" / ".agentlint.yaml", "ignore: [AL801]\n")
    write(repo / "flow.yaml", SPEC)
    write(repo / "team" / "deep" / "flow.yaml", SPEC)
    assert codes(rules, ["flow.yaml"]) == {"AL801", "AL802"}
    # the nearer file replaces the root one: its defaults, not the root's select
    assert codes(rules, ["team/deep/flow.yaml"]) == {"AL802", "AL201"}
    result = rules.lint_paths(["flow.yaml", "team/deep/flow.yaml"])
    assert result.strict_files == {"flow.yaml"}


def test_dedicated_file_beats_pyproject_in_one_folder(rules: Rules, repo: Path) -> None:
    write(repo / "pyproject.toml", "[tool.agentlint]\nselect = ['AL801']\n")
    write(repo / ".agentlint.yaml", "select: [AL802]\n")
    write(repo / "flow.yaml", SPEC)
    assert codes(rules, ["flow.yaml"]) == {"AL802"}


def test_search_stops_at_the_repository_root(rules: Rules, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".agentlint.yaml", "select: [AL801]\n")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    write(project / "flow.yaml", SPEC)
    monkeypatch.chdir(project)
    assert codes(rules, ["flow.yaml"]) == {"AL801", "AL802", "AL201"}


def test_command_line_wins_over_files(rules: Rules, repo: Path) -> None:
    write(repo / ".agentlint.yaml", "select: [latency]\nignore: [AL802]\n")
    write(repo / "flow.yaml", SPEC)
    assert codes(rules, ["flow.yaml"], Overrides(select=["AL201"])) == {"AL201"}
    assert codes(rules, ["flow.yaml"], Overrides(ignore=["AL801"])) == set()
    assert codes(rules, ["flow.yaml"], Overrides(extend_select=["AL802"])) == {"AL801", "AL802"}
    assert codes(rules, ["flow.yaml"], Overrides(extend_select=["cost"])) == {"AL801", "AL201"}


def test_explicit_config_file_replaces_the_search(rules: Rules, repo: Path) -> None:
    write(repo / ".agentlint.yaml", "select: [AL801]\n")
    write(repo / "ci" / "lint.toml", "[tool.agentlint]\nselect = ['AL802']\n")
    write(repo / "ci" / "plain.toml", "select = ['AL201']\n")
    write(repo / "flow.yaml", SPEC)
    assert codes(rules, ["flow.yaml"], Overrides(config="ci/lint.toml")) == {"AL802"}
    assert codes(rules, ["flow.yaml"], Overrides(config="ci/plain.toml")) == {"AL201"}


def test_severity_overrides_most_specific_wins(rules: Rules, repo: Path) -> None:
    write(repo / ".agentlint.yaml", """
        severity:
          latency: error
          AL802: info
          AL2: off
    """)
    write(repo / "flow.yaml", SPEC)
    result = rules.lint_paths(["flow.yaml"])
    assert {(f.code, f.severity) for f in result.findings} == {("AL801", "error"),
                                                               ("AL802", "info")}
    assert result.exit_code() == 1
    # selecting an "off" rule on the command line brings it back at its default
    again = rules.lint_paths(["flow.yaml"], Overrides(extend_select=["AL201"]))
    assert ("AL201", "error") in {(f.code, f.severity) for f in again.findings}


def test_rule_options_are_checked(rules: Rules, repo: Path) -> None:
    settings = rules.resolve(Config(rules={"cost-one": {"floor": 0.95}}))
    assert settings.options == {"cost-one": {"floor": 0.95}}
    assert rules.resolve(Config(rules={"AL201": {"floor": 1}})).options == {
        "cost-one": {"floor": 1}}
    path = write(repo / ".agentlint.yaml", """
        rules:
          cost-one:
            flor: 0.95
    """)
    with pytest.raises(ConfigError) as err:
        rules.resolve(read_config(str(path)))
    assert str(err.value) == (".agentlint.yaml:3:5: rule 'cost-one' has no option 'flor' "
                              "(its options: floor)")
    write(repo / ".agentlint.yaml", "rules: {cost-one: {floor: high}}\n")
    with pytest.raises(ConfigError, match="must be a number"):
        rules.resolve(read_config(str(path)))


def test_per_file_ignores(rules: Rules, repo: Path) -> None:
    write(repo / "pyproject.toml", """
        [tool.agentlint.per-file-ignores]
        "examples/*.yaml" = ["AL8"]
        "legacy.yaml" = ["cost-one"]
    """)
    write(repo / "examples" / "a.yaml", SPEC)
    write(repo / "sub" / "legacy.yaml", SPEC)
    write(repo / "flow.yaml", SPEC)
    assert codes(rules, ["examples/a.yaml"]) == {"AL201"}
    assert codes(rules, ["sub/legacy.yaml"]) == {"AL801", "AL802"}
    assert codes(rules, ["flow.yaml"]) == {"AL801", "AL802", "AL201"}


def test_strict_in_config_makes_warnings_fail(rules: Rules, repo: Path) -> None:
    write(repo / "flow.yaml", SPEC)
    assert rules.lint_paths(["flow.yaml"], Overrides(select=["AL8"])).exit_code() == 0
    write(repo / ".agentlint.yaml", "strict: true\n")
    assert rules.lint_paths(["flow.yaml"], Overrides(select=["AL8"])).exit_code() == 1
    assert rules.lint_paths(["flow.yaml"], Overrides(select=["AL8"])).exit_code(exit_zero=True) == 0


@pytest.mark.parametrize(("name", "text", "expected"), [
    (".agentlint.yaml", "selct: [AL1]\n",
     ".agentlint.yaml:1:1: unknown key 'selct' in agentlint configuration; did you mean "
     "'select'?"),
    (".agentlint.yaml", "strict: yes please\n",
     ".agentlint.yaml:1:9: 'strict' must be true or false, not text ('yes please')"),
    (".agentlint.yaml", "select: [AL1\n", ".agentlint.yaml:2:1: invalid YAML"),
    (".agentlint.yaml", "ignore: [AL801]\nseverity: {AL801: loud}\n",
     ".agentlint.yaml:2:19: 'severity' 'AL801' must be one of error, warning, info, off; "
     "got text ('loud')"),
    (".agentlint.yaml", "select: [AL8]\nignore: [AL801, latncy]\n",
     ".agentlint.yaml:2:17: unknown rule selector 'latncy' in 'ignore'; did you mean "
     "'latency'?"),
    ("pyproject.toml", "[tool.agentlint]\nselect = ['AL8']\nignore = [\n  'AL801',\n"
     "  'latncy',\n]\n", "pyproject.toml:5:3: unknown rule selector 'latncy' in 'ignore'"),
    ("pyproject.toml", "[tool.agentlint.per-file-ignores]\n'x/*' = ['AL8', 'AL7']\n",
     "pyproject.toml:2:17: unknown rule selector 'AL7' in 'per-file-ignores'"),
    ("pyproject.toml", "[tool.agentlint]\nselect = [AL1]\n",
     "pyproject.toml:2:11: invalid TOML"),
    ("pyproject.toml", "[tool]\nagentlint = 3\n",
     "pyproject.toml:2:1: tool.agentlint must be a table of settings"),
    (".agentlint.yaml", "- select\n",
     ".agentlint.yaml:1:1: a configuration must be a YAML mapping at the top level, not a list"),
    ("pyproject.toml", "[project]\nname = 'x'\n\n[tool.agentlint]\nexclude = 3\n",
     "pyproject.toml:5:11: 'exclude' must be a list or text, not a whole number (3)"),
])
def test_invalid_config_names_the_file(rules: Rules, repo: Path, name: str, text: str,
                                       expected: str) -> None:
    write(repo / name, text)
    write(repo / "flow.yaml", SPEC)
    with pytest.raises(ConfigError) as err:
        rules.lint_paths(["flow.yaml"])
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_invalid_config_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".agentlint.yaml", "select: [AL9]\nper-file-ignores: [x]\n")
    write(tmp_path / "flow.yaml", SPEC)
    proc = run_process("lint", "flow.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (".agentlint.yaml:2:19: 'per-file-ignores' must be a "
                                   "mapping, not a list")
    missing = run_process("lint", "flow.yaml", "--config", "nope.toml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "agentlint: --config nope.toml: no such file"


def test_config_is_read_once_per_folder(rules: Rules, repo: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import agentlint.lint.config as config_module

    write(repo / ".agentlint.yaml", "select: [AL801]\n")
    for i in range(5):
        write(repo / "a" / f"f{i}.yaml", SPEC)
        write(repo / "b" / "c" / f"f{i}.yaml", SPEC)
    calls: list[str] = []
    real = config_module.read_config
    monkeypatch.setattr(config_module, "read_config", lambda p: calls.append(p) or real(p))
    finder = rules.finder()
    for folder in ("a", "b/c"):
        for i in range(5):
            assert finder.config_for(str(repo / folder / f"f{i}.yaml")).select == ["AL801"]
    assert len(calls) == 1


def test_toml_positions_and_spellings(rules: Rules, repo: Path) -> None:
    path = write(repo / "pyproject.toml", """
        [tool.agentlint]
        extend_select = "AL201"
        per_file_ignores = {"x/*" = "AL8"}

        [tool.agentlint.severity]
        AL801 = "ERROR"
        AL802 = false
        cost = "Warning"

        [tool.agentlint.rules.cost-one]
        floor = "high"
    """)
    config = read_config(str(path))
    assert config is not None
    assert config.extend_select == ["AL201"]
    assert config.per_file_ignores == {"x/*": ["AL8"]}
    assert config.severity == {"AL801": "error", "AL802": "off", "cost": "warning"}
    assert config.pos("rules", "cost-one", "floor") == (11, 1)
    with pytest.raises(ConfigError) as err:
        rules.resolve(config)
    assert str(err.value).startswith("pyproject.toml:11:1: option 'floor' of rule 'cost-one' "
                                     "must be a number")
    write(repo / "pyproject.toml", "[tool.agentlint.severity]\nAL801 = 'loud'\n")
    with pytest.raises(ConfigError) as err:
        read_config(str(path))
    assert str(err.value) == ("pyproject.toml:2:9: 'severity' 'AL801' must be one of error, "
                              "warning, info, off; got text ('loud')")
    write(repo / "pyproject.toml", "[tool.agentlint]\nstrict = 'yes'\nselct = []\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml:2:10: 'strict' must be true or"):
        read_config(str(path))


def test_yaml_config_reads_back_yaml_1_1_values(repo: Path) -> None:
    path = write(repo / ".agentlint.yaml", """
        select: [AL1, off]
        severity: {AL2: off, AL3: Off}
        exclude: 1.10
    """)
    config = read_config(str(path))
    assert config is not None
    assert config.select == ["AL1", "off"]
    assert config.severity == {"AL2": "off", "AL3": "off"}
    assert config.exclude == ["1.10"]


def test_config_schema_is_read_only_when_a_file_exists(rules: Rules, repo: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from agentlint.spec import schema

    read: list[str] = []
    real = schema.load_schema
    monkeypatch.setattr(schema, "load_schema", lambda *a: read.append(a[0] if a else
                                                                      schema.SCHEMA_FILE)
                        or real(*a))
    write(repo / "flow.yaml", SPEC)
    codes(rules, ["flow.yaml"])
    assert "config-v1.schema.json" not in read
    write(repo / ".agentlint.yaml", "select: [AL801]\n")
    assert codes(rules, ["flow.yaml"]) == {"AL801"}
    assert "config-v1.schema.json" in read
