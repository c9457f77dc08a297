"""``python -m agentlint`` and the ``agentlint`` console script.

:func:`run` switches the cyclic collector off before the command line and the
modules behind it are imported, not after (see :func:`agentlint.cli.entry`):
their import is most of a one-file lint, and the collector's passes over the
objects it creates found nothing to free. The package itself never touches
the collector: a program that imports agentlint keeps its own.
"""

import gc


def run() -> None:
    """The ``agentlint`` command, in a process of its own."""
    gc.disable()
    from agentlint.cli import entry

    entry()


if __name__ == "__main__":
    run()
