"""A repository holding a prompty file, a Docker cagent team and a CrewAI Flow (with the
crew it kicks off) beside files of no format: a folder walk gives each file once, and
each is read in its own format."""

from __future__ import annotations

import shutil
from pathlib import Path

from agentlint.paths import discover
from agentlint.sources import load_any
from tests.conftest import FIXTURES, run_process


def test_each_file_once_in_its_own_format(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "prompty/promptflow_basic.prompty", tmp_path / "ask.prompty")
    shutil.copy(FIXTURES / "cagent/dev-team.yaml", tmp_path / "team.yaml")
    shutil.copy(FIXTURES / "crewai_flow/copilotkit_agent.py", tmp_path / "flow.py")
    shutil.copy(FIXTURES / "crewai_flow/flow_definition_example.yaml", tmp_path / "def.yaml")
    (tmp_path / "ci.yaml").write_text("jobs:\n  build: {runs-on: x}\n", encoding="utf-8")
    (tmp_path / "util.py").write_text("import os\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("---\nname: x\n---\n", encoding="utf-8")
    files = list(discover([str(tmp_path)]))
    assert len(files) == len(set(files))
    formats = {}
    for path in files:
        wf = load_any(path)
        if wf is not None:
            formats[Path(path).name] = wf.format
    assert formats == {"ask.prompty": "prompty", "team.yaml": "cagent",
                       "flow.py": "crewai-flow", "def.yaml": "crewai-flow"}
    proc = run_process("lint", "--format", "concise", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    # the flow's unbounded cycle, once
    assert proc.stdout.count("AL302") == 1 and "flow.py:" in proc.stdout
