"""The package's shape: imports only point down the layers, there are no cycles, heavy libraries
stay in their layer, and modules stay small."""

import ast
import re

import pytest

from conftest import REPO

PACKAGE = REPO / "adamviz"
# Lowest first. A module may import its own layer and the ones below; render and studies are
# siblings (studies decide what to run, render draws plain data): neither imports the other.
LAYERS = [
    ("core", r"core(\..*)?"),
    ("definitions", r"surfaces|surface_(checks|format|files)|data_losses|datasets|networks|"
                    r"network_(format|surfaces)|plane_kinds|optimizers(\..*)?"),
    ("engine", r"engine|recorders|minibatches|single_run"),
    ("results", r"results|run_records|fair_rates|exports|frames|arrows|"
                r"database(_schema|_rows)?|queries|"
                r"json_output"),
    ("studies", r"studies(\..*)?"),
    ("render", r"render(\..*)?"),
    ("api", r"api|checks|outputs|batch_runs|jobs"),
    ("cli", r"cli(\..*)?|__main__"),
]
SIBLINGS = {("render", "studies"), ("studies", "render")}
ONLY_IN = {"matplotlib": "render", "imageio": "render", "PIL": "render", "click": "cli"}
MAX_LINES = 400


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def layer(name: str) -> str | None:
    for label, pattern in LAYERS:
        if re.fullmatch(pattern, name):
            return label
    return None


def imports(name: str, path):
    """(module imported, line, at top level?) for every import, relative ones resolved."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module, node.lineno, id(node) in top
                continue
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                yield "adamviz." + ".".join(base + [node.module]), node.lineno, id(node) in top
            for alias in node.names:  # "from . import engine" imports a module too
                yield "adamviz." + ".".join(base + [alias.name]), node.lineno, id(node) in top


def internal(target: str, known) -> str | None:
    """The adamviz module ``target`` names (a module or a name inside one), or None."""
    if not target.startswith("adamviz"):
        return None
    parts = target.split(".")[1:]
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts = parts[:-1]
    return ""  # the package itself


MODULES = dict(modules())


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if m and layer(m) is None]
    assert not missing, f"add these to LAYERS: {missing}"


@pytest.mark.parametrize("name", [m for m in MODULES if m])
def test_imports_point_down(name):
    ranks = {label: i for i, (label, _) in enumerate(LAYERS)}
    mine = layer(name)
    for target, line, _ in imports(name, MODULES[name]):
        other = internal(target, MODULES)
        if other is None:
            root = target.split(".")[0]
            if root in ONLY_IN:
                assert mine == ONLY_IN[root], f"{name}:{line} imports {root} outside {mine}"
            continue
        if other in ("", name):  # the lazy package root, or itself
            continue
        theirs = layer(other)
        assert ranks[theirs] <= ranks[mine], f"{name}:{line} imports {other} (upward)"
        assert (mine, theirs) not in SIBLINGS, f"{name}:{line} imports {other} ({theirs})"


def test_no_import_cycles():
    graph = {name: {internal(t, MODULES) for t, _, _ in imports(name, path)} - {None, "", name}
             for name, path in MODULES.items() if name}
    state: dict[str, int] = {}

    def visit(node, trail):
        if state.get(node) == 1:
            raise AssertionError("import cycle: " + " -> ".join(trail + [node]))
        if state.get(node) == 2:
            return
        state[node] = 1
        for nxt in graph.get(node, ()):
            if nxt.startswith(node + "."):  # a package importing its own submodules
                continue
            visit(nxt, trail + [node])
        state[node] = 2

    for node in graph:
        visit(node, [])


@pytest.mark.parametrize("name", list(MODULES))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by what it holds"


@pytest.mark.parametrize("name", list(MODULES))
def test_functions_stay_short(name):
    """At most about 60 lines, unless the function says why in a comment at its top."""
    source = MODULES[name].read_text().splitlines()
    for node in ast.walk(ast.parse("\n".join(source))):
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno >= 60:
            body = node.body[1:] if ast.get_docstring(node) else node.body
            first = source[body[0].lineno - 2].strip() if body else ""
            assert first.startswith("#"), f"{name}.{node.name} is long; split it or say why"
