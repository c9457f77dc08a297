"""``agentlint server``: the Language Server Protocol over standard input and output.

An editor sends the text of an open spec; the server answers with

- diagnostics: the lint path's findings (the same rules, configuration and
  suppressions as ``agentlint lint``) for the document's unsaved text, on open,
  on save and ~300 ms after the last change; a spec that cannot be loaded is one
  diagnostic at the position of its error;
- code actions: a quick fix for each finding that carries one (``isPreferred``
  when the fix is safe, i.e. keeps the workflow's behaviour);
- hover: on a step id, the step's cost, latency and success share from the
  estimate; on a rule code (``AL201``), the rule's summary and a link to its page.

The protocol machinery is pygls (a maintained library for Python language
servers) with the lsprotocol types; both are imported only when the command
runs, so the lint path never loads them. Everything that turns agentlint's
results into protocol terms is a plain function here, without pygls, so it can be
read and tested on its own.

Positions: agentlint counts lines and columns from 1, columns in code points
(characters). LSP counts from 0, and columns in the unit the two sides agreed on
at ``initialize`` (UTF-16 code units unless the client offers another):
:func:`to_unit` and :func:`from_unit` convert, one line at a time.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentlint import escape
from agentlint.errors import SpecError, UsageError
from agentlint.report.load_error import CODE as LOAD_ERROR

#: how long the server waits after a change before linting (a burst of typing is linted once)
DEBOUNCE_S = 0.3
#: where the rule pages live; a rule's family has a heading of its own there
RULES_PAGE = "https://github.com/agentlint/agentlint/blob/main/docs/rules.md"
INSTALL_HINT = "pip install 'agentlint-workflows[server]'"

SEVERITY = {"error": 1, "warning": 2, "info": 3}  # LSP DiagnosticSeverity

#: a word under the cursor: a step id, a rule code or name
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_RULE_CODE = re.compile(r"AL\d{3}")


# -- positions -------------------------------------------------------------------------------


def to_unit(line: str, column: int, encoding: str = "utf-16") -> int:
    """The 0-based LSP character of the 1-based code-point ``column`` of ``line``."""
    head = line[:max(column - 1, 0)]
    if encoding == "utf-8":
        return len(head.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(head)
    return len(head.encode("utf-16-le", "surrogatepass")) // 2


def from_unit(line: str, character: int, encoding: str = "utf-16") -> int:
    """The 0-based code-point index in ``line`` of the LSP ``character`` (clamped)."""
    if encoding == "utf-32":
        return min(max(character, 0), len(line))
    units = 0
    for index, ch in enumerate(line):
        if units >= character:
            return index
        if encoding == "utf-8":
            units += len(ch.encode("utf-8", "surrogatepass"))
        else:
            units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


@dataclass(slots=True, frozen=True)
class Pos:
    """A 0-based LSP position (line, character in the agreed unit)."""

    line: int
    character: int


def _lines(text: str) -> list[str]:
    """The text's lines without their ends (``\\r\\n``, ``\\n`` or ``\\r``), as LSP counts them."""
    return re.split(r"\r\n|\r|\n", text)


#: the line breaks YAML (and so agentlint's positions) counts: LSP's three, and NEL, LS, PS
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LSP_BREAK = re.compile(r"\r\n|[\r\n]")
_BREAK_CHARS = "\r\n\x85\u2028\u2029"


class Positions:
    """agentlint's 1-based line:column (lines as YAML breaks them, columns in code
    points) to offsets in the text, and offsets to LSP positions (lines as LSP breaks
    them, characters in the agreed ``encoding``)."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.yaml_starts = [0] + [m.end() for m in _YAML_BREAK.finditer(text)]
        self.lsp_starts = [0] + [m.end() for m in _LSP_BREAK.finditer(text)]

    def _line_end(self, start: int) -> int:
        end = start
        while end < len(self.text) and self.text[end] not in _BREAK_CHARS:
            end += 1
        return end

    def offset(self, line: int, column: int) -> int:
        """The offset of agentlint's ``line``:``column`` (clamped to its line)."""
        index = min(max(line - 1, 0), len(self.yaml_starts) - 1)
        start = self.yaml_starts[index]
        return min(start + max(column - 1, 0), self._line_end(start))

    def lsp(self, offset: int) -> Pos:
        offset = min(max(offset, 0), len(self.text))
        index = bisect.bisect_right(self.lsp_starts, offset) - 1
        head = self.text[self.lsp_starts[index]:offset]
        return Pos(index, to_unit(head, len(head) + 1, self.encoding))

    def at(self, line: int, column: int) -> Pos:
        return self.lsp(self.offset(line, column))

    def token(self, line: int, column: int) -> tuple[Pos, Pos]:
        """The range of the token (up to a blank or a line's end, at least one
        character) at ``line``:``column``: the editor underlines a word, not a point."""
        start = self.offset(line, column)
        end = start
        while end < len(self.text) and not self.text[end].isspace() \
                and self.text[end] not in _BREAK_CHARS:
            end += 1
        if end == start and end < len(self.text) and self.text[end] not in _BREAK_CHARS:
            end += 1
        return self.lsp(start), self.lsp(end)


# -- diagnostics ----------------------------------------------------------------------------


@dataclass(slots=True)
class Diagnostic:
    start: Pos
    end: Pos
    severity: int
    code: str
    message: str
    #: the finding behind it (None for a load error): its fix, for a code action
    finding: Any = None


def lint_text(text: str, path: str | None) -> tuple[list[Any], list[SpecError]]:
    """The findings and load errors of ``text``, read as the file ``path`` (its
    configuration and format), through the lint path alone."""
    from agentlint.lint.engine import lint_paths

    result = lint_paths(["-"], stdin=text.encode("utf-8", "surrogatepass"),
                        stdin_filename=path)
    return result.findings, result.errors


def diagnostics(text: str, path: str | None, encoding: str = "utf-16") -> list[Diagnostic]:
    """The document's diagnostics: its findings, or its load error."""
    try:
        findings, errors = lint_text(text, path)
    except SpecError as exc:  # the configuration cannot be read: no rule can run
        findings, errors = [], [exc]
    places = Positions(text, encoding)
    names = (path, os.path.abspath(path)) if path is not None else ()
    out: list[Diagnostic] = []
    for err in errors:
        if path is None or err.file in names:
            start, end = places.token(err.line, err.col)
            message = err.message
        else:  # in another file (the configuration, a prompt file): said at the top
            start = end = Pos(0, 0)
            message = f"{escape.path(err.file)}:{err.line}:{err.col}: {err.message}"
        out.append(Diagnostic(start, end, SEVERITY["error"], LOAD_ERROR, message))
    for f in findings:
        if path is not None and f.file not in names:
            continue  # a finding in a file read beside this one (a CrewAI pair)
        start, end = places.token(f.line, f.column)
        out.append(Diagnostic(start, end, SEVERITY.get(f.severity, 3), f.code,
                              f"{f.message} ({f.rule})", f))
    return out


# -- fixes ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Edit:
    """Replace the text from offset ``start`` to ``end`` (code points, ``end``
    exclusive) with ``new_text``."""

    start: int
    end: int
    new_text: str


@dataclass(slots=True)
class Fix:
    title: str
    safe: bool
    edits: list[Edit] = field(default_factory=list)


def fix_of(finding: Any, text: str) -> Fix | None:
    """The finding's fix (``finding.fix``) as offsets into ``text``, or None (no fix,
    or an edit outside the text: the text changed since the lint)."""
    from agentlint.lint.fix import line_starts, offset

    fix = finding.fix
    if fix is None:
        return None
    starts = line_starts(text)
    edits: list[Edit] = []
    for e in fix.edits:
        a, b = offset(starts, text, e.start), offset(starts, text, e.end)
        if a is None or b is None or b < a:
            return None
        edits.append(Edit(a, b, e.new_text))
    return Fix(fix.title, fix.safe, edits)


#: the code action kind of "fix all" (an editor can run it on save: source.fixAll)
FIX_ALL = "source.fixAll.agentlint"


def safe_edits(found: Sequence[Diagnostic], text: str) -> list[Edit]:
    """The edits of every safe fix, in order, a fix left out when it overlaps one
    taken before (its finding is fixed on the next pass)."""
    taken: list[Edit] = []
    for d in found:
        fix = fix_of(d.finding, text) if d.finding is not None else None
        if fix is None or not fix.safe:
            continue
        edits = sorted(fix.edits, key=lambda e: (e.start, e.end))
        if any((e.start < t.end and t.start < e.end) or (e.start == t.start == e.end == t.end)
               for e in edits for t in taken):
            continue
        taken.extend(edits)
    return sorted(taken, key=lambda e: (e.start, e.end))


# -- hover ----------------------------------------------------------------------------------


def word_at(line: str, index: int) -> str | None:
    """The word (letters, digits, ``_``, ``-``) at code-point ``index`` of ``line``."""
    for match in _WORD.finditer(line):
        if match.start() <= index <= match.end() and match.end() > match.start():
            return match.group()
    return None


def hover_text(text: str, path: str | None, line0: int, index: int,
               registry: Any = None) -> str | None:
    """Markdown for the word at 0-based ``line0`` / code-point ``index``: a rule's
    summary and page, or a step's figures; None over anything else."""
    lines = _lines(text)
    if not 0 <= line0 < len(lines):
        return None
    word = word_at(lines[line0], index)
    if word is None:
        return None
    if registry is None:
        from agentlint.lint.rules import default_registry

        registry = default_registry()
    if _RULE_CODE.fullmatch(word) or word in registry.names:
        rule = registry.find(word)
        if rule is not None:
            return _rule_hover(rule)
    return _step_hover(text, path, word)


def _rule_hover(rule: Any) -> str:
    from agentlint.lint.registry import FAMILY_PREFIX, FAMILY_TITLE

    anchor = f"{FAMILY_TITLE[rule.family]} {FAMILY_PREFIX[rule.family]}xx".lower()
    anchor = re.sub(r"[^a-z0-9 -]", "", anchor).replace(" ", "-")
    return (f"**{escape.md(rule.code)} {escape.md(rule.name)}** ({escape.md(rule.severity)}, "
            f"{escape.md(rule.family)})\n\n{escape.md(rule.summary)}\n\n"
            f"[{escape.md(rule.code)} in the rules]({RULES_PAGE}#{anchor}) · "
            f"`agentlint rule {escape.md(rule.code)}` prints its page")


def _step_hover(text: str, path: str | None, word: str) -> str | None:
    from agentlint.graph.estimate import estimate
    from agentlint.sources import load_any
    from agentlint.units import percent, seconds, usd

    try:
        wf = load_any(path or os.path.join(os.getcwd(), "untitled.yaml"), text=text,
                      named=True)
    except SpecError:
        return None
    if wf is None or not any(s.id == word for s in wf.steps):
        return None
    result = estimate(wf)
    row = next((r for r in result.steps if r.id == word), None)
    if row is None:
        return None
    cost_share = row.cost_usd / result.cost_usd if result.cost_usd > 0 else 0.0
    lines = [f"**step {escape.code(row.id)}** · model {escape.code(row.model or '(none)')}",
             "",
             f"- cost: {usd(row.cost_usd)} per run, {percent(cost_share)} of the workflow's "
             f"{usd(result.cost_usd)} (at most {usd(row.cost_usd_max)})",
             f"- latency: {seconds(row.latency_s)} (at most {seconds(row.latency_s_max)})"
             + ("; on the critical path" if row.critical else ""),
             f"- success share: {percent(row.reliability)} of the runs that reach it "
             f"(the workflow: {percent(result.reliability)})",
             f"- runs in {percent(row.runs)} of the workflow's runs, {row.calls:.3g} calls"]
    return "\n".join(lines)


# -- the server -----------------------------------------------------------------------------


def _require_pygls() -> None:
    try:
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401
    except ImportError:
        raise UsageError(f"the editor server needs pygls: {INSTALL_HINT}") from None


def serve() -> None:
    """Run the server on standard input and output until the client says ``exit``."""
    import gc

    _require_pygls()
    gc.enable()  # a long-lived process: the protocol's futures and tasks do make cycles
    build().start_io()


def build() -> Any:  # noqa: C901 - the handlers are small closures over one state
    """The pygls server with agentlint's handlers registered."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from lsprotocol import types as lsp
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path

    from agentlint import __version__

    server = LanguageServer("agentlint", __version__)
    # every lint and estimate in one thread, in order: the protocol loop stays free
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentlint")
    pending: dict[str, asyncio.Task[None]] = {}
    #: uri -> (version, text, diagnostics) of the last published lint
    published: dict[str, tuple[int | None, str, list[Diagnostic]]] = {}

    def encoding() -> str:
        chosen: Any = server.server_capabilities.position_encoding
        return str(getattr(chosen, "value", chosen) or "utf-16")

    def to_range(start: Pos, end: Pos) -> lsp.Range:
        return lsp.Range(lsp.Position(start.line, start.character),
                         lsp.Position(end.line, end.character))

    def fs_path(uri: str) -> str | None:
        try:
            return to_fs_path(uri)
        except Exception:  # an untitled buffer, a scheme that is not a file
            return None

    opened: set[str] = set()  # the documents the client has open (only those are linted)

    async def lint_now(uri: str) -> None:
        if uri not in opened:
            return
        doc = server.workspace.get_text_document(uri)
        version, text = doc.version, doc.source
        enc = encoding()
        loop = asyncio.get_running_loop()
        try:
            found = await loop.run_in_executor(worker, diagnostics, text, fs_path(uri), enc)
        except Exception as exc:  # a bug or a bad configuration: one diagnostic, not a crash
            found = [Diagnostic(Pos(0, 0), Pos(0, 0), SEVERITY["error"], LOAD_ERROR,
                                escape.text(str(exc)) or type(exc).__name__)]
        if uri not in opened:
            return  # closed while it was linted
        current = server.workspace.get_text_document(uri)
        if current.version != version and version is not None:
            return  # a newer text is on its way
        published[uri] = (version, text, found)
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=version,
            diagnostics=[lsp.Diagnostic(range=to_range(d.start, d.end), message=d.message,
                                        severity=lsp.DiagnosticSeverity(d.severity),
                                        code=d.code, source="agentlint") for d in found]))

    def schedule(uri: str, delay: float) -> None:
        old = pending.pop(uri, None)
        if old is not None:
            old.cancel()

        async def later() -> None:
            if delay:
                await asyncio.sleep(delay)
            pending.pop(uri, None)
            await lint_now(uri)

        pending[uri] = asyncio.ensure_future(later())

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Any, params: lsp.DidOpenTextDocumentParams) -> None:
        opened.add(params.text_document.uri)
        schedule(params.text_document.uri, 0.0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Any, params: lsp.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri, DEBOUNCE_S)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: Any, params: lsp.DidSaveTextDocumentParams) -> None:
        # a saved file may be what another document reads: its configuration
        # (.agentlint.yaml, pyproject.toml), a prompt file, a CrewAI pair, a profile
        saved = params.text_document.uri
        for uri in list(opened):
            schedule(uri, 0.0 if uri == saved else DEBOUNCE_S)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Any, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        opened.discard(uri)
        task = pending.pop(uri, None)
        if task is not None:
            task.cancel()
        published.pop(uri, None)
        server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix,
                                                             FIX_ALL]))
    def code_action(ls: Any, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        seen = published.get(uri)
        if seen is None:
            return []
        version, text, found = seen
        if server.workspace.get_text_document(uri).version != version:
            return []  # the fixes were computed for an older text
        places = Positions(text, encoding())
        first, last = params.range.start.line, params.range.end.line
        only = params.context.only

        def wanted(kind: str) -> bool:
            return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)

        actions: list[lsp.CodeAction] = []
        if wanted(FIX_ALL):
            every = safe_edits(found, text)
            if every:
                actions.append(lsp.CodeAction(
                    title="Fix every safely fixable agentlint finding", kind=FIX_ALL,
                    edit=lsp.WorkspaceEdit(changes={uri: [
                        lsp.TextEdit(range=to_range(places.lsp(e.start), places.lsp(e.end)),
                                     new_text=e.new_text) for e in every]})))
        for d in found:
            if not wanted(lsp.CodeActionKind.QuickFix.value):
                break
            if d.finding is None or not first <= d.start.line <= last:
                continue
            fix = fix_of(d.finding, text)
            if fix is None:
                continue
            edits = [lsp.TextEdit(range=to_range(places.lsp(e.start), places.lsp(e.end)),
                                  new_text=e.new_text) for e in fix.edits]
            actions.append(lsp.CodeAction(
                title=f"{fix.title} ({d.code})", kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[lsp.Diagnostic(range=to_range(d.start, d.end), message=d.message,
                                            severity=lsp.DiagnosticSeverity(d.severity),
                                            code=d.code, source="agentlint")],
                is_preferred=fix.safe, edit=lsp.WorkspaceEdit(changes={uri: edits})))
        return actions

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: Any, params: lsp.HoverParams) -> lsp.Hover | None:
        uri = params.text_document.uri
        try:
            text = server.workspace.get_text_document(uri).source
        except OSError:  # a document the client never opened, and no file of that name
            return None
        lines = _lines(text)
        line0 = params.position.line
        if not 0 <= line0 < len(lines):
            return None
        index = from_unit(lines[line0], params.position.character, encoding())
        loop = asyncio.get_running_loop()
        shown = await loop.run_in_executor(worker, _safe_hover, text, fs_path(uri), line0,
                                           index)
        if shown is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=shown))

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: Any, params: Any) -> None:
        for task in pending.values():
            task.cancel()
        pending.clear()
        worker.shutdown(wait=False, cancel_futures=True)

    return server


def _safe_hover(text: str, path: str | None, line0: int, index: int) -> str | None:
    try:
        return hover_text(text, path, line0, index)
    except Exception:  # a hover never takes the server down
        return None

