"""The emulator's imports have no cycle and go down the layers only (docs/emulator.md, "Architecture").

The graph is read with ``ast`` from every ``pim_emulator`` source file: module-level, function-local and
``TYPE_CHECKING`` imports all count, and importing ``a.b.c`` counts as importing the packages ``a.b`` and ``a``
as well, since their ``__init__`` runs first.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = "pim_emulator"
ROOT = Path(__file__).resolve().parents[1] / PKG

# Bottom to top. A module may import its own layer or a lower one, never a higher one.
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"pim_emulator", "contract", "odata", "faults", "tls", "routing", "schema"}),
    ("models", {"pim", "directory", "seed"}),
    ("state", {"emulator"}),
    ("responses", {"responses"}),
    ("routes", {"routes"}),
    ("http", {"graph", "arm", "batch", "server", "identity", "admin", "conformance"}),
    ("entry", {"cli", "__main__", "launch", "bench"}),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom | ast.Import, known: set[str]) -> set[str]:
    out: set[str] = set()
    if isinstance(node, ast.Import):
        bases = [alias.name for alias in node.names]
        names: list[str] = []
    else:
        if node.level:
            anchor = importer.split(".") if is_package else importer.split(".")[:-1]
            anchor = anchor[:len(anchor) - (node.level - 1)]
            bases = [".".join(anchor + ([node.module] if node.module else []))]
        else:
            bases = [node.module or ""]
        names = [alias.name for alias in node.names]
    for base in bases:
        if base.split(".")[0] != PKG:
            continue
        targets = [f"{base}.{n}" for n in names if f"{base}.{n}" in known] or [base]
        if names and len(targets) < len(names):
            targets.append(base)  # names that are not submodules come from the package (module) itself
        for target in targets:
            parts = target.split(".")
            out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))  # parents' __init__ run first
    out.discard(importer)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(name, path.name == "__init__.py", node, known)
        graph[name] = {e for e in edges if e in known}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
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


def layer_of(module: str) -> int:
    rest = module.split(".")[1:]
    key = rest[0] if rest else PKG
    for index, (_, members) in enumerate(LAYERS):
        if key in members:
            return index
    raise AssertionError(f"{module} has no layer: add it to LAYERS in {Path(__file__).name} (and to the "
                         "Architecture table of docs/emulator.md)")


def test_the_import_graph_is_read():
    graph = import_graph()
    # a few edges known to exist, so that an empty graph cannot pass the tests below
    assert "pim_emulator.routes.graph_directory" in graph["pim_emulator.graph"]
    assert "pim_emulator.pim.engine" in graph["pim_emulator.pim.policies"]  # a TYPE_CHECKING import
    assert "pim_emulator.pim" in graph["pim_emulator.pim.policies"]  # the package runs first
    assert "pim_emulator.seed" in graph["pim_emulator.emulator"]  # a function-local import


def test_no_import_cycles():
    assert find_cycle(import_graph()) is None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_a_layer_above_its_own():
    graph = import_graph()
    upward = sorted(f"{mod} ({LAYERS[layer_of(mod)][0]}) imports {dep} ({LAYERS[layer_of(dep)][0]})"
                    for mod, deps in graph.items() for dep in deps if layer_of(dep) > layer_of(mod))
    assert upward == []


def test_the_engine_imports_no_other_engine_module():
    # pim/engine.py is every model's backend type: it sits under them all
    assert not {d for d in import_graph()["pim_emulator.pim.engine"] if d.startswith("pim_emulator.pim.")}
