"""Which files are workflows, and reading any of them into a :class:`Workflow`.

The ingest layer: it sits above both the native loader (:mod:`agentlint.spec`)
and the adapters for other formats, and dispatches between them.

Which files to look at is :func:`agentlint.paths.discover`'s business. Looking
is cheap on purpose: the pre-commit hook hands agentlint every YAML file in a
commit, so a file is only parsed when a quick look at its text says it is a
native spec or one of the formats an adapter reads. Everything else is
skipped without a word when it was found by walking a folder.

A file the user names one by one (on the command line, or the pre-commit hook's
file list) is held to more: when it is *almost* a workflow (a misspelt
``agentlint:`` marker, a top-level ``steps:`` list of model steps without the
marker, a CrewAI or ADK file under a name its framework does not read) it is
refused with the reason and a "did you mean" (:func:`near_miss`), so a typo
never passes as a clean run. Only what shows no sign of being a workflow (CI and
compose files, manifests, an empty file) is skipped.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any

from agentlint import adapters
from agentlint.errors import SpecError
from agentlint.paths import MAX_SPEC_BYTES, YAML_SUFFIXES, decode, find_root, read_bytes
from agentlint.spec.load import is_workflow_text, load_workflow
from agentlint.spec.model import Workflow


def load_any(path: str, *, input_format: str | None = None, text: str | None = None,
             display: str | None = None, explicit: bool = False,
             named: bool = False) -> Workflow | None:
    """Read ``path`` as a workflow; None when it is not one (skip it silently).

    ``explicit`` is set for files the user named one by one with a format in
    mind (``estimate FILE``): those are read even without a recognisable marker,
    so a typo gives an error instead of silence. ``named`` is set for files
    named one by one to a command that skips what is not a workflow (``lint``,
    the pre-commit hook): a file that is almost a workflow is refused there
    (:func:`near_miss`), anything else is skipped.
    """
    shown = display or path
    root = find_root(os.path.dirname(os.path.abspath(path)))  # looked for once per file
    if text is None:
        # a folder, FIFO or device is refused by read_bytes, like every other file agentlint reads
        data = read_bytes(path, root, limit=MAX_SPEC_BYTES, shown=shown)
        try:
            text = decode(data, shown)
        except SpecError:
            # binary or not UTF-8: a workflow so damaged is an error; any other YAML file
            # (a Latin-1 compose file, a blob named .yaml) is none of agentlint's business
            looks = data.decode("utf-8", "replace").replace("\x00", " ")
            if explicit or input_format not in (None, "auto") or is_workflow_text(looks) \
                    or adapters.detect(path, looks) is not None:
                raise
            return None
    if input_format == "agentlint":
        return load_workflow(path, display=shown, text=text, root=root)
    if input_format in (None, "auto"):
        if is_workflow_text(text):
            return load_workflow(path, display=shown, text=text, root=root)
        adapter = adapters.detect(path, text)
        if adapter is None:
            if explicit or named:
                miss = near_miss(path, text, shown)
                if miss is not None:
                    raise miss
            # a named YAML file is read as a spec, so a typo is an error and not silence
            if explicit and path.endswith(YAML_SUFFIXES):
                return load_workflow(path, display=shown, text=text, root=root)
            return None
    else:
        adapter = adapters.by_name(input_format)
    return adapter.load(path, text, shown, root)


# -- files that are almost a workflow ---------------------------------------------------

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
    from agentlint.spec.positions import YMap

    return [(k, v) for k, v in doc.items() if isinstance(v, YMap)] if isinstance(doc, YMap) \
        else []


def _within_adk_tree(path: str) -> bool:
    """An ADK sub-agent file: a root_agent.yaml in its folder or one above (up to three)."""
    from agentlint.adapters.adk import ROOT_NAMES

    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(4):
        if any(os.path.isfile(os.path.join(folder, n)) for n in ROOT_NAMES):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return False


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
    from agentlint.spec.positions import YMap, YSeq
    from agentlint.spec.yamlload import load_text

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
    from agentlint.adapters.adk import ROOT_NAMES

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


def _crewai_miss(path: str, base: str, doc: Any, shown: str) -> SpecError | None:
    from agentlint.adapters.crewai import AGENT_NAMES, TASK_NAMES

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
