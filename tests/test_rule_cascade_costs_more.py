"""AL209 cascade-costs-more: figures by hand, the estimate's own difference, and agreement
with the optimizer (a cascade it proposes never fires the rule)."""

from __future__ import annotations

import json
from pathlib import Path

from agentlint.graph.estimate import estimate
from agentlint.spec.load import load_workflow
from tests.conftest import EXAMPLES, run_process

SPEC = """\
agentlint: 1
name: cascade
models:
  cheap: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 0.9}
  big: {per_call_usd: 0.01, per_call_s: 4.0, p_ok: 0.99}
steps:
  - id: answer
    model: big
    cascade:
      - {model: cheap, accept: ACCEPT, check_usd: CHECK}
    prompt: Answer.
"""


def _lint(tmp_path: Path, accept: float, check: float) -> list[dict[str, object]]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    text = SPEC.replace("ACCEPT", str(accept)).replace("CHECK", str(check))
    (tmp_path / "flow.yaml").write_text(text, encoding="utf-8")
    proc = run_process("lint", "flow.yaml", "--select", "AL209", "--format", "json",
                       cwd=tmp_path)
    found: list[dict[str, object]] = json.loads(proc.stdout)
    return found


def test_break_even_by_hand(tmp_path: Path) -> None:
    # a* = (C1 + P1 u) / (P1 C2) = (0.001 + 0.9 * 0.0002) / (0.9 * 0.01) = 0.1311...
    (finding,) = _lint(tmp_path, 0.1, 0.0002)
    message = str(finding["message"])
    assert "at accept 0.1, under its break-even rate of 13 %" in message
    # what the stage adds: C1 + P1 u - P1 a C2 = 0.00118 - 0.0009
    assert "$0.00028 per run more than without it" in message
    assert finding["line"] == 10 and finding["severity"] == "warning"  # the stage's line
    assert len(_lint(tmp_path, 0.13, 0.0002)) == 1  # just under break-even
    assert _lint(tmp_path, 0.14, 0.0002) == []  # just above it: the stage pays


def test_the_extra_cost_is_the_estimates_difference(tmp_path: Path) -> None:
    (finding,) = _lint(tmp_path, 0.05, 0.0)
    text = (tmp_path / "flow.yaml").read_text(encoding="utf-8")
    with_stage = estimate(load_workflow(str(tmp_path / "flow.yaml"))).cost_usd
    plain = text.split("    cascade:\n")[0] + "    prompt: Answer.\n"
    (tmp_path / "plain.yaml").write_text(plain, encoding="utf-8")
    without = estimate(load_workflow(str(tmp_path / "plain.yaml"))).cost_usd
    assert with_stage - without > 0
    from agentlint.units import usd

    assert f"{usd(with_stage - without)} per run more than without it" in str(
        finding["message"])


def test_no_acceptance_rate_pays_for_a_check_as_dear_as_the_escalation(tmp_path: Path) -> None:
    (finding,) = _lint(tmp_path, 0.9, 0.01)
    message = str(finding["message"])
    assert "no acceptance rate pays" in message
    # the dearest check that pays at accept 0.9: (0.9 * 0.9 * 0.01 - 0.001) / 0.9
    assert "use a check under $0.007889 an answer" in message


def test_a_cascade_the_optimizer_proposes_passes(tmp_path: Path) -> None:
    text = (EXAMPLES / "support-triage.yaml").read_text(encoding="utf-8")
    tech = "    calls: 2                        # status page and knowledge base, then the draft\n"
    text = text.replace(tech, tech + "    may_cascade: {models: [mid], accept: 0.6, "
                        "check_usd: 0.0005, check_s: 0.8}\n", 1)
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.yaml").write_text(text, encoding="utf-8")
    wrote = run_process("optimize", "flow.yaml", "--objective", "cost", "--write", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    assert "cascade: [{model: mid" in (tmp_path / "flow.yaml").read_text(encoding="utf-8")
    lint = run_process("lint", "flow.yaml", "--select", "AL209", "--format", "json",
                       cwd=tmp_path)
    assert json.loads(lint.stdout) == []
