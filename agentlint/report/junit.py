"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One ``testsuite`` per linted file; one failing ``testcase`` per finding, and
a passing one for a clean file, so a clean file counts as a passed check
instead of vanishing from the report. A file that could not be read is a
failing testcase too, ``AL000 load-error``, in the file's suite (the CLI
passes it with the findings; a run's errors not among them are added here).
ElementTree does the escaping.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from agentlint import escape
from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Finding
from agentlint.report import concise, load_error

#: characters XML 1.0 cannot hold at all, even escaped
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID.sub("\ufffd", text)


def render(findings: list[Finding], result: LintResult) -> str:
    findings = load_error.complete(findings, result.errors)
    by_file: dict[str, list[Finding]] = {name: [] for name in result.files}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    root = ET.Element("testsuites", name="agentlint")
    total = failures = 0
    for name, items in by_file.items():
        shown = escape.text(name)
        suite = ET.SubElement(root, "testsuite", name=shown, tests=str(max(1, len(items))),
                              failures=str(len(items)), errors="0")
        total += max(1, len(items))
        failures += len(items)
        if not items:
            ET.SubElement(suite, "testcase", classname=shown, name="agentlint")
        for f in items:
            case = ET.SubElement(suite, "testcase", classname=shown,
                                 name=f"{f.code} {f.rule} at {f.line}:{f.column}")
            failure = ET.SubElement(case, "failure", message=_clean(f.message),
                                    type=f.severity)
            failure.text = _clean(concise.line(f))
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
