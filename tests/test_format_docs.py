"""docs/format.md explains every step kind with a spec that loads, and every pattern
with an example that exists.

The step-kind specs are linted as written: each yields exactly the findings the
``<!-- findings: CODE ... -->`` comment before it names (none without one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, exit_2_one_line, run_process
from tests.rule_fixtures import findings_of

FORMAT = ROOT / "docs" / "format.md"
TEXT = FORMAT.read_text(encoding="utf-8")
SCHEMA = json.loads((ROOT / "agentlint" / "schemas" / "workflow-v1.schema.json")
                    .read_text(encoding="utf-8"))
_BLOCK = re.compile(r"(?:<!-- findings: (?P<codes>[A-Z0-9 ]+) -->\n)?```yaml\n(?P<body>.*?)```",
                    re.S)


def section(title: str) -> str:
    """The text of the ``## title`` section, up to the next ``## `` heading."""
    start = TEXT.index(f"\n## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start:end if end != -1 else len(TEXT)]


def kinds() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            kind = node.get("kind")
            if isinstance(kind, dict) and "enum" in kind:
                found.extend(kind["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMA)
    return sorted(set(found))


def kind_specs() -> list[tuple[str, set[str], str]]:
    """(the ``### kind`` heading it sits under, expected codes, spec) of each full spec."""
    text = section("Step kinds")
    out = []
    for m in _BLOCK.finditer(text):
        if not m["body"].startswith("agentlint: 1\n"):
            continue
        heading = text.rfind("\n### ", 0, m.start())
        title = text[heading + 5:text.index("\n", heading + 1)]
        out.append((title, set((m["codes"] or "").split()), m["body"]))
    return out


def test_the_schema_kinds_are_the_documented_ones() -> None:
    assert kinds() == ["aggregate", "human", "llm", "orchestrator", "router", "tool",
                       "validator"]


@pytest.mark.parametrize("kind", kinds())
def test_every_kind_has_a_section_with_a_spec_of_that_kind(kind: str) -> None:
    specs = [body for title, _, body in kind_specs() if title.startswith(f"{kind}: ")]
    assert len(specs) == 1, f"no '### {kind}: ...' section with a spec"
    if kind != "llm":
        assert f"kind: {kind}" in specs[0]
    assert f"`{kind}`" in section("Step kinds").split("\n### ")[0]  # in the overview table


@pytest.mark.parametrize("title,codes,body", kind_specs(), ids=[t for t, _, _ in kind_specs()])
def test_kind_spec_loads_with_the_findings_it_promises(tmp_path: Path, title: str,
                                                       codes: set[str], body: str) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "spec.yaml"
    path.write_text(body, encoding="utf-8")
    scored = {f.code for f in findings_of(path) if f.severity != "info"}
    assert scored == codes, title


def test_a_promised_finding_is_what_lint_prints(tmp_path: Path) -> None:
    """The orchestrator spec, as a real process: exit 0 (a warning), AL206 at `kind:`."""
    (tmp_path / ".git").mkdir()
    body = next(b for t, _, b in kind_specs() if t.startswith("orchestrator: "))
    (tmp_path / "spec.yaml").write_text(body, encoding="utf-8")
    done = run_process("lint", "spec.yaml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert [(f["code"], f["line"]) for f in found] == [
        ("AL206", body.splitlines().index("    kind: orchestrator") + 1)]


def test_every_pattern_names_examples_that_exist_and_are_listed() -> None:
    text = section("Patterns")
    table = [line for line in text.splitlines() if line.startswith("| [")]
    assert len(table) >= 9
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    # GitHub's anchors: lower case, punctuation but hyphens dropped, spaces as hyphens
    slugs = {re.sub(r"[^\w -]", "", h.lower()).replace(" ", "-")
             for h in re.findall(r"(?m)^### (.+)$", text)}
    for row in table:
        anchor = re.search(r"\]\(#([a-z-]+)\)", row)
        assert anchor is not None, row
        assert anchor[1] in slugs, anchor[1]
        names = re.findall(r"`([a-z-]+\.yaml)`", row)
        assert names, row
        for name in names:
            assert (EXAMPLES / name).is_file(), name
            assert f"[{name}]({name})" in readme, name


@pytest.mark.parametrize("heading", ["Worker-critic loop", "Validator gate",
                                     "Single-model pipeline",
                                     "Asynchronous hand-off to a human"])
def test_each_new_pattern_shows_its_example_as_a_console_sample(heading: str) -> None:
    start = TEXT.index(f"\n### {heading}\n")
    end = TEXT.find("\n### ", start + 1)
    body = TEXT[start:end if end != -1 else len(TEXT)]
    assert re.search(r"```console\n\$ agentlint (estimate|lint) examples/[a-z-]+\.yaml\n",
                     body), heading


def test_the_first_try_at_a_worker_critic_loop_is_refused_towards_loops(
        tmp_path: Path) -> None:
    start = TEXT.index("# flow.yaml: a first try")
    first = TEXT[start:TEXT.index("```", start)]
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.yaml").write_text(first, encoding="utf-8")
    line = exit_2_one_line(run_process("lint", "flow.yaml", cwd=tmp_path), "flow.yaml")
    assert "declare a loop over the steps (loops: [{id: rounds, steps: [write, review]" in line
    # the doc's fix: drop the reference and add the loop it shows; the spec then loads
    loop = section("Patterns")
    snippet = loop[loop.index("loops:\n  - id: rounds"):]
    snippet = snippet[:snippet.index("```")]
    fixed = first.replace("      Notes on your last draft: {{ steps.review.output }}\n", "")
    (tmp_path / "flow.yaml").write_text(fixed + snippet, encoding="utf-8")
    done = run_process("lint", "flow.yaml", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
