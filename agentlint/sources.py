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
refused with the reason and a "did you mean"
(:func:`agentlint.adapters.nearmiss.near_miss`), so a typo
never passes as a clean run. Only what shows no sign of being a workflow (CI and
compose files, manifests, an empty file) is skipped.
"""

from __future__ import annotations

import os

from agentlint import adapters
from agentlint.adapters.names import AGENT_NAMES
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
    (:mod:`agentlint.adapters.nearmiss`), anything else is skipped.
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
        # a Python module is never a native spec, whatever its docstrings say
        python = path.lower().endswith(".py")
        if not python and is_workflow_text(text):
            return load_workflow(path, display=shown, text=text, root=root)
        adapter = adapters.detect(path, text)
        if adapter is None:
            if (explicit or named) and not python:
                miss = adapters.near_miss(path, text, shown)
                if miss is not None:
                    raise miss
            # a named YAML file is read as a spec, so a typo is an error and not silence
            if explicit and path.endswith(YAML_SUFFIXES):
                return load_workflow(path, display=shown, text=text, root=root)
            return None
    else:
        adapter = adapters.by_name(input_format)
    return adapter.load(path, text, shown, root)



def read_with_their_tasks(files: list[str], input_format: str | None = None) -> set[str]:
    """The CrewAI agents files among ``files`` whose crew is read from a tasks file that is
    among them too: a crew is one workflow, read from its tasks file with the agents file
    beside it, so a run that holds both reads the agents file as that crew no second
    time. Only when both files are the crew's (an ``agents.yaml`` of another format, or
    beside a ``tasks.yaml`` that is none, is still read as itself)."""
    if input_format not in (None, "auto", "crewai") or not any(  # before any reader loads
            os.path.basename(f).lower() in AGENT_NAMES for f in files):
        return set()
    crew = adapters.by_name("crewai")

    def crewai(path: str) -> bool:
        if input_format == "crewai":
            return True
        try:
            text = decode(read_bytes(path, None, limit=MAX_SPEC_BYTES), path)
        except SpecError:
            return False  # read (and reported) as itself
        found = adapters.detect(path, text)
        return found is not None and found.name == "crewai"

    listed = {os.path.realpath(f) for f in files}
    out = set()
    for file in files:
        tasks = getattr(crew, "read_from", lambda _: None)(file)
        if isinstance(tasks, str) and os.path.realpath(tasks) in listed \
                and crewai(file) and crewai(tasks):
            out.add(file)
    return out
