"""``python -m agentlint`` and the ``agentlint`` console script.

:func:`run` switches the cyclic collector off before the command line and the
modules behind it are imported, not after (see :func:`agentlint.cli.entry`):
their import is most of a one-file lint, and the collector's passes over the
objects it creates found nothing to free. The package itself never touches
the collector: a program that imports agentlint keeps its own.

When the command is done, the process ends without the interpreter's
finalization: the exit handlers run and the output is flushed, then
``os._exit`` skips the collection and the freeing of every object, which
cost a one-file lint 28M of its 490M instructions and grow with the spec.
"""

import gc


def run() -> None:
    """The ``agentlint`` command, in a process of its own."""
    gc.disable()
    from agentlint.cli import entry

    try:
        entry()
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise  # a message: the interpreter prints it and exits 1
        _exit(done.code or 0)


def _exit(code: int) -> None:
    """End the process with ``code`` once what it wrote is out; when a stream cannot
    be flushed (a closed pipe), leave to the interpreter's usual exit."""
    import atexit
    import os
    import sys

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
