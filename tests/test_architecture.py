"""The guard of the package's shape: layers that import one way, no cycles, small modules.

The package is layered (see CONTRIBUTING.md): a module may import modules of its own layer
or of lower layers, never of a higher one, and the package's imports form no cycle. Modules
stay under ``MAX_MODULE_LINES`` lines and functions under ``MAX_FUNCTION_LINES``.

The imports are read from the source with :mod:`ast`, not by importing anything: every
``import`` statement counts, including function-local ones and those under
``if TYPE_CHECKING:`` (a cycle that is only "lazy" today is one refactoring away from an
import error, and a type-only upward import is still an upward dependency).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = "sklearn_normreg"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE

# The layer table: prefix -> layer, lowest layer at the bottom of the picture. A prefix
# matches the module of that name and all its submodules, the longest matching prefix wins;
# the bare package name matches only its ``__init__``. Every module of the package must match
# a prefix (a new module fails test_every_module_has_a_layer until it is added here).
LAYERS = {
    # 0, foundation
    f"{PACKAGE}._validation": 0,
    f"{PACKAGE}._transaction": 0,
    f"{PACKAGE}._progress": 0,
    # 1, building blocks
    f"{PACKAGE}.losses": 1,
    f"{PACKAGE}.penalties": 1,
    f"{PACKAGE}._activations": 1,
    f"{PACKAGE}.datasets": 1,
    f"{PACKAGE}._normalize": 1,
    # 2, objectives
    f"{PACKAGE}._objective": 2,
    # 3, algorithms
    f"{PACKAGE}._algorithms": 3,
    # 4, policy: which algorithm for which problem (solve())
    f"{PACKAGE}._policy": 4,
    f"{PACKAGE}._cost_model": 4,
    # 5, estimators
    f"{PACKAGE}.linear_model": 5,
    f"{PACKAGE}.neural_network": 5,
    f"{PACKAGE}.preprocessing": 5,
    f"{PACKAGE}.dropin": 5,
    # 6, the study
    f"{PACKAGE}._study": 6,
    # 7, entry points
    PACKAGE: 7,
    f"{PACKAGE}.__main__": 7,
}

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


# --- reading the package ------------------------------------------------------------------------


def _module_name(path, package_dir, package):
    """Dotted name of the module in ``path`` (a package's ``__init__.py`` names the package)."""
    parts = list(path.relative_to(package_dir).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _package_modules(package_dir=PACKAGE_DIR, package=PACKAGE):
    """``{module name: path}`` for every ``.py`` file under ``package_dir``."""
    return {
        _module_name(path, package_dir, package): path
        for path in sorted(package_dir.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _resolve(target, modules):
    """The module that importing ``target`` loads last: ``target`` itself if it is a module of
    the package, otherwise its longest prefix that is one (``from pkg import name`` loads
    ``pkg``). A name with no such prefix below the package is kept as written."""
    parts = target.split(".")
    for end in range(len(parts), 1, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return target


def _import_targets(node, module, is_package, package, modules):
    """The package's modules that one ``Import`` / ``ImportFrom`` node of ``module`` loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        return [_resolve(name, modules) for name in names if name.split(".")[0] == package]
    if node.level:
        # relative: level 1 is the module's own package (the module itself for an __init__)
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source.split(".")[0] != package:
        return []
    targets = []
    for alias in node.names:
        # `from pkg import sub` loads the submodule; `from pkg import name` loads pkg/__init__
        submodule = f"{source}.{alias.name}"
        targets.append(submodule if submodule in modules else _resolve(source, modules))
    return targets


def _import_graph(package_dir=PACKAGE_DIR, package=PACKAGE):
    """``{(importer, imported): [(path, line), ...]}`` over all the package's import statements."""
    modules = _package_modules(package_dir, package)
    edges = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _import_targets(node, module, is_package, package, modules):
                places = edges.setdefault((module, target), [])
                if (path, node.lineno) not in places:  # `from m import a, b`: one place
                    places.append((path, node.lineno))
    return modules, edges


def _where(edges, pairs, root=PACKAGE_DIR.parent):
    """Readable ``importer -> imported (file:line, ...)`` lines for the given edges."""
    lines = []
    for src, dst in sorted(pairs):
        places = ", ".join(f"{_relative(path, root)}:{line}" for path, line in edges[(src, dst)])
        lines.append(f"  {src} -> {dst}  ({places})")
    return lines


def _relative(path, root):
    try:
        return path.relative_to(root)
    except ValueError:
        return path


# --- the checkers (pure functions, self-tested below) --------------------------------------------


def _find_cycles(graph):
    """Strongly connected components of more than one node, or with a self-loop (Tarjan).

    ``graph`` maps a node to the nodes it points to; returns a sorted list of sorted lists.
    """
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    nodes = set(graph) | {dst for targets in graph.values() for dst in targets}

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(cycles)


def _layer(module, table, package=PACKAGE):
    """The layer of ``module`` by the longest matching prefix of ``table``, or None."""
    matches = [
        prefix
        for prefix in table
        if module == prefix or (prefix != package and module.startswith(prefix + "."))
    ]
    return table[max(matches, key=len)] if matches else None


def _same_subpackage(a, b, package=PACKAGE):
    """Whether ``a`` and ``b`` lie in one subpackage below the package (siblings, or a
    subpackage and its own submodules)."""
    top_a, top_b = a.split(".")[:2], b.split(".")[:2]
    return len(top_a) == 2 and top_a == top_b and a != package and b != package


def _upward_imports(pairs, table, package=PACKAGE):
    """The ``(importer, imported)`` pairs whose imported module sits in a higher layer.

    Imports within one subpackage are left to the cycle test; unclassified modules are left to
    the layer-table test.
    """
    upward = []
    for src, dst in pairs:
        src_layer, dst_layer = _layer(src, table, package), _layer(dst, table, package)
        if src_layer is None or dst_layer is None or _same_subpackage(src, dst, package):
            continue
        if dst_layer > src_layer:
            upward.append((src, dst))
    return sorted(upward)


def _long_functions(tree, limit):
    """``(line, qualified name, length)`` of every function or method, nested included, longer
    than ``limit`` lines from its ``def`` line to its last line (decorators excluded)."""
    found = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}."
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = child.end_lineno - child.lineno + 1
                if length > limit:
                    found.append((child.lineno, name[:-1], length))
            walk(child, name)

    walk(tree, "")
    return sorted(found)


# --- the rules ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return _import_graph()


def test_no_import_cycle(graph):
    modules, edges = graph
    adjacency = {}
    for src, dst in edges:
        adjacency.setdefault(src, set()).add(dst)
    cycles = _find_cycles(adjacency)
    report = []
    for cycle in cycles:
        members = set(cycle)
        report.append("cycle: " + ", ".join(cycle))
        report += _where(edges, [(s, d) for s, d in edges if s in members and d in members])
    if cycles:
        pytest.fail(
            f"{len(cycles)} import cycle(s) in {PACKAGE} (every import counts, function-local and "
            "TYPE_CHECKING ones included); break each by moving the shared code down a layer:\n"
            + "\n".join(report),
            pytrace=False,
        )


def test_every_module_has_a_layer(graph):
    modules, _ = graph
    missing = [
        f"  {module}  ({_relative(path, PACKAGE_DIR.parent)})"
        for module, path in modules.items()
        if _layer(module, LAYERS) is None
    ]
    if missing:
        pytest.fail(
            "module(s) with no layer: add them to the layer table (LAYERS) at the top of "
            "tests/test_architecture.py, and to the picture in CONTRIBUTING.md:\n" + "\n".join(missing),
            pytrace=False,
        )


def test_no_upward_import(graph):
    _, edges = graph
    upward = _upward_imports(edges, LAYERS)
    report = [
        f"{line}  [layer {_layer(src, LAYERS)} imports layer {_layer(dst, LAYERS)}]"
        for (src, dst), line in zip(upward, _where(edges, upward))
    ]
    if upward:
        pytest.fail(
            f"{len(upward)} upward import(s): a module may import its own layer or lower ones only "
            "(see LAYERS in tests/test_architecture.py); move the shared code down, or pass it in:\n"
            + "\n".join(report),
            pytrace=False,
        )


def test_module_size(graph):
    modules, _ = graph
    too_long = []
    for path in modules.values():
        n_lines = len(path.read_text(encoding="utf-8").splitlines())
        if n_lines > MAX_MODULE_LINES:
            too_long.append(f"  {_relative(path, PACKAGE_DIR.parent)}: {n_lines} lines")
    if too_long:
        pytest.fail(
            f"module(s) over {MAX_MODULE_LINES} lines; split them (a private module for the "
            "kernels, a subpackage for a family):\n" + "\n".join(too_long),
            pytrace=False,
        )


def test_function_size(graph):
    modules, _ = graph
    too_long = []
    for path in modules.values():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name, length in _long_functions(tree, MAX_FUNCTION_LINES):
            too_long.append(f"  {_relative(path, PACKAGE_DIR.parent)}:{line}: {name} ({length} lines)")
    if too_long:
        pytest.fail(
            f"{len(too_long)} function(s) over {MAX_FUNCTION_LINES} lines (def line to last line, "
            "decorators excluded); split them into named steps:\n" + "\n".join(too_long),
            pytrace=False,
        )


# --- self-tests: the checkers do find what they look for ---------------------------------------


def test_cycle_finder_finds_cycles():
    toy = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"a"}}
    assert _find_cycles(toy) == [["a", "b", "c"], ["e"]]
    assert _find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_upward_checker_finds_upward_imports():
    table = {"p": 2, "p.low": 0, "p.mid": 1, "p.mid.special": 0, "p.sub": 1}
    pairs = [
        ("p.low", "p.mid"),  # upward
        ("p.mid.x", "p.low"),  # downward: fine
        ("p.mid.special", "p.mid.x"),  # same subpackage: left to the cycle test
        ("p.low", "p.mid.special"),  # same layer via the longer prefix: fine
        ("p.sub.a", "p"),  # a submodule importing the package's __init__: upward
        ("p.unknown", "p"),  # unclassified: left to the layer-table test
    ]
    assert _upward_imports(pairs, table, package="p") == [("p.low", "p.mid"), ("p.sub.a", "p")]
    assert _layer("p.other", table, package="p") is None  # the bare package matches only itself
    assert _layer("p.mid.special.deep", table, package="p") == 0


def test_import_graph_reads_every_kind_of_import(tmp_path):
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "from .a import f\nfrom . import sub\n",
        "a.py": (
            "from typing import TYPE_CHECKING\nimport numpy\n"
            "if TYPE_CHECKING:\n    from toy.b import B\n"
            "def f():\n    from . import c\n"
        ),
        "b.py": "import toy.sub.d\n",
        "c.py": "from .sub.d import g\n",
        "sub/__init__.py": "",
        "sub/d.py": "from .. import f\nfrom . import e\nfrom ..a import f as h\n",
        "sub/e.py": "",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    modules, edges = _import_graph(pkg, "toy")
    assert set(modules) == {"toy", "toy.a", "toy.b", "toy.c", "toy.sub", "toy.sub.d", "toy.sub.e"}
    assert set(edges) == {
        ("toy", "toy.a"),
        ("toy", "toy.sub"),
        ("toy.a", "toy.b"),  # under TYPE_CHECKING
        ("toy.a", "toy.c"),  # function-local, `from . import submodule`
        ("toy.b", "toy.sub.d"),
        ("toy.c", "toy.sub.d"),
        ("toy.sub.d", "toy"),  # `from .. import name`: the package's __init__
        ("toy.sub.d", "toy.sub.e"),
        ("toy.sub.d", "toy.a"),
    }
    assert edges[("toy.a", "toy.b")] == [(pkg / "a.py", 4)]
    adjacency = {}
    for src, dst in edges:
        adjacency.setdefault(src, set()).add(dst)
    assert _find_cycles(adjacency) == [["toy", "toy.a", "toy.b", "toy.c", "toy.sub.d"]]


def test_function_size_counts_nested_functions_and_excludes_decorators():
    source = (
        "@decorator\n@another\ndef outer():\n"  # lines 1-3: the decorators do not count
        + "    x = 1\n" * 3  # lines 4-6
        + "    class K:\n        def method(self):\n"  # lines 7-8
        + "            y = 2\n" * 4  # lines 9-12
        + "def short():\n    pass\n"
    )
    found = _long_functions(ast.parse(source), 4)
    assert found == [(3, "outer", 10), (8, "outer.K.method", 5)]
    assert _long_functions(ast.parse(source), 10) == []
