"""A cascade in the pictures: the flowchart of ``graph`` and of ``optimize --format markdown``
shows a cascade step's first tries, the model they escalate to and the accept rates."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import EXAMPLES, run_process
from tests.test_optimize_markdown_size import structure_errors

THREE = """\
agentlint: 1
name: cascade
execution: dag
models:
  cheap: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 0.9, tier: 1}
  mid: {per_call_usd: 0.004, per_call_s: 2.0, p_ok: 0.95, tier: 2}
  big: {per_call_usd: 0.01, per_call_s: 4.0, p_ok: 0.99, tier: 3}
steps:
  - id: answer
    model: big
    parallel: both
    cascade:
      - {model: cheap, accept: 0.5}
      - {model: mid, accept: 0.8, check_usd: 0.0002}
    prompt: Answer.
  - id: other
    model: mid
    parallel: both
    prompt: Answer too.
  - id: merge
    model: mid
    prompt: "{{ steps.answer.output }} {{ steps.other.output }}"
"""

#: a Mermaid flowchart line agentlint draws: a node, a subgraph, its end, an edge, a style
_TEXT = r'(?:[^"\[\]{}|<>`]|<br/>)*'  # label text: no markup but Mermaid's line break
_LINE = re.compile(
    rf'\s*(n\d+\["{_TEXT}"\]'
    rf'|subgraph \w+\["{_TEXT}"\]'
    r"|end"
    rf"|n\d+ (-->|-\.->)(\|{_TEXT}\|)? n\d+"
    r"|linkStyle [\d,]+ .+|classDef \w+ .+|class [n\d,]+ \w+)")


def mermaid_errors(block: list[str]) -> list[str]:
    """Lines that are not a drawn element, or an unbalanced subgraph."""
    errors = [line for line in block[1:] if not _LINE.fullmatch(line)]
    depth = 0
    for line in block[1:]:
        depth += line.strip().startswith("subgraph ") - (line.strip() == "end")
        if depth < 0:
            errors.append("an end without its subgraph")
    if depth:
        errors.append(f"{depth} subgraph(s) never closed")
    return errors


def _mermaid_blocks(text: str) -> list[list[str]]:
    return [block.split("\n") for block in re.findall(r"```mermaid\n(.*?)\n```", text, re.S)]


def test_graph_draws_the_chain_and_its_accept_rates(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.yaml").write_text(THREE, encoding="utf-8")
    proc = run_process("graph", "flow.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not mermaid_errors(lines), mermaid_errors(lines)
    # `>` is not Mermaid text: written as its entity code
    assert '    n0["answer<br/>cascade cheap #gt; mid #gt; big<br/>50%, 80% accepted"]' in lines
    assert '    n1["other<br/>mid"]' in lines  # a step without a cascade is drawn as before
    dot = run_process("graph", "flow.yaml", "--format", "dot", cwd=tmp_path)
    assert 'label="answer\\ncascade cheap > mid > big\\n50%, 80% accepted"' in dot.stdout


def test_the_plan_shows_the_cascade_it_proposes(tmp_path: Path) -> None:
    """support-triage with leave to try `mid` in front of the premium tech step: the
    proposed plan's flowchart, pinned."""
    text = (EXAMPLES / "support-triage.yaml").read_text(encoding="utf-8")
    tech = "    calls: 2                        # status page and knowledge base, then the draft\n"
    assert tech in text
    text = text.replace(tech, tech + "    may_cascade: {models: [mid], accept: 0.6, "
                        "check_usd: 0.0005, check_s: 0.8}\n", 1)
    (tmp_path / ".git").mkdir()
    (tmp_path / "support-triage.yaml").write_text(text, encoding="utf-8")
    proc = run_process("optimize", "support-triage.yaml", "--objective", "cost", "--format",
                       "markdown", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not structure_errors(proc.stdout), structure_errors(proc.stdout)
    blocks = _mermaid_blocks(proc.stdout)
    assert len(blocks) == 1 and not mermaid_errors(blocks[0]), blocks
    assert blocks[0] == [
        "flowchart TD",
        '  n0["classify<br/>triage-ft"]',
        '  n1["billing<br/>mid"]',
        '  n2["tech<br/>cascade mid #gt; claude-sonnet-4-5<br/>60% accepted"]',
        '  n3["account<br/>mid"]',
        '  n4["reply<br/>gpt-4o-mini"]',
        "  n0 -->|55%| n1",
        "  n0 -->|30%| n2",
        "  n0 -->|15%| n3",
        "  n1 --> n4",
        "  n2 --> n4",
        "  n3 --> n4",
        "  linkStyle 1,4 stroke:#d33,stroke-width:3px",
        "  classDef critical stroke:#d33,stroke-width:3px",
        "  class n0,n2,n4 critical",
        "  classDef changed fill:#fff3c4",
        "  class n1,n2,n3,n4 changed",
    ]


def test_every_example_still_draws_a_well_formed_flowchart() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        proc = run_process("graph", str(path))
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert not mermaid_errors(lines), (path.name, mermaid_errors(lines))


def test_the_flowchart_reader_sees_what_is_broken() -> None:
    assert mermaid_errors(["flowchart TD", '  n0["a "quoted" b"]'])
    assert mermaid_errors(["flowchart TD", '  n0["a<b>"]'])
    assert mermaid_errors(["flowchart TD", '  subgraph g["x"]', '    n0["a"]'])
    assert not mermaid_errors(["flowchart TD", '  subgraph g["x"]', '    n0["a<br/>b"]', "  end"])
