"""Which files are workflows, and reading any of them into a :class:`Workflow`.

Discovery is cheap on purpose: the pre-commit hook hands agentlint every YAML
file in a commit, so a file is only parsed when a quick look at its text says
it is a native spec or one of the formats an adapter reads. Everything else
is skipped without a word.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator

from agentlint.errors import SpecError
from agentlint.spec.load import find_root, is_workflow_text, load_workflow
from agentlint.spec.model import Workflow
from agentlint.spec.yamlload import read_text

YAML_SUFFIXES = (".yaml", ".yml")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox",
             ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "dist", "build"}


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[str]:
    """Files named on the command line, and YAML files under named folders.

    Symbolic links to folders are not followed, so a link loop cannot trap
    the walk; a named file is always taken, whatever its suffix.
    """
    patterns = list(exclude)
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                                     and not _excluded(os.path.join(dirpath, d), patterns))
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if name.endswith(YAML_SUFFIXES) and not _excluded(full, patterns) \
                            and full not in seen:
                        seen.add(full)
                        yield full
        elif path not in seen and not _excluded(path, patterns):
            seen.add(path)
            yield path


def _excluded(path: str, patterns: list[str]) -> bool:
    if not patterns:
        return False
    norm = os.path.normpath(path)
    parts = norm.split(os.sep)
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(norm, pat) or any(fnmatch.fnmatch(p, pat) for p in parts):
            return True
    return False


def load_any(path: str, *, input_format: str | None = None, text: str | None = None,
             display: str | None = None, explicit: bool = False) -> Workflow | None:
    """Read ``path`` as a workflow; None when it is not one (skip it silently).

    ``explicit`` is set for files the user named one by one with a format in
    mind (``estimate FILE``): those are read even without a recognisable marker,
    so a typo gives an error instead of silence.
    """
    from agentlint import adapters

    shown = display or path
    if text is None:
        if os.path.isdir(path):
            raise SpecError(shown, 1, 1, "is a directory, not a file")
        text = read_text(path, shown)
    if input_format in (None, "auto"):
        if is_workflow_text(text):
            return load_workflow(path, display=shown, text=text)
        adapter = adapters.detect(path, text)
        if adapter is not None:
            return adapter.load(path, text, shown, find_root(os.path.dirname(
                os.path.abspath(path))))
        if explicit and not path.endswith(YAML_SUFFIXES):
            return None
        if explicit:
            return load_workflow(path, display=shown, text=text)
        return None
    if input_format == "agentlint":
        return load_workflow(path, display=shown, text=text)
    adapter = adapters.by_name(input_format)
    return adapter.load(path, text, shown, find_root(os.path.dirname(os.path.abspath(path))))
