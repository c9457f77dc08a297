"""``--profile``: a profile laid over a native spec, and where each figure came from.

``estimate`` marks every figure as stated, calibrated (with its runs) or
assumed, in text and JSON; a rule resting on assumed success rates says so
and is at most info; ``lint`` and ``optimize`` read the same profile.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import exit_2_one_line, run_process
from tests.support import write

ROOT = Path(__file__).resolve().parent.parent
FANOUT = ROOT / "examples" / "research-fanout.yaml"
PROMPTFLOW = (ROOT / "tests" / "fixtures" / "formats" / "promptflow" /
              "Azure-Samples__contoso-chat" / "contoso-chat" / "flow.dag.yaml")

#: sixteen steps on a model the catalog does not know, its success rate unstated
FLAKY = "agentlint: 1\nname: flaky\nmodels:\n  mine: {per_call_usd: 0.001, per_call_s: 1}\n" \
        "steps:\n" + "".join(f"  - id: s{i}\n    model: mine\n    prompt: hi\n"
                             f"    output_tokens: 10\n" for i in range(16))


def _json(*args: str, cwd: Path | None = None) -> dict[str, object]:
    run = run_process("estimate", *args, "--format", "json", cwd=cwd)
    assert run.returncode in (0, 1), run.stderr
    data = json.loads(run.stdout)
    assert isinstance(data, dict)
    return data


def test_provenance_follows_the_contract_keys_and_says_what_is_assumed(tmp_path: Path
                                                                       ) -> None:
    spec = write(tmp_path / "s.yaml", """
        agentlint: 1
        name: demo
        models:
          mine: {per_call_usd: 0.001, per_call_s: 0.2}
        inputs:
          q: {}
        steps:
          - id: a
            model: gpt-4o-mini
            prompt: "{{ inputs.q }}"
            output_tokens: 100
          - id: b
            model: mine
            prompt: "{{ steps.a.output }}"
        """)
    data = _json(str(spec))
    keys = list(data)
    assert keys[-1] == "provenance" and keys.index("budgets") < keys.index("provenance")
    prov = data["provenance"]
    assert isinstance(prov, dict)
    assert prov["inputs"] == {"q": {"source": "assumed"}}
    assert prov["steps"]["a"]["output_tokens"] == {"source": "stated"}
    assert prov["steps"]["a"]["input_tokens"] == {"source": "assumed"}  # reads q
    assert prov["steps"]["a"]["p_ok"] == {"source": "stated"}  # the catalog's
    assert prov["steps"]["b"]["output_tokens"] == {"source": "assumed"}
    assert prov["steps"]["b"]["p_ok"] == {"source": "assumed"}
    text = run_process("estimate", str(spec)).stdout
    assert "assumed: a.input_tokens, b.output_tokens, b.p_ok, inputs.q" in text
    profile = write(tmp_path / "p.yaml", """
        inputs: {q: 40}
        steps:
          b: {output_tokens: 30, p_ok: 0.97, runs: 250}
        """)
    prov = _json(str(spec), "--profile", str(profile))["provenance"]
    assert isinstance(prov, dict)
    assert prov["inputs"] == {"q": {"source": "stated"}}  # given by hand
    assert prov["steps"]["b"]["p_ok"] == {"source": "calibrated", "runs": 250}
    assert prov["steps"]["a"]["input_tokens"] == {"source": "stated"}
    text = run_process("estimate", str(spec), "--profile", str(profile)).stdout
    assert "figures: 7 stated, 2 calibrated (up to 250 runs), 0 assumed" in text


def test_the_profile_changes_the_estimate(tmp_path: Path) -> None:
    profile = write(tmp_path / "p.yaml", """
        steps:
          synthesise: {output_tokens: 3000, runs: 10}
        """)
    before = _json(str(FANOUT))
    after = _json(str(FANOUT), "--profile", str(profile))
    assert isinstance(after["cost_usd"], float) and isinstance(before["cost_usd"], float)
    # 2,000 more output tokens of claude-sonnet-4-5 at $15 per million
    assert abs(after["cost_usd"] - before["cost_usd"] - 2000 * 15 / 1e6 * 1.01) < 0.002


def test_a_rule_on_assumed_success_rates_is_info_and_says_so(tmp_path: Path) -> None:
    spec = write(tmp_path / "flaky.yaml", FLAKY)
    run = run_process("lint", str(spec), "--select", "AL301", "--format", "concise")
    assert "info AL301" in run.stdout or ": info " in run.stdout, run.stdout
    assert "rests on assumed figures: success per call of `s0` assumed" in run.stdout
    profile = write(tmp_path / "p.yaml", "steps:\n" + "".join(
        f"  s{i}: {{p_ok: 0.98, runs: 500}}\n" for i in range(16)))
    measured = run_process("lint", str(spec), "--select", "AL301", "--format", "concise",
                           "--profile", str(profile))
    assert "warning AL301" in measured.stdout and "rests on" not in measured.stdout, measured.stdout
    assert measured.returncode == 0


def test_optimize_plans_and_rechecks_on_the_profile(tmp_path: Path) -> None:
    profile = write(tmp_path / "p.yaml", """
        steps:
          research_news: {input_tokens: 5000, runs: 100}
        """)
    est = _json(str(FANOUT), "--profile", str(profile))
    run = run_process("optimize", str(FANOUT), "--format", "json", "--profile", str(profile))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["before"]["cost_usd"] == est["cost_usd"]
    # the plan only regroups researchers: the cost stays the calibrated one
    assert abs(data["after"]["cost_usd"] - data["before"]["cost_usd"]) < 1e-9


def test_a_bad_profile_or_a_foreign_workflow_stops_the_run(tmp_path: Path) -> None:
    profile = write(tmp_path / "p.yaml", "steps:\n  nope: {runs: 3}\n")
    run = run_process("estimate", str(FANOUT), "--profile", str(profile))
    assert "no step 'nope'" in exit_2_one_line(run, str(profile))
    bad = write(tmp_path / "bad.yaml", "steps:\n  plan: {p_ok: 2}\n")
    assert "p_ok" in exit_2_one_line(run_process("estimate", str(FANOUT), "--profile",
                                                 str(bad)), str(bad))
    ok = write(tmp_path / "ok.yaml", "steps: {}\n")
    foreign = run_process("estimate", str(PROMPTFLOW), "--profile", str(ok))
    assert "agentlint.profile.yaml beside it" in exit_2_one_line(foreign)
