"""Which files agentlint reads, which it leaves out, and what it calls them.

One place for every decision about paths, so that ``lint``, ``diff``, the
configuration, baselines and the reports agree:

- the repository root (:func:`find_root`), the folder above which nothing is read;
- the package's own data (:func:`package_file`): the schemas and the catalog;
- discovery (:func:`discover`): the files named on the command line, and the
  YAML files under the folders named there;
- patterns (:class:`Patterns`): ``--exclude``, the configuration's ``exclude``
  and ``per-file-ignores``, all with the meaning of a ``.gitignore`` file
  (the ``pathspec`` library, imported only when there is a pattern to match);
- names (:func:`relative_to` and the functions over it): how a path is shown
  in messages and reports, relative to the working directory or the
  repository root, always with ``/``.

- reading (:func:`read_text`, :func:`read_bytes`, :func:`read_named`,
  :func:`read_stdin`): the one
  guarded way to open a file: regular files only, never from outside the
  repository root (symbolic links resolved), never more than a limit;
  :func:`open_stream` opens a trace export named on the command line, read in
  pieces (each record bounded, the file not; it may lie outside the repository);
- writing (:func:`write_text_atomic`): the one way to write a file: never
  over an input of the run, never over a read-only file, atomically.

This is a low layer: it imports only the standard library, :mod:`agentlint.errors`,
:mod:`agentlint.interrupt` (itself standard library only) and ``pathspec``.
docs/security.md describes the limits and the trust model.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator

from agentlint.errors import SpecError, UsageError
from agentlint.errors import excerpt as excerpt  # the cut of errors.SpecError, named here too

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any, BinaryIO

#: the files a folder is searched for (a file named on the command line is always taken)
YAML_SUFFIXES = (".yaml", ".yml")
#: files a folder walk looks at: YAML, JSON (AutoGen teams, langgraph.json) and Python
#: (LangGraph modules, OpenAI Agents SDK programs: read only when they import the
#: framework) and prompty files; each is sniffed, not parsed
WALKED_SUFFIXES = (*YAML_SUFFIXES, ".json", ".py", ".prompty")
#: a JSON file larger than this, or a link, found in a folder is data, not a team: passed over
MAX_WALKED_JSON_BYTES = 4 * 1024 * 1024
#: folders never searched: version control, environments, caches, build output
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
                       ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages",
                       "dist", "build"})
#: names that stand for standard input, shown as they are
STDIN_NAMES = ("-", "<stdin>")

# -- limits: the most agentlint reads of each kind of file (docs/security.md) -------------

#: a workflow spec, or a file a format's adapter reads as its spec (CrewAI's YAML files);
#: standard input too
MAX_SPEC_BYTES = 64 * 1024 * 1024
#: a file a spec names: prompt_file, system_file, a promptflow or ADK reference
MAX_PROMPT_FILE_BYTES = 1024 * 1024
#: a CrewAI crew.py (parsed with ``ast``, never imported)
MAX_CREW_PY_BYTES = 1024 * 1024
#: .agentlint.yaml, .agentlint.yml, pyproject.toml
MAX_CONFIG_BYTES = 4 * 1024 * 1024
#: a baseline file (--baseline)
MAX_BASELINE_BYTES = 64 * 1024 * 1024
#: a measured profile beside a spec (agentlint.profile.yaml)
MAX_PROFILE_BYTES = 16 * 1024 * 1024
#: one record of a trace export (an OTLP span, a Langfuse observation, a LangSmith run, a
#: LiteLLM spend-log row, one JSON line): a trace file itself has no limit, it is streamed
MAX_TRACE_RECORD_BYTES = 16 * 1024 * 1024


#: agentlint's own folder: the package data (schemas/, data/) lies beside the modules and
#: is read as plain files (importlib.resources would cost every lint its imports)
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def package_file(*parts: str) -> str:
    """The path of a file shipped inside the package: ``package_file("data", "catalog.json")``."""
    return os.path.join(PACKAGE_DIR, *parts)


# -- the repository ---------------------------------------------------------------------


def find_root(start: str) -> str:
    """The repository root: the nearest folder with ``.git`` above ``start``.

    Without one, the current directory when ``start`` lies under it, else
    ``start`` itself: prompt files are never read from above that point.
    """
    start = os.path.realpath(start)
    for here in folders_up(start):
        if os.path.exists(os.path.join(here, ".git")):
            return here
    cwd = os.path.realpath(os.getcwd())
    if start == cwd or start.startswith(cwd + os.sep):
        return cwd
    return start


def folders_up(folder: str, top: str | None = None) -> Iterator[str]:
    """``folder``, then each folder above it, up to the file system's root, or with
    ``top`` up to ``top`` while they are inside it (as written: no link is resolved)."""
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder or (top is not None and not is_inside(parent, top)):
            return
        folder = parent


def first_file(folder: str, names: Iterable[str]) -> str | None:
    """The first of ``names`` that is a file in ``folder`` (its path), or None."""
    for name in names:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def is_inside(path: str, folder: str) -> bool:
    """Is ``path`` the folder itself or under it? (Both as written: no link is resolved.)"""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# -- reading ------------------------------------------------------------------------------

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


# -- the read cache: each file is read once per run ----------------------------------------

#: the files read in this run, by resolved path: (device, inode, size, mtime) when read,
#: the bytes, and the text once decoded; None outside a run (:func:`read_once`)
_READS: dict[str, tuple[tuple[int, int, int, int], bytes, list[str]]] | None = None
#: the most bytes the cache keeps: past it the files read first are let go (a run over
#: a folder of large specs holds no more than this), and read again if named again
READ_CACHE_BYTES = 128 * 1024 * 1024
_HELD = 0  # the bytes the cache keeps now


@contextlib.contextmanager
def read_once() -> Iterator[None]:
    """Within this block a file is read once: 6,000 steps naming one prompt file read it
    once, and share one text (so what is computed from a text can be kept by it).

    Every read is still checked (inside the root, under the limit); a file whose
    device, inode, size or modification time changed (a write of this run replaces
    the inode) is read again. Nested blocks share the outer cache.
    """
    global _READS, _HELD
    outer = _READS
    if outer is None:
        _READS, _HELD = {}, 0
    try:
        yield
    finally:
        _READS = outer
        if outer is None:
            _HELD = 0


def _stamp(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _cached(real: str) -> tuple[tuple[int, int, int, int], bytes, list[str]] | None:
    if _READS is None:
        return None
    hit = _READS.get(real)
    if hit is None:
        return None
    try:
        if _stamp(os.stat(real)) == hit[0]:
            return hit
    except OSError:
        pass
    _forget(real)
    return None


def _forget(real: str) -> None:
    global _HELD
    if _READS is not None:
        old = _READS.pop(real, None)
        _HELD -= len(old[1]) if old is not None else 0


def _keep(real: str, info: os.stat_result, data: bytes) -> None:
    global _HELD
    if _READS is None or len(data) > READ_CACHE_BYTES:
        return
    old = _READS.pop(real, None)
    _HELD -= len(old[1]) if old is not None else 0
    while _READS and _HELD + len(data) > READ_CACHE_BYTES:
        _HELD -= len(_READS.pop(next(iter(_READS)))[1])
    _READS[real] = (_stamp(info), data, [])
    _HELD += len(data)


def read_bytes(path: str, root: str | None, *, limit: int, what: str = "file",
               shown: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, never from outside ``root``.

    ``path`` is resolved with its symbolic links; a file that resolves outside
    ``root`` (itself resolved; None: the repository holding ``path``) is refused
    before it is opened. The file is opened without following a link and without
    blocking, and must be a regular file (a folder, FIFO, socket or device is
    refused at once); its size is checked before reading and at most
    ``limit + 1`` bytes are read, so a growing file cannot pass the limit.

    Every failure is a :class:`SpecError` at ``shown:1:1`` whose message starts
    with ``what``; none quotes the file's content.
    """
    name = shown or path
    real = os.path.realpath(path)
    top = os.path.realpath(root) if root is not None else find_root(
        os.path.dirname(os.path.abspath(path)))
    if not is_inside(real, top):
        raise SpecError(name, 1, 1, f"{what} points outside the repository "
                        f"({top}); agentlint reads files inside it only")
    hit = _cached(real)
    if hit is not None:
        if len(hit[1]) > limit:
            raise SpecError(name, 1, 1, f"{what} is {len(hit[1])} bytes; agentlint reads at "
                            f"most {limit} bytes of it")
        return hit[1]
    fd, info = _open_regular(real, name, what)
    try:
        if info.st_size > limit:
            raise SpecError(name, 1, 1, f"{what} is {info.st_size} bytes; agentlint reads at "
                            f"most {limit} bytes of it")
        data = _read_upto(fd, limit)
    except SpecError:
        raise
    except OSError as exc:
        raise SpecError(name, 1, 1, f"cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SpecError(name, 1, 1, f"{what} is larger than {limit} bytes; agentlint reads "
                        "at most that much of it")
    _keep(real, info, data)
    return data


def _read_upto(fd: int, limit: int) -> bytes:
    """At most ``limit + 1`` bytes from ``fd``."""
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def open_stream(path: str, *, what: str = "trace file", shown: str | None = None) -> BinaryIO:
    """The regular file ``path``, open for reading as a stream, for files read in pieces.

    A trace export is named on the command line and is often a download kept
    anywhere, so it may lie outside the repository (as a spec named on the
    command line may); it is opened without following a link in its last part and
    without blocking, and must be a regular file. It has no size limit: its reader
    takes it a chunk at a time and bounds each record
    (:data:`MAX_TRACE_RECORD_BYTES`). Failures are :class:`SpecError` at
    ``shown:1:1``; the caller closes the stream.
    """
    fd, _ = _open_regular(os.path.realpath(path), shown or path, what)
    try:
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def _open_regular(real: str, name: str, what: str) -> tuple[int, os.stat_result]:
    """``real`` opened without following a link in its last part and without blocking,
    with its status; refused (closed again) unless it is a regular file. The one place
    agentlint opens a file to read it."""
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except FileNotFoundError:
        raise SpecError(name, 1, 1, f"{what} not found") from None
    except OSError as exc:
        raise SpecError(name, 1, 1, f"cannot read {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise SpecError(name, 1, 1, f"cannot read {what}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SpecError(name, 1, 1, f"{what} is {_kind(info.st_mode)}, not a regular "
                        "file; agentlint reads regular files only")
    return fd, info


def read_text(path: str, root: str | None, *, limit: int, what: str = "file",
              shown: str | None = None) -> str:
    """:func:`read_bytes`, decoded as UTF-8 (see :func:`decode`)."""
    name = shown or path
    data = read_bytes(path, root, limit=limit, what=what, shown=name)
    hit = _cached(os.path.realpath(path)) if _READS is not None else None
    if hit is not None and hit[1] is data and hit[2]:
        return hit[2][0]  # decoded once already
    text = decode(data, name)
    if hit is not None and hit[1] is data:
        hit[2].append(text)
    return text


def read_named(rel: str, base_dir: str, root: str, *, limit: int, what: str,
               folder: str) -> tuple[str, str]:
    """A file a spec names, ``rel`` relative to ``base_dir``: its real path and its text.

    :func:`read_text` with the file's name in every message: each starts with
    ``what`` (``prompt_file 'p.txt' not found (paths are relative to FOLDER)``).
    A missing file is reported as such only inside ``root``, so a path outside
    tells nothing of what exists there. Failures are :class:`SpecError` at
    ``rel:1:1``; the caller places them where the spec names the file.
    """
    path = os.path.realpath(os.path.join(base_dir, rel))
    if not os.path.lexists(path) and is_inside(path, os.path.realpath(root)):
        raise SpecError(rel, 1, 1, f"{what} '{rel}' not found (paths are relative to "
                        f"{folder})")
    try:
        return path, read_text(path, root, limit=limit, what=f"{what} '{rel}'", shown=rel)
    except SpecError as exc:
        if exc.message.startswith(what):
            raise
        raise SpecError(rel, 1, 1, f"{what} '{rel}': {exc.message}") from None


def read_stdin(limit: int = MAX_SPEC_BYTES, shown: str = "<stdin>") -> bytes:
    """Standard input, read in chunks, refused past ``limit`` bytes."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(1024 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise SpecError(shown, 1, 1, f"standard input is larger than {limit} bytes; "
                            "agentlint reads at most that much of it")
    return b"".join(chunks)


def decode(data: bytes, display: str) -> str:
    """UTF-8 text (a byte-order mark dropped); binary data or other encodings are
    a :class:`SpecError` at the offending byte, which is named by its value only."""
    if b"\x00" in data:
        line, col = _offset_to_pos(data, data.index(b"\x00"))
        raise SpecError(display, line, col, "binary data (NUL byte); a spec must be UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_to_pos(data, exc.start)
        raise SpecError(display, line, col,
                        f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
                        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _offset_to_pos(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


# -- writing ------------------------------------------------------------------------------


def write_text_atomic(path: str, text: str, *, inputs: Iterable[str] = (),
                      what: str = "") -> None:
    """Write ``text`` (UTF-8) to ``path`` so that a crash never leaves half a file.

    Refused with a :class:`UsageError` (exit 2): a target that is one of
    ``inputs`` (the same file: a hard link or a symbolic link counts), a
    symbolic link to a file outside the repository, a read-only target or
    folder, a folder or FIFO. The text goes to a temporary
    file in the target's folder, is synced, and replaces the target with
    :func:`os.replace`; the target's mode is kept (a new file gets the usual
    mode under the umask). ``what`` names the file in messages ("baseline"). The
    temporary file never outlives the call, also
    when SIGINT or SIGTERM arrives. A character device (``/dev/stdout``) is
    written directly.
    """
    label = f"{what} {path}" if what else path
    target = os.path.realpath(path)
    if os.path.islink(path) and not is_inside(
            target, find_root(os.path.dirname(os.path.abspath(path)))):
        raise UsageError(f"cannot write {label}: it is a symbolic link that points outside "
                         "the repository")
    folder = os.path.dirname(target) or os.curdir
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write {label}: {exc.strerror or exc}") from None
    data = text.encode("utf-8")
    if info is not None:
        same = _same_input(info, inputs)
        if same is not None:
            raise UsageError(f"cannot write {label}: it is {same}, an input of this run; "
                             "name another file")
        if stat.S_ISCHR(info.st_mode):
            _write_device(label, target, data)
            return
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"cannot write {label}: it is {_kind(info.st_mode)}, not a "
                             "regular file")
        if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise UsageError(f"cannot write {label}: the file is read-only "
                             f"(mode {info.st_mode & 0o777:04o})")
        mode = info.st_mode & 0o7777
    else:
        mode = 0o666 & ~_umask()
    try:
        folder_info = os.stat(folder)
    except OSError as exc:
        raise UsageError(f"cannot write {label}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(folder_info.st_mode):
        raise UsageError(f"cannot write {label}: {folder} is not a folder")
    if not folder_info.st_mode & 0o222 or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {label}: its folder is read-only "
                         f"(mode {folder_info.st_mode & 0o777:04o})")
    with _signals_raise():
        tmp = None
        try:
            import tempfile  # only a write needs it (and shutil, random behind it)

            fd, tmp = tempfile.mkstemp(prefix=".agentlint-", suffix=".tmp", dir=folder)
            try:
                _write_all(fd, data)
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
                os.fsync(fd)
            finally:
                os.close(fd)
            if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
                os.chmod(tmp, mode)
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            raise UsageError(f"cannot write {label}: {exc.strerror or exc}") from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _same_input(info: os.stat_result, inputs: Iterable[str]) -> str | None:
    """The input that is the same file as ``info`` (device and inode), if any."""
    for item in inputs:
        if not item or item in STDIN_NAMES:
            continue
        try:
            other = os.stat(item)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
            return item
    return None


def _write_device(path: str, target: str, data: bytes) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_all(fd: int, data: bytes) -> None:
    """All of ``data`` to ``fd`` (a write may take less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While writing: SIGINT, SIGTERM and SIGHUP raise (``interrupt.Interrupted``, exit
    128 + signal), so the ``finally`` that removes the temporary file runs, and a
    second signal does not cut it short."""
    from agentlint.interrupt import handled  # the signal module: only a write needs it

    with handled():
        yield


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
    return quote(rel.encode("utf-8", "surrogateescape"), safe="/")  # a name's own bytes


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


def _small_json(path: str, limit: int = MAX_WALKED_JSON_BYTES) -> bool:
    """A JSON file a folder walk reads: a regular file (not a link) of a team's size."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= limit


def discover(paths: Iterable[str], exclude: Patterns | None = None) -> Iterator[str]:
    """Files named on the command line, and YAML, JSON and Python files under named folders.

    In the order named; a folder's files in sorted order, each folder's own
    files before its subfolders'. A file is given once. Files and folders
    that ``exclude`` matches are left out, files named one by one too (the
    pre-commit hook names every file it lints); a named file is taken
    whatever its suffix. Symbolic links to folders are not followed, so a
    link loop cannot trap the walk. A JSON file in a folder is taken only when
    it is a regular file of at most ``MAX_WALKED_JSON_BYTES`` (data files and
    links are passed over; an AutoGen team is a few kilobytes); a Python file
    likewise, of at most ``MAX_CREW_PY_BYTES`` (a LangGraph module or an Agents SDK
    program is a few kilobytes).
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
                    if name.endswith(".json") and not _small_json(full):
                        continue
                    if name.endswith(".py") and not _small_json(full, MAX_CREW_PY_BYTES):
                        continue  # a Python program is read up to this size
                    if name.endswith(WALKED_SUFFIXES) and full not in seen \
                            and not (skip and skip.match(full)):
                        seen.add(full)
                        yield full
        elif path not in seen and not (skip and skip.match(path)):
            seen.add(path)
            yield path
