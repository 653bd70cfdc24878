"""The package's structure: one widget class, no import circles, one request registry."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import nbprojector
from nbprojector import Projector, protocol
from nbprojector.widget import requests

SRC = Path(nbprojector.__file__).parent


def test_projector_is_one_class_without_mixins():
    ours = [c for c in Projector.__mro__ if c.__module__.startswith("nbprojector")]
    assert ours == [Projector]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(path: Path, module: str, modules: dict[str, Path]) -> set[str]:
    """The nbprojector modules ``path`` imports when it runs: ``from a import b`` imports
    module ``a.b`` when there is one, else ``a``. Imports under ``if TYPE_CHECKING:`` are
    read by type checkers only and are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("nbprojector"):
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in modules else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SRC.rglob("*.py") if "static" not in p.parts}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in _runtime_imports(path, name, modules) if m != name}
            for name, path in modules.items()}  # fmt: skip


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (a list of modules, first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    assert "nbprojector.widget.projector" in graph["nbprojector.widget"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_pure_code_imports_neither_the_widget_nor_anywidget():
    graph = import_graph()
    pure = [m for m in graph if m.startswith("nbprojector.projections")] + [
        "nbprojector.neighbors", "nbprojector.neighbor_backend", "nbprojector.sources",
        "nbprojector.compute", "nbprojector.jobs", "nbprojector.layout", "nbprojector.search",
        "nbprojector.bookmarks", "nbprojector.thumbnails", "nbprojector.export",
    ]  # fmt: skip
    modules = _modules()
    for module in pure:
        assert not any(m.startswith("nbprojector.widget") for m in graph[module]), module
        text = modules[module].read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from) anywidget\b", text, re.M), module


def _widget_private_names() -> set[str]:
    """The private attributes a Projector sets on itself (its components)."""
    tree = ast.parse((SRC / "widget" / "projector.py").read_text(encoding="utf-8"))
    return {
        node.attr for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name) and node.value.id == "self"
        and node.attr.startswith("_")
    }  # fmt: skip


def test_code_outside_the_widget_package_never_reaches_into_a_widget():
    private = _widget_private_names()
    assert {"_view", "_bookmarks", "_exports"} <= private
    reached = [
        f"{path.relative_to(SRC)}:{node.lineno} {ast.unparse(node)}"
        for path in _modules().values() if "widget" not in path.relative_to(SRC).parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in private
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]  # fmt: skip
    assert reached == []


def test_every_checked_and_observed_trait_has_its_reaction():
    from nbprojector.widget.reactions import CHECKED, OBSERVED

    traits = Projector.class_traits()
    assert set(CHECKED) <= set(traits) and set(OBSERVED) <= set(traits)
    p = Projector(np.eye(4, dtype=np.float32))
    for name in CHECKED:
        assert name in p._reactions._checks
    for name in OBSERVED:
        assert name in p._reactions._reactions


def test_the_registry_serves_exactly_the_protocols_kinds():
    source = inspect.getsource(requests.handlers)
    listed = set(ast.literal_eval(k) for k in _dict_keys(source))
    assert listed == set(protocol.REQUESTS)
    p = Projector(np.eye(4, dtype=np.float32))
    assert set(p._requests.handlers) == set(protocol.REQUESTS)


def _dict_keys(source: str) -> list[str]:
    tree = ast.parse(source.strip())
    [ret] = [n for n in ast.walk(tree) if isinstance(n, ast.Return)]
    assert isinstance(ret.value, ast.Dict), "the registry is one dict literal"
    return [ast.unparse(k) for k in ret.value.keys if k is not None]


def test_no_handler_is_found_by_name():
    for path in (SRC / "widget").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert 'getattr(self, f"' not in text, path.name
        assert "_request_{" not in text and "_prepare_{" not in text, path.name


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_methods_trait_carries_the_tabs_parameter_ranges(method):
    p = Projector(np.random.default_rng(0).normal(size=(30, 5)))
    params = {spec["name"]: spec for spec in p.methods[method]["params"]}
    for spec in params.values():
        if "min" in spec and isinstance(spec["default"], (int, float)):  # not "auto" or None
            assert spec["min"] <= spec["default"] <= spec["max"]
    if method == "tsne":
        assert (params["n_iter"]["min"], params["n_iter"]["max"]) == (10, 5000)


def test_every_method_written_for_the_projector_is_bound_in_its_class_body():
    """The public methods are functions of these modules that the class body binds by name;
    one written there and never bound would be missing from the widget."""
    from nbprojector.widget import projector_methods, projector_saving

    for module in (projector_methods, projector_saving):
        written = {name for name, value in vars(module).items()
                   if inspect.isfunction(value) and value.__module__ == module.__name__
                   and not name.startswith("_")}  # fmt: skip
        assert written, module.__name__
        for name in written:
            assert Projector.__dict__.get(name) is getattr(module, name), name


def test_no_module_is_past_the_line_limit():
    """A file past ~500 lines is two files, each with one job (the page's generated protocol
    types are generated, not written)."""
    page = SRC.parents[1] / "js" / "src"
    files = [*SRC.rglob("*.py"), *(p for p in page.rglob("*.ts") if p.name != "protocolTypes.ts")]
    long = {str(path.relative_to(SRC.parents[1])): n for path in sorted(files)
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500}  # fmt: skip
    assert not long, f"split these modules (lines over 500): {long}"
