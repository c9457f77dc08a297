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


@pytest.mark.parametrize(("style", "depth"), [("flow", 65), ("flow", 200), ("flow", 5000),
                                              ("flow", 20000), ("block", 65), ("block", 1500)])
def test_nesting_message_is_agentlints_on_every_parser(depth: int, style: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml from PyYAML 6.0.4 on stops at its own depth limit in its own words;
    agentlint reports the first level past 64, at the same place, in its own."""
    if style == "flow":
        text = "agentlint: 1\nsteps: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "agentlint: 1\nsteps:\n" + "".join("  " * i + "- \n" for i in range(depth))
    with pytest.raises(yamlload.SpecError) as fast:
        yamlload.load_text(text, "deep.yaml")
    monkeypatch.setattr(yamlload, "_Loader", yaml.SafeLoader)
    with pytest.raises(yamlload.SpecError) as slow:
        yamlload.load_text(text, "deep.yaml")
    for err in (fast.value, slow.value):
        assert err.message.startswith("invalid YAML: nesting deeper than 64 levels")
    assert (fast.value.line, fast.value.col) == (slow.value.line, slow.value.col)


def test_library_depth_error_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the parser's own wording, past its depth limit the words are agentlint's."""
    from yaml.error import Mark

    class Refusing:
        def __init__(self, text: str) -> None:
            self.text = text

        def get_event(self):  # type: ignore[no-untyped-def]
            mark = Mark("deep.yaml", 0, 1, 7, None, None)
            raise yaml.parser.ParserError(None, None, "exceeded maximum nesting depth", mark)

        def dispose(self) -> None:
            pass

    monkeypatch.setattr(yamlload, "_Loader", Refusing)
    with pytest.raises(yamlload.SpecError) as info:
        yamlload.load_text("agentlint: 1\nsteps: [[[]]]\n", "deep.yaml")
    assert info.value.message.startswith("invalid YAML: nesting deeper than 64 levels")
    assert (info.value.line, info.value.col) == (2, 8)


def test_parser_recursion_is_the_nesting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def recurse(self: object, loader: object) -> None:
        raise RecursionError

    monkeypatch.setattr(yamlload._Builder, "build", recurse)
    with pytest.raises(yamlload.SpecError) as info:
        yamlload.load_text("a: 1\n", "deep.yaml")
    assert info.value.message == yamlload.NESTING_MESSAGE
