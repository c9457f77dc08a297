"""The optimizer's JSON report (contract: status, objective, before, after, plan, changes)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentlint.optimizer.run import Result


def render(result: Result) -> str:
    return json.dumps(result.to_json(), indent=2)
