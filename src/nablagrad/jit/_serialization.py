"""``jit.save`` / ``jit.load``: scripted modules in a safetensors file.

The file is the safetensors container that :mod:`nablagrad.serialization` writes and checks:

- every dense tensor the module holds, stored under its ``state_dict`` name (parameters, then
  buffers, then ``#tensor.<n>`` for other tensor attributes), so ``safetensors`` tools and
  ``safetensors.torch.load_file`` see the weights by name;
- ``#module``: a pickle of the module tree (the scripted wrappers and the modules' classes
  and attributes) whose tensors are references to the entries above;
- ``#extra.<name>``: the ``_extra_files`` bytes;
- metadata ``nablagrad_jit``: a JSON record of each tensor (Parameter or plain, requires_grad,
  the device it came from), or, for a :class:`ScriptFunction`, the function's
  ``module:qualname``.

Unlike a TorchScript archive the file holds no code: loading imports the module classes by
name, so they must be importable where it is loaded (defined in an installed module or in
the running ``__main__``).  The pickle is read through an allowlist: tensors, plain
containers, ``nn.Module`` subclasses, and what
``nablagrad.serialization.add_safe_globals``/``safe_globals`` allow (a module attribute that is
a function, a forward hook, ...); anything else is refused by name.  The allowlist stops a file
from calling arbitrary functions, but the module classes it names are built, so load files
you trust.

Example:
    >>> import nablagrad as torch, io
    >>> s = torch.jit.script(torch.nn.Linear(2, 1))
    >>> buf = io.BytesIO()
    >>> torch.jit.save(s, buf)
    >>> m = torch.jit.load(io.BytesIO(buf.getvalue()))
    >>> m
    RecursiveScriptModule(original_name=Linear)
    >>> bool((m.weight == s.weight).all())
    True
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import os
import pickle
from typing import Any

from .. import backend
from .. import serialization as _ser
from ..nn.module import Module
from ..nn.parameter import Parameter, is_lazy
from ..tensor import Tensor
from ._script import ScriptFunction, ScriptModule, _deprecated

__all__ = ["save", "load"]

_MODULE = "#module"
_EXTRA = "#extra."
_META = "nablagrad_jit"
#: the classes of nablagrad.jit a file may name
_JIT_CLASSES = (
    "RecursiveScriptModule",
    "TracedModule",
    "TopLevelTracedModule",
    "ScriptModule",
    "ScriptFunction",
    "_Unused",
)


def _tensor_names(m: Module) -> dict[int, str]:
    names: dict[int, str] = {}
    for name, t in [*m.named_parameters(), *m.named_buffers()]:
        names.setdefault(id(t), name)
    return names


class _Pickler(pickle.Pickler):
    """Pickles the module tree with every dense tensor moved out to the file's tensors."""

    def __init__(self, file: io.BytesIO, names: dict[int, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.names = names
        self.arrays: dict[str, Any] = {}
        self.records: dict[str, dict[str, Any]] = {}

    def persistent_id(self, obj: Any) -> str | None:
        if not isinstance(obj, Tensor):
            return None
        if is_lazy(obj):
            raise RuntimeError(
                "jit.save: the module has uninitialized (lazy) parameters: run a forward pass "
                "on a sample batch first"
            )
        if type(obj) not in (Tensor, Parameter) or obj.is_sparse:
            return None  # other tensor types (sparse, nn.Buffer) are pickled with their values
        name = self.names.get(id(obj))
        if name is None:
            name = self.names[id(obj)] = f"#tensor.{len(self.records)}"
        if name not in self.records:
            arr = backend.to_host(obj._data)
            if backend.np.dtype(arr.dtype).newbyteorder("=") not in _ser._CODES:
                raise TypeError(
                    f"jit.save: tensor {name!r} has dtype {arr.dtype}, which can't be stored"
                )
            self.arrays[name] = arr
            self.records[name] = {
                "parameter": type(obj) is Parameter,
                "requires_grad": obj.requires_grad,
                "device": str(obj.device),
            }
        return name


def _encode(m: ScriptModule | ScriptFunction, extra_files: dict) -> bytes:
    arrays: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    if isinstance(m, ScriptFunction):
        fn = m._fn
        if "<locals>" in fn.__qualname__ or not inspect.isfunction(fn):
            raise TypeError(
                f"jit.save: {fn.__qualname__} is not a module-level function, so it can't be "
                "found again by name at load time: define it at the top of a module"
            )
        meta = {"kind": "function", "function": f"{fn.__module__}:{fn.__qualname__}"}
    else:
        buf = io.BytesIO()
        pickler = _Pickler(buf, _tensor_names(m))
        try:
            pickler.dump(m)
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            raise TypeError(
                f"jit.save: the module does not pickle ({e}); an attribute such as a lambda, a "
                "local function or an open file can't be stored: remove it or save "
                "state_dict() with nablagrad.save instead"
            ) from None
        arrays.update(pickler.arrays)
        arrays[_MODULE] = backend.np.frombuffer(buf.getvalue(), dtype=backend.np.uint8)
        meta = {"kind": "module", "tensors": pickler.records}
    for name, content in extra_files.items():
        if isinstance(content, str):
            content = content.encode("utf-8")
        if not isinstance(content, (bytes, bytearray)):
            raise TypeError(
                f"jit.save: _extra_files[{name!r}] must be str or bytes, "
                f"got {type(content).__name__}"
            )
        arrays[_EXTRA + str(name)] = backend.np.frombuffer(bytes(content), dtype=backend.np.uint8)
    arrays = {
        k: backend.np.require(v, _ser._DTYPES[_ser._CODES[v.dtype.newbyteorder("=")]], "C")
        for k, v in arrays.items()
    }
    return _ser._st_numpy().save(arrays, metadata={"format": "pt", _META: json.dumps(meta)})


def save(m: Any, f: str | os.PathLike | io.IOBase, _extra_files: dict | None = None) -> None:
    """torch.jit.save: write a scripted/traced module (or a ``ScriptFunction``) to ``f``.

    ``f`` is a path, written atomically (a temp file in the same folder, renamed into place:
    a failure leaves no partial file), or a binary stream.  ``_extra_files`` maps names to
    ``str``/``bytes`` stored beside the module.  What the file holds: see the module doc.

    Example:
        >>> import nablagrad as torch, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "my_mlp")
        >>> torch.jit.script(torch.nn.Linear(2, 1)).save(path)
        >>> torch.jit.load(path).original_name
        'Linear'
    """
    _deprecated("save", "switch to `torch.export`")
    if not isinstance(m, (ScriptModule, ScriptFunction)):
        raise AttributeError(
            f"'{type(m).__name__}' object has no attribute 'save': jit.save takes a scripted or "
            "traced module; script it first (torch.jit.script(model)) or save its state_dict() "
            "with torch.save"
        )
    if not hasattr(f, "write"):
        folder = os.path.dirname(os.path.abspath(os.fspath(f)))
        if not os.path.isdir(folder):
            raise RuntimeError(f"Parent directory {folder} does not exist.")
    _ser._write(_encode(m, dict(_extra_files or {})), f)


class _Unpickler(_ser._WeightsOnlyUnpickler):
    """The weights-only allowlist, plus nablagrad.jit's classes and ``nn.Module`` subclasses;
    tensors come from the file's entries, placed by ``map_location``."""

    def __init__(self, file: io.BytesIO, tensors: dict, records: dict, place: Any) -> None:
        super().__init__(file)
        self.tensors, self.records, self.place = tensors, records, place
        self.built: dict[str, Tensor] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module in ("nablagrad.jit._script", "nablagrad.jit._trace") and name in _JIT_CLASSES:
            return getattr(importlib.import_module(module), name)
        try:
            return super().find_class(module, name)
        except pickle.UnpicklingError:
            cls = _resolve(module, name)
            if isinstance(cls, type) and issubclass(cls, Module):
                return cls
            raise

    def persistent_load(self, pid: Any) -> Tensor:
        if pid not in self.built:
            record = self.records.get(pid) if isinstance(self.records, dict) else None
            if pid not in self.tensors or not isinstance(record, dict):
                raise _ser.SerializationError(f"the module refers to a missing tensor {pid!r}")
            t = self.place(Tensor._wrap(self.tensors[pid]), str(record.get("device", "cpu")))
            rg = bool(record.get("requires_grad"))
            t = Parameter(t, requires_grad=rg) if record.get("parameter") else t.requires_grad_(rg)
            self.built[pid] = t
        return self.built[pid]


def _resolve(module: str, qualname: str) -> Any:
    """``module.qualname`` imported by name, or None."""
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError):
        return None
    return obj


def _check_map_location(map_location: Any) -> Any:
    if map_location is None or isinstance(map_location, (str, backend.device)):
        return _ser._placer(map_location)
    raise ValueError(
        "map_location should be either None, string or torch.device, but got type: "
        f"{type(map_location)}"
    )


def load(
    f: str | os.PathLike | io.IOBase,
    map_location: Any = None,
    _extra_files: dict | None = None,
) -> Any:
    """torch.jit.load: read what :func:`save` wrote back into a working module.

    Returns the saved :class:`ScriptModule` (a ``RecursiveScriptModule`` for a scripted model)
    with its values, ``state_dict`` names, training flags and ``requires_grad`` flags; tensors go
    back to the device they were saved from, or to ``map_location`` (``None``, a device string
    or a ``device``).  The module classes must be importable (see the module doc).  Names in
    ``_extra_files`` are filled with the saved bytes (``b""`` for a name not in the file).
    Raises ``ValueError`` for a missing path or a directory, and ``RuntimeError`` for a file
    that is not one :func:`save` wrote.

    Example:
        >>> import nablagrad as torch, io
        >>> buf = io.BytesIO()
        >>> torch.jit.save(torch.jit.script(torch.nn.ReLU()), buf, _extra_files={"note": "hi"})
        >>> extra = {"note": ""}
        >>> _ = torch.jit.load(io.BytesIO(buf.getvalue()), _extra_files=extra)
        >>> extra
        {'note': b'hi'}
    """
    _deprecated("load", "switch to `torch.export`")
    place = _check_map_location(map_location)
    if hasattr(f, "read"):
        raw, where = f.read(), "the stream"
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError("jit.load: the stream returned text, not bytes: open it in binary mode")
    else:
        where = os.fspath(f)
        if not os.path.exists(where):
            raise ValueError(f"The provided filename {where} does not exist")
        if os.path.isdir(where):
            raise ValueError(f"The provided filename {where} is a directory")
        with open(where, "rb") as fh:
            raw = fh.read()
    try:
        tensors, meta = _ser._parse(bytes(raw), where)
        info = json.loads(meta[_META])
        kind = info["kind"]
    except (_ser.SerializationError, KeyError, TypeError, ValueError) as e:
        raise RuntimeError(
            f"jit.load: {where} is not a file written by torch.jit.save under nablagrad ({e}); "
            "a checkpoint written by torch.save / nablagrad.save is read with nablagrad.load"
        ) from None
    if _extra_files is not None:
        for name in _extra_files:
            arr = tensors.get(_EXTRA + str(name))
            _extra_files[name] = b"" if arr is None else arr.tobytes()
    if kind == "function":
        module, _, qualname = str(info.get("function", "")).partition(":")
        fn = _resolve(module, qualname)
        if not inspect.isfunction(fn):
            raise RuntimeError(
                f"jit.load: {where} holds the function {module}.{qualname}, which can't be "
                "imported here: make its module importable"
            )
        return ScriptFunction(fn)
    if kind != "module" or _MODULE not in tensors:
        raise RuntimeError(f"jit.load: {where} holds no module (kind {kind!r})")
    data = tensors.pop(_MODULE).tobytes()
    unpickler = _Unpickler(io.BytesIO(data), tensors, info.get("tensors"), place)
    try:
        m = unpickler.load()
    except pickle.UnpicklingError:
        raise
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        raise RuntimeError(f"jit.load: the module in {where} does not load ({e})") from None
    if not isinstance(m, ScriptModule):
        raise RuntimeError(f"jit.load: {where} holds a {type(m).__name__}, not a ScriptModule")
    return m
