"""``optimize --format markdown`` fits a pull-request comment, and renders.

GitHub refuses a comment over 65,536 characters. A large workflow's report
keeps under 60,000 by design: summary first, the changes grouped and folded,
the longest lists cut between whole blocks with a line saying how many changes
are not shown and the command that prints them all. Checked here on generated
specs of 200, 2,000 and 10,000 steps (benchmarks/optimizer_scale.py), by a
Markdown reader written for the test: every code fence, ``<details>`` fold,
table and Mermaid block is closed. ``--pareto`` draws the frontier as a Mermaid
``xychart-beta`` whose points are the JSON's.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

from agentlint.ci.comment import cut_points, fit
from tests.conftest import run_process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from optimizer_scale import random_spec, with_budgets  # noqa: E402

LIMIT = 60_000


# -- an independent reader of the Markdown GitHub renders -----------------------------------


def structure_errors(text: str) -> list[str]:
    """What would not render as meant: an unclosed fence or fold, a table row with
    another number of cells than its header, a heading or summary split, a Mermaid
    block that is not a diagram agentlint draws."""
    errors: list[str] = []
    lines = text.split("\n")
    fence = ""
    fence_at = 0
    info = ""
    depth = 0
    table_cells = 0
    first_in_fence = False
    for n, line in enumerate(lines, 1):
        if fence:
            if first_in_fence and info == "mermaid" and line.strip() not in (
                    "xychart-beta", ) and not line.startswith("flowchart "):
                errors.append(f"{n}: a mermaid block starting {line[:30]!r}")
            first_in_fence = False
            if re.fullmatch(re.escape(fence[0]) + f"{{{len(fence)},}}\\s*", line):
                fence = ""
            continue
        opened = re.match(r"(`{3,}|~{3,})(.*)", line)
        if opened:
            fence, info, fence_at, first_in_fence = opened.group(1), opened.group(2), n, True
            table_cells = 0
            continue
        if line.startswith("<details"):
            depth += 1
            if "<summary>" in line and "</summary>" not in line:
                errors.append(f"{n}: a summary not closed on its line")
        elif line.startswith("</details>"):
            depth -= 1
            if depth < 0:
                errors.append(f"{n}: </details> without <details>")
                depth = 0
        if line.startswith("|"):
            cells = len(re.findall(r"(?<!\\)\|", line)) - 1
            if table_cells == 0:
                table_cells = cells
                if n >= len(lines) or not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+",
                                                       lines[n].strip()):
                    errors.append(f"{n}: a table without its separator row")
            elif cells != table_cells:
                errors.append(f"{n}: a row of {cells} cells in a table of {table_cells}")
        else:
            table_cells = 0
        if line.startswith("#") and not re.fullmatch(r"#{1,6} \S.*", line):
            errors.append(f"{n}: a broken heading {line[:30]!r}")
    if fence:
        errors.append(f"{fence_at}: a code fence never closed")
    if depth:
        errors.append(f"{depth} <details> never closed")
    return errors


def test_the_reader_sees_what_is_broken() -> None:
    assert structure_errors("```mermaid\nflowchart TD\n") == ["1: a code fence never closed"]
    assert structure_errors("<details><summary>x</summary>\n\n- a\n") == \
        ["1 <details> never closed"]
    assert structure_errors("| a | b |\n|---|---|\n| 1 |\n")[0].startswith("3: a row of 1")
    assert structure_errors("| a | b |\n| 1 | 2 |\n")[0].endswith("separator row")
    assert structure_errors("```mermaid\ngraph\n```\n")[0].startswith("2: a mermaid block")
    assert structure_errors("#### Changes\n\n```\nx\n```\n") == []


# -- generated workflows -------------------------------------------------------------------


def _spec(folder: Path, steps: int) -> Path:
    (folder / ".git").mkdir(exist_ok=True)
    path = folder / f"random-{steps}.yaml"
    path.write_text(with_budgets(random_spec(steps, 1), str(path)), encoding="utf-8")
    return path


def _check_report(md: str, file: str) -> tuple[int, int]:
    """The report's size and structure; (changes listed, changes said to be left out)."""
    assert len(md) < LIMIT, len(md)
    assert structure_errors(md) == []
    assert md.startswith(f"### agentlint optimize: `{file}`")
    total = int(re.search(r"^#### Changes \(([\d,]+)\)$", md, re.M).group(1).replace(",", ""))
    listed = len(re.findall(rf"^- `{re.escape(file)}:\d+` step ", md, re.M))
    hidden = 0
    said = re.search(r"^\*\*([\d,]+) of ([\d,]+) changes are not shown\*\* .*"
                     rf"`agentlint optimize --objective cost -- {re.escape(file)}` prints them all",
                         md, re.M)
    if said:
        hidden = int(said.group(1).replace(",", ""))
        assert int(said.group(2).replace(",", "")) == total
    assert listed + hidden == total
    # the summary comes first: the figures before any folded list
    assert md.index("| cost per run |") < md.index("#### Changes") < md.index("<details>")
    return listed, hidden


def _run_markdown(tmp_path: Path, steps: int, *extra: str) -> tuple[str, Path]:
    path = _spec(tmp_path, steps)
    # --objective cost: every step may move, so the plan is as long as plans get
    proc = run_process("optimize", "--objective", "cost", "--format", "markdown",
                       "--time-limit", "120", *extra,
                       "--", path.name, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, path


def test_200_steps_fit_and_render(tmp_path: Path) -> None:
    md, path = _run_markdown(tmp_path, 200)
    listed, hidden = _check_report(md, path.name)
    assert listed > 0
    # the command named prints every change the report leaves out
    text = run_process("optimize", "--objective", "cost", "--time-limit", "120", "--",
                       path.name, cwd=tmp_path,
                       timeout=300)
    assert text.returncode == 0
    assert len(re.findall(rf"^{re.escape(path.name)}:\d+: step ", text.stdout, re.M)) \
        == listed + hidden
    # 200 steps draw under Mermaid's limits: the plan's flowchart is there
    assert "```mermaid\nflowchart TD" in md or "The flowchart is left out" in md


def test_a_smaller_limit_is_kept_and_cuts_at_block_boundaries(tmp_path: Path) -> None:
    md, path = _run_markdown(tmp_path, 200, "--max-chars", "8000")
    assert len(md) <= 8000
    _listed, hidden = _check_report(md, path.name)
    assert hidden > 0
    assert "suggested edits are not shown: `agentlint optimize --objective cost --diff -- " in md


@pytest.mark.slow
@pytest.mark.parametrize("steps", [2_000, 10_000])
def test_large_workflows_fit_and_render(tmp_path: Path, steps: int) -> None:
    md, path = _run_markdown(tmp_path, steps)
    listed, hidden = _check_report(md, path.name)
    assert hidden > 0 and listed > 100
    # over Mermaid's 500 edges: the flowchart is left out, saying why
    assert "The flowchart is left out, over what Mermaid draws" in md
    assert "```mermaid" not in md


# -- the frontier picture ------------------------------------------------------------------


def _chart(md: str) -> dict[str, list[str]]:
    block = re.search(r"```mermaid\nxychart-beta\n(.*?)\n```", md, re.S)
    assert block is not None, md
    out: dict[str, list[str]] = {}
    for line in block.group(1).splitlines():
        word = line.split()[0]
        inside = re.search(r"\[(.*)\]", line)
        if inside:
            out.setdefault(word, []).append(inside.group(1))
    return out


def test_pareto_draws_the_frontier_with_today_and_the_plan(tmp_path: Path) -> None:
    spec = ROOT / "examples" / "research-fanout.yaml"
    md = run_process("optimize", "--pareto", "--format", "markdown", "--time-limit", "60",
                     str(spec), timeout=120)
    js = run_process("optimize", "--pareto", "--format", "json", "--time-limit", "60",
                     str(spec), timeout=120)
    text = run_process("optimize", "--pareto", "--time-limit", "60", str(spec), timeout=120)
    assert md.returncode == js.returncode == text.returncode == 0
    assert structure_errors(md.stdout) == []
    data = json.loads(js.stdout)
    chart = _chart(md.stdout)
    labels = re.findall(r'"([^"]*)"', chart["x-axis"][0])
    bars = [[float(v) for v in row.split(", ")] for row in chart["bar"]]
    assert len(bars) == 2 and all(len(row) == len(labels) for row in bars)
    # the chart's points: the JSON's frontier, today's spec (before) and the plan (after)
    latencies = sorted(round(p["latency_s"], 3) for p in data["frontier"])
    extra = [label for label in labels if not label.startswith("#35;")]
    assert {label.split()[0] for label in extra} <= {"today", "plan"}
    for label, value in zip(labels, bars[0], strict=True):
        if label.startswith("today"):
            assert value == round(data["before"]["latency_s"], 3)
        elif label.startswith("plan"):
            assert value == round(data["after"]["latency_s"], 3)
        else:
            assert value in latencies
    assert len(labels) - len(extra) == len(data["frontier"])
    # the marked series: today's spec and the plan, nothing else
    marked = [label for label, v in zip(labels, bars[1], strict=True) if v]
    assert any("today" in label for label in marked)
    assert any("plan" in label for label in marked)
    assert len(marked) == sum(label.count("today") + label.count("plan") for label in labels)
    # cheapest first, every label escaped for Mermaid (a '#' as its entity)
    costs = [float(re.search(r"\$([\d.]+)", label).group(1)) for label in labels]
    assert costs == sorted(costs)
    assert "#1 " not in chart["x-axis"][0]
    # Mermaid's chart grammar reads plain decimals only
    assert not re.search(r"\d[eE][+-]?\d", "\n".join(chart["bar"]))
    # text gives the same points
    rows = re.findall(r"^([-\d]+)\s+\$([\d.]+)\s+([\d.]+) s", text.stdout, re.M)
    assert len(rows) == len(labels)


def test_the_smallest_limit_holds_with_the_frontier(tmp_path: Path) -> None:
    spec = ROOT / "examples" / "research-fanout.yaml"
    proc = run_process("optimize", "--pareto", "--format", "markdown", "--max-chars", "2000",
                       "--time-limit", "60", str(spec), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) <= 2000 and structure_errors(proc.stdout) == []
    assert proc.stdout.startswith("### agentlint optimize: ")
    assert "more characters are not shown (this text keeps to 2,000 characters" in proc.stdout
    assert "`agentlint optimize -- " in proc.stdout


# -- the cut between blocks ----------------------------------------------------------------


def _random_markdown(rng: random.Random) -> str:
    parts = []
    for k in range(rng.randint(5, 40)):
        kind = rng.choice(["para", "fence", "details", "table", "list"])
        if kind == "para":
            parts.append(f"Paragraph {k} " + "word " * rng.randint(1, 80))
        elif kind == "fence":
            body = "\n".join(f"line {i} ```" for i in range(rng.randint(1, 30)))
            parts.append(f"````mermaid\nflowchart TD\n{body}\n````")
        elif kind == "details":
            inner = "\n".join(f"- item {i}" for i in range(rng.randint(1, 40)))
            parts.append(f"<details><summary>fold {k}</summary>\n\n{inner}\n\n"
                         "```suggestion\n</details>\n```\n\n</details>")
        elif kind == "table":
            rows = "\n".join(f"| {i} | {i * 2} |" for i in range(rng.randint(1, 40)))
            parts.append(f"| a | b |\n|---|---|\n{rows}")
        else:
            parts.append("\n".join(f"- entry {i}" for i in range(rng.randint(1, 40))))
    return "\n\n".join(parts) + "\n"


def test_fit_cuts_only_between_whole_blocks() -> None:
    rng = random.Random(7)
    for _ in range(300):
        text = _random_markdown(rng)
        limit = rng.randint(200, max(201, len(text) + 100))
        out = fit(text, limit, "see the job summary")
        assert len(out) <= limit
        assert structure_errors(out) == [], (text, limit)
        if len(text) <= limit:
            assert out == text
            continue
        head, _, note = out.rpartition("**Cut here**")
        assert text.startswith(head.rstrip("\n"))
        assert "more characters are not shown" in note and "; see the job summary." in note


def test_cut_points_never_fall_inside_a_block() -> None:
    lines = ["intro", "", "```", "", "| x |", "```", "", "<details>", "", "- a", "",
             "</details>", "", "| a |", "|---|", "| 1 |", "| 2 |"]
    points = cut_points(lines)
    assert 3 not in points and 4 not in points  # inside the fence
    assert 8 not in points and 9 not in points  # inside the fold
    assert 14 not in points  # between a table's header and its separator
    assert {1, 6, 12, 16, len(lines)} <= set(points)


# -- the Action's comment ------------------------------------------------------------------


def _action_step(name: str) -> str:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return next(s["run"] for s in action["runs"]["steps"] if s.get("name") == name)


@pytest.mark.slow
def test_the_action_comment_fits_and_every_block_is_closed(tmp_path: Path) -> None:
    """The Action's comparison step run as it is (bash), on a pull request that changes
    two 300-step workflows: both reports get their share, the comment stays under
    GitHub's limit with every block closed, the job summary gets it whole."""
    import os
    import subprocess

    from tests.support import GitRepo

    repo = GitRepo(tmp_path / "repo")
    for name in ("a.yaml", "b.yaml"):
        repo.write(name, random_spec(300, 1 if name == "a.yaml" else 2))
    base = repo.commit("base")
    for name in ("a.yaml", "b.yaml"):
        path = repo.root / name
        path.write_text(with_budgets(path.read_text(encoding="utf-8"), str(path)),
                        encoding="utf-8")
    out = tmp_path / "runner"
    out.mkdir()
    env = {**os.environ, "AGENTLINT_PATHS": ".", "AGENTLINT_BASE": base,
           "AGENTLINT_FAIL_ON": "", "AGENTLINT_OPTIMIZE": "true", "AGENTLINT_BASE_BRANCH": "",
           "RUNNER_TEMP": str(out), "GITHUB_OUTPUT": str(out / "output"),
           "GITHUB_STEP_SUMMARY": str(out / "summary"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run(["bash", "-e", "-c", _action_step("Compare with the base")],
                          cwd=repo.root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    comment = (out / "agentlint" / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- agentlint -->\n")
    assert len(comment) <= 65_000
    assert structure_errors(comment) == []
    # each changed workflow gets its share: both reports, each cut between its blocks
    assert comment.count("agentlint optimize: suggestions for <code>") == 2
    assert "### agentlint optimize: `a.yaml`" in comment
    assert "### agentlint optimize: `b.yaml`" in comment
    # (whether a report is cut depends on its plan's length; cuts between blocks are
    # pinned by test_a_smaller_limit_is_kept_and_cuts_at_block_boundaries and the random
    # cuts above)
    summary = (out / "summary").read_text(encoding="utf-8")
    assert len(summary) >= len(comment) - len("<!-- agentlint -->\n")
    assert "comment-file=" in (out / "output").read_text(encoding="utf-8")


# -- diff --format markdown ----------------------------------------------------------------


def test_diff_markdown_leaves_out_what_mermaid_would_not_draw_and_keeps_to_its_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentlint.ci.diff import run_diff
    from agentlint.report import diff_markdown
    from tests.support import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("big.yaml", random_spec(600, 1))
    for k in range(4):
        repo.write(f"small{k}.yaml", random_spec(40, k))
    base = repo.commit("base")
    for name in ["big.yaml", *(f"small{k}.yaml" for k in range(4))]:
        path = repo.root / name
        path.write_text(path.read_text(encoding="utf-8").replace("model: large", "model: small"),
                        encoding="utf-8")
    proc = run_process("diff", base, "--format", "markdown", cwd=repo.root, timeout=300)
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    assert len(md) < LIMIT and structure_errors(md) == []
    assert re.search(r"The flowchart after the change is left out: [\d,]+ edges, [\d,]+ "
                     r"characters, over what Mermaid draws \(500 edges", md)
    assert md.count("```mermaid\nflowchart") == 4  # the small ones are drawn
    monkeypatch.chdir(repo.root)
    result = run_diff(base)
    small = diff_markdown.render(result, limit=6_000)
    assert len(small) <= 6_000 and structure_errors(small) == []
    assert small.startswith("<!-- agentlint -->\n### agentlint: 5 workflows changed")
    assert small.count("| `") >= 5  # the summary table keeps every workflow
    said = re.search(r"\*\*The details of (\d+) of 5 workflows are not shown\*\*.*"
                     rf"`agentlint diff {base}` prints them all", small)
    assert said is not None
    assert small.count("#### `") == 5 - int(said.group(1))
