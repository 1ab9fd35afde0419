"""The shape of the code: no import cycles at any level, layers that depend one way, small modules.

Every ``import`` in ``rxapp/`` is read from the source (function-level ones
too, which hide cycles from Python itself), so a cycle fails here the moment
it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rxapp"
MAX_MODULE_LINES = 500
LONG_MODULES_ALLOWED = {"rxapp.models"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The rxapp module an imported name lands in (``rxapp.services.files.x`` → ``rxapp.services.files``)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """{module: the rxapp modules it imports, anywhere in its body}."""
    known = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            else:
                continue
            for target in targets:
                found = _resolve(target, known)
                if found and found != name and found != "rxapp":
                    deps.add(found)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_at_any_level():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


@pytest.mark.parametrize(
    "layer, forbidden",
    [
        ("rxapp.services", ("rxapp.state", "rxapp.pages", "rxapp.components", "rxapp.api", "rxapp.rxapp")),
        ("rxapp.api", ("rxapp.state", "rxapp.pages", "rxapp.components", "rxapp.rxapp")),
        ("rxapp.state", ("rxapp.pages", "rxapp.components", "rxapp.rxapp")),
        ("rxapp.vocabulary", ("rxapp.services", "rxapp.state", "rxapp.pages", "rxapp.components")),
    ],
)
def test_layers_depend_one_way(layer, forbidden):
    bad = sorted(
        f"{module} imports {dep}"
        for module, deps in import_graph().items()
        if module == layer or module.startswith(layer + ".")
        for dep in deps
        if dep.startswith(forbidden)
    )
    assert not bad, "\n".join(bad)


def test_services_do_not_import_reflex():
    bad = [
        str(p.relative_to(ROOT))
        for p in (PACKAGE / "services").rglob("*.py")
        if any(
            isinstance(n, (ast.Import, ast.ImportFrom))
            and any(
                (getattr(n, "module", None) or a.name).split(".")[0] in ("reflex", "reflex_base")
                for a in n.names
            )
            for n in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert not bad


def test_no_module_is_too_long():
    long = {
        name: len(path.read_text().splitlines())
        for name, path in _modules().items()
        if name not in LONG_MODULES_ALLOWED
    }
    assert {n: c for n, c in long.items() if c > MAX_MODULE_LINES} == {}


def test_every_path_comes_from_routes():
    """Route strings are written once, in rxapp/routes.py (tests and the routes module aside)."""
    from rxapp import routes

    paths = {v for k, v in vars(routes).items() if k.isupper() and isinstance(v, str) and v != "/"}
    offenders = []
    for name, path in _modules().items():
        if name == "rxapp.routes":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value.split("?")[0].rstrip("/")
                if value in paths and value.startswith("/"):
                    offenders.append(f"{name}: {node.value!r}")
    assert not offenders, "\n".join(offenders)
