"""Files that are almost a workflow: why a named file no reader took was not read.

``agentlint lint FILE`` (and the pre-commit hook, which names every YAML file
of a commit) skips a file that is not a workflow. That is right for CI, compose
and deployment files, and wrong for a file that is *almost* one: a misspelt
``agentlint:`` marker, a ``steps:`` list of model steps without it, a CrewAI or
ADK file under a name its framework does not read. Such a file would pass as a
clean run; :func:`near_miss` says why it was not read instead, with a "did you
mean". Only files named one by one are checked (see :func:`agentlint.sources.load_any`);
a folder's files keep their silent skip.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from typing import Any

from agentlint.adapters.names import AGENT_NAMES, ROOT_NAMES, TASK_NAMES
from agentlint.errors import SpecError
from agentlint.paths import folders_up
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.yamlload import load_text

MARKER = "agentlint"
_TOP_KEY = re.compile(r"^([\"']?)([A-Za-z_][A-Za-z0-9_.-]*)\1[ \t]*:", re.M)
_STEP_KEYS = ("model", "prompt", "prompt_file", "agent")


def _squash(key: str) -> str:
    return key.lower().replace("-", "").replace("_", "").replace(" ", "")


def _marker_typo(text: str, shown: str) -> SpecError | None:
    """A top-level key that is a misspelling of ``agentlint`` (``agentlnt: 1``)."""
    line, last = 1, 0
    for match in _TOP_KEY.finditer(text):
        key = match.group(2)
        line += text.count("\n", last, match.start())
        last = match.start()
        if key == MARKER:
            return None
        if len(key) > 2 * len(MARKER):
            continue
        squashed = _squash(key)
        if squashed == MARKER or difflib.SequenceMatcher(None, squashed, MARKER).ratio() >= 0.8:
            return SpecError(shown, line, 1, f"not read: top-level key '{key}' is not "
                             "agentlint's marker; did you mean 'agentlint: 1'?")
    return None


def _top(text: str, key: str) -> bool:
    return text.startswith(key) or f"\n{key}" in text


def _mapping_values(doc: Any) -> list[tuple[Any, Any]]:
    return [(k, v) for k, v in doc.items() if isinstance(v, YMap)] if isinstance(doc, YMap) \
        else []


def _within_adk_tree(path: str) -> bool:
    """An ADK sub-agent file: a root_agent.yaml in its folder or one above (up to three)."""
    up = folders_up(os.path.dirname(os.path.abspath(path)))
    return any(any(os.path.isfile(os.path.join(folder, n)) for n in ROOT_NAMES)
               for folder in itertools.islice(up, 4))


def near_miss(path: str, text: str, shown: str) -> SpecError | None:
    """Why ``path``, which no reader took, is almost a workflow; None when it is not one.

    Cheap tests on the text first; the file is parsed only when one of them
    hints at a workflow, and a file that does not parse is no near miss.
    """
    found = _marker_typo(text, shown)
    if found is not None:
        return found
    hints = (_top(text, "steps:"), "expected_output:" in text or "backstory:" in text,
             "instruction:" in text or "agent_class:" in text, _top(text, "nodes:"),
             _top(text, "workflow:") and _top(text, "app:"))
    if not any(hints):
        return None
    try:
        doc = load_text(text, shown)
    except SpecError:
        return None
    if not isinstance(doc, YMap):
        return None
    base = os.path.basename(path).lower()
    steps = doc.get("steps")
    if isinstance(steps, YSeq) and any(isinstance(s, YMap) and any(k in s for k in _STEP_KEYS)
                                       for s in steps):
        return SpecError(shown, *doc.key_at("steps"), "not read: a top-level 'steps:' list "
                         "of model steps without agentlint's marker; did you mean to add "
                         "'agentlint: 1' at the top?")
    crew = _crewai_miss(path, base, doc, shown)
    if crew is not None:
        return crew
    if isinstance(doc.get("name"), str) and ("agent_class" in doc or (
            "model" in doc and "instruction" in doc)) and base not in ROOT_NAMES \
            and not _within_adk_tree(path):
        return SpecError(shown, *doc.key_at("name"), "not read: this looks like a Google ADK "
                         "agent config, but ADK starts from a file named root_agent.yaml; "
                         "did you mean to name it root_agent.yaml, or to pass "
                         "--input-format adk?")
    nodes = doc.get("nodes")
    if isinstance(nodes, YSeq) and any(isinstance(n, YMap) and n.get("type") in ("llm", "prompt")
                                       for n in nodes):
        return SpecError(shown, *doc.key_at("nodes"), "not read: this looks like a promptflow "
                         "flow, but it is not named flow.dag.yaml and has no promptflow "
                         "$schema; did you mean to name it flow.dag.yaml, or to pass "
                         "--input-format promptflow?")
    if isinstance(doc.get("app"), YMap) and isinstance(doc.get("workflow"), YMap) \
            and doc.get("kind") != "app":
        return SpecError(shown, *doc.key_at("app"), "not read: this looks like a Dify app "
                         "export without its 'kind: app' line; did you mean to add "
                         "'kind: app'?")
    return None


def _crewai_miss(path: str, base: str, doc: YMap, shown: str) -> SpecError | None:
    entries = _mapping_values(doc)
    tasks = [k for k, v in entries if "description" in v and "expected_output" in v]
    agents = [k for k, v in entries if "role" in v and "goal" in v and "backstory" in v]
    if tasks and base not in TASK_NAMES:
        return SpecError(shown, *doc.key_at(tasks[0]), "not read: this looks like a CrewAI "
                         "tasks file (description and expected_output), but CrewAI reads "
                         "tasks from tasks.yaml; did you mean to name it tasks.yaml, or to "
                         "pass --input-format crewai?")
    if agents and not tasks:
        folder = os.path.dirname(os.path.abspath(path))
        if not any(os.path.isfile(os.path.join(folder, n)) for n in TASK_NAMES):
            where = "" if base in AGENT_NAMES else " (and CrewAI reads agents from agents.yaml)"
            return SpecError(shown, *doc.key_at(agents[0]), "not read: this looks like a "
                             "CrewAI agents file, but there is no tasks.yaml beside it"
                             f"{where}; did you mean to add the crew's tasks.yaml?")
    return None
