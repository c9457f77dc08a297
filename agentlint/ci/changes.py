"""Which workflow files a change touches, directly or through the files they read.

A workflow changes when its own file changes (added, modified, deleted,
renamed), and also when a file it reads does: a prompt file
(``system_file:``), an ADK sub-agent file (``config_path:``), a promptflow
node's template, a CrewAI ``agents.yaml`` or Python module (the crew module or
the one that assembles the crew, where the CrewAI reader looks for them), an
``agentlint.profile.yaml``. Those are found with one ``git grep`` for the
changed files' names among the repository's YAML files, kept only when the
YAML names the changed file by its path relative to the YAML's folder.

The result lists candidates: whether a YAML file is a workflow at all is
decided by loading it (``agentlint.sources.load_any``), as ``lint`` does.
"""

from __future__ import annotations

import os
import posixpath

from agentlint.adapters.crewai import (
    MAX_PACKAGE_DEPTH,
    crew_folder,
    package_folders,
)
from agentlint.adapters.ir import PROFILE_NAMES
from agentlint.adapters.names import AGENT_NAMES, TASK_NAMES
from agentlint.ci.git import Change, Repo
from agentlint.errors import SpecError, UsageError
from agentlint.paths import MAX_SPEC_BYTES, read_bytes, relative_to

YAML_SUFFIXES = (".yaml", ".yml")
YAML_GLOBS = ("*.yaml", "*.yml")
#: more changed files than this: do not look for the workflows that read them
MAX_SUPPORT_FILES = 2000
#: folders looked at on one level below a changed Python module for the crews it may serve
_MAX_FOLDERS = 200


def is_yaml(path: str | None) -> bool:
    return path is not None and path.lower().endswith(YAML_SUFFIXES)


def is_json(path: str | None) -> bool:
    """A JSON file: an AutoGen team may be one."""
    return path is not None and path.lower().endswith(".json")


def is_python(path: str | None) -> bool:
    """A Python file: a LangGraph graph or an OpenAI Agents SDK program may be one
    (sniffed, never run)."""
    return path is not None and path.lower().endswith(".py")


def is_prompty(path: str | None) -> bool:
    """A prompty file: one model call."""
    return path is not None and path.lower().endswith(".prompty")


def changed_workflows(repo: Repo, commit: str, restrict: list[str] | None = None
                      ) -> list[Change]:
    """Candidate workflow files changed since ``commit`` (repository-relative paths).

    ``restrict``: repository-relative files or folders; only changes under them count.
    """
    changes = repo.changes(commit)
    by_path: dict[str, Change] = {}
    result: list[Change] = []
    for c in changes:
        if is_yaml(c.path) or is_yaml(c.old_path) or is_json(c.path) or is_json(c.old_path) \
                or is_python(c.path) or is_python(c.old_path) or is_prompty(c.path) \
                or is_prompty(c.old_path):
            result.append(c)
            by_path[c.name] = c
    for candidate, via in sorted(_readers(repo, changes).items()):
        if candidate in by_path:
            by_path[candidate].via = sorted(set(by_path[candidate].via) | set(via))
            continue
        c = Change("modified", candidate, candidate, sorted(set(via)), direct=False)
        by_path[candidate] = c
        result.append(c)
    if restrict is not None:
        result = [c for c in result if _under_any(c.path, restrict)
                  or _under_any(c.old_path, restrict)]
    result.sort(key=lambda c: c.name)
    return result


def _under_any(path: str | None, prefixes: list[str]) -> bool:
    if path is None:
        return False
    for prefix in prefixes:
        p = prefix.strip("/")
        if p in ("", ".") or path == p or path.startswith(p + "/"):
            return True
    return False


def _readers(repo: Repo, changes: list[Change]) -> dict[str, list[str]]:
    """Working-tree YAML files that read one of the changed files -> those files."""
    support = sorted({p for c in changes for p in (c.path, c.old_path) if p})
    if not support or len(support) > MAX_SUPPORT_FILES:
        return {}
    found: dict[str, list[str]] = {}

    def add(candidate: str, via: str) -> None:
        if candidate != via and os.path.isfile(repo.abs(candidate)):
            found.setdefault(candidate, []).append(via)

    # adapter conventions: files read because of where they lie, not what names them
    for path in support:
        folder, base = posixpath.split(path)
        lower = base.lower()
        if lower in PROFILE_NAMES:
            for name in _listdir(repo, folder):
                if is_yaml(name) and name.lower() not in PROFILE_NAMES:
                    add(posixpath.join(folder, name), path)
        elif lower.endswith(".py"):
            for tasks in _crews_reading(repo, folder):
                add(tasks, path)
        elif lower in AGENT_NAMES:
            for name in TASK_NAMES:
                add(posixpath.join(folder, name), path)
    # files named by their path: prompt files, sub-agent configs, templates
    names = {posixpath.basename(p) for p in support}
    for yaml_file in repo.grep_tracked(names, YAML_GLOBS):
        try:
            text = read_bytes(repo.abs(yaml_file), repo.root, limit=MAX_SPEC_BYTES).decode(
                "utf-8", errors="replace")
        except SpecError:
            continue  # not a regular file inside the repository, or too large
        folder = posixpath.dirname(yaml_file)
        for path in support:
            if posixpath.basename(path) not in text:
                continue
            rel = posixpath.relpath(path, folder or ".")
            if rel in text:
                add(yaml_file, path)
    return found


def _crews_reading(repo: Repo, folder: str) -> list[str]:
    """The CrewAI tasks files whose crew module, or the module that assembles the crew,
    may be a Python module in ``folder``: those the CrewAI reader looks for there."""
    out: list[str] = []
    level = [folder]
    for _ in range(MAX_PACKAGE_DEPTH + 1):
        below: list[str] = []
        for here in level:
            for name in TASK_NAMES:
                tasks = posixpath.join(here, "config", name) if here else f"config/{name}"
                if folder in package_folders(crew_folder(tasks)) \
                        and os.path.isfile(repo.abs(tasks)):
                    out.append(tasks)
            for name in _listdir(repo, here):
                sub = posixpath.join(here, name) if here else name
                if not name.startswith(".") and os.path.isdir(repo.abs(sub)) \
                        and not os.path.islink(repo.abs(sub)):
                    below.append(sub)
        level = below[:_MAX_FOLDERS]
    return out


def _listdir(repo: Repo, folder: str) -> list[str]:
    try:
        return sorted(os.listdir(repo.abs(folder) if folder else repo.root))
    except OSError:
        return []


def changed_paths(ref: str, paths: tuple[str, ...] | list[str] = ()) -> list[str]:
    """``lint --changed-since REF``: the workflow files to lint, relative to the working
    directory, changed since the merge base of ``ref`` and HEAD (under ``paths`` if any)."""
    repo = Repo.find()
    base = repo.base(ref)
    restrict = [restrict_to(repo, p) for p in paths] if paths else None
    out = []
    for c in changed_workflows(repo, base.commit, restrict):
        if c.path is not None and os.path.isfile(repo.abs(c.path)):
            out.append(os.path.relpath(repo.abs(c.path)))
    return out


def restrict_to(repo: Repo, path: str) -> str:
    """A path named on the command line, as a repository-relative prefix."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or folder")
    rel = relative_to(path, repo.root, up=True)
    if rel == ".." or rel.startswith("../"):
        raise UsageError(f"{path} is outside the repository {repo.root}")
    return "" if rel == "." else rel
