"""Prompt templates of other formats rewritten in agentlint's terms.

Jinja variables pointed at agentlint references (:func:`rewrite_jinja`), and a
promptflow chat template split into its system and user parts (:func:`split_roles`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Jinja's three delimiters, opener -> closer
_JINJA_PAIRS = (("{{", "}}"), ("{%", "%}"), ("{#", "#}"))
_ROOT_NAME = re.compile(r"(?<![\w.'\"])([A-Za-z_][A-Za-z0-9_]*)")
_NS_AFTER_DOT = re.compile(r"\.(steps|inputs)\b")


def rewrite_jinja(text: str, refs: dict[str, str]) -> tuple[str, set[str]]:
    """Point a Jinja template's variables at agentlint references.

    ``refs`` maps a template variable to what it holds, as a reference path
    (``inputs.question``, ``steps.fetch.output``). A variable inserted whole,
    ``{{ question }}`` (filters allowed), becomes ``{{ inputs.question }}`` and
    counts each time. A variable read only in parts (``{{ customer.name }}``)
    or by a statement (``{% for item in history %}``) stays as written, and a
    comment ``{# reads {{ inputs.history }} #}`` before its first use counts
    it once. Names that merely look like references (``item.inputs.question``)
    are neutralised. Returns the text and the variables it uses.
    """
    whole: set[str] = set()
    for start, end in jinja_tags(text):
        tag = text[start:end]
        if tag.startswith("{{"):
            body = tag[2:-2]
            whole.update(m.group(1) for m in _ROOT_NAME.finditer(body)
                         if m.group(1) in refs and not _followed(body, m.end()))
    used: set[str] = set()
    marked: set[str] = set()
    out: list[str] = []
    last = 0
    for start, end in jinja_tags(text):
        out.append(text[last:start])
        last = end
        tag = text[start:end]
        if tag.startswith("{#"):
            out.append(tag.replace("{{", "{ {").replace("}}", "} }"))
            continue
        body = _NS_AFTER_DOT.sub(r'["\1"]', tag[2:-2])
        expr = tag.startswith("{{")
        parts: list[str] = []

        def swap(m: re.Match[str], body: str = body, expr: bool = expr,
                 parts: list[str] = parts) -> str:
            name = m.group(1)
            if name in refs:
                used.add(name)
                if expr and not _followed(body, m.end()):
                    return refs[name]
                parts.append(name)
                return name
            return name + "_" if name in ("steps", "inputs") else name

        body = _ROOT_NAME.sub(swap, body)
        for name in parts:
            if name not in whole and name not in marked:
                marked.add(name)
                out.append("{# reads {{ " + refs[name] + " }} #}")
        out.append(tag[:2] + body + tag[-2:])
    out.append(text[last:])
    return "".join(out), used


def jinja_tags(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every Jinja tag from left to right: the matches of
    ``\\{\\{.*?\\}\\}|\\{%.*?%\\}|\\{#.*?#\\}`` (dot matching newlines).

    A scan with ``str.find``: that expression tries every opener against the rest
    of the text, so unclosed tags took time quadratic in the text's length. Here
    an opener whose closer is missing marks its kind dead (no later opener of the
    kind can close either), so each character is looked at a bounded number of times.
    """
    closers = dict(_JINJA_PAIRS)
    #: the next opener of each live kind (a kind with none left is dropped)
    nxt = {opener: at for opener, _ in _JINJA_PAIRS if (at := text.find(opener)) >= 0}
    while nxt:
        opener = min(nxt, key=nxt.__getitem__)
        start = nxt[opener]
        close = text.find(closers[opener], start + 2)
        if close < 0:  # no closer after this opener: none after any later one either
            del nxt[opener]
            continue
        end = close + 2
        yield start, end
        for kind, at in list(nxt.items()):
            if at < end:
                found = text.find(kind, end)
                if found < 0:
                    del nxt[kind]
                else:
                    nxt[kind] = found


def brace_runs(text: str) -> Iterator[tuple[int, int, int, int]]:
    """The matches of ``\\{+([^{}]*)\\}+`` from left to right, as ``(start, end,
    body_start, body_end)``: ADK's state placeholder (``inject_session_state``
    substitutes exactly these), ``{key}``, ``{{key}}``, ``{key?}``.

    A scan with ``str.find``: the expression retried every ``{`` of a run of
    braces against the text after it (40,000 braces: 15 s). A run of ``{``
    followed by text without braces and then ``}`` is a match, extended over
    the run of ``}``; any other run cannot start one, nor can any brace in it.
    """
    pos = text.find("{")
    close = -1  # the next ``}`` at or after ``body``, found once and kept until passed
    while pos >= 0:
        body = _run_end(text, pos, "{")
        if close < body:
            close = text.find("}", body)
            if close < 0:
                return  # no ``}`` left: nothing after can match
        brace = text.find("{", body, close)
        if brace >= 0:  # another ``{`` before the ``}``: no match from this run
            pos = brace
            continue
        end = _run_end(text, close, "}")
        yield pos, end, body, close
        pos = text.find("{", end)


_RUNS = {"{": re.compile(r"\{*"), "}": re.compile(r"\}*")}


def _run_end(text: str, at: int, brace: str) -> int:
    """Where the run of ``brace`` characters starting at ``at`` ends."""
    found = _RUNS[brace].match(text, at)
    return found.end() if found is not None else at


def _followed(body: str, end: int) -> bool:
    """Is the name ending at ``end`` read in part (``name.field``, ``name[0]``)?"""
    rest = body[end:].lstrip()
    return rest.startswith(".") or rest.startswith("[")


# one run of blanks before the role word, or blanks, ``#`` and blanks: two runs of blanks
# side by side would be tried at every split of a long blank line (cubic time)
_ROLE_LINE = re.compile(r"^[ \t]*(?:#[ \t]*)?(system|user|assistant|function|tool)[ \t]*:[ \t]*$",
                        re.I | re.M)


def split_roles(text: str) -> tuple[str, str]:
    """``(system, prompt)`` of a chat template with ``system:`` / ``user:`` lines.

    The first ``system:`` section is the system prompt; the rest, from the
    next role line on, is the prompt. A template without role lines is all
    prompt.
    """
    marks = list(_ROLE_LINE.finditer(text))
    if not marks or marks[0].group(1).lower() != "system":
        return "", text.strip()
    head = text[:marks[0].start()]
    if len(marks) == 1:
        return (head + text[marks[0].end():]).strip(), ""
    return (head + text[marks[0].end():marks[1].start()]).strip(), \
        text[marks[1].start():].strip()
