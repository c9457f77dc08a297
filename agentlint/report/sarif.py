"""SARIF 2.1.0, the format GitHub code scanning (and other tools) ingest.

One run; ``tool.driver.rules`` lists every rule that ran, with its
documentation page as help, so a code-scanning alert explains itself.
Results point at paths relative to the working directory (the checkout in
CI) under ``%SRCROOT%``. Columns are counted in Unicode code points, as
agentlint counts them, and the run says so (``columnKind``). A file that could
not be read is a result of the rule AL000 ``load-error`` at the reader's
position (so code scanning shows it on the file) and a tool execution
notification, and makes the invocation unsuccessful.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from agentlint import __version__, escape
from agentlint.errors import SpecError
from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Finding, Rule
from agentlint.paths import artifact_uri
from agentlint.report import load_error

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/agentlint/agentlint"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"


def render(findings: list[Finding], result: LintResult) -> str:
    return escape.json_text(json.dumps(build(findings, result), indent=2, ensure_ascii=False))


def build(findings: list[Finding], result: LintResult) -> dict[str, Any]:
    findings = load_error.complete(findings, result.errors)
    rules: dict[str, Rule] = {r.code: r for r in result.rules}
    for f in findings:  # a rule that reported is always described
        if f.code not in rules:
            found = load_error.RULE if f.code == load_error.CODE else \
                result.registry.find(f.code)
            if found is not None:
                rules[f.code] = found
    ordered = sorted(rules.values(), key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(ordered)}
    results = [_result(f, index) for f in findings]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "agentlint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_descriptor(r) for r in ordered],
        }},
        "invocations": [_invocation(result.errors, index.get(load_error.CODE))],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _descriptor(r: Rule) -> dict[str, Any]:
    doc = r.doc.strip() or r.summary
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": _first_paragraph(doc) or r.summary},
        "help": {"text": doc, "markdown": f"**{r.code} {r.name}**: {r.summary}\n\n{doc}"},
        "defaultConfiguration": {"level": LEVELS.get(r.severity, "warning")},
        "properties": {"tags": [r.family]},
    }


def _first_paragraph(doc: str) -> str:
    """The first paragraph of prose in a rule's doc page (headings skipped)."""
    paragraph: list[str] = []
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        underline = i + 1 < len(lines) and set(lines[i + 1].strip()) <= {"-", "="} \
            and lines[i + 1].strip() != ""
        heading = stripped.startswith("#") or underline or (
            stripped and set(stripped) <= {"-", "="})
        if not stripped or heading:
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    return " ".join(paragraph)


def _location(file: str, line: int, column: int) -> dict[str, Any]:
    uri = artifact_uri(file)
    artifact: dict[str, Any] = {"uri": uri}
    if not uri.startswith("file:"):
        artifact["uriBaseId"] = SRCROOT
    return {"physicalLocation": {"artifactLocation": artifact,
                                 "region": {"startLine": max(1, line),
                                            "startColumn": max(1, column)}}}


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": f.message},
        "locations": [_location(f.file, f.line, f.column)],
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.key:  # stable across reformatting, so an alert survives a moved line
        basis = f"{f.code}\0{f.file}\0{f.key}".encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(basis).hexdigest()[:32]
        out["partialFingerprints"] = {"agentlintKey/v1": digest}
    if f.fix is not None:
        out["fixes"] = [_fix(f)]
    return out


def _fix(f: Finding) -> dict[str, Any]:
    """The finding's fix as a SARIF ``fix``: its edits as replacements of regions
    (``endColumn`` is the column after the region, as agentlint's edit ranges end)."""
    assert f.fix is not None
    artifact = _location(f.file, 1, 1)["physicalLocation"]["artifactLocation"]
    replacements = []
    for e in f.fix.edits:
        region = {"startLine": e.start[0], "startColumn": e.start[1],
                  "endLine": e.end[0], "endColumn": e.end[1]}
        item: dict[str, Any] = {"deletedRegion": region}
        if e.new_text:
            item["insertedContent"] = {"text": e.new_text}
        replacements.append(item)
    return {"description": {"text": f.fix.title},
            "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
            "properties": {"applicability": f.fix.applicability}}


def _invocation(errors: list[SpecError], rule_index: int | None = None) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        rule: dict[str, Any] = {"id": load_error.CODE}
        if rule_index is not None:
            rule["index"] = rule_index
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": str(err)},
             "locations": [_location(err.file, err.line, err.col)],
             "associatedRule": rule} for err in errors]
    return invocation
