"""The layers lean one way (issue 22 item 4; docs/architecture.md §1):
``domain ← storage ← services ← ui / commands``, with ``rollup``, ``reports``, ``imports`` and
``sync`` beside ``services``. Read from the source (every import, also those inside functions,
which used to hide cycles; imports under ``if TYPE_CHECKING:`` do not run and are left out)."""

from __future__ import annotations

import ast
from pathlib import Path

import spm_desktop

ROOT = Path(spm_desktop.__file__).parent

# What each layer of the core may import from the application (its own layer included).
ALLOWED = {
    "core.domain": {"core.domain", "core.clock", "core.paths", "core.wilayah"},
    "core.storage": {"core.domain", "core.storage", "core.clock", "core.paths", "core.wilayah"},
}
NEVER_FROM_CORE = ("ui", "commands", "app", "cli")
# The roll-up and the report layouts take plain values (settings, mutu scores) and never call a use case.
NEVER_FROM_ROLLUP = ("core.services",)

# Known leftovers, each to be removed (the list may only shrink): module -> modules it may still reach.
KNOWN_LEANING: set[tuple[str, str]] = set()
KNOWN_CYCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skipped]


def _graph() -> dict[str, set[str]]:
    files = {(_module_name(f)): f for f in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in files.items():
        deps: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    package = package[:len(package) - (node.level - 1)]
                    base = "spm_desktop." + ".".join([*package, base] if base else package)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for t in targets:
                if t.startswith("spm_desktop."):
                    short = t.removeprefix("spm_desktop.")
                    if short in files and short != name:
                        deps.add(short)
        edges[name] = deps
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _layer(module: str, layers) -> str | None:
    return next((layer for layer in sorted(layers, key=len, reverse=True)
                 if module == layer or module.startswith(layer + ".")), None)


def test_no_import_cycles_but_the_known_ones():
    cycles = _cycles(_graph())
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"
    gone = [c for c in KNOWN_CYCLES if c not in cycles]
    assert not gone, f"these cycles are gone: take them off KNOWN_CYCLES {gone}"


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_domain_and_storage_do_not_reach_up():
    wrong = []
    for module, deps in _graph().items():
        layer = _layer(module, ALLOWED)
        if layer is None:
            continue
        for dep in sorted(deps):
            known = any(module == m and _within(dep, (d,)) for m, d in KNOWN_LEANING)
            if not _within(dep, ALLOWED[layer]) and not known:
                wrong.append(f"{module} -> {dep}")
    assert not wrong, "a lower layer imports a higher one:\n" + "\n".join(wrong)


def test_the_core_never_imports_the_front_ends():
    wrong = [f"{m} -> {d}" for m, deps in _graph().items() if _within(m, ("core",)) for d in deps
             if _within(d, NEVER_FROM_CORE)]
    assert not wrong, "\n".join(sorted(wrong))


def test_rollup_and_reports_never_import_services():
    wrong = [f"{m} -> {d}" for m, deps in _graph().items() if _within(m, ("core.rollup", "core.reports"))
             for d in deps if _within(d, NEVER_FROM_ROLLUP)]
    assert not wrong, "\n".join(sorted(wrong))
