"""The package's import structure: one-way layers, no cycles, applications loaded on demand."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import nablagrad

PKG = Path(nablagrad.__file__).parent
CORE = (
    "backend",
    "tensor",
    "autograd",
    "ops",
    "creation",
    "random",
    "printing",
    "parallel",
    "_blas",
    "cuda",
    "nn",
    "optim",
    "utils",
    "serialization",
    "models",
    "datasets",
    "distributed",
)
APPS = ("neighbors", "tuning", "text", "lab", "train", "cli", "onnx", "viz", "ensemble")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_pkg: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    if level:
        base = base[: len(base) - (level - 1)]
        return ".".join(base + ([target] if target else []))
    return target or ""


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """Modules imported when ``path`` is imported (module-level statements only)."""
    module = _module_name(path)
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_pkg, node.level, node.module)
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            # importing a.b.c runs the packages a.b first (the root package is left out: it
            # imports everything, by design, and is never imported by a module it loads)
            while name.count(".") >= 1 and name != module:
                if not module.startswith(name + "."):
                    out.add(name)
                name = name.rpartition(".")[0]
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PKG.rglob("*.py")}
    known = set(files)
    return {m: _top_level_imports(p, known) for m, p in files.items()}


def _in_core(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] in CORE


def test_no_import_cycle_among_core_modules():
    graph = {m: {d for d in deps if _in_core(d)} for m, deps in _graph().items() if _in_core(m)}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cycle = stack[stack.index(d) :] + [d]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_core_never_imports_applications_at_load_time():
    for module, deps in _graph().items():
        if _in_core(module):
            apps = sorted(d for d in deps if d.split(".")[1] in APPS)
            assert not apps, f"{module} imports the applications {apps} when it loads"


def test_import_nablagrad_loads_no_application():
    code = (
        "import sys, nablagrad\n"
        f"apps = {APPS!r}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('nablagrad.') "
        "and m.split('.')[1] in apps)\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import nablagrad loaded {out.stdout.strip()}"


def test_applications_load_on_first_use():
    code = "import nablagrad; print(nablagrad.text.__name__, nablagrad.lab.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["nablagrad.text", "nablagrad.lab"]
