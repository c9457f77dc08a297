"""``python -m agentlint`` and the ``agentlint`` console script.

:func:`run` switches the cyclic collector off before the command line and the
modules behind it are imported, not after (see :func:`agentlint.cli.entry`):
their import is most of a one-file lint, and the collector's passes over the
objects it creates found nothing to free. The package itself never touches
the collector: a program that imports agentlint keeps its own.

``agentlint lint PATH...`` with no option, a pre-commit hook's call, runs
without click (:func:`agentlint.command.lint_plain`): the parser's import and
the command line's construction were a sixth of a one-file lint. Any option,
``--help``, ``-`` (standard input) or an empty argument takes the full command
line, as does Windows, where click expands wildcards in the arguments.

When the command is done, the process ends without the interpreter's
finalization: the exit handlers run and the output is flushed, then
``os._exit`` skips the collection and the freeing of every object, which
cost a one-file lint 28M of its 490M instructions and grow with the spec.
"""

import gc
import os
import sys


def run() -> None:
    """The ``agentlint`` command, in a process of its own."""
    gc.disable()
    try:
        if plain_lint(sys.argv[1:]):
            from agentlint.command import lint_plain

            lint_plain(sys.argv[2:])
        from agentlint.cli import entry

        entry()
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise  # a message: the interpreter prints it and exits 1
        _exit(done.code or 0)


def plain_lint(args: list[str]) -> bool:
    """True when ``args`` are ``lint`` and paths alone: nothing for a parser to read."""
    return (len(args) > 1 and args[0] == "lint" and os.name == "posix"
            and all(arg and not arg.startswith("-") for arg in args[1:]))


def _exit(code: int) -> None:
    """End the process with ``code`` once what it wrote is out; when a stream cannot
    be flushed (a closed pipe), leave to the interpreter's usual exit."""
    import atexit

    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code)


if __name__ == "__main__":
    run()
