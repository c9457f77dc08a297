"""The few git commands agentlint needs, run as argument lists (never a shell).

Base versions of files are read from git's object store (``git cat-file``,
the same bytes ``git show REF:path`` prints) into memory; nothing is ever
checked out, so the working tree, the index and the current branch are left
exactly as they were. Every failure is one line: git missing, not a
repository, an unknown revision.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field

from agentlint.errors import UsageError

#: files larger than this are not read from the base (prompt files have the same limit)
MAX_BLOB_BYTES = 1024 * 1024


class GitError(UsageError):
    """git could not answer: missing, not a repository, unknown revision (exit 2)."""


@dataclass(slots=True)
class Change:
    """One file changed between the base and the working tree (repository-relative)."""

    status: str  # added | modified | deleted | renamed
    path: str | None  # in the working tree; None when deleted
    old_path: str | None  # in the base; None when added
    #: changed files this one reads (prompt files, sub-agent files, crew.py, a profile)
    via: list[str] = field(default_factory=list)
    #: False when the file itself is unchanged and only files it reads changed
    direct: bool = True

    @property
    def name(self) -> str:
        return self.path or self.old_path or ""


@dataclass(slots=True)
class Base:
    """What a comparison is made against: the ref as written and the commit it means."""

    ref: str
    commit: str
    #: True when ``commit`` is the merge base of ``ref`` and HEAD (not ``ref`` itself)
    merge_base: bool = True


class Repo:
    """A git work tree; paths it returns are relative to its root, with ``/``."""

    def __init__(self, root: str) -> None:
        self.root = root

    @classmethod
    def find(cls, start: str | None = None) -> Repo:
        """The repository that contains ``start`` (default: the working directory)."""
        where = os.path.abspath(start or os.getcwd())
        out = _git(["rev-parse", "--show-toplevel"], cwd=where,
                   not_repo=f"not a git repository: {where}")
        return cls(os.path.normpath(out.decode("utf-8", "surrogateescape").strip()))

    # -- running git ------------------------------------------------------------------

    def git(self, args: list[str], *, input: bytes | None = None, ok: tuple[int, ...] = (0,)
            ) -> bytes:
        return _git(args, cwd=self.root, input=input, ok=ok)

    def try_git(self, args: list[str]) -> bytes | None:
        """Output of a git command, or None when it fails (a question, not an order)."""
        try:
            return self.git(args)
        except GitError:
            return None

    # -- revisions --------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The commit ``ref`` names; GitError when it names none."""
        if not ref or ref.startswith("-"):
            raise GitError(f"not a revision: '{ref}'")
        out = self.try_git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"])
        if not out:
            raise GitError(f"unknown revision '{ref}' (fetch it first, e.g. git fetch "
                           "origin; a shallow clone may lack it)")
        return out.decode().strip()

    def default_branch(self) -> str:
        """origin/HEAD, else main, else master (locally or on origin)."""
        head = self.try_git(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])
        if head:
            return head.decode().strip().removeprefix("refs/remotes/")
        for name in ("main", "master", "origin/main", "origin/master"):
            if self.try_git(["rev-parse", "--verify", "--quiet", name + "^{commit}"]):
                return name
        raise GitError("no default branch to compare with (origin/HEAD, main and master "
                       "are all missing); name the base revision, e.g. origin/develop")

    def base(self, ref: str | None = None) -> Base:
        """The commit to compare with: the merge base of ``ref`` (default: the default
        branch) and HEAD, as a pull request shows its changes; ``ref`` itself when they
        share no history (a shallow clone)."""
        name = ref or self.default_branch()
        commit = self.resolve(name)
        if self.try_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) is None:
            return Base(name, commit, merge_base=False)  # no commit yet on this branch
        out = self.try_git(["merge-base", commit, "HEAD"])
        if out:
            found = out.decode().split()[0]
            return Base(name, found, merge_base=found != commit)
        return Base(name, commit, merge_base=False)

    # -- what changed -----------------------------------------------------------------

    def changes(self, commit: str) -> list[Change]:
        """Files that differ between ``commit`` and the working tree (tracked files,
        staged or not, and untracked files that are not ignored), renames detected."""
        out = self.git(["-c", "core.quotepath=off", "diff", "--name-status", "-z", "-M",
                        "--no-color", "--no-ext-diff", "--no-textconv", commit, "--"])
        parts = out.split(b"\0")
        changes: list[Change] = []
        seen: set[str] = set()
        i = 0
        while i < len(parts) and parts[i]:
            status = parts[i].decode()
            letter = status[:1]
            if letter in ("R", "C"):
                old, new = _path(parts[i + 1]), _path(parts[i + 2])
                i += 3
                if letter == "R":
                    changes.append(Change("renamed", new, old))
                else:
                    changes.append(Change("added", new, None))
                seen.add(new)
                continue
            path = _path(parts[i + 1])
            i += 2
            seen.add(path)
            if letter == "A":
                changes.append(Change("added", path, None))
            elif letter == "D":
                changes.append(Change("deleted", None, path))
            elif letter in ("M", "T"):
                changes.append(Change("modified", path, path))
            # U (unmerged), X, B: nothing agentlint can compare
        untracked = self.git(["-c", "core.quotepath=off", "ls-files", "-z", "--others",
                              "--exclude-standard", "--"])
        for raw in untracked.split(b"\0"):
            if raw and _path(raw) not in seen:
                changes.append(Change("added", _path(raw), None))
        changes.sort(key=lambda c: c.name)
        return changes

    def grep_tracked(self, words: Iterable[str], globs: Iterable[str]) -> list[str]:
        """Working-tree files matching ``globs`` that contain any of ``words``."""
        words = sorted(set(words))
        if not words:
            return []
        args = ["-c", "core.quotepath=off", "grep", "-l", "-z", "-F", "-I",
                "--untracked", "--no-color"]
        for w in words:
            args += ["-e", w]
        out = self.git([*args, "--", *globs], ok=(0, 1))
        return sorted(_path(p) for p in out.split(b"\0") if p)

    # -- base contents ----------------------------------------------------------------

    def read_blobs(self, commit: str, paths: Iterable[str]) -> dict[str, bytes | None]:
        """The contents of ``paths`` at ``commit`` (None: absent, not a file, too large),
        in one ``git cat-file --batch`` process."""
        wanted = [p for p in dict.fromkeys(paths) if p and "\n" not in p]
        result: dict[str, bytes | None] = {p: None for p in paths}
        if not wanted:
            return result
        request = "".join(f"{commit}:{p}\n" for p in wanted).encode("utf-8",
                                                                      "surrogateescape")
        out = self.git(["cat-file", "--batch"], input=request)
        pos = 0
        for p in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
                size = int(header[2])
                if header[1] == b"blob" and size <= MAX_BLOB_BYTES:
                    result[p] = out[pos:pos + size]
                pos += size + 1  # the content and its trailing newline
            # "<name> missing" / "ambiguous": a one-line answer, nothing follows
        return result

    def list_dir(self, commit: str, folder: str) -> list[str]:
        """Files directly in ``folder`` (repository-relative) at ``commit``."""
        spec = f"{commit}:{folder}" if folder else f"{commit}^{{tree}}"
        out = self.try_git(["-c", "core.quotepath=off", "ls-tree", "-z", spec])
        if not out:
            return []
        names = []
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, name = entry.partition(b"\t")
            mode, kind = meta.split()[:2]
            if kind == b"blob" and mode != b"120000":  # files, not symbolic links
                rel = _path(name)
                names.append(f"{folder}/{rel}" if folder else rel)
        return names

    # -- paths ------------------------------------------------------------------------

    def abs(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _git(args: list[str], *, cwd: str, input: bytes | None = None, ok: tuple[int, ...] = (0,),
         not_repo: str | None = None) -> bytes:
    env = dict(os.environ, LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    env.pop("GIT_EXTERNAL_DIFF", None)
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                              env=env, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH); agentlint needs it to "
                       "compare with a revision") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if proc.returncode in ok:
        return proc.stdout
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    first = next((m for m in message if m.strip()), f"git {args[0]} failed")
    if not_repo is not None and "not a git repository" in first:
        raise GitError(not_repo)
    first = first.removeprefix("fatal: ").removeprefix("error: ")
    raise GitError(f"git {args[0] if args[0] != '-c' else args[2]}: {first}")
