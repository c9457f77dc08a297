"""The pull-request review (agentlint/ci/review.py) against a local fake of GitHub's REST API.

The fake (http.server on 127.0.0.1, in a thread) keeps a pull request's files and
review comments, records every request, and refuses what GitHub refuses: a comment
off the diff, a wrong side, a missing commit id or token. The tests check the
payloads (path, line, side, start_line, body, commit id), that a second run
updates the review instead of stacking one, that a suggestion outside the diff
lands in the summary comment, and hostile names and texts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agentlint.ci.review import (
    MARKER,
    Api,
    Suggestion,
    comment_body,
    fence_for,
    head_lines,
    placeable,
    publish,
    suggestions,
    summary_section,
)
from tests.conftest import ROOT

REPO, PR, COMMIT, TOKEN = "octo/flows", 7, "0123456789abcdef0123456789abcdef01234567", "t0k"
BASE = f"/repos/{REPO}/pulls/{PR}"


class FakeGitHub:
    """The endpoints the review uses, with GitHub's checks on a review comment."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files  # filename -> patch
        self.comments: list[dict[str, Any]] = [
            {"id": 1, "path": "x.yaml", "line": 1, "body": "a person's comment"}]
        self.requests: list[tuple[str, str, Any]] = []
        self.next_id = 100
        self.lock = threading.Lock()

    def handle(self, method: str, url: str, headers: Any, payload: Any) -> tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}
        parts = urlsplit(url)
        path, query = parts.path, parse_qs(parts.query)
        self.requests.append((method, path, payload))
        page = int(query.get("page", ["1"])[0])
        per = int(query.get("per_page", ["30"])[0])
        if method == "GET" and path == f"{BASE}/files":
            items = [{"filename": k, "patch": v} for k, v in self.files.items()]
            return 200, items[(page - 1) * per:page * per]
        if method == "GET" and path == f"{BASE}/comments":
            return 200, self.comments[(page - 1) * per:page * per]
        if method == "POST" and path == f"{BASE}/reviews":
            return self._review(payload)
        found = re.fullmatch(rf"/repos/{REPO}/pulls/comments/(\d+)", path)
        if found is not None:
            ident = int(found.group(1))
            target = next((c for c in self.comments if c["id"] == ident), None)
            if target is None:
                return 404, {"message": "Not Found"}
            if method == "PATCH":
                target["body"] = payload["body"]
                return 200, target
            if method == "DELETE":
                self.comments.remove(target)
                return 204, None
        return 404, {"message": "Not Found"}

    def _review(self, payload: dict[str, Any]) -> tuple[int, Any]:
        if payload.get("commit_id") != COMMIT or payload.get("event") != "COMMENT" \
                or not payload.get("body"):
            return 422, {"message": "Unprocessable Entity"}
        for c in payload["comments"]:
            hunks = head_lines(self.files.get(c["path"], ""))
            start = c.get("start_line", c["line"])
            if c.get("side") != "RIGHT" or ("start_line" in c and c.get("start_side") != "RIGHT"):
                return 422, {"message": "side"}
            if not any(all(n in h for n in range(start, c["line"] + 1)) for h in hunks):
                return 422, {"message": "Line could not be resolved"}
        for c in payload["comments"]:
            self.next_id += 1
            self.comments.append({"id": self.next_id, "path": c["path"], "line": c["line"],
                                  "start_line": c.get("start_line"), "body": c["body"]})
        return 200, {"id": 5000 + self.next_id}


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub({})

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(size)) if size else None
            with fake.lock:
                status, body = fake.handle(self.command, self.path, self.headers, payload)
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def added_file(text: str) -> str:
    """The patch GitHub shows for a file the pull request adds."""
    lines = text.rstrip("\n").split("\n")
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join("+" + x for x in lines)


def plan_diff(name: str) -> str:
    """The optimizer's plan for one of the examples, as ``agentlint optimize --diff``
    prints it (a real process, from the repository root)."""
    done = subprocess.run([sys.executable, "-m", "agentlint", "optimize", "--diff",
                           "--time-limit", "30", name], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"--- a/{name}")
    return done.stdout


SPEC = "examples/code-review.yaml"


def test_hunks_become_suggestions_at_the_heads_lines() -> None:
    diff = ("--- a/x.yaml\n+++ b/x.yaml\n@@ -1,7 +1,7 @@\n a\n-b\n-c\n+B\n+C\n+C2\n d\n+new\n"
            " e\n-f\n g\n")
    got = suggestions("x.yaml", diff, "t")
    assert [(s.start, s.end, s.old, s.new) for s in got] == [
        (2, 3, ["b", "c"], ["B", "C", "C2"]),  # a replacement of two lines
        (4, 4, ["d"], ["d", "new"]),  # an insertion, anchored on the line above
        (6, 6, ["f"], []),  # a deletion: an empty suggestion
    ]
    top = suggestions("x.yaml", "@@ -1,2 +1,3 @@\n+first\n a\n b\n", "t")
    assert [(s.start, s.end, s.old, s.new) for s in top] == [(1, 1, ["a"], ["first", "a"])]


def test_the_optimize_plan_as_one_review_on_the_changed_lines(
        github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    text = (ROOT / SPEC).read_text(encoding="utf-8")
    fake.files = {SPEC: added_file(text), "README.md": "@@ -1 +1 @@\n-x\n+y"}
    wanted = suggestions(SPEC, plan_diff(SPEC), "the optimize plan")
    assert wanted, "the example has a plan"
    api = Api(url, TOKEN)
    outcome = publish(api, REPO, PR, COMMIT, wanted)
    assert outcome.posted == len(wanted) and not outcome.outside
    posts = [(p, body) for m, p, body in fake.requests if m == "POST"]
    assert len(posts) == 1 and posts[0][0] == f"{BASE}/reviews"
    review = posts[0][1]
    assert review["commit_id"] == COMMIT and review["event"] == "COMMENT"
    assert review["body"].startswith(MARKER)
    lines = text.split("\n")
    for comment, s in zip(review["comments"], wanted, strict=True):
        assert comment["path"] == SPEC and comment["side"] == "RIGHT"
        assert comment["line"] == s.end
        assert lines[s.end - 1] == s.old[-1]  # the comment sits on the line it replaces
        assert "start_line" not in comment  # the plan's edits insert one line each
        body = comment["body"]
        assert body.startswith(f"{MARKER} {s.start}-{s.end} -->\n")
        block = re.search(r"\n```suggestion\n(.*)\n```\n$", body, re.S)
        assert block is not None and block.group(1).split("\n") == s.new
    # the suggestions applied give the optimizer's spec
    after = lines[:]
    for s in sorted(wanted, key=lambda s: -s.start):
        after[s.start - 1:s.end] = s.new
    done = subprocess.run([sys.executable, "-m", "agentlint", "optimize", "--diff", SPEC],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    plus = [x[1:] for x in done.stdout.split("\n") if x.startswith("+") and
            not x.startswith("+++")]
    assert all(x in after for x in plus)
    assert len(after) == len(lines) + len(plus)


def test_a_multi_line_suggestion_has_start_line(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    fake.files = {"f.yaml": added_file("a\nb\nc\nd\n")}
    wanted = suggestions("f.yaml", "@@ -1,4 +1,3 @@\n a\n-b\n-c\n+bc\n d\n", "t")
    publish(Api(url, TOKEN), REPO, PR, COMMIT, wanted)
    (comment,) = next(b for m, _, b in fake.requests if m == "POST")["comments"]
    assert (comment["start_line"], comment["line"]) == (2, 3)
    assert comment["start_side"] == comment["side"] == "RIGHT"


def test_a_second_push_updates_instead_of_stacking(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    fake.files = {"f.yaml": added_file("a\nb\nc\nd\ne\n")}
    api = Api(url, TOKEN)
    first = suggestions("f.yaml", "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n-d\n+D\n e\n", "t")
    publish(api, REPO, PR, COMMIT, first)
    ids = {c["line"]: c["id"] for c in fake.comments if c["body"].startswith(MARKER)}
    assert set(ids) == {2, 4}
    fake.requests.clear()
    # the next push: line 2 gets another suggestion, line 4 none, line 5 a new one
    second = suggestions("f.yaml", "@@ -1,5 +1,5 @@\n a\n-b\n+BB\n c\n d\n-e\n+E\n", "t")
    outcome = publish(api, REPO, PR, COMMIT, second)
    assert (outcome.updated, outcome.deleted, outcome.posted, outcome.kept) == (1, 1, 1, 0)
    methods = [(m, p) for m, p, _ in fake.requests if m != "GET"]
    assert ("PATCH", f"/repos/{REPO}/pulls/comments/{ids[2]}") in methods
    assert ("DELETE", f"/repos/{REPO}/pulls/comments/{ids[4]}") in methods
    posted = [b for m, _, b in fake.requests if m == "POST"]
    assert len(posted) == 1 and [c["line"] for c in posted[0]["comments"]] == [5]
    ours = [c for c in fake.comments if c["body"].startswith(MARKER)]
    assert sorted(c["line"] for c in ours) == [2, 5]
    assert "BB" in next(c["body"] for c in ours if c["line"] == 2)
    assert any(c["body"] == "a person's comment" for c in fake.comments)  # never touched
    # the same suggestions again: nothing is posted, edited or deleted
    fake.requests.clear()
    again = publish(api, REPO, PR, COMMIT, second)
    assert (again.kept, again.updated, again.deleted, again.posted) == (2, 0, 0, 0)
    assert [m for m, _, _ in fake.requests] == ["GET", "GET"]


def test_lines_outside_the_diff_go_into_the_summary(github: tuple[FakeGitHub, str],
                                                    tmp_path: Path) -> None:
    fake, url = github
    text = (ROOT / SPEC).read_text(encoding="utf-8")
    # the pull request changed only the first lines: the plan's line is not in its diff
    fake.files = {SPEC: "@@ -1,3 +1,3 @@\n" + "\n".join(
        (" " if i else "+") + x for i, x in enumerate(text.split("\n")[:3]))}
    diff = tmp_path / "plan.diff"
    diff.write_text(plan_diff(SPEC), encoding="utf-8")
    summary = tmp_path / "comment.md"
    summary.write_text("<!-- agentlint -->\n## agentlint diff\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "agentlint.ci.review", "--repo", REPO, "--pr", str(PR),
         "--commit", COMMIT, "--plan", SPEC, str(diff), "--summary", str(summary)],
        env={"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": url},
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("agentlint review: 0 posted")
    assert not any(m == "POST" for m, _, _ in fake.requests)
    body = summary.read_text(encoding="utf-8")
    assert body.startswith("<!-- agentlint -->\n## agentlint diff\n")
    assert "1 suggestion on lines outside this pull request's changes" in body
    wanted = suggestions(SPEC, diff.read_text(encoding="utf-8"), "t")
    assert f"`{SPEC}:{wanted[0].start}`" in body
    assert "\n  +    model: gpt-4o\n" in body


def test_a_hostile_name_and_text(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    name = "a`b</summary>\n<img src=x onerror=alert(1)>.yaml"
    fake.files = {name: added_file("x: 1\n")}
    new = "x: \"````\"  # <script>\n"
    wanted = suggestions(name, f"@@ -1 +1 @@\n-x: 1\n+{new}", "<b>bold</b> `title`")
    outcome = publish(Api(url, TOKEN), REPO, PR, COMMIT, wanted)
    assert outcome.posted == 1
    (comment,) = next(b for m, _, b in fake.requests if m == "POST")["comments"]
    assert comment["path"] == name  # GitHub's own field: the name as it is
    body = comment["body"]
    assert "\n`````suggestion\n" + new + "`````\n" in body  # a fence longer than the text's
    assert "<b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
    section = summary_section(wanted)
    assert "\n<img" not in section and "<script>" not in section[:section.index("`````diff")]
    assert "\n  `````diff\n  -x: 1\n  +" + new.rstrip("\n") + "\n  `````\n" in section
    # the file name stays on its line, inside a code span its backtick cannot close
    where = next(x for x in section.split("\n") if x.startswith("- "))
    assert where.startswith("- `` a`b</summary>\\n<img src=x onerror=alert(1)>.yaml:1 ``: ")
    assert where.endswith("&lt;b&gt;bold&lt;/b&gt; `title`")


def test_a_refusal_is_one_line_and_exit_2(github: tuple[FakeGitHub, str],
                                          tmp_path: Path) -> None:
    _, url = github
    diff = tmp_path / "d.diff"
    diff.write_text("@@ -1 +1 @@\n-a\n+b\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "agentlint.ci.review", "--repo", REPO, "--pr", str(PR),
         "--commit", COMMIT, "--plan", "f.yaml", str(diff)],
        env={"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "wrong", "GITHUB_API_URL": url},
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"agentlint review: GET {BASE}/files?per_page=100&page=1: HTTP 401: Bad credentials"]
    assert "wrong" not in done.stderr


def test_fences_and_placement() -> None:
    assert fence_for("no ticks") == "```"
    assert fence_for("a ``` b ```` c") == "`````"
    s = Suggestion("f", 2, 3, ["b", "c"], ["x"], "t")
    assert placeable(s, head_lines("@@ -1,3 +1,4 @@\n a\n+b\n c\n+d\n"))
    assert not placeable(s, head_lines("@@ -1,2 +1,2 @@\n a\n+b\n@@ -5 +3 @@\n+c\n"))
    assert not placeable(s, head_lines("@@ -1,3 +1,3 @@\n a\n+B\n c\n"))  # other text
    assert comment_body(Suggestion("f", 1, 1, ["a"], [], "t")).endswith("```suggestion\n```\n")


def run_review_step(fake: FakeGitHub, url: str, tmp_path: Path, name: str,
                    files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """action.yml's review step, run by bash as the runner would, in a real repository
    holding ``files``, with ``name`` listed as a changed spec (added whole)."""
    import os
    import shutil

    import yaml

    from tests.support import GitRepo

    if shutil.which("bash") is None or shutil.which("git") is None:
        pytest.skip("needs bash and git")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"]
                if s.get("name") == "Review suggestions on the pull request")
    assert "${{" not in step["run"]
    assert step["env"]["AGENTLINT_HEAD"] == "${{ github.event.pull_request.head.sha }}"
    repo = GitRepo(tmp_path / "repo")
    for path, content in files.items():
        repo.write(path, content)
    out = tmp_path / "temp" / "agentlint"
    out.mkdir(parents=True)
    (out / "optimize.list").write_bytes(name.encode() + b"\0<details>summary\0")
    (out / "comment.md").write_text("<!-- agentlint -->\n", encoding="utf-8")
    fake.files = {name: added_file(files[name])}
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
           "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path / "temp"),
           "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": url, "AGENTLINT_REPO": REPO,
           "AGENTLINT_PR": str(PR), "AGENTLINT_HEAD": COMMIT,
           "AGENTLINT_BODY": str(out / "comment.md"),
           # the agentlint under test, wherever the test's own comes from
           **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}
    # as the runner runs a step with shell: bash
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           step["run"]], cwd=repo.root, env=env,
                          capture_output=True, text=True, timeout=180)


def test_the_actions_review_step(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    """The plan of a changed spec whose name starts with a dash posts one review."""
    fake, url = github
    name = "-review flow.yaml"
    text = (ROOT / SPEC).read_text(encoding="utf-8")
    prompt = (ROOT / "examples/prompts/code-review-guidelines.md").read_text(encoding="utf-8")
    done = run_review_step(fake, url, tmp_path, name,
                           {name: text, "prompts/code-review-guidelines.md": prompt})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("agentlint review: ")
    (review,) = [b for m, _, b in fake.requests if m == "POST"]
    assert all(c["path"] == name and c["side"] == "RIGHT" for c in review["comments"])
    comment = next(c for c in review["comments"] if "gpt-4o" in c["body"])  # the plan's
    assert text.split("\n")[comment["line"] - 1] == "    agent: reviewer"
    assert "```suggestion\n    agent: reviewer\n    model: gpt-4o\n```" in comment["body"]


def test_docs_show_the_review_comment_the_example_gets() -> None:
    from agentlint.ci.review import PLAN_TITLE

    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    shown = re.search(r"\n````markdown\n(.*?\n)````\n", docs, re.S)
    assert shown is not None
    (first, *_) = suggestions(SPEC, plan_diff(SPEC), PLAN_TITLE)
    assert shown.group(1) == comment_body(first)


def test_the_actions_review_step_shows_a_fix_before_the_plan(
        github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    """Where a lint fix and the plan change the same lines (a parallel group the
    optimizer proposes too), one comment is shown: the fix's, where lint has --fix."""
    from agentlint.ci.review import FIX_TITLE, PLAN_TITLE

    fake, url = github
    name = "flows/research.yaml"
    text = (ROOT / "examples/research-fanout.yaml").read_text(encoding="utf-8")
    done = run_review_step(fake, url, tmp_path, name, {name: text})
    assert done.returncode == 0, done.stderr
    (review,) = [b for m, _, b in fake.requests if m == "POST"]
    lines = text.split("\n")
    anchors = [lines[c["line"] - 1].strip() for c in review["comments"]]
    assert anchors == ["- id: research_filings  # expect: AL101",
                       "- id: research_forums  # expect: AL101"]
    assert all("\n    parallel: sources\n```" in c["body"] for c in review["comments"])
    lint_help = subprocess.run([sys.executable, "-m", "agentlint", "lint", "--help"],
                               capture_output=True, text=True, timeout=60).stdout
    title = FIX_TITLE if "--fix" in lint_help else PLAN_TITLE
    assert all(escape_title(title) in c["body"] for c in review["comments"])


def escape_title(title: str) -> str:
    from agentlint import escape

    return escape.md(title)
