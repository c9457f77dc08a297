"""The rule catalogue is well-formed, and docs/rules.md matches the registry.

Regenerate the index after changing a rule's code, name, severity, summary or
options::

    python -m tests.test_rules_docs
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentlint.lint.registry import SEVERITIES, Rule, all_rules

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"

FAMILY_PREFIX = {"structure": "AL0", "latency": "AL1", "cost": "AL2", "reliability": "AL3",
                 "security": "AL4", "budgets": "AL5", "meta": "AL9"}
FAMILY_TITLE = {"structure": "Structure", "latency": "Latency", "cost": "Cost",
                "reliability": "Reliability", "security": "Security", "budgets": "Budgets",
                "meta": "agentlint itself"}
SECTIONS = ("What it finds", "Why it costs", "Example", "Write instead")
CONTRACT = {"serial-but-independent", "cache-defeating-prefix",
            "router-context-transformation"}

INTRO = """\
# Lint rules

<!-- Generated from the rule registry by `python -m tests.test_rules_docs`;
     tests/test_rules_docs.py fails when this file and the rules disagree. -->

`agentlint lint` checks a workflow against the rules below. Each rule has a
stable code (`AL` and three digits, grouped by family), a kebab-case name, a
default severity and a documentation page: `agentlint rule NAME` (or `CODE`)
prints what it finds, why it costs, an example and what to write instead.
Codes are never reused. Severities and options can be changed per project,
and rules switched off, in the configuration (see
[configuration.md](configuration.md)); a single finding can be silenced with
an inline `# agentlint: disable=NAME` comment.

## Reading a finding

```text
{finding}
```

- **`file:line:col`** points at the most precise place the rule can name:
  the offending key's value (`model:`, `retries:`, a budget), the
  placeholder inside a prompt (`{{ inputs.date }}`), an entry of `needs:`
  or `routes:`, or the `id` of the step the finding is about.
- **`AL101 [serial-but-independent]`** is the code and the rule; either can
  be used to select, ignore or suppress it.
- **The message** says what is wrong and what to do, then what it costs:
  tokens, dollars per run, seconds on the critical path or the end-to-end
  success probability. Figures are expected values per run from the same
  cost model as `agentlint estimate` (route shares, loop rounds, fan-out
  copies and retries included; see [cost-model.md](cost-model.md)), so a
  saving of "15.35 s" is what the estimate's latency drops by once the
  change is made.
- **Severity**: `error` findings fail the run (exit code 1), `warning` and
  `info` findings are reported without failing it unless the configuration
  is `strict`.

The three rules marked *contract* have names the product promises to keep.
"""


def _options(r: Rule) -> str:
    if not r.options:
        return ""
    return ", ".join(f"`{k} = {_toml(v)}`" for k, v in r.options.items())


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _example_finding() -> str:
    """A real finding, so the example in the docs cannot drift from the message."""
    from agentlint.lint.registry import Context, find_rule
    from agentlint.spec.load import load_workflow

    path = DOC.parent.parent / "examples" / "research-fanout.yaml"
    ctx = Context(load_workflow(str(path)))
    ctx.run(find_rule("serial-but-independent"))  # type: ignore[arg-type]
    f = ctx.findings[0]
    return f"examples/research-fanout.yaml:{f.line}:{f.column}: {f.code} [{f.rule}] {f.message}"


def render() -> str:
    rules = all_rules()
    lines = [INTRO.replace("{finding}", _example_finding())]
    for family, title in FAMILY_TITLE.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        lines.append(f"## {title} ({FAMILY_PREFIX[family]}xx)\n")
        lines.append("| code | name | severity | summary | options |")
        lines.append("|---|---|---|---|---|")
        for r in members:
            name = f"`{r.name}`" + (" *(contract)*" if r.name in CONTRACT else "")
            default = "" if r.default_enabled else " (off by default)"
            summary = r.summary.replace("|", "\\|")
            lines.append(f"| {r.code} | {name} | {r.severity}{default} | {summary} | "
                         f"{_options(r)} |")
        lines.append("")
    return "\n".join(lines)


def test_docs_rules_md_matches_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/rules.md is out of date: run `python -m tests.test_rules_docs`"


@pytest.mark.parametrize("r", [r for r in all_rules() if r.family != "meta"],
                         ids=lambda r: r.name)
def test_rule_metadata_and_doc_page(r: Rule) -> None:
    assert r.code.startswith(FAMILY_PREFIX[r.family]) and re.fullmatch(r"AL\d{3}", r.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name)
    assert r.severity in SEVERITIES
    assert r.summary and not r.summary.endswith(".")
    positions = [r.doc.find(f"{title}\n---") for title in SECTIONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), r.name
    assert "```yaml" in r.doc, f"{r.name}: the doc page needs a YAML example"
    for option in r.options:
        assert f"``{option}" in r.doc, f"{r.name}: option {option} is not documented"


def test_contract_rule_names() -> None:
    names = {r.name for r in all_rules()}
    assert names >= CONTRACT
    assert len(all_rules()) >= 25


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
