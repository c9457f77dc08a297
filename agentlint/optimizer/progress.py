"""What ``optimize`` is doing, shown on one updating line of a terminal.

On a terminal (standard error is a tty) the line says the stage (building
the model, solving, re-checking the plan), the seconds so far and, while
HiGHS solves, the best plan's objective and the gap it is proven within;
the line is erased before the report is printed. With ``--verbose`` on a
standard error that is not a terminal, each stage and each better plan is
one plain line. Otherwise nothing is written: the report on standard output
and a piped standard error stay as they were.

The line is written to a copy of file descriptor 2 taken at the start, so
it reaches the terminal while a solve's own output (descriptors 1 and 2) is
captured. HiGHS calls back from its own thread; what it reports is stored
and drawn at most every :data:`REDRAW_S` seconds.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from typing import Any

from agentlint.escape import text as escape_text

#: the line is redrawn at most this often (seconds)
REDRAW_S = 0.1
#: a plain (non-terminal) line about a better plan at most this often (seconds)
PLAIN_S = 1.0


class Progress:
    """The stage, the time since the start, the incumbent and its gap."""

    def __init__(self, fd: int, live: bool, started: float | None = None) -> None:
        self.fd = fd
        self.live = live
        self.started = time.perf_counter() if started is None else started
        self.what = ""
        self.unit: str = ""
        self.factor = 1.0
        self.best: float | None = None
        self.gap: float | None = None
        self.drawn = 0.0
        self.width = 0
        self.lock = threading.Lock()

    @classmethod
    def for_stderr(cls, verbose: bool, started: float | None = None) -> Progress | None:
        """A progress line on standard error when it is a terminal, plain lines with
        ``verbose`` when it is not, else None."""
        try:
            live = os.isatty(2)
        except OSError:  # pragma: no cover - no descriptor 2
            return None
        if not live and not verbose:
            return None
        try:
            fd = os.dup(2)
        except OSError:  # pragma: no cover - descriptor 2 closed
            return None
        return cls(fd, live, started)

    # -- what the optimizer reports ------------------------------------------------------

    def stage(self, what: str, unit: str = "", factor: float = 1.0) -> None:
        """A new stage; ``unit`` and ``factor`` turn a solver's objective into words."""
        with self.lock:
            self.what, self.unit, self.factor = what, unit, factor
            self.best = self.gap = None
        self._draw(force=True)

    def incumbent(self, value: float | None, gap: float | None) -> None:
        """The solver found a better plan (``value`` in the solver's units) or closed the gap."""
        with self.lock:
            changed = value is not None and math.isfinite(value) and value != self.best
            if changed:
                self.best = value
            if gap is not None and math.isfinite(gap):
                self.gap = gap
        self._draw(force=not self.live and changed)

    def tick(self) -> None:
        """Redraw the seconds (a terminal only)."""
        if self.live:
            self._draw()

    def close(self) -> None:
        """Erase the line (a terminal) and let the descriptor go."""
        with contextlib.suppress(OSError):
            if self.live and self.width:
                os.write(self.fd, b"\r\x1b[K")
            os.close(self.fd)
        self.fd = -1

    # -- HiGHS --------------------------------------------------------------------------

    def highs_options(self, solver_class: Any) -> dict[str, Any]:
        """Keyword arguments for PuLP's HiGHS that report the incumbent here (none when
        this PuLP or highspy cannot)."""
        try:
            import inspect

            import highspy

            params = inspect.signature(solver_class.__init__).parameters
            kinds = [highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution,
                     highspy.cb.HighsCallbackType.kCallbackMipInterrupt]
        except Exception:  # pragma: no cover - an older PuLP or highspy
            return {}
        if "callbackTuple" not in params or "callbacksToActivate" not in params:
            return {}  # pragma: no cover - PuLP before 2.9

        improving = int(kinds[0])
        polled = [0.0]

        def report(kind: int, _message: str, out: Any, _into: Any, _user: Any) -> None:
            now = time.perf_counter()
            if int(kind) != improving and now - polled[0] < REDRAW_S:
                return  # the interrupt poll comes often: read the gap now and then
            polled[0] = now
            with contextlib.suppress(Exception):
                self.incumbent(float(out.mip_primal_bound), float(out.mip_gap))

        return {"callbackTuple": (report, None), "callbacksToActivate": kinds}

    # -- drawing ------------------------------------------------------------------------

    def line(self) -> str:
        with self.lock:
            parts = [f"agentlint optimize: {self.what}",
                     f"{time.perf_counter() - self.started:.1f} s"]
            if self.best is not None:
                parts.append(f"best {self._value(self.best)}")
            if self.gap is not None:
                parts.append(f"gap {self.gap * 100:.3g} %")
        return " · ".join(parts)

    def _value(self, v: float) -> str:
        x = v * self.factor
        if self.unit == "$":
            return f"${x:.6g}"
        if self.unit == "%":
            return f"{math.exp(x) * 100:.4g} %" if x <= 0 else f"{x:.6g}"
        return f"{x:.6g}{' ' + self.unit if self.unit else ''}"

    def _draw(self, force: bool = False) -> None:
        if self.fd < 0:
            return
        now = time.perf_counter()
        if not force and now - self.drawn < (REDRAW_S if self.live else PLAIN_S):
            return
        self.drawn = now
        text = escape_text(self.line())
        if self.live:
            try:
                cols = os.get_terminal_size(self.fd).columns
            except OSError:
                cols = 0
            text = text[:(cols if cols > 0 else 80) - 1]  # 0: a terminal that does not say
            data = "\r" + text + "\x1b[K"
            self.width = len(text)
        else:
            data = text + "\n"
        with contextlib.suppress(OSError):
            os.write(self.fd, data.encode("utf-8", errors="replace"))
