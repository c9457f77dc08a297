"""promptflow's own invalid flows are refused as its executor refuses them.

Each fixture is a flow from promptflow's test suite (``wrong_flows/``) that
promptflow will not run: ``lint`` exits 2 with one ``file:line:col: reason``
line naming the place and promptflow's reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.adapters.promptflow_schema import reference
from agentlint.sources import load_any
from tests.conftest import FIXTURES, run_process

REFUSE = FIXTURES / "refuse" / "promptflow"

CASES = [
    ("wrong_node_reference", 24, 11, "${third_node} refers to node 'third_node', which is "
     "not in nodes: (node 'second_node' reads it)"),
    ("node_missing_type_or_source", 9, 3, "Node divide_num has no type"),
    ("outputs_reference_not_valid", 7, 16,
     "output 'content' references non-existent node 'another_stringify_num'"),
    ("invalid_activate_config", 16, 3, "activate config for node divide_num is incorrect"),
    ("node_condition_conflict", 17, 3, "both skip and activate"),
    ("non_aggregation_reference_aggregation", 33, 13,
     "Non-aggregate node 'test_node' cannot reference aggregate node 'calculate_accuracy'"),
    ("tool_type_missing", 9, 3, "Node summarize_text_content has no type"),
    ("outputs_with_invalid_flow_inputs_ref", 10, 16,
     "output 'num' references non-existent flow input 'num11'"),
    ("wrong_api", 30, 8, "The API 'completion_1' is not found"),
]


@pytest.mark.parametrize(("name", "line", "col", "reason"), CASES, ids=[c[0] for c in CASES])
def test_promptflow_refuses_it_and_so_does_lint(name: str, line: int, col: int,
                                                reason: str) -> None:
    proc = run_process("lint", "flow.dag.yaml", cwd=REFUSE / name)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"flow.dag.yaml:{line}:{col}: "), lines[0]
    assert reason in lines[0]


def test_only_a_whole_value_is_a_reference() -> None:
    # promptflow reads ``${...}`` as a reference only when it is the whole value
    assert reference("${inputs.text}") == ("input", "text")
    assert reference("${flow.text}") == ("input", "text")
    assert reference("${node}") == ("node", "node")
    assert reference("${node.output.field}") == ("node", "node")
    assert reference("${inputs.num} > 0") is None
    assert reference("see ${node.output}") is None
    assert reference(3) is None


def test_a_valid_flow_beside_them_is_read(tmp_path: Path) -> None:
    # the same shape with the reference fixed is read: the refusal is the reference's
    text = (REFUSE / "outputs_reference_not_valid" / "flow.dag.yaml").read_text()
    folder = tmp_path
    (folder / ".git").mkdir()
    (folder / "flow.dag.yaml").write_text(
        text.replace("another_stringify_num", "stringify_num"), encoding="utf-8")
    proc = run_process("lint", "flow.dag.yaml", cwd=folder)
    assert proc.returncode in (0, 1), proc.stderr


FLOW = """\
inputs:
  text:
    type: string
outputs:
  out:
    type: string
    reference: ${shout.output}
nodes:
- name: shout
  type: python
  source:
    type: code
    path: shout.py
  inputs:
    text: %s
"""


def test_flow_prefix_names_a_flow_input_as_inputs_does(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.dag.yaml").write_text(FLOW % "${flow.text}", encoding="utf-8")
    wf = load_any(str(tmp_path / "flow.dag.yaml"))
    assert wf is not None and wf.step("shout").input_refs() == ["text"]
    (tmp_path / "flow.dag.yaml").write_text(FLOW % "${flow.txt}", encoding="utf-8")
    proc = run_process("lint", "flow.dag.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("flow.dag.yaml:15:11: ${flow.txt} refers to flow input "
                                  "'txt', which is not declared under inputs:")
