"""Prompt templates of other formats rewritten in agentlint's terms.

Jinja variables pointed at agentlint references (:func:`rewrite_jinja`), and a
promptflow chat template split into its system and user parts (:func:`split_roles`).
"""

from __future__ import annotations

import re

_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
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
    for match in _JINJA_TAG.finditer(text):
        tag = match.group(0)
        if tag.startswith("{{"):
            body = tag[2:-2]
            whole.update(m.group(1) for m in _ROOT_NAME.finditer(body)
                         if m.group(1) in refs and not _followed(body, m.end()))
    used: set[str] = set()
    marked: set[str] = set()
    out: list[str] = []
    last = 0
    for match in _JINJA_TAG.finditer(text):
        out.append(text[last:match.start()])
        last = match.end()
        tag = match.group(0)
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


def _followed(body: str, end: int) -> bool:
    """Is the name ending at ``end`` read in part (``name.field``, ``name[0]``)?"""
    rest = body[end:].lstrip()
    return rest.startswith(".") or rest.startswith("[")


_ROLE_LINE = re.compile(r"^[ \t]*#?[ \t]*(system|user|assistant|function|tool)[ \t]*:[ \t]*$",
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
