"""Which files agentlint reads, which it leaves out, and what it calls them.

One place for every decision about paths, so that ``lint``, ``diff``, the
configuration, baselines and the reports agree:

- the repository root (:func:`find_root`), the folder above which nothing is read;
- discovery (:func:`discover`): the files named on the command line, and the
  YAML files under the folders named there;
- patterns (:class:`Patterns`): ``--exclude``, the configuration's ``exclude``
  and ``per-file-ignores``, all with the meaning of a ``.gitignore`` file
  (the ``pathspec`` library, imported only when there is a pattern to match);
- names (:func:`relative_to` and the functions over it): how a path is shown
  in messages and reports, relative to the working directory or the
  repository root, always with ``/``.

This is a low layer: it imports only the standard library, :mod:`agentlint.errors`
and ``pathspec``. Reading a file safely (regular files only, inside the
repository root, up to a size) belongs here too, beside :func:`find_root` and
:func:`is_inside`, when it is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from agentlint.errors import UsageError

#: the files a folder is searched for (a file named on the command line is always taken)
YAML_SUFFIXES = (".yaml", ".yml")
#: folders never searched: version control, environments, caches, build output
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
                       ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages",
                       "dist", "build"})
#: names that stand for standard input, shown as they are
STDIN_NAMES = ("-", "<stdin>")


# -- the repository ---------------------------------------------------------------------


def find_root(start: str) -> str:
    """The repository root: the nearest folder with ``.git`` above ``start``.

    Without one, the current directory when ``start`` lies under it, else
    ``start`` itself: prompt files are never read from above that point.
    """
    start = os.path.realpath(start)
    here = start
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    cwd = os.path.realpath(os.getcwd())
    if start == cwd or start.startswith(cwd + os.sep):
        return cwd
    return start


def is_inside(path: str, folder: str) -> bool:
    """Is ``path`` the folder itself or under it? (Both as written: no link is resolved.)"""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# -- names --------------------------------------------------------------------------------


def relative_to(path: str, base: str, *, up: bool = False) -> str:
    """``path`` from the folder ``base``, with ``/`` separators.

    A path outside ``base`` is given absolute, or, with ``up``, relative
    with ``..`` steps. Without ``up``, the path and the base are compared as
    written first and with symbolic links resolved only when that puts the path
    outside, so a linked file keeps its own name; with ``up`` both are resolved,
    as git and the adapters name files.
    """
    if up:
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(base))
        return rel.replace(os.sep, "/")
    full, folder = os.path.abspath(path), os.path.abspath(base)
    if not is_inside(full, folder):
        real, real_folder = os.path.realpath(full), os.path.realpath(folder)
        if not is_inside(real, real_folder):
            return full.replace(os.sep, "/")
        full, folder = real, real_folder
    return os.path.relpath(full, folder).replace(os.sep, "/")


def cwd_path(path: str) -> str:
    """``path`` relative to the working directory (absolute when outside it), with ``/``."""
    if path in STDIN_NAMES:
        return path
    return relative_to(path, os.getcwd())


def repo_path(path: str) -> str:
    """``path`` relative to the root of the repository that holds it, with ``/``."""
    if path in STDIN_NAMES:
        return path
    full = os.path.abspath(path)
    rel = relative_to(full, find_root(os.path.dirname(full)))
    return rel if not rel.startswith("/") and not os.path.isabs(rel) else cwd_path(path)


def artifact_uri(path: str) -> str:
    """A URI reference for SARIF: relative to the working directory and percent-encoded,
    or ``file://`` when the file lies outside it."""
    from urllib.parse import quote

    rel = cwd_path(path)
    if os.path.isabs(rel) or rel.startswith("/"):
        from pathlib import Path

        return Path(rel).as_uri()
    return quote(rel, safe="/")


def as_named(path: str) -> str:
    """How a discovered file is shown: as the command line named it (the files of a
    folder under the folder's name), without a leading ``./``."""
    prefix = os.curdir + os.sep
    while path.startswith(prefix) and len(path) > len(prefix):
        path = path[len(prefix):]
    return path


def shown_beside(path: str, shown_file: str, real_dir: str) -> str:
    """How to name ``path`` in messages when the folder ``real_dir`` is shown as the
    folder of ``shown_file`` (a file a spec reads, named next to the spec)."""
    rel = relative_to(path, real_dir, up=True)
    return os.path.normpath(os.path.join(os.path.dirname(shown_file), rel))


# -- patterns ------------------------------------------------------------------------------


class PatternError(UsageError):
    """A pattern ``pathspec`` cannot read (``!`` alone, a trailing ``\\``)."""

    def __init__(self, pattern: str, message: str) -> None:
        super().__init__(message)
        self.pattern = pattern


class Patterns:
    """Patterns with the meaning of a ``.gitignore`` file in the folder ``base``.

    - A pattern without ``/`` (a trailing one aside) matches a name at any
      depth: ``legacy`` is every file or folder called so, ``*.draft.yaml``
      every such file.
    - A pattern with ``/`` at the start or in the middle is anchored to
      ``base``: ``/legacy`` and ``flows/legacy`` are those folders only. A
      leading ``./`` is the same as ``/``.
    - A trailing ``/`` matches folders only: ``legacy/``.
    - ``*`` and ``?`` stay within one name; ``**`` crosses folders:
      ``legacy/*.yaml`` is the files directly in ``legacy``,
      ``legacy/**/*.yaml`` those at any depth.
    - A matched folder covers everything under it.
    - ``!`` re-includes what an earlier pattern of the list matched, except
      under a folder that stays matched (as in git: a file cannot be brought
      back from an excluded folder). The last pattern that matches decides.

    A path outside ``base`` is matched by its absolute path against the
    patterns that match at any depth; anchored patterns never match it.
    ``pathspec`` is imported on the first pattern, never for an empty list.
    """

    __slots__ = ("_anchored", "_dirs", "_float", "_negated", "base", "patterns")

    def __init__(self, patterns: Iterable[str], base: str, *, origin: str = "pattern") -> None:
        self.patterns = tuple(p.strip() for p in patterns if p.strip())
        self.base = os.path.abspath(base)
        self._anchored: Any = None
        self._float: Any = None
        self._negated = False
        self._dirs: dict[tuple[bool, str], bool] = {}
        if self.patterns:
            self._compile(origin)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __repr__(self) -> str:
        return f"Patterns({list(self.patterns)!r}, {self.base!r})"

    def _compile(self, origin: str) -> None:
        import pathspec

        lines = [_normalise(p) for p in self.patterns]
        for pattern, line in zip(self.patterns, lines, strict=True):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except ValueError as exc:  # GitWildMatchPatternError, GitIgnorePatternError
                raise PatternError(pattern, f"{origin} '{pattern}': not a valid pattern "
                                   f"({exc})") from None
        self._anchored = pathspec.GitIgnoreSpec.from_lines(lines)
        self._float = pathspec.GitIgnoreSpec.from_lines([ln for ln in lines if _floats(ln)])
        self._negated = any(ln.startswith("!") for ln in lines)

    def match(self, path: str, *, is_dir: bool = False) -> bool:
        """Does the list match ``path`` (relative to the working directory, or absolute)?

        ``is_dir``: ``path`` is a folder (``legacy/`` matches folders only).
        """
        if not self.patterns:
            return False
        rel = relative_to(path, self.base)
        outside = rel.startswith("/") or os.path.isabs(rel)
        if outside:
            rel = rel.lstrip("/")
        elif rel == ".":
            return False  # the base folder itself
        spec = self._float if outside else self._anchored
        parts = rel.split("/")
        if self._negated:  # a folder that stays matched keeps what is under it
            for i in range(1, len(parts)):
                if self._dir_matches(spec, outside, "/".join(parts[:i])):
                    return True
        elif is_dir:
            return self._dir_matches(spec, outside, rel)
        return bool(spec.match_file(rel + "/" if is_dir else rel))

    def _dir_matches(self, spec: Any, outside: bool, folder: str) -> bool:
        key = (outside, folder)
        found = self._dirs.get(key)
        if found is None:
            found = self._dirs[key] = bool(spec.match_file(folder + "/"))
        return found


def _normalise(pattern: str) -> str:
    """``./x`` (and ``!./x``) is ``/x``: anchored to the patterns' folder.

    ``x/**`` is written ``x/**/*``: the same files, and not the folder ``x``
    itself (``pathspec`` would match ``x/`` too, which git does not).
    """
    neg = "!" if pattern.startswith("!") else ""
    body = pattern[len(neg):]
    if body.startswith("./"):
        while body.startswith("./"):
            body = body[2:]
        body = "/" + body.lstrip("/")
    if body.endswith("/**"):
        body += "/*"
    return neg + body


def _floats(line: str) -> bool:
    """Does a (normalised) pattern match at any depth, so also outside its folder?"""
    body = line.removeprefix("!").removeprefix("\\")
    if body.startswith("**/"):
        body = body[3:]
    return "/" not in body.rstrip("/")


# -- discovery ------------------------------------------------------------------------------


def discover(paths: Iterable[str], exclude: Patterns | None = None) -> Iterator[str]:
    """Files named on the command line, and YAML files under named folders.

    In the order named; a folder's files in sorted order, each folder's own
    files before its subfolders'. A file is given once. Files and folders
    that ``exclude`` matches are left out, files named one by one too (the
    pre-commit hook names every file it lints); a named file is taken
    whatever its suffix. Symbolic links to folders are not followed, so a
    link loop cannot trap the walk.
    """
    skip = exclude if exclude else None
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not (
                    skip and skip.match(os.path.join(dirpath, d), is_dir=True)))
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if name.endswith(YAML_SUFFIXES) and full not in seen \
                            and not (skip and skip.match(full)):
                        seen.add(full)
                        yield full
        elif path not in seen and not (skip and skip.match(path)):
            seen.add(path)
            yield path
