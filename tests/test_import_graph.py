"""The layers import one way: no import cycle in the front end or the bench, and the drawing
code (js/src/scene) never imports the panels (js/src/ui)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "js" / "src"
BENCH = ROOT / "bench"

# `import ... from "./x"`, `export ... from "../y"`, `import "./z"` (type-only imports too:
# a cycle of types is still two modules that need each other).
TS_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?(?:from\s*)?["'](\.{1,2}/[^"']+)["']""",
                       re.MULTILINE)  # fmt: skip


def ts_graph(root: Path) -> dict[str, set[str]]:
    """Each .ts file (relative to root, no suffix) -> the files it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.ts")):
        name = path.relative_to(root).with_suffix("").as_posix()
        graph[name] = set()
        for target in TS_IMPORT.findall(path.read_text(encoding="utf-8")):
            resolved = (path.parent / target).resolve()
            for candidate in (resolved.with_suffix(".ts"), resolved / "index.ts"):
                if candidate.is_file():
                    graph[name].add(candidate.relative_to(root).with_suffix("").as_posix())
                    break
            else:
                raise AssertionError(f"{name}.ts imports {target!r}, which is not a .ts file")
    return graph


def py_graph(root: Path) -> dict[str, set[str]]:
    """Each module in a flat folder of scripts -> the modules of that folder it imports."""
    names = {p.stem for p in root.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in sorted(root.glob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
        graph[path.stem] = imported & names - {path.stem}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of a graph: one per strongly connected group of two or more modules
    (or a module importing itself), each as a path that comes back to its start."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(_path(graph, sorted(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _path(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A cycle through a strongly connected group, for the failure message."""
    members = set(group)
    path = [group[0]]
    while True:
        nxt = sorted(graph[path[-1]] & members)
        step = next((n for n in nxt if n not in path), None) or next(n for n in nxt if n in path)
        path.append(step)
        if step in path[:-1]:
            return path[path.index(step):]


def describe(found: list[list[str]]) -> str:
    return "; ".join(" -> ".join(c) for c in found)


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"]]
    assert cycles({"a": {"a"}}) == [["a", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}}) == [
        ["a", "b", "c", "a"], ["d", "e", "d"],
    ]  # fmt: skip


def test_the_graphs_are_read_from_the_sources(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "a.ts").write_text('import { f } from "./x/b";\nexport const a = 1;\n')
    (tmp_path / "x" / "b.ts").write_text('import type { a } from "../a";\nimport "three";\n')
    assert ts_graph(tmp_path) == {"a": {"x/b"}, "x/b": {"a"}}
    assert cycles(ts_graph(tmp_path)) == [["a", "x/b", "a"]]
    (tmp_path / "one.py").write_text("from two import f\nimport numpy\n")
    (tmp_path / "two.py").write_text("import one\n")
    assert py_graph(tmp_path) == {"one": {"two"}, "two": {"one"}}


def test_no_import_cycle_in_the_front_end():
    graph = ts_graph(JS)
    assert len(graph) > 20  # the whole front end was read
    found = cycles(graph)
    assert not found, f"import cycles in js/src: {describe(found)}"


def test_the_drawing_code_does_not_import_the_panels():
    graph = ts_graph(JS)
    wrong = sorted(f"{a} -> {b}" for a, deps in graph.items() if a.startswith("scene/")
                   for b in deps if b.startswith("ui/"))  # fmt: skip
    assert not wrong, f"js/src/scene imports js/src/ui: {', '.join(wrong)}"


def test_no_import_cycle_in_the_bench():
    graph = py_graph(BENCH)
    assert {"bench", "common", "browser"} <= set(graph)
    found = cycles(graph)
    assert not found, f"import cycles in bench: {describe(found)}"


def test_the_bench_loads_no_module_by_path():
    for path in sorted(BENCH.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "spec_from_file_location" not in text, f"{path.name} loads a module by path"
