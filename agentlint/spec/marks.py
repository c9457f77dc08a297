"""Which figures of a workflow a profile laid over it gave, and on how many runs each rests.

``agentlint estimate|lint|optimize --profile FILE`` lays a profile over a
native spec (:func:`agentlint.adapters.profile.overlay_workflow`); it records
here, in ``wf.extra``, the figures it set, so an estimate can say where each
came from and a rule whether it rests on an assumption, without loading the
profile reader.
"""

from __future__ import annotations

from agentlint.spec.model import Workflow

#: wf.extra key: step id (``loop:ID``, ``input:NAME``, ``model:NAME``) -> {figure: runs it
#: rests on, 0 for a figure given by hand}
CALIBRATED = "calibrated"


def calibrated_runs(wf: Workflow, key: str, figure: str) -> int | None:
    """Runs the figure ``figure`` of ``key`` rests on when a profile laid over the spec
    gave it (0: given by hand), else None."""
    marks: dict[str, dict[str, int]] = wf.extra.get(CALIBRATED, {})
    return marks.get(key, {}).get(figure)
