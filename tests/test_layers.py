"""Data flows one way through agentlint's modules: no back edges, no import cycles.

The layers, bottom to top. A module imports only from its own package or from a
lower layer; two packages that share a layer do not import each other.

0. ``agentlint`` (the package: ``__version__``), ``errors``, ``data``, ``schemas``;
1. ``units`` (how numbers are written), ``paths`` (which files, and their shown names),
   ``escape`` (untrusted text made safe for each place it is printed);
2. ``metrics``: cost, latency and reliability, what a budget of each means;
3. ``spec``: the workflow model, YAML with positions, the schema check, the
   dependency lists, topological order and cycle check (``spec/deps.py``: a
   cycle is a spec error) and comment-preserving spec editing (``spec/edit.py``);
4. ``adapters`` | ``graph`` | ``trace``: foreign formats lowered to a native spec,
   the execution graph with the cost model, and trace exports read as spans;
   none knows the others;
5. ``sources`` + ``convert``, the ingest layer: any file, native or foreign, to a
   ``Workflow`` (``convert`` writes a foreign workflow as a native spec);
6. ``lint`` | ``optimizer`` | ``calibrate``: the analyses (``calibrate``: what a
   workflow's traces measured of its spec's figures);
7. ``ci``: git-aware comparisons and baselines (the analyses of a change);
8. ``report``: findings, estimates, plans and diffs rendered;
9. ``command``: what a command does once its arguments are parsed (``lint``'s
   body, which runs without click for a hook's plain call; one-line errors);
10. ``cli``: the command line, and ``server``, the editor server it starts;
11. ``__main__``: ``python -m agentlint``.

Every import counts, at module level (``TYPE_CHECKING`` blocks included) and
inside functions: a lazy import is a dependency all the same, and one used to
keep a cycle from failing at import time is a cycle all the same. So both the
direction check and the cycle check (Tarjan's strongly connected components)
read every import; the direction check alone cannot see a cycle inside one
package, such as two adapter modules importing each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "agentlint"

#: top-level name below ``agentlint`` -> its layer: the one place the order is written
LAYERS: dict[str, int] = {
    "": 0, "errors": 0, "data": 0, "schemas": 0, "interrupt": 0, "record": 0,
    "units": 1, "paths": 1, "escape": 1,
    "metrics": 2,
    "spec": 3,
    "adapters": 4, "graph": 4, "trace": 4,
    "sources": 5, "convert": 5,
    "lint": 6, "optimizer": 6, "calibrate": 6,
    "ci": 7,
    "report": 8,
    "command": 9,
    "cli": 10, "server": 10,
    "__main__": 11,
}

#: packages in one layer that may import each other (the ingest layer is one job in two modules)
PARTNERS = {frozenset({"sources", "convert"}),
            frozenset({"cli", "server"})}  # the command line registers the editor server

#: modules that import agentlint's own modules inside functions, and why; anywhere else an
#: import of the package's own code is an ordinary one at the top of the module
LAZY = {
    "agentlint.cli": "start-up speed: a command loads only what it uses",
    "agentlint.command": "start-up speed: lint loads its fixes, baseline and git reads on use",
    "agentlint.adapters": "start-up speed: the built-in adapters load on first foreign file",
    "agentlint.optimizer": "start-up speed: the solver modules load when a solve starts",
    "agentlint.__main__": "start-up speed: the collector is off before the CLI is imported",
    "agentlint.paths": "start-up speed: the signal handling loads with the first write",
    "agentlint.lint.registry": "start-up speed: the spec editor loads when a rule builds a fix",
    "agentlint.server": "the optional pygls, and the lint path, load when the server starts",
    "agentlint.lint.engine": "start-up speed: a LiteLLM gateway config loads only with --models",
    "agentlint.lint.rules.budgets.over_budget":
        "start-up speed: the run distribution loads only for a percentile budget",
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    at_load: bool  # module level (including TYPE_CHECKING), not inside a function


def module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def edges(known: dict[str, Path]) -> list[Edge]:
    found: list[Edge] = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]

        def visit(node: ast.AST, in_function: bool, module: str = module,
                  package: str = package) -> None:
            for child in ast.iter_child_nodes(node):
                nested = in_function or isinstance(
                    child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                targets: list[str] = []
                if isinstance(child, ast.Import):
                    targets = [alias.name for alias in child.names]
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                        base = ".".join([*anchor, base] if base else anchor)
                    # ``from agentlint.x import y`` imports module ``agentlint.x.y`` if there is one
                    targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                               for alias in child.names]
                for target in targets:
                    if target == "agentlint" or target.startswith("agentlint."):
                        resolved = _resolve(target, known)
                        if resolved and resolved != module:
                            found.append(Edge(module, resolved, child.lineno, not in_function))
                visit(child, nested)

        visit(tree, False)
    return found


def layer_of(module: str) -> tuple[int, str]:
    top = module.split(".")[1] if "." in module else ""
    assert top in LAYERS, f"{module}: no layer for agentlint.{top}; add it to LAYERS"
    return LAYERS[top], top


def back_edges(found: list[Edge]) -> list[str]:
    wrong = []
    for e in found:
        (low, low_top), (high, high_top) = layer_of(e.source), layer_of(e.target)
        upward = high > low
        sideways = (high == low and low_top != high_top and bool(low_top and high_top)
                    and frozenset({low_top, high_top}) not in PARTNERS)
        if upward or sideways:
            wrong.append(f"{e.source}:{e.line} imports {e.target} "
                         f"(layer {low} {'->' if upward else 'beside'} layer {high})")
    return wrong


def cycles(found: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), over every import."""
    graph: dict[str, set[str]] = {}
    for e in found:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:  # recursion depth is bounded by the module count
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return components


def test_every_module_has_a_layer() -> None:
    for module in module_names():
        layer_of(module)


def test_imports_point_down() -> None:
    assert back_edges(edges(module_names())) == []


def test_no_import_cycles() -> None:
    assert cycles(edges(module_names())) == []


def test_lazy_imports_only_where_documented() -> None:
    lazy = {e.source for e in edges(module_names()) if not e.at_load}
    assert lazy <= set(LAZY), sorted(lazy - set(LAZY))


def test_the_reader_sees_lazy_imports() -> None:
    """The checks above are only as good as the import reading: it must see both kinds."""
    found = edges(module_names())
    assert any(not e.at_load and e.source == "agentlint.cli" for e in found)
    assert any(e.at_load and (e.source, e.target) == ("agentlint.graph.estimate",
                                                       "agentlint.graph.build") for e in found)
    fake = [Edge("agentlint.spec.load", "agentlint.report.text", 1, False),
            Edge("agentlint.graph.build", "agentlint.adapters.ir", 1, True),
            Edge("agentlint.spec.a", "agentlint.spec.b", 1, True),
            Edge("agentlint.spec.b", "agentlint.spec.a", 2, True)]
    assert len(back_edges(fake)) == 2
    assert cycles(fake) == [["agentlint.spec.a", "agentlint.spec.b"]]


def test_no_solver_on_the_lint_path() -> None:
    """What ``lint`` and ``estimate`` import never loads a MILP solver (see also
    ``test_lint_path_stays_light``, which runs the command)."""
    code = ("import sys; from agentlint import sources; from agentlint.lint import engine; "
            "from agentlint.graph import estimate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulp', 'highspy')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
