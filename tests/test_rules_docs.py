"""The rule catalogue is well-formed, and docs/rules.md matches the registry.

Regenerate the index after changing a rule's code, name, severity, summary or
options::

    python scripts/gen_rules_doc.py
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from agentlint.lint.registry import FAMILY_PREFIX, SEVERITIES, Rule
from agentlint.lint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_PATH = ROOT / "scripts" / "gen_rules_doc.py"
SECTIONS = ("What it finds", "Why it costs", "Example", "Write instead")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_rules_doc", SCRIPT_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_rules_doc", module)
    spec.loader.exec_module(module)
    return module


gen = _script()


def test_docs_rules_md_matches_the_registry() -> None:
    assert gen.DOC.read_text(encoding="utf-8") == gen.render(), \
        "docs/rules.md is out of date: run `python scripts/gen_rules_doc.py`"


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
    assert names >= gen.CONTRACT
    assert len(all_rules()) >= 25
