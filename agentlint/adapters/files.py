"""Files an adapter reads besides its own: never from outside the repository."""

from __future__ import annotations

import os

from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError
from agentlint.paths import MAX_PROMPT_FILE_BYTES, read_text


def inside(path: str, root: str) -> bool:
    """Does ``path`` resolve to ``root`` or under it (symbolic links resolved)?"""
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read_inside(rel: str, base_dir: str, root: str, file: str, at: Pos, what: str,
                limit: int = MAX_PROMPT_FILE_BYTES) -> tuple[str, str]:
    """Read ``rel`` (relative to ``base_dir``) as text; never from outside ``root``.

    Returns ``(path, text)``. Every failure is a :class:`SpecError` at ``at``,
    the place in ``file`` that names the path.
    """
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(file, *at, f"{what} must be a file path")
    path = os.path.realpath(os.path.join(base_dir, rel))
    if not os.path.lexists(path) and inside(path, root):
        raise SpecError(file, *at, f"{what} '{rel}' not found (paths are relative to "
                        f"{os.path.basename(base_dir) or base_dir}/)")
    try:
        return path, read_text(path, root, limit=limit, what=f"{what} '{rel}'", shown=rel)
    except SpecError as exc:
        message = exc.message if exc.message.startswith(what) else f"{what} '{rel}': {exc.message}"
        raise SpecError(file, *at, message) from None
