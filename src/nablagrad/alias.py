"""Run unmodified PyTorch code on nablagrad: ``install_as_torch`` and ``nablagrad run``.

``install_as_torch()`` puts an import hook (a meta-path finder) in front of ``sys.meta_path``
so that ``import torch``, ``import torch.nn.functional``, ``from torch.utils import data``,
``import torchvision`` ... made by a script *or by any library it imports* (such as ``d2l``)
resolve to nablagrad's modules:

=====================  ==============================
imported as            module
=====================  ==============================
``torch``              ``nablagrad``
``torch.X.Y``          ``nablagrad.X.Y``
``torchvision``        ``nablagrad.vision``
``torchvision.X``      ``nablagrad.vision.X``
=====================  ==============================

A module or attribute that nablagrad does not have fails with :class:`NotImplementedInNablagrad`
(an ``AttributeError``, so ``hasattr`` probes keep working) or ``ModuleNotFoundError``, both
saying ``nablagrad does not implement `torch.X` yet`` and where to report it, instead of a bare
``AttributeError`` deep inside the script.

Example:
    >>> import nablagrad
    >>> nablagrad.install_as_torch()
    >>> import torch
    >>> torch is nablagrad
    True
    >>> nablagrad.alias.uninstall()
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import runpy
import sys
import traceback
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

TRACKER = "nablagrad's issue tracker"

#: Top-level names that are aliased, and the nablagrad package each one maps to.
ALIASES: dict[str, str] = {"torch": "nablagrad", "torchvision": "nablagrad.vision"}


class NotImplementedInNablagrad(AttributeError):
    """A torch name that nablagrad does not provide (yet)."""


def _message(torch_name: str) -> str:
    return (
        f"nablagrad does not implement `{torch_name}` yet (this program runs with nablagrad "
        f"standing in for PyTorch). Please report it on {TRACKER}, naming `{torch_name}`."
    )


def _target(fullname: str) -> str | None:
    """The nablagrad module that ``fullname`` (``torch...``/``torchvision...``) stands for."""
    head, _, rest = fullname.partition(".")
    base = ALIASES.get(head)
    if base is None:
        return None
    return f"{base}.{rest}" if rest else base


def _missing_attr(torch_name: str, inner: Any = None):  # noqa: ANN202 - a module __getattr__
    def __getattr__(name: str) -> object:
        if inner is not None:  # the module's own lazy attributes (nablagrad.text ...) first
            try:
                return inner(name)
            except AttributeError:
                pass
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {torch_name!r} has no attribute {name!r}")
        raise NotImplementedInNablagrad(_message(f"{torch_name}.{name}"))

    __getattr__._nablagrad_alias = True  # type: ignore[attr-defined]
    return __getattr__


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``torch``/``torchvision`` imports to nablagrad modules (same module objects)."""

    def __init__(self) -> None:
        self.patched: list[tuple[types.ModuleType, Any]] = []
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(self, fullname: str, path: object = None, target: object = None):  # noqa: ANN201
        if _target(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        target = _target(spec.name)
        assert target is not None
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError as e:
            if e.name is not None and (target == e.name or target.startswith(e.name + ".")):
                raise ModuleNotFoundError(_message(spec.name), name=spec.name) from None
            raise
        # the import system overwrites __spec__ after this; exec_module puts it back
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        alias = module.__spec__.name  # type: ignore[union-attr]
        module.__spec__ = self._specs.pop(alias, module.__spec__)
        inner = module.__dict__.get("__getattr__")
        module.__getattr__ = _missing_attr(alias, inner)  # type: ignore[attr-defined]
        self.patched.append((module, inner))


_finder: _AliasFinder | None = None
_saved: dict[str, types.ModuleType] = {}


def _is_aliased(name: str) -> bool:
    return name.partition(".")[0] in ALIASES


def install_as_torch() -> None:
    """Register nablagrad as ``torch`` and ``torchvision`` (with all their submodules).

    Every later ``import torch...``/``import torchvision...`` in this process, by any module,
    gives nablagrad's module.  Modules of a real PyTorch imported before are set aside (and put
    back by :func:`uninstall`).  Calling it twice is harmless.
    """
    global _finder
    if _finder is not None:
        return
    for name in [n for n in sys.modules if _is_aliased(n)]:
        _saved[name] = sys.modules.pop(name)
    _finder = _AliasFinder()
    sys.meta_path.insert(0, _finder)
    importlib.import_module("torch")
    _patch_loaded(_finder)
    _patch_spawn()


_PRELUDE = (
    "import sys; sys.path.append({path!r}); import nablagrad.alias as _a; _a.install_as_torch(); "
)
_spawn_command_line: Any = None


def _patch_spawn() -> None:
    """Processes started with the spawn/forkserver methods run a fresh interpreter that
    re-imports the main script (``torch.multiprocessing`` programs): make that interpreter
    install the alias first, so the script's ``import torch`` gives nablagrad there too."""
    global _spawn_command_line
    import multiprocessing.spawn as mspawn

    if _spawn_command_line is not None:
        return
    original = _spawn_command_line = mspawn.get_command_line
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def get_command_line(**kwds: Any) -> list:
        cmd = list(original(**kwds))
        if "-c" in cmd:
            i = cmd.index("-c") + 1
            cmd[i] = _PRELUDE.format(path=root) + cmd[i]
        return cmd

    mspawn.get_command_line = get_command_line


def _unpatch_spawn() -> None:
    global _spawn_command_line
    if _spawn_command_line is not None:
        import multiprocessing.spawn as mspawn

        mspawn.get_command_line = _spawn_command_line
        _spawn_command_line = None


def _torch_name(name: str) -> str | None:
    """The torch name a loaded nablagrad module stands for (``nablagrad.nn.functional`` ->
    ``torch.nn.functional``); None for private modules and everything else."""
    if any(part.startswith("_") for part in name.split(".")):
        return None
    for alias, base in sorted(ALIASES.items(), key=lambda kv: -len(kv[1])):
        if name == base or name.startswith(base + "."):
            return alias + name[len(base) :]
    return None


def _patch_loaded(finder: _AliasFinder) -> None:
    """Give the nablagrad modules loaded before the hook (``torch.nn`` is imported by
    ``import torch`` itself, not through the hook) the "does not implement" error for missing
    names, so ``torch.nn.functional.missing`` says so too."""
    for name, module in list(sys.modules.items()):
        torch_name = _torch_name(name)
        if torch_name is None or not isinstance(module, types.ModuleType):
            continue
        inner = module.__dict__.get("__getattr__")
        if getattr(inner, "_nablagrad_alias", False):
            continue
        module.__getattr__ = _missing_attr(torch_name, inner)  # type: ignore[attr-defined]
        finder.patched.append((module, inner))


def uninstall() -> None:
    """Undo :func:`install_as_torch`: remove the hook and the aliases, restore saved modules."""
    global _finder
    if _finder is None:
        return
    sys.meta_path.remove(_finder)
    _unpatch_spawn()
    for module, inner in _finder.patched:
        attr = module.__dict__.get("__getattr__")
        if getattr(attr, "_nablagrad_alias", False):
            if inner is None:
                del module.__getattr__
            else:
                module.__getattr__ = inner
    for name in [n for n in sys.modules if _is_aliased(n)]:
        del sys.modules[name]
    sys.modules.update(_saved)
    _saved.clear()
    _finder = None


def is_installed() -> bool:
    """True while nablagrad is registered as ``torch``."""
    return _finder is not None


@contextmanager
def torch_alias() -> Iterator[None]:
    """``with torch_alias(): import torch`` -- nablagrad as ``torch`` inside the block only."""
    was = is_installed()
    install_as_torch()
    try:
        yield
    finally:
        if not was:
            uninstall()


# ----------------------------------------------------------------------------- nablagrad run


def notebook_source(path: str) -> str:
    """A notebook's code cells as one script (IPython magics and ``!`` lines dropped)."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    if not isinstance(nb, dict) or "cells" not in nb:
        raise ValueError(f"{path} is not a Jupyter notebook (no 'cells' list)")
    chunks = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def run_script(path: str, args: Sequence[str] = ()) -> None:
    """Run ``path`` (``.py`` or ``.ipynb``) as ``__main__`` with nablagrad as torch.

    ``sys.argv`` is ``[path, *args]`` and the script's folder is first on ``sys.path``, as
    ``python path args...`` would have it.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such script: {path}")
    install_as_torch()
    old_argv, old_path0 = sys.argv[:], sys.path[:]
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        if path.endswith(".ipynb"):
            code = compile(notebook_source(path), path, "exec")
            main = types.ModuleType("__main__")
            main.__file__ = path
            saved_main = sys.modules.get("__main__")
            sys.modules["__main__"] = main
            try:
                exec(code, main.__dict__)
            finally:
                if saved_main is not None:
                    sys.modules["__main__"] = saved_main
        else:
            runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = old_argv
        sys.path[:] = old_path0


def _run(args: argparse.Namespace) -> int:
    try:
        run_script(args.script, args.args)
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        if not os.path.exists(args.script):
            from .cli import CLIError

            raise CLIError(str(e)) from None
        raise
    except Exception:  # noqa: BLE001 - the script's own error: show its traceback, like python
        etype, value, tb = sys.exc_info()
        frames = traceback.extract_tb(tb)
        script = os.path.abspath(args.script)
        start = next((i for i, f in enumerate(frames) if os.path.abspath(f.filename) == script), 0)
        print("Traceback (most recent call last):", file=sys.stderr)
        print("".join(traceback.format_list(frames[start:])), end="", file=sys.stderr)
        print("".join(traceback.format_exception_only(etype, value)), end="", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run an unmodified PyTorch script (or .ipynb) with nablagrad as torch/torchvision",
        description="Run SCRIPT with nablagrad registered as `torch` and `torchvision` for "
        "everything it imports (libraries included). Arguments after SCRIPT go to the script.",
    )
    p.add_argument("script", help="a .py file or a Jupyter notebook (.ipynb)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    p.set_defaults(func=_run)
