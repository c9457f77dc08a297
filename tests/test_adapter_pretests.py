"""A reader is imported only for the files it may take.

Each of agentlint's readers has a pre-test in ``agentlint.adapters._BUILTIN`` (a few
substring tests on the base name and text) that must hold for every file the reader's
own ``sniff`` takes: a pre-test that says no to such a file would make a workflow
unreadable. These tests hold each pre-test to its sniff on every fixture, example and
format file of the repository, and on texts made to pass each sniff by its narrowest
door; and they watch, in a real process, that linting a CrewAI crew imports the CrewAI
reader and none of the others.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentlint import adapters
from tests.support import modules_after

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

BUILTINS = {b.name: b for b in adapters._BUILTIN}


def _files() -> list[Path]:
    found = []
    for top in (FIXTURES, ROOT / "examples"):
        for path in sorted(top.rglob("*")):
            if path.is_file() and path.stat().st_size < 2_000_000:
                found.append(path)
    return found


FILES = _files()


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_the_table_names_each_reader_as_the_reader_does(name: str) -> None:
    builtin = BUILTINS[name]
    reader = builtin.adapter()
    assert reader.name == name
    assert bool(getattr(reader, "python", False)) is builtin.python


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_file_a_reader_takes_passes_its_pretest(name: str) -> None:
    builtin = BUILTINS[name]
    reader = builtin.adapter()
    taken = 0
    for path in FILES:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if reader.sniff(str(path), text):
            taken += 1
            assert builtin.may_take(path.name.lower(), text), path
    assert taken > 0  # the fixtures hold files of every format


#: for each reader, texts its sniff takes through each of its doors (path, text)
DOORS: dict[str, list[tuple[str, str]]] = {
    "dify": [("a.yml", "kind: 'app'\napp:\n  x: 1\nworkflow:\n  g: 1\n"),
             ("a.yml", 'kind: "app"\napp: {}\nmodel_config: {}\n')],
    "promptflow": [("flow.dag.yml", "x: 1\n"), ("f.yaml", "nodes:\n- a: ${inputs.q}\n")],
    "adk": [("root_agent.yml", "name: a\n")],
    "autogen": [("t.yaml", "provider: autogen_agentchat.teams.X\ncomponent_type: team\n"),
                ("t.json", '{"max_round": 3, "groupchat": 1, "llm_config": 1, '
                           '"speaker_selection_method": "auto"}')],
    "langgraph": [("g.json", '{"nodes": [], "edges": [], "x": "__start__"}'),
                  ("g.mmd", "graph TD\n  __start__ --> a\n")],
    "prompty": [("a.prompty", "\ufeff---\nname: x\n---\n")],
    "cagent": [("t.yaml", "#!/usr/bin/env cagent run\nx: 1\n"),
               ("t.yml", "agents:\n  root:\n    model: m\n    instruction: hi\n")],
    "crewai-flow": [("f.yaml", "schema: 'crewai.flow/v1'\n")],
    "agentspec": [("a.json", '{"component_type": "Flow", "agentspec_version": "1"}')],
    "agent-framework": [("w.yml", "kind: Workflow\ntrigger:\n  actions:\n    - x\n")],
}


@pytest.mark.parametrize(("name", "path", "text"),
                         [(n, p, t) for n, doors in DOORS.items() for p, t in doors])
def test_each_door_of_a_sniff_passes_the_pretest(tmp_path: Path, name: str, path: str,
                                                  text: str) -> None:
    builtin = BUILTINS[name]
    file = tmp_path / path
    file.write_text(text, encoding="utf-8")
    assert builtin.adapter().sniff(str(file), text)  # the door is one
    assert builtin.may_take(path.lower(), text)
    assert adapters.detect(str(file), text) is builtin.adapter()


def test_linting_a_crew_imports_its_reader_only(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    crew = FIXTURES / "formats" / "crewai" / "own" / "launch_crew" / "src" / "launch_crew"
    shutil.copytree(crew / "config", tmp_path / "config")
    code, modules = modules_after("lint", "config/tasks.yaml", cwd=tmp_path)
    assert code in (0, 1)
    readers = {b.module for b in adapters._BUILTIN}
    assert sorted(readers & modules) == ["agentlint.adapters.crewai"]
