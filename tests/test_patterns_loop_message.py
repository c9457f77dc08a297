"""A worker and a critic that feed each other: the load error points to ``loops:``.

Written the way a newcomer first writes it (the worker reads the critic's notes,
the critic reads the worker's draft), the spec has a dependency cycle. The error
must not send the author to ``execution: dag`` (which only moves the error to a
"dependency cycle"); it names the reference to drop and the loop to declare, and
following that advice gives a spec that loads.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import exit_2_one_line, run_process
from tests.support import write

HEAD = """\
agentlint: 1
name: worker-critic
{execution}models:
  gpt-4o-mini: {{}}
inputs:
  brief: {{tokens: 800}}
steps:
  - id: write
    model: gpt-4o-mini
    prompt: |
      Brief: {{{{ inputs.brief }}}}
      Notes on your last draft: {{{{ steps.review.output }}}}
  - id: review
    model: gpt-4o-mini
    prompt: "Review this draft: {{{{ steps.write.output }}}}"
"""

LOOP = """\
loops:
  - id: refine
    steps: [write, review]
    max_iterations: 3
"""


def spec(tmp: Path, text: str) -> Path:
    (tmp / ".git").mkdir(exist_ok=True)
    return write(tmp / "flow.yaml", text)


def lint(tmp: Path) -> str:
    return exit_2_one_line(run_process("lint", "flow.yaml", cwd=tmp), "flow.yaml")


def test_sequential_back_reference_points_to_a_loop(tmp_path: Path) -> None:
    spec(tmp_path, HEAD.format(execution=""))
    line = lint(tmp_path)
    assert line.startswith("flow.yaml:12:36: step 'write' depends on 'review', which is "
                           "listed after it and depends on 'write' in turn; ")
    assert "drop the dependency of 'write' on 'review'" in line
    assert "loops: [{id: rounds, steps: [write, review], max_iterations: 3" in line
    assert "execution: dag" not in line
    assert "..." not in line.split("until: ...", 1)[0]  # no part of it cut


def test_dag_cycle_points_to_a_loop(tmp_path: Path) -> None:
    spec(tmp_path, HEAD.format(execution="execution: dag\n"))
    line = lint(tmp_path)
    assert line.startswith("flow.yaml:13:36: dependency cycle: write -> review -> write "
                           "(each feeds or must precede the next); drop the dependency of "
                           "'write' on 'review' and declare a loop over the steps (loops: ")
    assert "break one of these dependencies" not in line


def test_back_reference_inside_its_loop_names_the_loop(tmp_path: Path) -> None:
    spec(tmp_path, HEAD.format(execution="") + LOOP)
    line = lint(tmp_path)
    assert line.endswith("drop the dependency of 'write' on 'review': loop 'refine' already "
                         "repeats these steps and hands the output of one round to the next")


def test_following_the_advice_loads(tmp_path: Path) -> None:
    text = HEAD.format(execution="").replace(
        "      Notes on your last draft: {{ steps.review.output }}\n", "") + LOOP
    spec(tmp_path, text)
    done = run_process("estimate", "flow.yaml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["calls"] == 6.0  # two model steps, three rounds: the loop is counted


def test_longer_cycle_names_the_whole_run_of_steps(tmp_path: Path) -> None:
    spec(tmp_path, """\
        agentlint: 1
        execution: dag
        models:
          gpt-4o-mini: {}
        steps:
          - id: plan
            model: gpt-4o-mini
            prompt: "Revise the plan after: {{ steps.check.output }}"
          - id: act
            model: gpt-4o-mini
            prompt: "{{ steps.plan.output }}"
          - id: check
            model: gpt-4o-mini
            prompt: "{{ steps.act.output }}"
        """)
    line = lint(tmp_path)
    assert "dependency cycle: plan -> act -> check -> plan" in line
    assert "drop the dependency of 'plan' on 'check'" in line
    assert "steps: [plan, ..., check]" in line


def test_a_forward_reference_without_a_cycle_still_offers_dag(tmp_path: Path) -> None:
    """No cycle: listing the step first, or ``execution: dag``, is the right advice."""
    text = """\
        agentlint: 1
        {execution}models:
          gpt-4o-mini: {{}}
        steps:
          - id: answer
            model: gpt-4o-mini
            prompt: "Answer with the facts: {{{{ steps.facts.output }}}}"
          - id: facts
            model: gpt-4o-mini
            prompt: "List the facts."
        """
    spec(tmp_path, text.format(execution=""))
    line = lint(tmp_path)
    assert line.endswith("in sequential mode list 'facts' first, or use execution: dag")
    spec(tmp_path, text.format(execution="execution: dag\n"))
    assert run_process("lint", "flow.yaml", cwd=tmp_path).returncode == 0


def test_a_step_that_reads_itself_is_one_step_in_rounds(tmp_path: Path) -> None:
    spec(tmp_path, """\
        agentlint: 1
        models:
          gpt-4o-mini: {}
        steps:
          - id: refine
            model: gpt-4o-mini
            prompt: "Improve: {{ steps.refine.output }}"
        """)
    line = lint(tmp_path)
    assert line.startswith("flow.yaml:7:26: step 'refine' reads its own output; to revise "
                           "it in rounds, drop this reference and declare a loop (loops: "
                           "[{id: rounds, steps: [refine], max_iterations: 3, until: ...}])")
