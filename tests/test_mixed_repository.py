"""``agentlint lint .`` on one repository holding every format agentlint reads: each
workflow is read once, by its own reader, and no file is opened twice.

The repository is built from copies of the real fixtures (tests/fixtures, see SOURCES.md).
The run is a real process; reads are observed where agentlint opens every file it reads
(``os.open`` in :mod:`agentlint.paths`, the seam tests/test_scale_inputs.py counts), and the
format of each workflow where the lint engine reads it (``load_any``), by a wrapper that
starts the command in that process: the product has no code for this test.
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, run_process
from tests.support import GitRepo

#: runs ``agentlint ARGS`` and prints what it opened and read, as JSON, on the last line of
#: standard error
WRAPPER = """\
import atexit, json, os, sys
from agentlint import paths
from agentlint.lint import engine
opened, loads = [], []
real_open, real_load = os.open, engine.load_any
def counting_open(path, flags, *args, **kwargs):
    if not flags & (os.O_WRONLY | os.O_RDWR):
        opened.append(os.path.realpath(path))
    return real_open(path, flags, *args, **kwargs)
def load(path, *args, **kwargs):
    wf = real_load(path, *args, **kwargs)
    loads.append([os.path.realpath(path), None if wf is None else wf.format])
    return wf
paths.os.open = counting_open
engine.load_any = load
atexit.register(lambda: sys.stderr.write(
    "\\nREADS " + json.dumps({"opened": opened, "loads": loads}) + "\\n"))
from agentlint.cli import main
sys.argv[0] = "agentlint"
main()
"""

#: each workflow file of the repository and the format it is read in
WORKFLOWS = {
    "native.yaml": "agentlint",
    "pf/flow.dag.yaml": "promptflow",
    "crew/config/tasks.yaml": "crewai",
    "gw/tasks.yaml": "crewai",
    "review_loop.yml": "dify",
    "adk/root_agent.yaml": "adk",
    "team.json": "autogen",
    "lg/src/react_agent/graph.py": "langgraph",
    "routing.py": "agents-sdk",
    "chat.prompty": "prompty",
    "dev-team.yaml": "cagent",
    "flows/chat_flow.py": "crewai-flow",
    "summary_flow.yaml": "agentspec",
    "Marketing.yaml": "agent-framework",
}


def _mixed(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.write("native.yaml", "agentlint: 1\nsteps:\n  - id: a\n    model: gpt-4o-mini\n"
                              "    prompt: hi\n")
    shutil.copytree(FIXTURES / "runtime" / "promptflow" / "basic", root / "pf")
    crew = FIXTURES / "formats" / "crewai" / "own" / "launch_crew" / "src" / "launch_crew"
    shutil.copytree(crew, root / "crew")  # agents.yaml + tasks.yaml + crew.py
    # a second crew whose models are the gateway's aliases ("fast", "smart")
    shutil.copytree(FIXTURES / "litellm" / "gateway_crew" / "config", root / "gw")
    shutil.copy(FIXTURES / "litellm" / "gateway_crew" / "litellm_config.yaml", root)
    repo.write(".agentlint.yaml", "models: litellm_config.yaml\n")
    shutil.copy(FIXTURES / "runtime" / "dify" / "review_loop.yml", root)
    shutil.copytree(FIXTURES / "runtime" / "adk" / "help_desk", root / "adk")
    shutil.copy(FIXTURES / "autogen" / "team.json", root)
    shutil.copytree(FIXTURES / "langgraph" / "react-agent", root / "lg")
    shutil.copy(FIXTURES / "agents_sdk" / "routing.py", root)
    shutil.copy(FIXTURES / "prompty" / "contoso_chat.prompty", root / "chat.prompty")
    shutil.copy(FIXTURES / "cagent" / "dev-team.yaml", root)
    (root / "flows").mkdir()
    shutil.copy(FIXTURES / "crewai_flow" / "agui_agentic_chat.py", root / "flows" / "chat_flow.py")
    shutil.copy(FIXTURES / "agentspec" / "oracle__agent-spec" / "howto_summary_flow.yaml",
                root / "summary_flow.yaml")
    shutil.copy(FIXTURES / "agent_framework" / "microsoft__agent-framework" / "Marketing.yaml",
                root)
    repo.write("package.json", '{"name": "web", "version": "1.0.0"}\n')
    repo.commit("every format")
    return repo


def _lint(root: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    done = subprocess.run([sys.executable, "-c", WRAPPER, "lint", "--format", "json", "."],
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    head, _, reads = done.stderr.rpartition("READS ")
    assert not head.strip(), head  # nothing else on standard error: no file failed
    found: list[dict[str, Any]] = json.loads(done.stdout)
    seen: dict[str, Any] = json.loads(reads)
    return found, seen


def test_each_file_is_read_once_in_its_own_format(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _mixed(root)
    found, seen = _lint(root)
    real = str(root.resolve()) + "/"
    opened = collections.Counter(p.removeprefix(real) for p in seen["opened"])
    assert opened and max(opened.values()) == 1, opened
    # the gateway, the crews' agents and code, the ADK sub-agents, the manifest are read
    for name in ("litellm_config.yaml", "crew/config/agents.yaml", "crew/crew.py",
                 "gw/agents.yaml", "adk/agents/billing.yaml", "lg/langgraph.json",
                 "pf/hello.jinja2"):
        assert opened[name] == 1, name
    loads = [(p.removeprefix(real), fmt) for p, fmt in seen["loads"]]
    read = {p: fmt for p, fmt in loads if fmt is not None}
    assert read == WORKFLOWS
    assert len([p for p, fmt in loads if fmt is not None]) == len(WORKFLOWS)  # each once
    # the files that are no workflow of their own are offered and skipped, or not offered
    skipped = {p for p, fmt in loads if fmt is None}
    assert {"litellm_config.yaml", "lg/langgraph.json", "package.json"} <= skipped
    assert "crew/config/agents.yaml" not in skipped | set(read)  # read with its crew only
    # each workflow is reported under its own file, once, in the report
    assert {f["file"] for f in found} <= set(WORKFLOWS)
    assert not [f for f in found if f["code"] == "AL000"]
    # the configuration's gateway priced the alias crew: no model priced as unknown
    assert not [f for f in found if f["file"] == "gw/tasks.yaml" and f["code"] == "AL903"]
    # estimate over the folder: each workflow once, under its own file
    proc = run_process("estimate", "--format", "json", "--models", "litellm_config.yaml",
                       ".", cwd=root)
    assert proc.returncode == 0, proc.stderr
    files = [x["file"] for x in json.loads(proc.stdout)]
    assert sorted(files) == sorted(WORKFLOWS)


def test_without_the_gateway_the_alias_crew_is_unpriced(tmp_path: Path) -> None:
    """The counter-check of the last assertion above: the aliases mean nothing alone."""
    root = tmp_path / "repo"
    _mixed(root)
    (root / ".agentlint.yaml").unlink()
    found, _ = _lint(root)
    unknown = {f["message"].split("'")[1] for f in found
               if f["file"] == "gw/tasks.yaml" and f["code"] == "AL903"}
    assert unknown == {"fast", "openai/smart"}


def test_a_crew_whose_tasks_file_is_excluded_is_still_read_from_its_agents_file(
        tmp_path: Path) -> None:
    """The agents file gives way to its tasks file only when the run reads that file."""
    root = tmp_path / "repo"
    _mixed(root)
    (root / ".agentlint.yaml").write_text("models: litellm_config.yaml\n"
                                          "exclude: [crew/config/tasks.yaml]\n",
                                          encoding="utf-8")
    found, seen = _lint(root)
    real = str(root.resolve()) + "/"
    read = {p.removeprefix(real): fmt for p, fmt in seen["loads"] if fmt is not None}
    assert read.get("crew/config/agents.yaml") == "crewai"
    assert "crew/config/tasks.yaml" not in read
    # the crew is reported under its tasks file, as CrewAI reads it
    assert "crew/config/tasks.yaml" in {f["file"] for f in found}
