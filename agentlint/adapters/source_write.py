"""An optimizer's plan written back into a framework's own file, where the file can take it.

Only model changes are written, and only into a literal that names the model and nothing
else: an AutoGen component's ``"model": "..."`` value (a model client's ``config``, a 0.2
``config_list`` entry; quoted or plain in a YAML team), a LangGraph module's
``ChatOpenAI(model="...")`` / ``init_chat_model("...")`` string, an Agents SDK
``Agent(model="...")`` string (:mod:`agentlint.adapters.agents_sdk_write`), an Oracle
Agent Spec ``llm_config``'s ``model_id`` (:mod:`agentlint.adapters.agentspec_write`). A literal is
written only when every step that reads it moves to the same model: one model client, or
one module variable, shared by two agents (or by every turn of one agent) is never edited
for one step's sake, and a LangGraph literal that code outside the moved nodes also uses
is left alone. Every other change (a model given by a variable, an f-string or a call; a
literal in another module; an Azure deployment name; retries, parallel groups) stays a
suggestion.

Only the literal's characters change; the result is parsed again (JSON as JSON, YAML as
YAML, Python by ``ast.parse``) before it is returned, so a file is never left broken.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from agentlint.adapters.agents_sdk_write import Written, write_models
from agentlint.adapters.agentspec_write import write_models as write_agentspec
from agentlint.errors import SpecError
from agentlint.spec.catalog import entry
from agentlint.spec.model import Workflow
from agentlint.spec.yamlload import load_text

#: the formats whose files ``optimize --write`` edits, besides agentlint's own specs
WRITABLE = ("agents-sdk", "agentspec", "autogen", "langgraph")

Span = tuple[int, int]  # start and end offsets in the text



def write_plan(wf: Workflow, changes: Sequence[Any]) -> Written:
    """``wf``'s source with the plan's ``changes`` written where they can be."""
    if wf.format == "agents-sdk":
        done = write_models(wf, changes)
        done.source = getattr(wf.extra.get("wording"), "text", "") or wf.text
        return done
    if wf.format == "agentspec":  # the model_id values of its llm_configs
        done = write_agentspec(wf, changes)
        done.source = wf.text
        return done
    if wf.format == "autogen":
        return _write(wf, changes, _json_sites(wf), _doc_check(wf.text), "the AutoGen file")
    if wf.format == "langgraph":
        path = wf.extra.get("source_path")
        out = _write(wf, changes, _python_sites(wf), _python_check, "the module",
                     _python_owner(wf))
        out.path = path if isinstance(path, str) else None
        return out
    return Written("", wf.text, left=[f"{c.step}: {wf.format} files are not rewritten"
                                      for c in changes])


def _write(wf: Workflow, changes: Sequence[Any], sites: dict[str, tuple[Span, str]],
           check: Callable[[str], bool], what: str,
           owned: Callable[[Span, set[str]], bool] = lambda span, readers: True) -> Written:
    """Replace each literal all of whose readers the plan moves to one model.

    ``sites``: step id -> the span of the literal its model comes from and the text to
    put around a new model name (``"{}"``, ``"openai:{}"``); ``owned(span, readers)``:
    nothing but those steps reads the literal (no other code of a module)."""
    out = Written("", wf.text)
    wanted: dict[Span, dict[str, str]] = {}
    for change in changes:
        if change.field != "model":
            out.left.append(f"{change.step}: {change.field} (not a literal of {what})")
            continue
        site = sites.get(change.step)
        if site is None:
            out.left.append(f"{change.step}: its model is not a literal string in {what}")
            continue
        wanted.setdefault(site[0], {})[change.step] = str(change.after)
    text = wf.text
    for span, steps in sorted(wanted.items(), reverse=True):
        readers = {s for s, (sp, _) in sites.items() if sp == span}
        models = set(steps.values())
        if set(steps) != readers or len(models) != 1:
            out.left.extend(f"{s}: its model literal is shared with steps the plan does not "
                            "move alike" for s in sorted(steps))
            continue
        if not owned(span, readers):
            out.left.extend(f"{s}: its model literal is also used by code outside the "
                            "steps the plan moves" for s in sorted(steps))
            continue
        model = models.pop()
        if not model or any(ch in model for ch in "'\"\\`{}") or not model.isprintable():
            out.left.extend(f"{s}: the model name {model!r} is not written into a literal"
                            for s in sorted(steps))
            continue
        shape = sites[next(iter(steps))][1]
        if shape == "{}" and _PLAIN.fullmatch(model) is None:  # a YAML plain scalar
            out.left.extend(f"{s}: the model name {model!r} is not written as a plain "
                            "YAML value" for s in sorted(steps))
            continue
        if shape.strip("'\"") != "{}" and not _same_provider(wf, next(iter(steps)), model):
            out.left.extend(f"{s}: its literal names a provider, and {model} is another "
                            "provider's model" for s in sorted(steps))
            continue
        text = text[:span[0]] + shape.format(model) + text[span[1]:]
        out.written.extend(sorted(steps))
    if not out.written:
        return out
    if not check(text):  # never hand back a broken file
        return Written("", wf.text, left=[f"{c.step}: not written" for c in changes])
    out.text = text
    return out


def _same_provider(wf: Workflow, step_id: str, model: str) -> bool:
    """``init_chat_model("openai:gpt-4o")`` takes another model under its prefix only when
    the catalog says the two come from one provider."""
    old = entry(_name(wf, wf.step(step_id)) or "")
    new = entry(model)
    return old is not None and new is not None and old.get("provider") is not None \
        and old.get("provider") == new.get("provider")


def _name(wf: Workflow, step: Any) -> str | None:
    model = wf.models.get(step.model) if step.model else None
    return model.name if model is not None else None


# -- AutoGen: JSON strings ---------------------------------------------------------------


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


#: the key the model's value follows on its line (``"model": `` in JSON, ``model: `` in YAML)
_MODEL_KEY = re.compile(r"""(?:"model"|'model'|(?<![\w-])model)\s*:\s*$""")
#: a YAML plain scalar a model name may be written as, and end of such a value
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/@+-]*(?::[A-Za-z0-9._/@+-]+)*")
_PLAIN_END = re.compile(r"\s*(?:#.*)?$|\s*[,}\]]")


def _json_sites(wf: Workflow) -> dict[str, tuple[Span, str]]:
    """Steps whose model is the value of a ``model`` key at the place the reader found it,
    equal to the step's model and written plainly: a JSON string (or a YAML quoted or
    plain scalar) with no escapes. An ``azure_deployment`` (a deployment's name, not a
    model's) is never one."""
    text = wf.text
    starts = _line_starts(text)
    found: dict[tuple[int, int], tuple[Span, str] | None] = {}
    sites: dict[str, tuple[Span, str]] = {}
    for step in wf.steps:
        name = _name(wf, step)
        if name is None or step.raw is None or "model" not in step.raw:
            continue
        at = step.at("model")
        if at not in found:
            found[at] = _value_site(text, starts, at, name)
        site = found[at]
        if site is not None:
            sites[step.id] = site
    return sites


def _value_site(text: str, starts: list[int], at: tuple[int, int],
                name: str) -> tuple[Span, str] | None:
    line, col = at
    if not 1 <= line <= len(starts) or col < 1:
        return None
    start = starts[line - 1] + col - 1
    if _MODEL_KEY.search(text[starts[line - 1]:start]) is None:
        return None
    quote = text[start:start + 1]
    if quote in ('"', "'"):
        end = text.find(quote, start + 1)
        if end < 0 or text[start + 1:end] != name or "\\" in name or "\n" in name:
            return None
        return (start, end + 1), quote + "{}" + quote
    plain = _PLAIN.match(text, start)
    if plain is None or plain.group() != name \
            or _PLAIN_END.match(text, plain.end()) is None:
        return None
    return (start, plain.end()), "{}"


def _doc_check(source: str) -> Callable[[str], bool]:
    """How an edited AutoGen file is checked: a JSON file must still be JSON, a YAML one
    still YAML (agentlint's loader, the one it was read with)."""
    try:
        json.loads(source)
        is_json = True
    except ValueError:
        is_json = False

    def check(text: str) -> bool:
        if is_json:
            try:
                json.loads(text)
            except ValueError:
                return False
            return True
        try:
            load_text(text, "")
        except SpecError:
            return False
        return True

    return check


# -- LangGraph: Python string literals -----------------------------------------------------


def _python_sites(wf: Workflow) -> dict[str, tuple[Span, str]]:
    """Steps whose model is a one-line string literal of this module (not of a module it
    imports a node from), written plainly: ``"gpt-4o"`` or ``'openai:gpt-4o'``."""
    words = wf.extra.get("wording")
    model_at: dict[str, tuple[int, int]] = getattr(words, "model_at", {}) or {}
    elsewhere: set[str] = getattr(words, "elsewhere", set()) or set()
    text = wf.text
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    literals: dict[tuple[int, int], ast.Constant] = {}
    for found in ast.walk(tree):
        if isinstance(found, ast.Constant) and isinstance(found.value, str):
            literals[(found.lineno, found.col_offset + 1)] = found
    lines = text.split("\n")
    starts = _line_starts(text)
    sites: dict[str, tuple[Span, str]] = {}
    for step_id, at in model_at.items():
        node = literals.get((at[0], at[1]))
        if step_id in elsewhere or node is None or node.end_lineno != node.lineno \
                or node.end_col_offset is None or step_id not in wf.step_index:
            continue
        name = _name(wf, wf.step(step_id))
        raw = lines[node.lineno - 1].encode("utf-8")
        try:
            head = len(raw[:node.col_offset].decode("utf-8"))
            body = raw[node.col_offset:node.end_col_offset].decode("utf-8")
        except UnicodeDecodeError:
            continue
        quote = body[:1]
        value = str(node.value)
        if quote not in ("'", '"') or body != quote + value + quote or name is None:
            continue  # a prefix, escapes, implicit concatenation: a suggestion
        prefix = value[:-len(name)] if value.endswith(name) else None
        if prefix is None or (prefix and not prefix.endswith(":")):
            continue
        start = starts[node.lineno - 1] + head
        sites[step_id] = ((start, start + len(body)),
                          quote + prefix.replace("{", "{{").replace("}", "}}") + "{}" + quote)
    return sites


def _python_check(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _python_owner(wf: Workflow) -> Callable[[Span, set[str]], bool]:
    """Whether only the reading steps' node functions (and the functions of the module
    they call, by name) use the literal at a span: the literal is in one of them, or in a
    module-level ``v = ...`` whose every use is in one of them. A use anywhere else (a
    second graph, a helper run outside the graph, module-level code such as
    ``create_react_agent(llm, ...)``) makes the literal shared with code the plan does
    not see."""
    words = wf.extra.get("wording")
    functions: dict[str, str] = getattr(words, "functions", {}) or {}
    try:
        tree = ast.parse(wf.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return lambda span, readers: False
    starts = _line_starts(wf.text)
    defs: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    #: (start offset, the innermost function around it or "") of every string literal
    #: and every use of a name
    where: dict[int, str] = {}
    uses: dict[str, list[str]] = {}

    lines = wf.text.split("\n")

    def offset(node: ast.expr) -> int:
        line = lines[node.lineno - 1].encode("utf-8")
        return starts[node.lineno - 1] + len(line[:node.col_offset].decode("utf-8", "replace"))

    def visit(node: ast.AST, inside: str, target: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = inside
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs.setdefault(child.name, []).append(child)
                name = child.name
            elif isinstance(child, ast.Constant) and isinstance(child.value, str):
                where[offset(child)] = inside
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                # module-level code: "=v" when it builds the variable v
                uses.setdefault(child.id, []).append(inside or target)
            visit(child, name, target)

    for stmt in tree.body:
        bound = stmt.targets if isinstance(stmt, ast.Assign) else \
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        visit(ast.Module(body=[stmt], type_ignores=[]), "",
              f"={bound[0].id}" if len(bound) == 1 and isinstance(bound[0], ast.Name) else "")
    holders: dict[int, str] = {}  # literal offset -> the module variable it is bound to
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                for sub in ast.walk(stmt.value):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        holders[offset(sub)] = targets[0].id

    def reached(readers: set[str]) -> set[str]:
        todo = [functions[s] for s in readers if s in functions]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen or name not in defs:
                continue
            seen.add(name)
            for fn in defs[name]:
                for sub in ast.walk(fn):
                    if isinstance(sub, ast.Call):
                        callee = sub.func.id if isinstance(sub.func, ast.Name) else \
                            sub.func.attr if isinstance(sub.func, ast.Attribute) else None
                        if callee is not None:
                            todo.append(callee)
        return seen

    def owned(span: Span, readers: set[str]) -> bool:
        if span[0] not in where:
            return False
        # the node functions and what they call; and the statement that builds the graph
        # read (a prebuilt agent: ``graph = create_react_agent(llm, ...)``)
        allowed = reached(readers) | {f"={wf.name}"}
        inside = where[span[0]]
        if inside:
            return inside in allowed
        var = holders.get(span[0])
        if var is not None and var == wf.name:
            return True  # written in the statement that builds the graph read
        used = uses.get(var, []) if var is not None else []
        return bool(used) and all(u and u in allowed for u in used)

    return owned
