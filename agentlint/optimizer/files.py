"""Writing the rewritten spec back: atomically, keeping the file's permissions."""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_in_place(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so a crash never leaves half a file."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    mode = os.stat(target).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".agentlint-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
