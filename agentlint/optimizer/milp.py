"""The optimizer's mixed-integer program, written with PuLP.

One binary per (step, option) where an option is a (model, retries) pair with
its figures precomputed, so cost, time and log-success are linear in the
decisions; one binary per cuttable step; in sequential mode one binary per
boundary between listed steps that may open or close a parallel group.

Units are scaled so the solver's absolute tolerances are negligible: cost in
micro-dollars, time in milliseconds, log-reliability times 1e6. Every plan is
read back as integers and re-evaluated exactly (``plan.figures``), never taken
from the solver's continuous values.

PuLP is imported here only: ``lint`` and ``estimate`` never pay for it.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agentlint.errors import UsageError
from agentlint.interrupt import ending_children
from agentlint.metrics import COST, LATENCY, RELIABILITY
from agentlint.optimizer.plan import Plan
from agentlint.optimizer.problem import Problem

COST_SCALE = 1e6  # micro-dollars
TIME_SCALE = 1e3  # milliseconds
LOG_SCALE = 1e6
#: relative optimality gap the solvers must close before calling a plan optimal
#: (``--gap`` changes it). Closing it to float noise (1e-9) took a 1,000-step
#: workflow from half a second to minutes, so the default is the solvers' own,
#: and a plan proven only within a gap says so with the gap reached.
DEFAULT_GAP = 1e-4
#: a relative gap at most this is float noise: the solve closed it
NOISE_GAP = 1e-9
#: absolute gap, in the scaled units (micro-dollars, milliseconds, log-success
#: times 1e6): a millionth of a micro-dollar
GAP_ABS = 1e-6
#: a solver's answer is checked against every row it was given: a row may be off by
#: this much relative to the size of its terms (the solvers' own feasibility
#: tolerances are 1e-6 to 1e-7 absolute, on rows scaled to micro-units)
CHECK_TOL = 1e-6
#: and a binary may be this far from 0 or 1
INTEGRALITY_TOL = 1e-5


def _pulp() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pulp  # here, not at the top: keeps PuLP off the lint path
    return pulp


def _flush() -> None:
    """Flush Python's standard streams and the C library's stdio buffers (solvers
    print through those), so what was written lands on the descriptor of the time."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except Exception:  # pragma: no cover - no libc to load (unusual platforms)
        pass


@contextlib.contextmanager
def quiet(log: list[str]) -> Iterator[None]:
    """Send whatever is written to file descriptors 1 and 2 meanwhile into ``log``.

    Solvers print from C code (highspy prints a banner whenever a ``Highs``
    object is made, whatever ``msg`` says), past ``sys.stdout``: only
    redirecting the descriptors keeps agentlint's standard output its own.
    Both ends flush every buffer: output written before goes out, output
    written inside (from Python or C) goes to ``log``, whatever is raised.
    """
    _flush()
    saved: list[int] = []
    with tempfile.TemporaryFile() as sink:
        try:
            for fd in (1, 2):
                saved.append(os.dup(fd))
                os.dup2(sink.fileno(), fd)
            yield
        finally:
            _flush()
            for fd, copy in zip((1, 2), saved, strict=False):
                try:
                    os.dup2(copy, fd)
                finally:
                    os.close(copy)
            sink.seek(0)
            text = sink.read().decode("utf-8", errors="replace")
            if text:
                log.append(text)


def _in_thread(solve: Callable[[], object], tick: Callable[[], None] | None = None) -> None:
    """Run ``solve`` in a thread of its own while the main thread waits in short joins.

    HiGHS runs in C code for the whole solve: in the main thread, a signal's
    handler would wait for the solve (up to the time limit) to end. Waiting
    in ``join`` instead, the handler runs at once (``agentlint.interrupt``);
    the thread is a daemon, ended with the process.
    """
    if threading.current_thread() is not threading.main_thread():
        solve()
        return
    raised: list[BaseException] = []

    def target() -> None:
        _name_thread(b"agentlint-solve")
        try:
            solve()
        except BaseException as exc:  # handed to the main thread, raised there
            raised.append(exc)

    thread = threading.Thread(target=target, name="agentlint-solver", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.05)
        if tick is not None:
            tick()  # the progress line's seconds
    if raised:
        raise raised[0]


def _name_thread(name: bytes) -> None:
    """Name the calling thread for the system (Linux: ``/proc/PID/task/TID/comm``)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name[:15], 0, 0, 0)  # PR_SET_NAME
    except Exception:  # pragma: no cover - no libc to load
        pass


def highs_available() -> bool:
    try:
        with quiet([]):
            import highspy  # noqa: F401  (here, not at the top: off the lint path)
    except ImportError:
        return False
    with quiet([]):
        return bool(_pulp().HiGHS().available())


def _cbc(pulp: Any, **kwargs: Any) -> Any:
    """CBC: a ``cbc`` on the PATH, else the binary bundled with PuLP."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coin = pulp.COIN_CMD(**kwargs)
        if coin.available():
            return coin
        return pulp.PULP_CBC_CMD(**kwargs)


def cbc_available() -> bool:
    pulp = _pulp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(_cbc(pulp, msg=False).available())


def pick_solver(name: str) -> str:
    """``auto``: HiGHS when highspy is installed, else CBC."""
    if name == "highs":
        if not highs_available():
            raise UsageError("--solver highs needs the highspy package "
                             "(pip install highspy), or use --solver cbc")
        return "highs"
    if name == "cbc":
        if not cbc_available():
            raise UsageError("--solver cbc: PuLP's CBC binary is not available here")
        return "cbc"
    if highs_available():
        return "highs"
    if cbc_available():
        return "cbc"
    raise UsageError("no MILP solver available: install highspy (pip install highspy)")


class Lin:
    """A linear expression as {variable: coefficient} + constant (duplicates summed)."""

    __slots__ = ("const", "terms")

    def __init__(self, const: float = 0.0) -> None:
        self.terms: dict[Any, float] = {}
        self.const = const

    def add(self, var: Any, coef: float) -> Lin:
        if coef:
            self.terms[var] = self.terms.get(var, 0.0) + coef
        return self

    def add_lin(self, other: Lin, factor: float = 1.0) -> Lin:
        for var, coef in other.terms.items():
            self.add(var, coef * factor)
        self.const += other.const * factor
        return self

    def pulp(self, pulp: Any) -> Any:
        return pulp.LpAffineExpression(self.terms, constant=self.const)


class _TimeUp(Exception):
    """The deadline passed while the model was built."""


@dataclass
class Outcome:
    """One solve: status, the plan read back, and what it took."""

    status: str  # optimal | feasible | infeasible | unknown
    plan: Plan | None
    gap: float | None
    seconds: float
    #: the solver's answer broke a row it was given (or called a model infeasible that
    #: a known plan meets), also with presolve off: ``status`` is then ``unknown``
    rejected: str = ""
    #: HiGHS's lower bound on the objective when the solve stopped (None: not known)
    bound: float | None = None


def broken_row(rows: list[Any], variables: list[Any]) -> str | None:
    """The first row or variable bound the solver's values break, in words; None when
    every one holds (within ``CHECK_TOL`` of the size of its terms, binaries within
    ``INTEGRALITY_TOL`` of 0 or 1).

    A solver's "optimal" is a claim about values it hands back: the plan is read from
    the binaries, and the objective it was judged by lives in the continuous
    variables (latency, group times), so values that break a row can make a slow plan
    look fast. Checking every row costs a pass over the model.
    """
    for var in variables:
        value = var.varValue or 0.0
        low, up = var.lowBound, var.upBound
        size = max(1.0, abs(value))
        if (low is not None and value < low - CHECK_TOL * size) or (
                up is not None and value > up + CHECK_TOL * size):
            return f"{var.name} = {value!r} is outside its bounds"
        if var.cat == "Integer" and abs(value - round(value)) > INTEGRALITY_TOL:
            return f"{var.name} = {value!r} is not a whole number"
    for row in rows:
        total = row.constant
        size = abs(row.constant)
        for var, coef in row.items():
            term = coef * (var.varValue or 0.0)
            total += term
            size += abs(term)
        tol = CHECK_TOL * max(1.0, size)
        sense = row.sense
        if (sense < 0 and total > tol) or (sense > 0 and total < -tol) or (
                sense == 0 and abs(total) > tol):
            return f"row {row.name} is off by {abs(total):.6g}"
    return None


@dataclass
class Formulation:
    p: Problem
    solver: str
    gap: float = DEFAULT_GAP
    pulp: Any = None
    constraints: list[Any] = field(default_factory=list)
    budget_rows: dict[str, Any] = field(default_factory=dict)
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    solves: int = 0
    variables: int = 0
    #: keep the solvers' own logs in ``log`` (``optimize --verbose``)
    verbose: bool = False
    log: list[str] = field(default_factory=list)
    #: a ``time.perf_counter`` reading: the build stops there (``timed_out``), incomplete
    deadline: float | None = None
    timed_out: bool = False
    #: an ``agentlint.optimizer.progress.Progress`` told of each incumbent, or None
    progress: Any = None
    #: answers the check turned down (see ``solve``), in words
    rejections: list[str] = field(default_factory=list)
    #: every variable made, for the check (``prob.variables()`` sorts them: slower)
    all_vars: list[Any] = field(default_factory=list)
    #: HiGHS's lower bound on the objective at the end of the last solve, when finite
    last_bound: float | None = None

    def __post_init__(self) -> None:
        start = time.perf_counter()
        self.pulp = _pulp()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self._build()
            except _TimeUp:
                self.timed_out = True
        self.build_seconds = time.perf_counter() - start

    # -- variables and expressions ---------------------------------------------------------

    def _var(self, name: str, binary: bool = False, low: float | None = 0.0,
             up: float | None = None) -> Any:
        pulp = self.pulp
        self.variables += 1
        if self.deadline is not None and not self.variables % 1024 \
                and time.perf_counter() >= self.deadline:
            raise _TimeUp
        var = pulp.LpVariable(name, 0, 1, pulp.LpBinary) if binary \
            else pulp.LpVariable(name, low, up, pulp.LpContinuous)
        self.all_vars.append(var)
        return var

    def slack(self, name: str) -> Any:
        """A fresh continuous variable >= 0 (for rows added after the build)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._var(name)

    def _row(self, lhs: Lin, sense: str, rhs: float = 0.0) -> Any:
        """Add ``lhs (<=|>=|==) rhs``; constant-only rows are checked, not sent."""
        pulp = self.pulp
        if not lhs.terms:
            value = lhs.const
            ok = (value <= rhs + 1e-9 if sense == "<=" else value >= rhs - 1e-9
                  if sense == ">=" else abs(value - rhs) <= 1e-9)
            if not ok:
                self.constant_infeasible = True
            return None
        s = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE,
             "==": pulp.LpConstraintEQ}[sense]
        row = pulp.LpConstraint(lhs.pulp(pulp), s, f"r{len(self.constraints)}", rhs)
        self.constraints.append(row)
        return row

    def _build(self) -> None:
        p = self.p
        self.constant_infeasible = False
        n = p.n
        self.x: list[list[Any]] = []
        self.cut: list[Any] = [None] * n
        self.sel: list[list[Lin]] = []
        for i, choice in enumerate(p.choices):
            if choice.cuttable:
                self.cut[i] = self._var(f"c{i}", binary=True)
            k = len(choice.options)
            if k == 1:
                lin = Lin(1.0)
                if self.cut[i] is not None:
                    lin.add(self.cut[i], -1.0)
                self.x.append([None])
                self.sel.append([lin])
                continue
            xs = [self._var(f"x{i}_{j}", binary=True) for j in range(k)]
            self.x.append(xs)
            self.sel.append([Lin().add(v, 1.0) for v in xs])
            row = Lin()
            for v in xs:
                row.add(v, 1.0)
            if self.cut[i] is not None:
                row.add(self.cut[i], 1.0)
            self._row(row, "==", 1.0)
        # cost, reliability, changes, durations
        self.cost = Lin()
        self.logr = Lin()
        self.cuts = Lin()
        #: tiers of quality lost, and fields changed (model, retries, cut)
        self.loss = Lin()
        self.edits = Lin()
        self.dur: list[Lin] = []
        for i, choice in enumerate(p.choices):
            d = Lin()
            for j, o in enumerate(choice.options):
                sel = self.sel[i][j]
                self.cost.add_lin(sel, o.cost * COST_SCALE)
                self.logr.add_lin(sel, o.log_success * LOG_SCALE)
                d.add_lin(sel, o.time * TIME_SCALE)
                if o.loss:
                    self.loss.add_lin(sel, float(o.loss))
                if o.changes:
                    self.edits.add_lin(sel, float(o.changes))
            self.dur.append(d)
            if self.cut[i] is not None:
                self.cuts.add(self.cut[i], 1.0)
                self.edits.add(self.cut[i], 1.0)
        self._savings()
        # at least one step stays, and one step of each loop
        if all(self.cut[i] is not None for i in range(n)):
            row = Lin()
            for i in range(n):
                row.add(self.cut[i], 1.0)
            self._row(row, "<=", n - 1)
        for body in p.loop_bodies:
            row = Lin()
            for i in body:
                row.add(self.cut[i], 1.0)
            self._row(row, "<=", len(body) - 1)
        self.latency_var = self._var("L")
        if p.sequential:
            self._sequential()
        else:
            self._dag()
        #: per budget: (expression, sense, factor from the metric's unit to the expression's)
        self.budget_lins = {COST.name: (self.cost, "<=", COST_SCALE),
                            LATENCY.name: (Lin().add(self.latency_var, 1.0), "<=", TIME_SCALE),
                            RELIABILITY.name: (self.logr, ">=", LOG_SCALE)}

    def _savings(self) -> None:
        """A reader's input shrinks when a source is cut: w = chosen option AND cut."""
        p = self.p
        for src, readers in p.readers.items():
            c = self.cut[src]
            for z in readers:
                opts = p.choices[z].options
                if len(opts) == 1 and self.cut[z] is None:
                    saved = opts[0].savings.get(src, 0.0)
                    self.cost.add(c, -saved * COST_SCALE)
                    continue
                total = Lin()
                for j, o in enumerate(opts):
                    saved = o.savings.get(src, 0.0)
                    if not saved:
                        continue
                    w = self._var(f"w{z}_{j}_{src}", up=1.0)
                    self.cost.add(w, -saved * COST_SCALE)
                    self._row(Lin().add(w, 1.0).add_lin(self.sel[z][j], -1.0), "<=", 0.0)
                    total.add(w, 1.0)
                if total.terms:
                    self._row(total.add(c, -1.0), "<=", 0.0)

    def _dag(self) -> None:
        p = self.p
        n = p.n
        start: list[Lin] = []
        for v in range(n):
            if p.preds[v]:
                start.append(Lin().add(self._var(f"t{v}"), 1.0))
            else:
                start.append(Lin())
        # A step bounds the latency directly when nothing after it is sure to stay.
        has_succ = [False] * n
        for v in range(n):
            for u in p.preds[v]:
                if self.cut[v] is None:
                    has_succ[u] = True
                row = Lin().add_lin(start[v]).add_lin(start[u], -1.0).add_lin(self.dur[u], -1.0)
                if self.cut[v] is not None:
                    row.add(self.cut[v], p.finish_max[u] * TIME_SCALE)
                self._row(row, ">=", 0.0)
        for v in range(n):
            if not has_succ[v]:
                row = Lin().add(self.latency_var, 1.0).add_lin(start[v], -1.0)
                row.add_lin(self.dur[v], -1.0)
                self._row(row, ">=", 0.0)

    def _sequential(self) -> None:
        p = self.p
        total = Lin()
        self.merge: dict[int, Any] = {}
        for si, seg in enumerate(p.segments):
            if seg.free:
                total.add_lin(self._free_segment(si, seg))
            else:
                total.add_lin(self._fixed_group(si, seg))
        row = Lin().add(self.latency_var, 1.0).add_lin(total, -1.0)
        self._row(row, ">=", 0.0)

    def _fixed_group(self, si: int, seg: Any) -> Lin:
        p = self.p
        pos = seg.positions
        if len(pos) == 1:
            return Lin().add_lin(self.dur[pos[0]])
        t = self._var(f"T{si}")
        if not seg.edges:
            for v in pos:
                self._row(Lin().add(t, 1.0).add_lin(self.dur[v], -1.0), ">=", 0.0)
            return Lin().add(t, 1.0)
        preds: dict[int, list[int]] = {v: [] for v in pos}
        for u, v in seg.edges:
            preds[v].append(u)
        start = {v: (Lin().add(self._var(f"s{v}"), 1.0) if preds[v] else Lin()) for v in pos}
        for v in pos:
            for u in preds[v]:
                row = Lin().add_lin(start[v]).add_lin(start[u], -1.0).add_lin(self.dur[u], -1.0)
                if self.cut[v] is not None:
                    row.add(self.cut[v], p.finish_max[u] * TIME_SCALE)
                self._row(row, ">=", 0.0)
            row = Lin().add(t, 1.0).add_lin(start[v], -1.0).add_lin(self.dur[v], -1.0)
            self._row(row, ">=", 0.0)
        return Lin().add(t, 1.0)

    def _free_segment(self, si: int, seg: Any) -> Lin:
        """Groups inside a run of listed steps: running maximum with merge binaries."""
        p = self.p
        pos = seg.positions
        if len(pos) == 1:
            return Lin().add_lin(self.dur[pos[0]])
        big = max(max(o.time for o in p.choices[v].options) for v in pos) * TIME_SCALE
        m = {v: self._var(f"m{v}", binary=True) for v in pos[1:]}
        self.merge.update(m)
        r = {v: self._var(f"R{v}") for v in pos}
        out = Lin()
        for idx, v in enumerate(pos):
            self._row(Lin().add(r[v], 1.0).add_lin(self.dur[v], -1.0), ">=", 0.0)
            if idx > 0:
                u = pos[idx - 1]
                # R_v >= R_u - big * (1 - m_v)
                self._row(Lin().add(r[v], 1.0).add(r[u], -1.0).add(m[v], -big), ">=", -big)
            if idx + 1 < len(pos):
                e = self._var(f"E{v}")
                # E_v >= R_v - big * m_next: the group closes at v
                self._row(Lin().add(e, 1.0).add(r[v], -1.0).add(m[pos[idx + 1]], big),
                          ">=", 0.0)
                out.add(e, 1.0)
            else:
                out.add(r[v], 1.0)
        index = {v: k for k, v in enumerate(pos)}

        def splits(a: int, b: int) -> Lin:
            """Boundaries that open a group strictly after position a up to b."""
            lin = Lin()
            for v in pos[index[a] + 1:index[b] + 1]:
                lin.add(m[v], -1.0).const += 1.0
            return lin

        # members of one group must not depend on each other (unless one is cut)
        for u, v in sorted(set(seg.edges)):
            row = splits(u, v)
            for w in (u, v):
                if self.cut[w] is not None:
                    row.add(self.cut[w], 1.0)
            self._row(row, ">=", 1.0)
        k = p.max_concurrency
        if k is not None and len(pos) > k:
            for a_idx in range(len(pos)):
                always = 0
                for b_idx in range(a_idx, len(pos)):
                    if self.cut[pos[b_idx]] is None:
                        always += 1
                    if b_idx - a_idx < k:
                        continue
                    width = b_idx - a_idx + 1
                    row = splits(pos[a_idx], pos[b_idx])
                    row = Lin().add_lin(row, float(width))
                    for v in pos[a_idx:b_idx + 1]:
                        row.const -= 1.0
                        if self.cut[v] is not None:
                            row.add(self.cut[v], 1.0)
                    self._row(row, ">=", -float(k))
                    if always >= k + 1:
                        break
        return out

    # -- solving --------------------------------------------------------------------------

    def objective(self, name: str) -> tuple[Lin, float]:
        """(expression to minimise, factor from the expression to the metric's unit)."""
        if name == COST.name:
            return self.cost, 1.0 / COST_SCALE
        if name == LATENCY.name:
            return Lin().add(self.latency_var, 1.0), 1.0 / TIME_SCALE
        if name == RELIABILITY.name:
            return Lin().add_lin(self.logr, -1.0), -1.0 / LOG_SCALE
        if name == "cuts":
            return self.cuts, 1.0
        if name == "loss":
            return self.loss, 1.0
        if name == "edits":
            return self.edits, 1.0
        raise ValueError(name)

    def nogood(self, plan: Plan) -> tuple[Lin, str, float]:
        """A row that excludes exactly this assignment (all its binaries at once)."""
        lin = Lin()
        count = 0
        for i, c in enumerate(plan.choice):
            cut = self.cut[i]
            if c is None:
                lin.add(cut, -1.0)  # (1 - cut)
                count += 1
            elif self.x[i][0] is None:
                if cut is not None:
                    lin.add(cut, 1.0)
            else:
                lin.add(self.x[i][c], -1.0)
                count += 1
        for v, var in getattr(self, "merge", {}).items():
            if plan.merge[v]:
                lin.add(var, -1.0)
                count += 1
            else:
                lin.add(var, 1.0)
        lin.const += count
        return lin, ">=", 1.0

    def takes(self, i: int, values: list[int | None]) -> tuple[Lin, str, float]:
        """A row: step ``i`` takes one of ``values`` (option indices; None: cut)."""
        lin = Lin()
        for v in values:
            if v is None:
                lin.add(self.cut[i], 1.0)
            else:
                lin.add_lin(self.sel[i][v])
        return lin, ">=", 1.0

    def budget_row(self, name: str, limit: float) -> tuple[Lin, str, float]:
        lin, sense, scale = self.budget_lins[name]
        if name == RELIABILITY.name:  # a product of successes: bounded in logs
            rhs = math.log(limit) * scale if limit > 0 else -math.inf
        else:
            rhs = limit * scale
        return lin, sense, rhs

    def solve(self, minimise: Lin, rows: list[tuple[Lin, str, float]],
              time_limit: float | None, cutoff: float | None = None,
              first: bool = False, known: bool = False) -> Outcome:
        """Minimise ``minimise`` under the base rows plus ``rows``.

        ``cutoff`` (HiGHS only; CBC ignores it): a value some plan that meets the rows
        is known to reach; HiGHS prunes every branch whose bound is above it (its
        objective bound). With ``first``, the rows bound ``minimise`` by ``cutoff``
        themselves and the question is only whether a plan meets them: the solve
        stops at the first one found (the objective target). ``known``: some plan is
        known to meet the rows, so "infeasible" is a solver error.

        Every answer is checked against the rows (``broken_row``); an answer that
        breaks one, or a wrong "infeasible", is solved again with the solver's
        presolve off, and when that is wrong too the outcome is ``unknown`` with
        ``rejected`` saying why (no plan is taken from it).
        """
        pulp = self.pulp
        start = time.perf_counter()
        extra: list[Any] = []
        infeasible = self.constant_infeasible
        for lin, sense, rhs in rows:
            if rhs == -math.inf and sense == ">=":
                continue
            if not lin.terms:
                value = lin.const
                if (sense == "<=" and value > rhs + 1e-9) or (sense == ">=" and value
                                                               < rhs - 1e-9):
                    infeasible = True
                continue
            s = pulp.LpConstraintLE if sense == "<=" else pulp.LpConstraintGE
            extra.append(pulp.LpConstraint(lin.pulp(pulp), s, f"e{len(extra)}", rhs))
        if infeasible:
            return Outcome("infeasible", None, None, 0.0)
        prob = pulp.LpProblem("agentlint", pulp.LpMinimize)
        for row in self.constraints:
            prob.addConstraint(row)
        for row in extra:
            prob.addConstraint(row)
        objective = minimise.pulp(pulp)
        if not minimise.terms:
            objective = pulp.LpAffineExpression({self.latency_var: 0.0}, constant=minimise.const)
        prob.setObjective(objective)
        self.last_bound = None
        status, gap = self._run(prob, time_limit, cutoff, first)
        checked = [*self.constraints, *extra]
        wrong = self._wrong(prob, status, checked, known)
        if wrong is not None:
            self.rejections.append(wrong)
            left = None if time_limit is None else time_limit - (time.perf_counter() - start)
            if left is None or left > 0.05:
                status, gap = self._run(prob, left, cutoff, first, presolve=False)
                wrong = self._wrong(prob, status, checked, known)
                if wrong is not None:
                    self.rejections.append(f"{wrong} (presolve off)")
        rejected = ""
        if wrong is not None:
            rejected, status, gap = wrong, "unknown", None
        plan = self._read(prob) if status in ("optimal", "feasible") else None
        del prob
        seconds = time.perf_counter() - start
        self.solve_seconds += seconds
        self.solves += 1
        return Outcome(status, plan, gap, seconds, rejected,
                       None if wrong is not None else self.last_bound)

    def _wrong(self, prob: Any, status: str, rows: list[Any], known: bool) -> str | None:
        """Why the solver's answer cannot be taken, or None."""
        if status in ("optimal", "feasible"):
            broken = broken_row(rows, self.all_vars)
            return None if broken is None else f"the {self.solver} answer breaks a " \
                f"row: {broken}"
        if status == "infeasible" and known:
            return f"{self.solver} called a model infeasible that a known plan meets"
        return None

    def _run(self, prob: Any, time_limit: float | None, cutoff: float | None = None,
             first: bool = False, presolve: bool = True) -> tuple[str, float | None]:
        pulp = self.pulp
        limit = None if time_limit is None else max(0.05, float(time_limit))
        gap = None
        wall = None
        captured: list[str] = []
        with warnings.catch_warnings(), quiet(captured):
            warnings.simplefilter("ignore")
            if self.solver == "highs":
                # msg stays False: PuLP 2.8 turns msg=True into a log callback that
                # highspy before 1.8 lacks; output_flag, applied after every other
                # option in each PuLP version, is what asks HiGHS for its log
                shown = {} if self.progress is None else self.progress.highs_options(pulp.HiGHS)
                if cutoff is not None:
                    shown = {**shown, "objective_bound": cutoff}
                    if first:
                        shown["objective_target"] = cutoff
                if not presolve:
                    shown = {**shown, "presolve": "off"}
                solver = pulp.HiGHS(msg=False, timeLimit=limit, gapRel=self.gap,
                                    gapAbs=GAP_ABS, threads=1, random_seed=0,
                                    output_flag=self.verbose, **shown)
                _in_thread(lambda: prob.solve(solver),
                           None if self.progress is None else self.progress.tick)
                model = getattr(prob, "solverModel", None)
                if model is not None:
                    try:
                        info = model.getInfo()
                        gap = float(info.mip_gap)
                        bound = float(info.mip_dual_bound)
                        self.last_bound = bound if math.isfinite(bound) else None
                    except Exception:  # pragma: no cover - depends on the highspy build
                        gap = None
                    prob.solverModel = None
            else:
                with tempfile.TemporaryDirectory(prefix="agentlint-cbc-") as tmp:
                    log = os.path.join(tmp, "cbc.log")
                    # presolve off: CBC's presolve, and its integer preprocessing
                    off: dict[str, Any] = {} if presolve else {
                        "presolve": False, "options": ["preprocess off"]}
                    solver = _cbc(pulp, msg=False, timeLimit=limit, gapRel=self.gap,
                                  gapAbs=GAP_ABS, keepFiles=False, logPath=log, threads=1,
                                  **off)
                    solver.tmpDir = tmp  # PuLP's .mps and .sol files: removed with it
                    with ending_children():  # before the folder goes: CBC writes into it
                        prob.solve(solver)
                    gap, wall = _cbc_log(log, captured if self.verbose else None)
        if self.verbose:
            self.log.extend(captured)
        if self.solver != "highs" and prob.status == pulp.LpStatusInfeasible \
                and limit is not None and (wall is None or wall >= 0.8 * limit):
            # Cut short by the time limit, CBC's preprocessing can call a feasible
            # model infeasible; only a verdict reached in time is a proof.
            return "unknown", None
        sol = prob.sol_status
        if sol == pulp.LpSolutionOptimal:
            return "optimal", self._proven_within(gap)
        if sol == pulp.LpSolutionIntegerFeasible:
            return "feasible", gap
        if prob.status == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
            return "infeasible", None
        return "unknown", None

    def _proven_within(self, gap: float | None) -> float | None:
        """The relative gap an optimal solve is proven within, None when it is closed
        (float noise, or the absolute gap met); when the solver does not say, the
        ``--gap`` it ran with."""
        if gap is None:
            return self.gap if self.gap > NOISE_GAP else None
        return gap if NOISE_GAP < gap <= self.gap else None

    def _read(self, prob: Any) -> Plan:
        p = self.p
        choice: list[int | None] = []
        for i, xs in enumerate(self.x):
            c = self.cut[i]
            if c is not None and (c.varValue or 0.0) > 0.5:
                choice.append(None)
                continue
            if len(xs) == 1:
                choice.append(0)
                continue
            values = [(v.varValue or 0.0) for v in xs]
            choice.append(max(range(len(values)), key=lambda j: (values[j], -j)))
        merge = list(p.current_merge)
        for v, var in getattr(self, "merge", {}).items():
            merge[v] = (var.varValue or 0.0) > 0.5
        return Plan(choice, merge)


_CBC_GAP = re.compile(r"^Gap:\s*([-+0-9.eE]+)", re.M)
_CBC_OBJ = re.compile(r"^Objective value:\s*([-+0-9.eE]+)", re.M)
_CBC_BOUND = re.compile(r"^Lower bound:\s*([-+0-9.eE]+)", re.M)


_CBC_WALL = re.compile(r"Wallclock seconds\):\s*([0-9.]+)")


def _cbc_log(log: str, keep: list[str] | None = None) -> tuple[float | None, float | None]:
    """(relative gap, wall-clock seconds) from CBC's log (appended to ``keep``)."""
    try:
        with open(log, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None, None
    if keep is not None:
        keep.append(text)
    walls = _CBC_WALL.findall(text)
    wall = float(walls[-1]) if walls else None
    obj, bound = _CBC_OBJ.search(text), _CBC_BOUND.search(text)
    if obj and bound:  # the "Gap:" line is rounded to two decimals
        o, b = float(obj.group(1)), float(bound.group(1))
        return abs(o - b) / max(abs(o), 1e-12), wall
    match = _CBC_GAP.search(text)
    return (float(match.group(1)) if match else None), wall
