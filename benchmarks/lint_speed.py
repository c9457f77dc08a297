"""How fast agentlint lints, next to yamllint on the same files in the same run.

Run: ``python benchmarks/lint_speed.py`` (needs ``pip install yamllint``);
``--startup`` runs part 1 only. It prints wall times and the ratios
agentlint / yamllint (relaxed config) for:

1. one 30-step spec in a fresh process, as a pre-commit hook runs it, in
   alternation with yamllint and with ``python -c pass`` (the interpreter's own
   start), comparing the CPU time of each child pair by pair; when valgrind is
   installed, also the instructions each of the three executes (callgrind),
   a figure a busy machine does not blur;
2. 500 such specs in one call;
3. one 10,000-step spec and one 20,000-step spec (doubling must at most
   double the time: no quadratic pass in any rule);
4. the 500 specs with ``--jobs`` 1 and 2.

Targets: (1) at most 0.6x yamllint, (2) at most 0.2x, (3) under 3 s for
10,000 steps and a doubling ratio at most 2.

Part 1 measures both tools as a pre-commit hook runs them: installed the
regular way (not editable) in a new virtual environment the script makes
(``regular_install``), and called as the hook calls them, ``agentlint lint``
and the file names. An editable install, as a development checkout has, loads
its finder in every process of its environment: about 50M instructions in
``python -c pass`` alone (88M against 38M), which pulls every ratio towards 1.

The package's bytecode is compiled first, as ``pip install`` does: with
``PYTHONDONTWRITEBYTECODE`` set and an editable install, every run would
otherwise compile agentlint's sources again (about 400M instructions, most of
the time measured).

On 2026-11-30 (2-core AMD EPYC, Python 3.11, click 8.3, PyYAML 6.0 with
libyaml, yamllint 1.38), an idle machine:

    1 spec (30 steps), fresh process, CPU: agentlint 52 ms, yamllint 102 ms, ratio 0.50
    1 spec (30 steps), fresh process, CPU: agentlint 51 ms, python -c pass 11 ms
    1 spec (30 steps), with an option (lint --strict), CPU: agentlint 70 ms, ratio 0.71
    instructions: agentlint 267M, yamllint 623M, python -c pass 38M, ratio 0.429;
      with an option 368M, ratio 0.590

(wall time, 40 pairs side by side: 52 ms against 105 ms, ratio 0.50).
``examples/research-fanout.yaml`` (long prompts, three findings with fixes):
310M against yamllint's 544M (0.57; wall 0.61).

How the one-file lint went from 489M (0.77 of yamllint; CPU 0.85) to 267M:

* ``agentlint lint PATH...`` with no option runs without click
  (``agentlint.command.lint_plain``, called by ``agentlint.__main__``): click's
  import and the nine commands' construction were 59M (374M to 315M); an
  option, ``--help`` or ``-`` takes the full command line, which gives the
  same output (tests/test_plain_lint.py);
* the classes a lint creates at import stopped being dataclasses that compile
  their ``__init__``, ``__repr__`` and ``__eq__`` from generated source at every
  start (``agentlint.record``: slots and ``__init__`` written by hand): -76M,
  and -7M for the two frozen ones; then ``Step``, ``Workflow`` and ``Budgets``
  too (``agentlint.record.replace`` is ``dataclasses.replace`` for records), so
  a lint imports neither ``dataclasses`` nor the ``inspect``, ``ast``, ``dis``
  and ``tokenize`` behind it: -38M (315M to 277M);
* the lint path does not import ``typing`` (see ``agentlint/__init__.py``):
  -10M (277M to 267M);
* cache-defeating-prefix compiles its long pattern of volatile literals once,
  not twice: -9M;
* patterns only some runs use are compiled on first use (the escape of
  unprintable text, which a printable text skips; suppression directives; the
  catalog's tier words; the cues of a trivial step, read only for some steps
  on a premium model; a long quote in an error; an adapted step's source; a
  rule page's margin): -14M;
* a rule's documentation page is cleaned when first read, and ``inspect``
  imported only for an indented one: -2M;
* the signal handling of a write is imported with the write: -4M.

What is left is mostly not agentlint's: the interpreter's start (38M) and
PyYAML's import (about 124M with ``re``), 57M of which is the pattern
``yaml.reader`` compiles at import (``NON_PRINTABLE``, a class of wide Unicode
ranges), though libyaml's parser never uses it; the C extension ``yaml._yaml``
imports ``yaml`` and reads ``yaml.reader.ReaderError`` when it loads, so there
is no loader without it short of changing PyYAML's module for every user in
the process. With an option, click's import costs what it did (about 90M with
``inspect``, ``uuid`` and ``datetime``).
"""

from __future__ import annotations

import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


def spec_text(n: int, seed: int = 0) -> str:
    """A realistic spec of ``n`` steps: mixed models, data references, groups."""
    rng = random.Random(seed)
    lines = [
        "agentlint: 1",
        f"name: bench-{n}",
        "execution: dag",
        "models:",
        "  fast: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.4, tokens_per_s: 120,"
        " p_ok: 0.995}",
        "  strong: {input_per_mtok: 2.5, output_per_mtok: 10, cached_input_per_mtok: 1.25,"
        " ttft_s: 0.6, tokens_per_s: 80, p_ok: 0.99}",
        "inputs:",
        "  request: {tokens: 800}",
        "  corpus: {tokens: 4000}",
        "steps:",
    ]
    for i in range(n):
        lines.append(f"  - id: step_{i}")
        lines.append(f"    model: {'strong' if i % 3 == 0 else 'fast'}")
        refs = sorted({rng.randrange(max(0, i - 20), i) for _ in range(2)}) if i else []
        body = " ".join(f"{{{{ steps.step_{r}.output }}}}" for r in refs)
        lines.append(f'    prompt: "Part {i} of the request {{{{ inputs.request }}}}. {body}"')
        lines.append(f"    output_tokens: {100 + (i * 37) % 400}")
        lines.append("    timeout_s: 30")
        if i % 5 == 0:
            lines.append("    retries: 1")
    lines.append("budgets: {cost_usd: 1000, latency_s: 100000, reliability: 0.000001}")
    return "\n".join(lines) + "\n"


def timed(cmd: list[str], cwd: Path, repeat: int = 1) -> float:
    """Median wall time of ``cmd`` over ``repeat`` runs (exit codes 0/1 accepted)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): "
                             f"{proc.stderr.strip()[:400]}")
    return statistics.median(times)


def child_cpu(cmd: list[str], cwd: Path) -> float:
    """User plus system CPU seconds of one run of ``cmd``, from the kernel's accounting."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode})")
    return usage.ru_utime + usage.ru_stime


def side_by_side(a: list[str], b: list[str], cwd: Path, pairs: int = 21
                 ) -> tuple[float, float, float]:
    """Medians of A's and B's CPU time and of the ratio A/B, runs alternating A B A B ..."""
    child_cpu(a, cwd), child_cpu(b, cwd)  # warm the file cache
    ta, tb = [], []
    for _ in range(pairs):
        ta.append(child_cpu(a, cwd))
        tb.append(child_cpu(b, cwd))
    ratio = statistics.median(x / y for x, y in zip(ta, tb, strict=True))
    return statistics.median(ta), statistics.median(tb), ratio


def instructions(cmd: list[str], cwd: Path) -> int | None:
    """Instructions ``cmd`` executes (valgrind's callgrind), None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([valgrind, "--tool=callgrind",
                               f"--callgrind-out-file={out}/callgrind.out", *cmd],
                              cwd=cwd, capture_output=True, text=True)
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1])
    return None


def script(name: str) -> str | None:
    """The console script ``name`` of this interpreter's environment, else the one on PATH.

    Run as ``venv/bin/python benchmarks/lint_speed.py`` without activating the
    environment, PATH may hold another install (or none): the measured programs are
    the ones installed beside this interpreter.
    """
    beside = Path(sysconfig.get_path("scripts")) / name
    return str(beside) if beside.is_file() else shutil.which(name)


def compile_package() -> None:
    """Write agentlint's bytecode, as an install does (see the module's docstring)."""
    import agentlint

    compileall.compile_dir(os.path.dirname(agentlint.__file__), quiet=1)


def regular_install(where: Path) -> Path | None:
    """A new virtual environment with agentlint and yamllint installed as pre-commit
    installs a hook: a regular (not editable) install, bytecode compiled. None when pip
    cannot install (offline without a cache): part 1 then runs in this environment.

    An editable install loads a finder of its own in every process of its
    environment (``python -c pass`` included): about 50M instructions that no
    installed hook pays, added to both tools alike, which would pull the ratio
    towards 1.
    """
    venv = where / "venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       capture_output=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", str(Path(__file__).resolve().parent.parent),
                        "yamllint"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return venv


def startup(root: Path, one: Path, yamllint: str, envs: Path) -> None:
    """Part 1: one spec in a fresh process, both tools installed as a hook installs them."""
    venv = regular_install(envs)
    if venv is not None:
        bin_dir = venv / "bin"
        python, command, yamllint = str(bin_dir / "python"), str(bin_dir / "agentlint"), \
            str(bin_dir / "yamllint")
        print(f"part 1: a regular install of both in a new environment ({venv})")
    else:
        python, command = sys.executable, script("agentlint")
        print("part 1: pip could not make a new environment; measured in this one "
              "(an editable install adds its finder to every process)")
    # the hook's call: its entry, ``agentlint lint``, and the file names (exit 1 accepted)
    hook = [command, "lint", str(one)] if command else \
        [python, "-m", "agentlint", "lint", str(one)]
    ylint = [yamllint, "-d", "relaxed"]
    a, y, ratio = side_by_side(hook, [*ylint, str(one)], root)
    print(f"1 spec (30 steps), fresh process, CPU: agentlint {a * 1000:.0f} ms, "
          f"yamllint {y * 1000:.0f} ms, ratio {ratio:.2f} (target <= 0.6)")
    a, p, ratio = side_by_side(hook, [python, "-c", "pass"], root)
    print(f"1 spec (30 steps), fresh process, CPU: agentlint {a * 1000:.0f} ms, "
          f"python -c pass {p * 1000:.0f} ms, ratio {ratio:.2f}")
    # an option on the command line (a hook's ``args:``) takes the full command line
    optioned = [*hook[:-1], "--strict", str(one)]
    a, y, ratio = side_by_side(optioned, [*ylint, str(one)], root, pairs=11)
    print(f"1 spec (30 steps), with an option (lint --strict), CPU: agentlint "
          f"{a * 1000:.0f} ms, yamllint {y * 1000:.0f} ms, ratio {ratio:.2f}")
    ia = instructions(hook, root)
    iy = instructions([*ylint, str(one)], root)
    ip = instructions([python, "-c", "pass"], root)
    io = instructions(optioned, root)
    if ia and iy and ip and io:
        print(f"1 spec (30 steps), fresh process, instructions: agentlint {ia / 1e6:.0f}M, "
              f"yamllint {iy / 1e6:.0f}M, python -c pass {ip / 1e6:.0f}M, "
              f"ratio {ia / iy:.3f} (target <= 0.6), {ia / ip:.2f}x python -c pass; "
              f"with an option {io / 1e6:.0f}M, ratio {io / iy:.3f}")
    else:
        print("instructions: not measured (no valgrind)")


def main() -> None:
    agentlint = [sys.executable, "-m", "agentlint", "lint", "--exit-zero"]
    yamllint = script("yamllint")
    if yamllint is None:
        raise SystemExit("yamllint is not installed: pip install yamllint")
    ylint = [yamllint, "-d", "relaxed"]
    compile_package()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as envs:
        root = Path(tmp)
        (root / ".git").mkdir()
        one = root / "one.yaml"
        one.write_text(spec_text(30), encoding="utf-8")
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        startup(root, one, yamllint, Path(envs))
        if "--startup" in sys.argv[1:]:
            return
        many = root / "many"
        many.mkdir()
        for i in range(500):
            (many / f"flow_{i:03d}.yaml").write_text(spec_text(30, seed=i), encoding="utf-8")
        big = root / "big10k.yaml"
        big.write_text(spec_text(10_000), encoding="utf-8")
        bigger = root / "big20k.yaml"
        bigger.write_text(spec_text(20_000), encoding="utf-8")

        a = timed([*agentlint, str(many)], root, repeat=3)
        y = timed([*ylint, str(many)], root, repeat=3)
        print(f"500 specs in one call: agentlint {a:.2f} s, yamllint {y:.2f} s, "
              f"ratio {a / y:.3f} (target <= 0.2, aim 0.1)")
        a10 = timed([*agentlint, str(big)], root, repeat=3)
        a20 = timed([*agentlint, str(bigger)], root, repeat=3)
        y10 = timed([*ylint, str(big)], root, repeat=1)
        print(f"10,000 steps: agentlint {a10:.2f} s (target < 3 s), yamllint {y10:.2f} s, "
              f"ratio {a10 / y10:.2f}")
        print(f"20,000 steps: agentlint {a20:.2f} s; doubling ratio {a20 / a10:.2f} "
              "(target <= 2)")
        help_text = subprocess.run([*agentlint[:-1], "--help"], capture_output=True,
                                   text=True).stdout
        if "--jobs" in help_text:
            j1 = timed([*agentlint, "--jobs", "1", str(many)], root, repeat=3)
            j2 = timed([*agentlint, "--jobs", "2", str(many)], root, repeat=3)
            print(f"500 specs, --jobs 1: {j1:.2f} s, --jobs 2: {j2:.2f} s, "
                  f"speed-up {j1 / j2:.2f}")


if __name__ == "__main__":
    main()
