"""Files an adapter reads besides its own: never from outside the repository."""

from __future__ import annotations

import os

from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError
from agentlint.paths import MAX_PROMPT_FILE_BYTES, read_named


def read_inside(rel: str, base_dir: str, root: str, file: str, at: Pos, what: str,
                limit: int = MAX_PROMPT_FILE_BYTES) -> tuple[str, str]:
    """Read ``rel`` (relative to ``base_dir``) as text; never from outside ``root``.

    Returns ``(path, text)``. Every failure is a :class:`SpecError` at ``at``,
    the place in ``file`` that names the path (see :func:`agentlint.paths.read_named`).
    """
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(file, *at, f"{what} must be a file path")
    try:
        return read_named(rel, base_dir, root, limit=limit, what=what,
                          folder=f"{os.path.basename(base_dir) or base_dir}/")
    except SpecError as exc:
        raise SpecError(file, *at, exc.message) from None
