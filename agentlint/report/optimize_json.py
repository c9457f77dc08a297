"""The optimizer's JSON report (contract: status, objective, before, after, plan, changes)."""

from __future__ import annotations

import json
from typing import Any


def render(result: Any) -> str:
    return json.dumps(result.to_json(), indent=2)
