"""The GitHub Action (action.yml) and the GitLab Code Quality report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from agentlint.lint.registry import Finding
from agentlint.report import gitlab
from tests.conftest import ROOT

ACTION = ROOT / "action.yml"
INPUTS = {"paths", "version", "python-version", "fail-on", "base-ref", "sarif-file",
          "annotations", "fail-on-findings", "baseline", "comment", "optimize", "github-token"}


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def steps(action: dict) -> list[dict]:
    return action["runs"]["steps"]


def script(action: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(action))


def test_a_composite_action_with_the_documented_inputs(action: dict) -> None:
    assert action["name"] == "agentlint" and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == INPUTS
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert "default" in spec, name
    assert action["inputs"]["sarif-file"]["default"] == "agentlint.sarif"
    assert action["inputs"]["comment"]["default"] == "true"
    assert set(action["outputs"]) >= {"sarif-file", "lint-exit-code", "diff-exit-code"}
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for name in INPUTS:
        assert f"`{name}`" in docs, f"input {name} is not documented in docs/ci.md"


def test_the_steps(action: dict) -> None:
    setup = steps(action)[0]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    install = next(s for s in steps(action) if s.get("name") == "Install agentlint")
    assert install["env"]["AGENTLINT_ACTION_PATH"] == "${{ github.action_path }}"
    assert 'pip install' in install["run"] and '"$AGENTLINT_ACTION_PATH"' in install["run"]
    run = script(action)
    assert re.search(r"agentlint lint .*--format sarif\s*\\?\s*--output-file", run)
    assert "agentlint lint" in run and '--format "$format"' in run and "format=github" in run
    assert "agentlint diff" in run and "--format markdown" in run and "--fail-on" in run
    assert "agentlint optimize" in run and "--format markdown" in run
    for step in steps(action):
        assert step.get("shell", "bash") == "bash"


def test_one_comment_per_pull_request(action: dict) -> None:
    comment = next(s for s in steps(action) if "gh api" in s.get("run", ""))
    assert comment["env"]["GH_TOKEN"] == "${{ inputs.github-token }}"
    run = comment["run"]
    assert "<!-- agentlint -->" in run
    assert "--method PATCH" in run and "issues/comments/$id" in run
    assert "--method POST" in run and "issues/$AGENTLINT_PR/comments" in run
    assert comment.get("continue-on-error") is True
    assert "inputs.comment == 'true'" in comment["if"]


def test_inputs_reach_scripts_only_through_the_environment(action: dict) -> None:
    for step in steps(action):
        assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_every_script_is_valid_bash(action: dict) -> None:
    for step in steps(action):
        if "run" in step:
            proc = subprocess.run(["bash", "-n"], input=step["run"], text=True,
                                  capture_output=True)
            assert proc.returncode == 0, (step.get("name"), proc.stderr)


def test_the_gate_fails_the_job(action: dict) -> None:
    gate = steps(action)[-1]
    assert gate["name"] == "Gate"
    assert 'AGENTLINT_DIFF" = "1"' in gate["run"] and 'exit "$status"' in gate["run"]


def test_readme_shows_github_and_gitlab() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In CI"):]
    section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    docs = [yaml.safe_load(b) for b in blocks]
    github = next(d for d in docs if "jobs" in d)
    job = next(iter(github["jobs"].values()))
    uses = [s.get("uses", "") for s in job["steps"]]
    assert any(u.startswith("agentlint/agentlint@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    gitlab_job = next(d for d in docs if any(isinstance(v, dict) and "script" in v
                                            for v in d.values()))
    job = next(v for v in gitlab_job.values() if isinstance(v, dict) and "script" in v)
    assert any("--format gitlab" in line for line in job["script"])
    assert "codequality" in job["artifacts"]["reports"]


# -- GitLab Code Quality -------------------------------------------------------------------


def test_gitlab_report_structure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path / "examples")
    result = cli("lint", ".", "--format", "gitlab")
    issues = json.loads(result.stdout)
    assert result.exit_code == 1 and len(issues) > 5
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity",
                              "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert re.fullmatch(r"AL\d{3} [a-z-]+", issue["check_name"])
        assert issue["location"]["path"].startswith("examples/")  # from the repository root
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    severities = {i["severity"] for i in issues}
    assert "major" in severities and "minor" in severities


def test_gitlab_fingerprints_survive_a_moved_line_and_stay_unique(tmp_path: Path) -> None:
    def f(line: int, key: str = "step:a/model") -> Finding:
        return Finding("AL202", "premium-on-trivial-step", "error", "msg",
                       str(tmp_path / "x.yaml"), line, 3, key)

    (tmp_path / ".git").mkdir()
    [a] = gitlab.build([f(10)])
    [b] = gitlab.build([f(42)])
    assert a["fingerprint"] == b["fingerprint"] and a["severity"] == "major"
    assert a["location"] == {"path": "x.yaml", "lines": {"begin": 10}}
    twins = gitlab.build([f(10), f(12)])
    assert twins[0]["fingerprint"] != twins[1]["fingerprint"]
    assert gitlab.render([]) == "[]"


# -- untrusted text in the action's own scripts --------------------------------------------


def _step(action: dict, name: str) -> dict:
    return next(s for s in steps(action) if s.get("name") == name)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_gate_encodes_the_thresholds_in_its_workflow_command(action: dict) -> None:
    gate = _step(action, "Gate")
    env = {"PATH": "/usr/bin:/bin", "AGENTLINT_LINT": "0", "AGENTLINT_DIFF": "1",
           "AGENTLINT_FAIL_ON_FINDINGS": "true",
           "AGENTLINT_FAIL_ON": "cost+10%\n::add-mask::secret\r\n::error::forged"}
    proc = subprocess.run(["bash", "-c", gate["run"]], env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("::error title=agentlint::")
    assert "(cost+10%25%0A::add-mask::secret%0D%0A::error::forged)" in lines[0]


def test_file_names_reach_the_comment_escaped_and_the_shell_as_arguments(
        action: dict, tmp_path: Path) -> None:
    run = _step(action, "Compare with the base")["run"]
    assert 'agentlint optimize --format markdown --max-chars "$room"' in run
    assert '--time-limit 20 -- "$file"' in run
    assert "read -r -d ''" in run  # NUL-separated: a newline in a name is no separator
    assert "<code>$file</code>" not in run
    lister = re.search(r'> "\$out/optimize\.list" <<\'PY\'\n(.*?)\n\s*PY\n', run, re.S)
    assert lister is not None
    code = textwrap.dedent(lister.group(1))
    hostile = "a</code></summary>\n# heading <img src=x onerror=alert(1)>.yaml"
    data = {"workflows": [{"file": hostile, "after": {}, "format": "agentlint"},
                          {"file": "gone.yaml", "after": None, "format": "agentlint"}]}
    (tmp_path / "diff.json").write_text(json.dumps(data), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "diff.json")],
                          capture_output=True, text=True, check=True)
    fields = proc.stdout.split("\0")
    assert fields[-1] == "" and len(fields) == 3
    assert fields[0] == hostile
    summary = fields[1]
    assert "\n" not in summary and "<img" not in summary and "</code></summary>\\n" not in summary
    assert summary.endswith("<code>a&lt;/code&gt;&lt;/summary&gt;\\n# heading &lt;img src=x "
                            "onerror=alert(1)&gt;.yaml</code></summary>")


def test_outputs_take_no_line_of_an_input(action: dict) -> None:
    run = _step(action, "Lint (SARIF)")["run"]
    guard = run[run.index('if [ -f "$AGENTLINT_SARIF" ]'):run.index('echo "sarif-file=')]
    assert "$'\\n'" in guard and "$'\\r'" in guard
