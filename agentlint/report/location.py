"""File names as reports outside the terminal want them.

Code scanning and CI annotations match a finding to a file of the repository
by its path relative to the checkout, with forward slashes; a path outside
the working directory cannot be matched, so it stays absolute.
"""

from __future__ import annotations

import os
from urllib.parse import quote


def relative_path(path: str) -> str:
    """``path`` relative to the working directory, with ``/`` separators."""
    if path in ("-", "<stdin>"):
        return path
    full = os.path.abspath(path)
    rel = os.path.relpath(full)
    if rel == ".." or rel.startswith(".." + os.sep):
        return full.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def artifact_uri(path: str) -> str:
    """A URI reference for SARIF: relative and percent-encoded, or ``file://``."""
    rel = relative_path(path)
    if os.path.isabs(rel) or rel.startswith("/"):
        from pathlib import Path

        return Path(rel).as_uri()
    return quote(rel, safe="/")
