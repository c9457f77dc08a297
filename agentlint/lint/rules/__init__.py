"""The rule table: every rule module, in code order (the registry reads it).

A rule is one module, ``agentlint/lint/rules/<family>/<rule_name>.py``: its
docstring is the documentation page; ``CODE``, ``NAME``, ``SEVERITY``,
``SUMMARY`` and (when it has any) ``OPTIONS`` describe it; ``check(ctx)`` reports
its findings with ``ctx.report``. Facts several rules need live in
:mod:`agentlint.lint.facts`; no rule module imports another.

A new rule is one new module and one line in :data:`RULE_MODULES`.
"""

from __future__ import annotations

import functools
from types import ModuleType

from agentlint.lint.registry import Registry, Rule
from agentlint.lint.rules.budgets import (
    over_budget,
)
from agentlint.lint.rules.cost import (
    cache_defeating_prefix,
    cascade_costs_more,
    context_window_overflow,
    debate_without_early_stop,
    fallback_without_retries,
    orchestration_overhead,
    premium_on_trivial_step,
    repeated_context,
    validator_regenerates,
)
from agentlint.lint.rules.latency import (
    deep_chain,
    serial_but_independent,
    straggler,
    unbounded_fan_out,
)
from agentlint.lint.rules.meta import (
    assumed_value,
    unpriced_model,
    unused_suppression,
)
from agentlint.lint.rules.reliability import (
    low_reliability,
    missing_timeout,
    retry_non_idempotent,
    unbounded_loop,
)
from agentlint.lint.rules.security import (
    secret_in_prompt,
    untrusted_in_system_prompt,
    untrusted_to_privileged_tool,
)
from agentlint.lint.rules.structure import (
    dead_after_terminal,
    implicit_context,
    parallel_group_dependency,
    router_context_transformation,
    unreachable_step,
    unused_output,
)

RULE_MODULES: tuple[ModuleType, ...] = (
    unused_output,  # AL001
    unreachable_step,  # AL002
    dead_after_terminal,  # AL003
    parallel_group_dependency,  # AL004
    implicit_context,  # AL005
    router_context_transformation,  # AL006
    serial_but_independent,  # AL101
    deep_chain,  # AL102
    straggler,  # AL103
    unbounded_fan_out,  # AL104
    cache_defeating_prefix,  # AL201
    premium_on_trivial_step,  # AL202
    repeated_context,  # AL203
    debate_without_early_stop,  # AL204
    validator_regenerates,  # AL205
    orchestration_overhead,  # AL206
    context_window_overflow,  # AL207
    fallback_without_retries,  # AL208
    cascade_costs_more,  # AL209
    low_reliability,  # AL301
    unbounded_loop,  # AL302
    retry_non_idempotent,  # AL303
    missing_timeout,  # AL304
    untrusted_in_system_prompt,  # AL401
    untrusted_to_privileged_tool,  # AL402
    secret_in_prompt,  # AL403
    over_budget,  # AL501
    unused_suppression,  # AL901
    assumed_value,  # AL902
    unpriced_model,  # AL903
)


@functools.cache
def default_registry() -> Registry:
    """agentlint's rules, from the rule table."""
    return Registry.from_modules(RULE_MODULES)


def all_rules() -> list[Rule]:
    """Every rule of the default registry, in code order."""
    return default_registry().rules()


def find_rule(name_or_code: str) -> Rule | None:
    """A rule of the default registry by code or name."""
    return default_registry().find(name_or_code)
