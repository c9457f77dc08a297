"""SIGINT and SIGTERM: stop cleanly, end the solver, leave no file behind.

A long command (``optimize``, a write) installs :func:`handled`: the first
SIGINT, SIGTERM or SIGHUP raises :class:`Interrupted` in the main thread, so
every ``finally`` and ``with`` block on the way out runs (temporary files and
folders are removed); signals that arrive while that cleanup runs are
ignored. :func:`ending_children` ends the child processes a block started (PuLP
runs CBC as one) before that block's own cleanup removes their files. The
command line reports the signal in one line and exits ``128 + signal``
(130 for SIGINT, 143 for SIGTERM), as a shell does.

Only the standard library is imported here: the write path of
:mod:`agentlint.paths` uses it, and no command pays for it before it writes or
solves.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

#: the signals that end a run; each raises :class:`Interrupted` while :func:`handled`
SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
#: how long an ended child gets to exit after SIGTERM before it is killed
CHILD_GRACE_S = 1.0


class Interrupted(SystemExit):
    """A signal ended the run; exits ``128 + signum`` if nothing reports it first.

    A :class:`SystemExit`: no ``except Exception`` swallows it, and ``finally``
    blocks run on its way out.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:  # pragma: no cover - a number without a name
            return f"signal {self.signum}"


class TimeUp(BaseException):
    """An :func:`alarm_at` deadline passed. Not an ``Exception``: no loader's
    ``except Exception`` turns it into a parse error."""


@contextlib.contextmanager
def alarm_at(deadline: float | None) -> Iterator[None]:
    """Within the block, raise :class:`TimeUp` when ``time.perf_counter()`` reaches
    ``deadline`` (SIGALRM).

    For work that checks no clock of its own (reading a large spec, building a
    model). Nothing happens without a deadline, outside the main thread, where
    SIGALRM has a handler already, or on a system without ``setitimer``.
    """
    if deadline is None or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL:
        yield
        return

    def _raise(_signum: int, _frame: Any) -> None:
        raise TimeUp

    old = signal.signal(signal.SIGALRM, _raise)
    try:
        signal.setitimer(signal.ITIMER_REAL, max(1e-3, deadline - time.perf_counter()))
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _replaceable(handler: Any) -> bool:
    """Python's defaults only: an ignored signal stays ignored, a host's handler stays."""
    return handler is signal.SIG_DFL or handler is signal.default_int_handler


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Within the block, the first SIGINT, SIGTERM or SIGHUP raises :class:`Interrupted`.

    Installed in the main thread only, and only over Python's default handlers
    (a nested block, a signal ignored by the parent and a host program's own
    handler are left as they are). Later signals are ignored until the block
    ends, so that cleanup is not cut short; the previous handlers come back
    after it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def _raise(signum: int, _frame: Any) -> None:
        if fired:
            return  # cleaning up after the first one
        fired.append(signum)
        raise Interrupted(signum)

    saved: list[tuple[int, Any]] = []
    for name in SIGNALS:
        num = getattr(signal, name, None)
        if num is None:
            continue
        try:
            if _replaceable(signal.getsignal(num)):
                saved.append((num, signal.signal(num, _raise)))
        except (OSError, ValueError):  # pragma: no cover - not settable here
            continue
    try:
        yield
    finally:
        for num, old in saved:
            signal.signal(num, old)


@contextlib.contextmanager
def ending_children() -> Iterator[None]:
    """End this process's children when the block is left by an exception.

    For a solver run as a child process (PuLP starts CBC and waits for it): a
    signal that interrupts the wait leaves the child running and writing its
    files. Each child (and its process group when it leads one) gets SIGTERM,
    then SIGKILL after :data:`CHILD_GRACE_S`, and is reaped.
    """
    try:
        yield
    except BaseException:
        end_children()
        raise


def children() -> list[int]:
    """The ids of this process's living children (Linux: read from /proc)."""
    me = os.getpid()
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:  # pragma: no cover - no /proc (macOS): nothing to find
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        fields = data.rpartition(b")")[2].split()  # the name may hold spaces and ')'
        if len(fields) > 1 and fields[0] != b"Z" and fields[1] == str(me).encode():
            found.append(int(name))
    return found


def end_children(grace: float = CHILD_GRACE_S) -> None:
    """SIGTERM every child (its group too when it leads one), SIGKILL what is left."""
    pids = children()
    for pid in pids:
        _send(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    waiting = set(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            if _reaped(pid):
                waiting.discard(pid)
        if waiting:
            time.sleep(0.01)
    for pid in waiting:
        _send(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)


def _send(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "getpgid") and os.getpgid(pid) == pid:
            os.killpg(pid, signum)
            return
    with contextlib.suppress(OSError):
        os.kill(pid, signum)


def _reaped(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped elsewhere (the Popen that started it)
    except OSError:  # pragma: no cover - not ours
        return True
    return done == pid


def leave(exc: BaseException, what: str = "") -> None:
    """Report the signal in one line on stderr and exit ``128 + signum``.

    Every cleanup has run on the way here. When a solver thread is still inside
    C code (HiGHS runs in one), the process ends with ``os._exit``: that thread
    must not be waited for, nor the interpreter torn down under it.
    """
    if not isinstance(exc, Interrupted):  # KeyboardInterrupt: Python's own SIGINT handler
        exc = Interrupted(signal.SIGINT)
    detail = f" {what}" if what else ""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.write(f"agentlint: interrupted by {exc.name}{detail}\n")
        sys.stderr.flush()
    if any(t.is_alive() and t is not threading.main_thread() for t in threading.enumerate()):
        os._exit(128 + exc.signum)
    raise SystemExit(128 + exc.signum) from None
