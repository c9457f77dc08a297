"""benchmarks/precision.py: its figures follow from the labels and agentlint's output.

The benchmark measures agentlint on labelled real files; these tests keep the
measurement itself honest: every count and ratio it prints is recomputed here
from the labels and from agentlint's own output, on a few files of the corpus.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import run_process

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "precision.py"
CORPUS = ROOT / "benchmarks" / "corpus"
DEBATE = "crewai/debate/src/debate/config/tasks.yaml"
REFUSED = "promptflow-invalid/node_reference_not_found/flow.dag.yaml"
NOT_A_WORKFLOW = "other/gh_actions_build_doc/build_doc_ci.yml"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("precision_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["precision_bench"] = module
    spec.loader.exec_module(module)
    return module


def finding(code: str, line: int, severity: str = "warning", file: str = "a/tasks.yaml"
            ) -> dict[str, Any]:
    return {"code": code, "rule": code.lower(), "severity": severity, "message": "m",
            "file": file, "line": line, "column": 1}


def test_scores_follow_from_the_labels(bench: ModuleType) -> None:
    """Synthetic runs: every count, ratio and list in the summary, worked out by hand."""
    e = bench.Expected
    labels = [
        bench.Label("w1", "a/tasks.yaml", "read",
                    must=[e("AL005", 11), e("AL101", 30), e("AL001", None)],
                    may=[e("AL301", 1)], model_calls=3.0,
                    critical_path=["a", "b"]),
        bench.Label("w2", "b/flow.dag.yaml", "read", model_calls=2.0, critical_path=["x"]),
        bench.Label("w3", "c/flow.dag.yaml", "refused", error_line=29),
        bench.Label("w4", "d/ci.yml", "skipped"),
        bench.Label("w5", "e/flow.dag.yaml", "refused"),
        bench.Label("w6", "f/flow.dag.yaml", "read", must=[e("AL005", 2)]),
    ]
    runs = [
        # AL005@11 right; AL005@21 wrong; AL301 debatable; info never scored;
        # AL001 matches the entry without a line; AL101@30 missing
        bench.Run("read", [finding("AL005", 11), finding("AL005", 21), finding("AL301", 1),
                           finding("AL902", 3, "info"), finding("AL001", 40)],
                  estimate={"critical_path": ["a", "b"],
                            "steps": [{"model": "m", "calls": 1.0}, {"model": "m", "calls": 2.0},
                                      {"model": None, "calls": 5.0}]}),
        bench.Run("refused", [], error="b/flow.dag.yaml:3:1: bad"),       # valid but refused
        bench.Run("refused", [], error="c/flow.dag.yaml:29:10: ${x} refers to ..."),
        bench.Run("skipped", []),
        bench.Run("read", [finding("AL203", 1, "error")],                  # invalid but read
                  estimate={"critical_path": [], "steps": []}),
        bench.Run("crashed", [], error="lint exited 3: Traceback"),       # its must is missed
    ]
    s = bench.summarise(labels, runs)
    assert s["rules"] == {
        "AL001": {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0},
        "AL005": {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5},
        "AL101": {"tp": 0, "fp": 0, "fn": 1, "precision": None, "recall": 0.0},
        "AL203": {"tp": 0, "fp": 1, "fn": 0, "precision": 0.0, "recall": None},
    }
    assert s["overall"] == {"tp": 2, "fp": 2, "fn": 2, "precision": 0.5, "recall": 0.5}
    files = s["files"]
    assert files["expected"] == {"read": 3, "refused": 2, "skipped": 1}
    assert files["actual"] == {"read": 2, "refused": 2, "skipped": 1, "crashed": 1}
    assert files["share"] == {"read": 2 / 6, "refused": 2 / 6, "skipped": 1 / 6,
                              "crashed": 1 / 6}
    assert files["agree"] == 3
    assert files["crashed"] == ["w6"]
    assert files["valid_refused"] == ["w2"]
    assert files["invalid_read"] == ["w5"]
    assert files["non_workflow_read"] == [] and files["invalid_skipped"] == []
    assert (files["error_line_agree"], files["error_line_labelled"]) == (1, 1)
    # w1: 1 + 2 model calls (the free step's 5 do not count) = 3; w2 was refused
    assert s["model_calls"] == {"labelled": 2, "agree": 1, "share": 0.5}
    assert s["critical_path"] == {"labelled": 2, "agree": 1, "share": 0.5}
    w1 = s["details"][0]
    assert w1["fp"] == ["AL005 a/tasks.yaml:21"]
    assert w1["debatable"] == ["AL301 a/tasks.yaml:1"]
    assert w1["fn"] == ["AL101 line 30"]

    table = bench.render(s)
    assert "all         2    2    2       0.50    0.50" in table
    assert "AL101       0    0    1          -    0.00" in table
    assert "precision on warnings and errors: 0.50 (2 right of 4)" in table
    assert ("read 2 (0.33), refused 2 (0.33), skipped 1 (0.17), crashed 1 (0.17); "
            "outcome as labelled 3/6") in table
    assert "valid but refused: w2" in table and "invalid but read: w5" in table
    assert "crashed: w6" in table
    assert "model calls per run: 1/2 agree (0.50)" in table
    assert "  w2: expected 2, got -" in table


def test_a_finding_matches_one_entry_only(bench: ModuleType) -> None:
    e = bench.Expected
    label = bench.Label("w", "f.yaml", "read", must=[e("AL005", 10)])
    s = bench.summarise([label], [bench.Run("read", [finding("AL005", 10)] * 2,
                                            estimate={"steps": [], "critical_path": []})])
    assert s["overall"]["tp"] == 1 and s["overall"]["fp"] == 1


def test_the_script_on_three_corpus_files(tmp_path: Path) -> None:
    """A real run of the script: its JSON agrees with agentlint's own output and the labels."""
    lint = run_process("lint", "--format", "json", DEBATE, cwd=CORPUS)
    assert lint.returncode in (0, 1), lint.stderr
    scored = [f for f in json.loads(lint.stdout) if f["severity"] in ("warning", "error")]
    estimate = json.loads(run_process("estimate", "--format", "json", DEBATE,
                                      cwd=CORPUS).stdout)
    calls = sum(s["calls"] for s in estimate["steps"] if s["model"])
    # labels built from this run: the first finding is right, a finding at a line no
    # file has is missing, the rest are wrong; the calls agree, the path does not
    must = [{"rule": scored[0]["code"], "line": scored[0]["line"]}] if scored else []
    must.append({"rule": "AL101", "line": 99999})
    labels = {"workflows": [
        {"id": "debate", "path": DEBATE, "expect": "read", "must": must,
         "model_calls": calls, "critical_path": ["not", "the", "path"]},
        {"id": "refused", "path": REFUSED, "expect": "refused"},
        {"id": "ci", "path": NOT_A_WORKFLOW, "expect": "skipped"},
    ]}
    (tmp_path / "labels.yaml").write_text(yaml.safe_dump(labels), encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), "--labels", str(tmp_path / "labels.yaml"),
                           "--json", "--jobs", "3"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)
    tp = 1 if scored else 0
    fp = len(scored) - tp
    assert (s["overall"]["tp"], s["overall"]["fp"], s["overall"]["fn"]) == (tp, fp, 1)
    assert s["overall"]["precision"] == (tp / (tp + fp) if scored else None)
    assert s["overall"]["recall"] == tp / (tp + 1)
    assert sum(r["tp"] for r in s["rules"].values()) == tp
    assert sum(r["fp"] for r in s["rules"].values()) == fp
    assert s["rules"]["AL101"]["fn"] >= 1
    assert [w["outcome"] for w in s["details"]] == ["read", "refused", "skipped"]
    assert s["files"]["agree"] == 3 and s["files"]["share"]["read"] == 1 / 3
    assert s["model_calls"] == {"labelled": 1, "agree": 1, "share": 1.0}
    assert s["critical_path"] == {"labelled": 1, "agree": 0, "share": 0.0}
    assert s["details"][1]["error"].startswith(REFUSED + ":")


def test_unreadable_labels_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "labels.yaml"
    bad.write_text("workflows:\n  - {id: x, path: y, expect: maybe}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), "--labels", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "expect" in done.stderr


def test_unscored_rules_are_counted_apart(bench: ModuleType) -> None:
    label = bench.Label("w", "f.yaml", "read", must=[bench.Expected("AL301", 1)])
    run = bench.Run("read", [finding("AL301", 1), finding("AL301", 9), finding("AL005", 4)],
                    estimate={"steps": [], "critical_path": []})
    s = bench.summarise([label], [run], frozenset({"AL301"}))
    # the must entry on an unscored rule is not missed either: the rule is not scored
    assert s["overall"] == {"tp": 0, "fp": 1, "fn": 0, "precision": 0.0, "recall": None}
    assert s["unscored"] == {"AL301": 2}
    assert "not scored: 0 findings labelled debatable; unscored rules: AL301 2" in bench.render(s)
