"""``agentlint server``: a real Language Server Protocol session over stdio.

The client here is written by hand (JSON-RPC with ``Content-Length`` framing), so
the test checks what goes over the wire and not what a client library makes of
it. One session drives the server through initialize, didOpen of a broken and a
clean spec, didChange, codeAction, hover, shutdown and exit, with a deadline on
every wait.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agentlint.lint.fix import Fix as LintFix
from agentlint.server import Pos, Positions, fix_of, from_unit, to_unit
from agentlint.spec.edit import TextEdit
from tests.support import SPEC

needs_pygls = pytest.mark.skipif(importlib.util.find_spec("pygls") is None,
                                 reason="the optional pygls is not installed")

DEADLINE = 30.0  # seconds for any one answer (a busy machine lints slowly)

#: an unknown step in a placeholder (a load error), after a character outside the BMP:
#: agentlint's column 19 (1-based code points) is LSP character 19 (0-based UTF-16 units,
#: the emoji is two)
BROKEN = SPEC.replace('"{{ steps.first.output }}"', '"😀 {{ steps.nope.output }}"')
#: loads, but its suppression comment silences nothing (AL901, a fix of its own)
SUPPRESSED = SPEC.replace("  - id: first\n", "  - id: first  # agentlint: disable=AL201\n")


class Client:
    """A minimal LSP client over a subprocess's pipes."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        self.proc = subprocess.Popen([sys.executable, "-m", "agentlint", "server"], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.next_id = 0
        self.seen: list[dict[str, Any]] = []
        self.unclaimed: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                raw = out.readline()
                if not raw:
                    self.inbox.put(None)
                    return
                line = raw.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body.decode("utf-8")))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        answer = self.wait(lambda m: m.get("id") == ident and "method" not in m)
        assert "error" not in answer, answer
        return answer.get("result")

    def wait(self, wanted: Any) -> dict[str, Any]:
        """The first message ``wanted`` accepts, in the order they came; a message no
        wait has taken yet is kept for the next (notifications of two documents may
        come in either order)."""
        for i, message in enumerate(self.unclaimed):
            if wanted(message):
                return self.unclaimed.pop(i)
        end = time.monotonic() + DEADLINE
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no answer in {DEADLINE} s; seen: {self.seen[-5:]}")
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError("the server closed its output: "
                                     + self.stderr_text())
            self.seen.append(message)
            if "method" in message and "id" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})
                continue
            if wanted(message):
                return message
            self.unclaimed.append(message)

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict[str, Any]]:
        def match(m: dict[str, Any]) -> bool:
            return (m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri
                    and (version is None or m["params"].get("version") == version))

        return list(self.wait(match)["params"]["diagnostics"])

    def stderr_text(self) -> str:
        self.proc.kill()
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode("utf-8", "replace")[-2000:]


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """LSP text edits applied as an editor does (positions in UTF-16 units, lines split at
    LF), written here apart from the server's own conversion."""

    def offset(pos: dict[str, int]) -> int:
        lines = text.split("\n")
        at = sum(len(x) + 1 for x in lines[:pos["line"]])
        units = 0
        for i, ch in enumerate(lines[pos["line"]] if pos["line"] < len(lines) else ""):
            if units >= pos["character"]:
                return at + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return at + len(lines[pos["line"]]) if pos["line"] < len(lines) else len(text)

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"])
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def test_positions_count_utf16_units() -> None:
    line = '    prompt: "😀 {{ steps.nope.output }}"'
    col = line.index("steps") + 1  # agentlint's 1-based column, in code points
    assert col == 19
    assert to_unit(line, col) == 19  # the emoji is two UTF-16 units: 18 code points + 1
    assert to_unit(line, col, "utf-8") == 21  # and four UTF-8 bytes
    assert to_unit(line, col, "utf-32") == 18
    assert from_unit(line, 19) == 18
    assert from_unit(line, 21, "utf-8") == 18
    assert from_unit(line, 13) == 13 and from_unit(line, 15) == 14  # before and after it


@needs_pygls
def test_a_session_over_stdio(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    broken, clean = tmp_path / "broken.yaml", tmp_path / "clean.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    clean.write_text(SPEC, encoding="utf-8")
    broken_uri, clean_uri = broken.as_uri(), clean.as_uri()
    client = Client(tmp_path)
    try:
        init = client.request("initialize", {
            "processId": os.getpid(), "rootUri": tmp_path.as_uri(),
            "capabilities": {"general": {"positionEncodings": ["utf-16"]},
                             "textDocument": {"codeAction": {"codeActionLiteralSupport": {
                                 "codeActionKind": {"valueSet": ["quickfix"]}}}}}})
        caps = init["capabilities"]
        assert caps["positionEncoding"] == "utf-16"
        assert caps["hoverProvider"]
        assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix",
                                                                "source.fixAll.agentlint"]
        assert init["serverInfo"]["name"] == "agentlint"
        client.notify("initialized", {})

        # the broken spec: one diagnostic, the load error, at its line and column
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": broken_uri, "languageId": "yaml", "version": 1, "text": BROKEN}})
        found = client.diagnostics(broken_uri, 1)
        assert [d["code"] for d in found] == ["AL000"]
        assert found[0]["severity"] == 1
        assert "unknown step 'nope'" in found[0]["message"]
        assert found[0]["range"]["start"] == {"line": 10, "character": 19}
        assert found[0]["range"]["end"] == {"line": 10, "character": 19 + len("steps.nope.output")}

        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": clean_uri, "languageId": "yaml", "version": 1, "text": SPEC}})
        assert client.diagnostics(clean_uri, 1) == []

        # the unsaved text is what is linted (the file on disk is still broken), once
        # for a burst of changes: versions 2 and 3 are never published
        change = SUPPRESSED
        for version, text in ((2, BROKEN + "\n"), (3, BROKEN + "\n\n"), (4, change)):
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": broken_uri, "version": version},
                "contentChanges": [{"text": text}]})
        found = client.diagnostics(broken_uri, 4)
        assert not [m for m in client.seen if m.get("method") ==
                    "textDocument/publishDiagnostics" and m["params"].get("version") in (2, 3)]
        assert [d["code"] for d in found] == ["AL901"]
        assert found[0]["severity"] == 2
        assert found[0]["range"]["start"] == {"line": 5, "character": 15}

        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": broken_uri}, "range": found[0]["range"],
            "context": {"diagnostics": found}})
        assert [a["kind"] for a in actions] == ["source.fixAll.agentlint", "quickfix"]
        assert actions[0]["edit"] == actions[1]["edit"]  # the one safe fix there is
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": broken_uri}, "range": found[0]["range"],
            "context": {"diagnostics": found, "only": ["quickfix"]}})
        assert len(actions) == 1
        action = actions[0]
        assert action["kind"] == "quickfix"
        assert action["isPreferred"] is True
        assert action["diagnostics"][0]["code"] == "AL901"
        edits = action["edit"]["changes"][broken_uri]
        assert edits and all(e["range"]["start"]["line"] == 5 for e in edits)
        fixed = apply_edits(change, edits)
        assert fixed == SPEC  # the comment gone, the rest as it was

        # the edits sent back as the editor applies them: the diagnostics are cleared
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": broken_uri, "version": 5},
            "contentChanges": [{"range": e["range"], "text": e["newText"]}
                               for e in sorted(edits, key=lambda e: (
                                   e["range"]["start"]["line"],
                                   e["range"]["start"]["character"]), reverse=True)]})
        assert client.diagnostics(broken_uri, 5) == []

        # hover on a step id (its figures) and on a rule code (its summary and page)
        shown = client.request("textDocument/hover", {
            "textDocument": {"uri": clean_uri}, "position": {"line": 8, "character": 11}})
        value = shown["contents"]["value"]
        assert "step `second`" in value
        assert "cost: $0.001 per run, 50.00 % of the workflow's $0.002" in value
        assert "latency: 0.20 s" in value
        assert "success share: 99.00 % of the runs" in value
        assert client.request("textDocument/hover", {
            "textDocument": {"uri": clean_uri},
            "position": {"line": 1, "character": 0}}) is None  # "name": no step, no rule

        client.notify("textDocument/didChange", {
            "textDocument": {"uri": clean_uri, "version": 2},
            "contentChanges": [{"text": SPEC + "# agentlint: disable-file=AL201\n"}]})
        assert [d["code"] for d in client.diagnostics(clean_uri, 2)] == ["AL901"]
        shown = client.request("textDocument/hover", {
            "textDocument": {"uri": clean_uri}, "position": {"line": 11, "character": 28}})
        value = shown["contents"]["value"]
        assert "AL201" in value and "cache-defeating-prefix" in value
        assert "docs/rules.md#cost-al2xx" in value

        # a configuration saved beside them: every open document is linted again
        config = tmp_path / ".agentlint.yaml"
        config.write_text("ignore: [unused-suppression]\n", encoding="utf-8")
        client.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
        assert client.diagnostics(clean_uri, 2) == []
        assert client.diagnostics(broken_uri, 5) == []  # linted again too

        # closing a document clears its diagnostics; saving another no longer lints it
        client.notify("textDocument/didClose", {"textDocument": {"uri": broken_uri}})
        assert client.diagnostics(broken_uri) == []
        mark = len(client.seen)
        client.notify("textDocument/didSave", {"textDocument": {"uri": clean_uri}})
        assert client.diagnostics(clean_uri, 2) == []
        time.sleep(0.6)  # past the debounce: a lint of the closed document would be out
        assert client.request("shutdown", None) is None
        assert not [m for m in client.seen[mark:] if m.get("method") ==
                    "textDocument/publishDiagnostics" and m["params"]["uri"] == broken_uri]
        client.notify("exit", None)
        assert client.proc.wait(timeout=DEADLINE) == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait()


def test_a_finding_s_fix_becomes_offsets_into_the_text() -> None:
    """A fix carried by the finding (line, column in code points) becomes this module's
    edit, as offsets into the text."""
    text = "abc\nd😀fghij\n"
    finding = SimpleNamespace(fix=LintFix("Rename", "unsafe",
                                          (TextEdit((2, 2), (2, 6), "XY"),)))
    fix = fix_of(finding, text)
    assert fix is not None
    assert (fix.title, fix.safe) == ("Rename", False)
    (edit,) = fix.edits
    assert text[:edit.start] + edit.new_text + text[edit.end:] == "abc\ndXYij\n"
    places = Positions(text)
    assert (places.lsp(edit.start), places.lsp(edit.end)) == (Pos(1, 1), Pos(1, 6))


def test_a_fix_with_line_and_column_edits_as_the_spec_editor_numbers_them() -> None:
    """Edits given as 1-based (line, column) pairs, the spec editor's (lines as
    ``str.splitlines`` splits them), a line past the last being the end of the text."""
    text = "a😀\nb # x\nc\n"
    finding = SimpleNamespace(fix=LintFix("drop", "safe", (
        TextEdit((2, 1), (3, 1), "b2\n"), TextEdit((3, 1), (4, 1), ""))))
    fix = fix_of(finding, text)
    assert fix is not None and fix.safe  # from the fix's applicability
    out = text
    for e in sorted(fix.edits, key=lambda e: -e.start):
        out = out[:e.start] + e.new_text + out[e.end:]
    assert out == "a😀\nb2\n"
    places = Positions(text)
    assert [(places.lsp(e.start), places.lsp(e.end)) for e in fix.edits] == [
        (Pos(1, 0), Pos(2, 0)), (Pos(2, 0), Pos(3, 0))]


def test_lines_are_counted_as_yaml_counts_them() -> None:
    """agentlint's line numbers count NEL, LS and PS as YAML does; LSP counts only CR
    and LF: a finding after an LS in a comment is one LSP line higher."""
    text = "a: 1  # x\u2028y\nb: 2\r\nc: 3\n"
    places = Positions(text)
    assert places.at(3, 1) == Pos(1, 0)  # agentlint's line 3 ("b: 2") is LSP's line 1
    assert places.at(4, 4) == Pos(2, 3)
    assert places.token(4, 1) == (Pos(2, 0), Pos(2, 2))  # "c:", not past the line
    assert places.at(2, 99) == Pos(0, 11)  # clamped to the end of its line


def test_without_pygls_one_line_and_exit_2(tmp_path: Path) -> None:
    """pygls is optional: without it the command says how to install it."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pygls', 'lsprotocol'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, _Block())\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    done = subprocess.run([sys.executable, "-m", "agentlint", "server"], env=env,
                          capture_output=True, text=True, timeout=60, input="")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "pip install 'agentlint-workflows[server]'" in lines[0]


def test_lint_never_imports_pygls(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(SPEC, encoding="utf-8")
    code = ("import atexit, json, sys, runpy\n"
            "atexit.register(lambda: sys.stderr.write(json.dumps(sorted(sys.modules))))\n"
            f"sys.argv = ['agentlint', 'lint', {str(path)!r}]\n"
            "runpy.run_module('agentlint', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stderr)
    assert "agentlint.lint.engine" in loaded  # the list is the lint's
    assert [m for m in loaded if m == "agentlint.server"
            or m.split(".")[0] in ("pygls", "lsprotocol", "cattrs")] == []


@needs_pygls
def test_the_server_ends_when_its_input_closes(tmp_path: Path) -> None:
    """An editor that dies without 'exit' leaves no server behind."""
    done = subprocess.run([sys.executable, "-m", "agentlint", "server"], cwd=tmp_path,
                          input=b"", capture_output=True, timeout=DEADLINE)
    assert done.returncode == 0
    assert done.stdout == b""


def test_an_unused_suppression_alone_on_its_line_is_removed_with_its_line(
        tmp_path: Path) -> None:
    from agentlint.server import diagnostics

    (tmp_path / ".git").mkdir()
    text = SPEC.replace("  - id: second\n", "  # agentlint: disable=AL201 -- why\n"
                        "  - id: second\n")
    (found,) = diagnostics(text, str(tmp_path / "flow.yaml"))
    assert found.code == "AL901" and found.start == Pos(8, 2)
    fix = fix_of(found.finding, text)
    assert fix is not None and fix.safe
    (edit,) = fix.edits
    assert text[:edit.start] + edit.new_text + text[edit.end:] == SPEC


def test_fix_all_takes_the_safe_fixes_that_do_not_overlap() -> None:
    from agentlint.server import Diagnostic, safe_edits

    def finding(start: int, end: int, safe: bool) -> Any:
        """A finding whose fix replaces offsets ``start``..``end`` of the one-line text."""
        edit = TextEdit((1, start + 1), (1, end + 1), "_")
        return SimpleNamespace(fix=LintFix("t", "safe" if safe else "unsafe", (edit,)))

    text = "0123456789"
    found = [Diagnostic(Pos(0, 0), Pos(0, 1), 2, "AL1", "m", f)
             for f in (finding(6, 8, True), finding(1, 3, True), finding(2, 4, True),
                       finding(8, 9, False), finding(9, 10, True))]
    assert [(e.start, e.end) for e in safe_edits(found, text)] == [(1, 3), (6, 8), (9, 10)]


def test_a_broken_configuration_is_one_diagnostic_at_the_top(tmp_path: Path) -> None:
    from agentlint.server import diagnostics

    (tmp_path / ".git").mkdir()
    (tmp_path / ".agentlint.yaml").write_text("ignore: [AL201\n", encoding="utf-8")
    (found,) = diagnostics(SUPPRESSED, str(tmp_path / "flow.yaml"))
    assert (found.code, found.severity, found.start, found.end) == ("AL000", 1, Pos(0, 0),
                                                                   Pos(0, 0))
    assert ".agentlint.yaml:2:1: invalid YAML" in found.message


@needs_pygls
def test_a_client_that_counts_utf8_gets_utf8_positions(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    uri = (tmp_path / "broken.yaml").as_uri()
    client = Client(tmp_path)
    try:
        init = client.request("initialize", {
            "processId": None, "rootUri": tmp_path.as_uri(),
            "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
        assert init["capabilities"]["positionEncoding"] == "utf-8"
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": BROKEN}})
        (found,) = client.diagnostics(uri, 1)
        # "    prompt: \"😀 {{ " is 18 characters, the emoji four bytes of UTF-8
        assert found["range"]["start"] == {"line": 10, "character": 21}
        assert client.request("shutdown", None) is None
        client.notify("exit", None)
        assert client.proc.wait(timeout=DEADLINE) == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait()
