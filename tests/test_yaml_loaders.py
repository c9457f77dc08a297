"""The C loader and the pure-Python fallback give the same data and positions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentlint.spec import yamlload
from agentlint.spec.positions import YMap, YSeq

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def _walk(node, out: list) -> None:
    if isinstance(node, YMap):
        out.append(("map", node.pos, sorted(node.kpos.items()), sorted(node.vpos.items()),
                    sorted((node.raw or {}).items())))
        for v in node.values():
            _walk(v, out)
    elif isinstance(node, YSeq):
        out.append(("seq", node.pos, list(node.ipos), sorted((node.raw or {}).items())))
        for v in node:
            _walk(v, out)
    else:
        out.append(("scalar", node))


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="no libyaml here")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_fallback_matches_c_loader(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast: list = []
    _walk(yamlload.load_text(text, path.name), fast)
    monkeypatch.setattr(yamlload, "_Loader", yaml.SafeLoader)
    slow: list = []
    _walk(yamlload.load_text(text, path.name), slow)
    assert fast == slow


def test_fallback_bounds_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlload, "_Loader", yaml.SafeLoader)
    with pytest.raises(yamlload.SpecError, match="nesting deeper"):
        yamlload.load_text("a: " + "[" * 5000 + "]" * 5000, "deep.yaml")
