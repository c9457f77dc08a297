"""agentlint: static analysis of LLM agent workflows.

The modules a lint runs through do not import ``typing`` at run time (16M of a
one-file lint's instructions): each names ``TYPE_CHECKING = False`` itself and
imports ``Any`` and its kin under ``if TYPE_CHECKING:``, which type checkers read
as true (tests/test_startup.py checks the lint path).
"""

__version__ = "0.1.0"
