"""Files an adapter reads besides its own: never from outside the repository."""

from __future__ import annotations

import os

from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError
from agentlint.spec.load import MAX_PROMPT_FILE_BYTES
from agentlint.spec.yamlload import decode


def inside(path: str, root: str) -> bool:
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
    if not inside(path, root):
        raise SpecError(file, *at, f"{what} '{rel}' points outside the repository; "
                        "agentlint reads files inside it only")
    try:
        if os.path.getsize(path) > limit:
            raise SpecError(file, *at, f"{what} '{rel}' is larger than {limit} bytes")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise SpecError(file, *at, f"{what} '{rel}' not found (paths are relative to "
                        f"{os.path.basename(base_dir) or base_dir}/)") from None
    except IsADirectoryError:
        raise SpecError(file, *at, f"{what} '{rel}' is a folder, not a file") from None
    except OSError as exc:
        raise SpecError(file, *at, f"cannot read {what} '{rel}': "
                        f"{exc.strerror or exc}") from None
    try:
        return path, decode(data, rel)
    except SpecError as exc:
        raise SpecError(file, *at, f"{what} '{rel}': {exc.message}") from None
