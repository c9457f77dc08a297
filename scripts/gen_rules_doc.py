#!/usr/bin/env python3
"""Write docs/rules.md, the rule index, from the rule registry.

Usage::

    python scripts/gen_rules_doc.py          # write docs/rules.md
    python scripts/gen_rules_doc.py --check  # exit 1 when docs/rules.md is out of date

Run it after changing a rule's code, name, severity, summary or options;
tests/test_rules_docs.py fails while the file and the rules disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agentlint.lint.engine import LintResult  # noqa: E402
from agentlint.lint.registry import (  # noqa: E402
    FAMILY_PREFIX,
    FAMILY_TITLE,
    Context,
    Rule,
)
from agentlint.lint.rules import all_rules, find_rule  # noqa: E402
from agentlint.report import text  # noqa: E402
from agentlint.spec.load import load_workflow  # noqa: E402

DOC = ROOT / "docs" / "rules.md"

#: rule names the product promises to keep
CONTRACT = {"serial-but-independent", "cache-defeating-prefix",
            "router-context-transformation"}

INTRO = """\
# Lint rules

<!-- Generated from the rule registry by `python scripts/gen_rules_doc.py`;
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
- **`warning`** is the finding's severity, written as a word on every line
  of the text formats (`text`, `concise`, the pre-commit hook's output), so
  it reads without colour (`NO_COLOR`) too.
- **`AL101 [serial-but-independent]`** is the code and the rule; either can
  be used to select, ignore or suppress it.
- **The headline** on the finding's line says what is wrong; under the
  source, `= note:` lines give the figures and `= help:` what to write
  instead, as ruff prints its diagnostics (a message of 100 characters or
  fewer stays on one line). `--format concise` keeps the whole message on
  one line; `--format json` has it whole in `message` and in parts in
  `summary`, `notes` and `help`.
- **The message** says what is wrong and what to do, then what it costs:
  tokens, dollars per run, seconds on the critical path or the end-to-end
  success probability. Figures are expected values per run from the same
  cost model as `agentlint estimate` (route shares, loop rounds, fan-out
  copies and retries included; see [cost-model.md](cost-model.md)), so a
  saving of "15.35 s" is what the estimate's latency drops by once the
  change is made. A saving on one route of a router is given for the runs
  that take that route, with their share of runs; the critical path named
  is the slowest route one run can take, never two alternatives of a
  router.
- **Assumed figures**: a verdict that rests on figures agentlint assumed
  (an input without `tokens`, a step without `output_tokens`, a model's
  success per call nobody stated, a router's even shares, a loop's assumed
  rounds, a default a reader of another format filled in) is reported as
  `info` at most, and the message ends with the assumed figures; state them
  (or calibrate them from traces, [calibrate.md](calibrate.md)) to confirm
  it. `agentlint estimate` marks every figure stated, calibrated or assumed.
- **Other formats**: on a workflow read from promptflow, Dify, Google ADK or
  CrewAI, the fix is said in that format's keys, with the file and line
  where the edit goes: a node's `inputs`, a Dify node's variable selector
  or edges, an ADK `ParallelAgent`, `include_contents: none` and
  `output_key`, a CrewAI task's `async_execution` and `context` (words a
  format's reader supplies; a native spec keeps agentlint's own keys).
- **Severity**: `error` findings fail the run (exit code 1), `warning` and
  `info` findings are reported without failing it unless the configuration
  is `strict`.

## A spec that cannot be read: AL000 `load-error`

A file that cannot be read, decoded, parsed or validated is reported as the
finding `AL000 [load-error]`, at error level, at the line and column of the
problem, in every output format (a text line with the source under it, a
GitHub `::error` annotation, a SARIF result and tool execution notification,
a JSON object, a GitLab Code Quality issue, a JUnit failure); the same line
is written to standard error. As ruff does with syntax errors since it
retired E999, AL000 is not a rule of the table below: it cannot be selected
off, ignored, suppressed by a comment or baselined, and the run exits 2 even
with `--exit-zero` (a spec that was not read was not checked). Where ruff
warns that such a setting does nothing, agentlint refuses it: naming AL000
in `select`, `ignore`, `severity` or `per-file-ignores` (or on the command
line) is a configuration error, exit 2. Leave a file out with `exclude`
instead. `agentlint rule AL000` prints its page.

The three rules marked *contract* have names the product promises to keep.
"""


def _options(r: Rule) -> str:
    if not r.options:
        return ""
    # TOML writes these values as JSON does, and `agentlint rule` prints them so
    return ", ".join(f"`{k} = {json.dumps(v)}`" for k, v in r.options.items())


def _example_finding() -> str:
    """A real finding, so the example in the docs cannot drift from the message."""
    path = ROOT / "examples" / "research-fanout.yaml"
    ctx = Context(load_workflow(str(path)))
    ctx.run(find_rule("serial-but-independent"))  # type: ignore[arg-type]
    f = ctx.findings[0]
    f.file = "examples/research-fanout.yaml"
    shown = LintResult(sources={f.file: path.read_text(encoding="utf-8")})
    return text.render([f], shown, summary=False)


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
    lines.append(_fixes(rules))
    return "\n".join(lines)


def _fixes(rules: list[Rule]) -> str:
    """The rules whose findings carry a fix, and what the fix does."""
    out = [
        "## Fixes\n",
        "Findings of these rules carry the exact edit that resolves them, on a native",
        "spec (and, for `unused-suppression`, in every format). `agentlint lint --fix`",
        "applies the *safe* ones, `--unsafe-fixes` the others too, `--diff` prints them;",
        "see [configuration.md](configuration.md#fixes). A finding of another rule,",
        "or one whose edit would not be exact, has no fix and says what to write.\n",
        "| code | name | applicability | the fix |",
        "|---|---|---|---|",
    ]
    for r in rules:
        if r.fix:
            applicability, what = r.fix
            out.append(f"| {r.code} | `{r.name}` | {applicability} | "
                       f"{what.replace('|', chr(92) + '|')} |")
    out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run `python scripts/gen_rules_doc.py`")
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
