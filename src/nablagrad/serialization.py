"""``nablagrad.save`` / ``nablagrad.load``: state dicts and checkpoints in safetensors format.

File layout (the safetensors format, read and written by the ``safetensors`` library, which
validates every offset, size and the header on load)::

    8 bytes   little-endian uint64 N: length of the JSON header
    N bytes   JSON: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
                     ..., "__metadata__": {"nablagrad": "<JSON tree>"}}   (space padded to 8)
    rest      the raw little-endian tensor bytes, back to back

A flat state dict (``{"fc.weight": tensor, ...}``) is stored under its own names, so
``safetensors.torch.load_file(path)`` gives PyTorch the same dict.  Anything else (nested
dicts such as an optimizer's ``state_dict()``, numbers, strings, lists: epoch, config, learning
rates) goes into the JSON tree in the metadata, with each tensor replaced by a reference to
its stored name.  Loading such a tree parses JSON and raw bytes only: no pickle, no code is run.
Any other object (``save(model, f)``, as ``torch.save``) is pickled into one uint8 tensor;
``load`` unpickles it only through an allowlist (``add_safe_globals``/``safe_globals``, torch's
``weights_only`` rule) unless ``weights_only=False``.  Files are
written to a temp file and renamed into place (``os.replace``), so a crash never leaves half a
file under the real name.

Example:
    >>> import nablagrad as torch, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> torch.save({"w": torch.ones(2), "epoch": 3}, path)
    >>> ck = torch.load(path)
    >>> ck["epoch"], ck["w"].tolist()
    (3, [1.0, 1.0])
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from . import backend
from .backend import np, to_host
from .tensor import Tensor

__all__ = [
    "save",
    "load",
    "SerializationError",
    "add_safe_globals",
    "safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
]

_PICKLE = "__nablagrad_pickle__"

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_CODES = {v.newbyteorder("="): k for k, v in _DTYPES.items()}


class SerializationError(ValueError):
    """A file that is not a valid nablagrad/safetensors checkpoint."""


class _NotATree(TypeError):
    """An object that the JSON tree cannot hold (a whole ``nn.Module``, a custom class)."""


def _is_array(x: Any) -> bool:
    return isinstance(x, Tensor) or backend.is_array(x)


def _ref(name: str, obj: Any) -> dict[str, Any]:
    """The JSON reference to a stored tensor; tensors off the CPU also record their device
    (torch restores a tensor to the device it was saved from)."""
    if isinstance(obj, np.ndarray):  # a NumPy array comes back as one, as from torch.load
        return {"__tensor__": name, "numpy": True}
    dev = obj.device if isinstance(obj, Tensor) else backend.device_of(obj)
    return {"__tensor__": name} if dev.type == "cpu" else {"__tensor__": name, "device": str(dev)}


def _flatten(obj: Any, prefix: str, tensors: dict[str, np.ndarray]) -> Any:
    """The JSON tree of ``obj``; tensors are moved into ``tensors`` under a dotted name."""
    if isinstance(obj, Tensor) and obj.is_sparse:
        raise _NotATree("a sparse tensor is pickled (its indices, values and size)")
    if _is_array(obj):
        arr = to_host(obj._data if isinstance(obj, Tensor) else obj)
        name = prefix or "tensor"
        if name in tensors:
            raise ValueError(f"save: two tensors would be stored under the name {name!r}")
        if np.dtype(arr.dtype).newbyteorder("=") not in _CODES:
            raise TypeError(f"save: tensor {name!r} has dtype {arr.dtype}, which can't be stored")
        tensors[name] = arr
        return _ref(name, obj)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__}")
            items.append([k, _flatten(v, f"{prefix}.{k}" if prefix else str(k), tensors)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        out = [
            _flatten(v, f"{prefix}.{i}" if prefix else str(i), tensors) for i, v in enumerate(obj)
        ]
        return {"__tuple__": out} if isinstance(obj, tuple) else out
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise _NotATree(
        f"save: can't store a {type(obj).__name__} (at {prefix or 'top level'}) in the tree"
    )


def _encode(obj: Any) -> bytes:
    try:
        return _encode_tree(obj)
    except _NotATree:
        pass
    # any other object (torch.save(model)): pickled, and stored as one uint8 tensor
    try:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as e:
        raise TypeError(
            f"save: can't store a {type(obj).__name__}: it is not a tree of tensors, numbers, "
            f"strings, lists and dicts, and it does not pickle ({e}); save state_dict() instead"
        ) from None
    arrays = {_PICKLE: np.frombuffer(data, dtype=np.uint8)}
    return _st_numpy().save(arrays, metadata={"format": "pt", "nablagrad_pickle": "1"})


def _encode_tree(obj: Any) -> bytes:
    tensors: dict[str, np.ndarray] = {}
    if isinstance(obj, dict) and all(isinstance(k, str) and _is_array(v) for k, v in obj.items()):
        for k, v in obj.items():  # a flat state dict: its own names, as torch expects
            _flatten(v, k, tensors)
        tree = {"__dict__": [[k, _ref(k, v)] for k, v in obj.items()]}
    else:
        tree = _flatten(obj, "", tensors)
    arrays = {
        # np.require keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d)
        name: np.require(arr, _DTYPES[_CODES[np.dtype(arr.dtype).newbyteorder("=")]], "C")
        for name, arr in tensors.items()
    }
    meta = {"format": "pt", "nablagrad": json.dumps(tree, allow_nan=True)}
    return _st_numpy().save(arrays, metadata=meta)


def _st_numpy() -> Any:
    import safetensors.numpy

    return safetensors.numpy


def save(obj: Any, f: str | os.PathLike | io.IOBase) -> None:
    """Write ``obj`` (a state dict, or a dict of state dicts, numbers, strings, lists) to ``f``.

    Paths are written atomically (temp file in the same folder, then ``os.replace``).
    """
    _write(_encode(obj), f)


def _write(data: bytes, f: str | os.PathLike | io.IOBase) -> None:
    """Write ``data`` to a stream, or atomically to a path (temp file, fsync, ``os.replace``)."""
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: folder {folder} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".safetensors")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _parse(raw: bytes, where: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors and the metadata of a safetensors file, validated by the safetensors library."""
    from safetensors import SafetensorError

    def bad(msg: str) -> SerializationError:
        return SerializationError(f"{where} is not a valid safetensors checkpoint: {msg}")

    if len(raw) < 8:
        raise bad(f"only {len(raw)} bytes (truncated or empty file)")
    try:
        # checks the header, that every tensor's bytes lie in the file, that they neither overlap
        # nor leave gaps, and that nothing trails the last tensor
        arrays = _st_numpy().load(bytes(raw))
    except SafetensorError as e:
        raise bad(f"{e} (truncated, corrupt or not a safetensors file)") from None
    except (ValueError, TypeError, OverflowError, MemoryError) as e:
        raise bad(f"{type(e).__name__}: {e}") from None
    n = int.from_bytes(raw[:8], "little")
    try:
        meta = json.loads(bytes(raw[8 : 8 + n]).decode("utf-8")).get("__metadata__") or {}
    except (UnicodeDecodeError, ValueError, AttributeError) as e:  # pragma: no cover - validated
        raise bad(f"the JSON header does not parse ({e})") from None
    if not isinstance(meta, dict):
        raise bad("the __metadata__ entry is not a JSON object")
    tensors = {
        k: np.array(v, dtype=np.dtype(v.dtype).newbyteorder("="), copy=True)
        for k, v in arrays.items()
    }
    return tensors, meta


def _unflatten(tree: Any, tensors: dict[str, np.ndarray], where: str, place: Any) -> Any:
    if isinstance(tree, dict):
        if "__tensor__" in tree:
            name = tree["__tensor__"]
            if name not in tensors:
                raise SerializationError(f"{where}: the metadata names a missing tensor {name!r}")
            if tree.get("numpy") is True:
                return tensors[name]
            return place(Tensor._wrap(tensors[name]), str(tree.get("device", "cpu")))
        if "__dict__" in tree:
            return {k: _unflatten(v, tensors, where, place) for k, v in tree["__dict__"]}
        if "__tuple__" in tree:
            return tuple(_unflatten(v, tensors, where, place) for v in tree["__tuple__"])
        return {k: _unflatten(v, tensors, where, place) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_unflatten(v, tensors, where, place) for v in tree]
    return tree


def load(
    f: str | os.PathLike | io.IOBase, map_location: Any = None, weights_only: bool = True
) -> Any:
    """Read what ``save`` wrote (or any safetensors file: then a flat ``{name: Tensor}``).

    As ``torch.load``, tensors come back on the device they were saved from, unless
    ``map_location`` says otherwise: a device (``"cpu"``, ``"cuda:0"``, ``device``) for all of
    them, a dict from saved to new device names (``{"cuda:0": "cpu"}``), or a callable
    ``f(tensor, saved_location) -> tensor`` given the tensor on the CPU (so
    ``lambda t, loc: t`` keeps everything on the CPU and ``lambda t, loc: t.cuda()`` moves it).
    Loading a CUDA checkpoint without a GPU needs ``map_location="cpu"``.

    A whole object saved with ``save(model, f)`` is stored pickled.  With ``weights_only=True``
    (the default, as in torch) it is unpickled only from tensors, containers and the classes
    and functions allowed by :func:`add_safe_globals` / :func:`safe_globals`; anything else
    raises ``pickle.UnpicklingError`` naming it.  ``weights_only=False`` unpickles anything:
    only for files you trust, since unpickling can run code.  Tree checkpoints (state dicts and
    dicts of them) never execute code.  Raises ``FileNotFoundError`` for a missing path and
    ``SerializationError`` (a ``ValueError``) naming the problem for corrupt files.
    """
    if hasattr(f, "read"):
        raw, where = f.read(), "the stream"
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"load: the stream returned {type(raw).__name__}, not bytes: open the file in "
                "binary mode ('rb')"
            )
    else:
        where = os.fspath(f)
        if not os.path.isfile(where):
            raise FileNotFoundError(f"load: no checkpoint at {where}")
        with open(where, "rb") as fh:
            raw = fh.read()
    place = _placer(map_location)
    tensors, meta = _parse(raw, where)
    if isinstance(meta, dict) and meta.get("nablagrad_pickle") == "1" and _PICKLE in tensors:
        return _unpickle(tensors[_PICKLE].tobytes(), weights_only, where)
    tree_json = meta.get("nablagrad") if isinstance(meta, dict) else None
    if tree_json is None:
        return {k: place(Tensor._wrap(v), "cpu") for k, v in tensors.items()}
    try:
        tree = json.loads(tree_json)
    except (ValueError, TypeError, RecursionError) as e:
        raise SerializationError(f"{where}: the nablagrad metadata does not parse ({e})") from None
    try:
        return _unflatten(tree, tensors, where, place)
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as e:
        if isinstance(e, SerializationError):
            raise
        raise SerializationError(
            f"{where}: the nablagrad metadata is not a valid checkpoint tree ({e})"
        ) from None


def _placer(map_location: Any) -> Any:
    """``place(host_tensor, saved_location) -> Tensor`` for a ``map_location``."""
    if callable(map_location) and not isinstance(map_location, (str, backend.device)):
        return map_location
    if isinstance(map_location, dict):
        table = {str(backend.as_device(k)): v for k, v in map_location.items()}

        def remap(t: Tensor, loc: str) -> Tensor:
            return _move(t, table.get(str(backend.as_device(loc)), loc))

        return remap
    if map_location is None:
        return _move
    dev = backend.as_device(map_location)
    return lambda t, loc: _move(t, dev)


def _move(t: Tensor, dev: Any) -> Tensor:
    dev = backend.as_device(dev)
    if dev.type == "cpu":
        return t
    if not backend.cupy_available():
        raise RuntimeError(
            f"Attempting to deserialize a tensor on device {dev} but CUDA is not available "
            "(nablagrad.cuda.is_available() is False). On a CPU-only machine use "
            "nablagrad.load(..., map_location='cpu')"
        )
    return t.to(dev)


# -- whole objects: pickled, and unpickled with an allowlist ----------------------------------

#: what any weights-only load may rebuild: tensors, NumPy arrays and plain containers
_BASE_GLOBALS = {
    ("nablagrad.tensor", "_rebuild"),
    ("nablagrad.tensor", "_rebuild_sparse"),
    ("nablagrad.nn.parameter", "_rebuild_parameter"),
    ("nablagrad.nn.parameter", "_rebuild_buffer"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("collections", "OrderedDict"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
}
_USER_GLOBALS: list[Any] = []


def _global_name(obj: Any) -> tuple[str, str]:
    return (getattr(obj, "__module__", ""), getattr(obj, "__qualname__", ""))


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow weights-only ``load`` to rebuild these classes and functions (``torch`` API).

    Example:
        >>> import nablagrad
        >>> nablagrad.serialization.add_safe_globals([nablagrad.nn.Linear])
        >>> nablagrad.nn.Linear in nablagrad.serialization.get_safe_globals()
        True
        >>> nablagrad.serialization.clear_safe_globals()
    """
    for g in safe_globals:
        if isinstance(g, tuple):  # torch's (object, "module.name") form
            g = g[0]
        if g not in _USER_GLOBALS:
            _USER_GLOBALS.append(g)


def get_safe_globals() -> list[Any]:
    """The classes and functions that :func:`add_safe_globals` allowed."""
    return list(_USER_GLOBALS)


def clear_safe_globals() -> None:
    """Forget every :func:`add_safe_globals` entry."""
    _USER_GLOBALS.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: Iterable[Any]) -> Iterator[None]:
    """Within the block, weights-only ``load`` may also rebuild ``safe_globals``."""
    saved = list(_USER_GLOBALS)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _USER_GLOBALS[:] = saved


class _WeightsOnlyUnpickler(pickle.Unpickler):
    """Resolves only allowlisted globals, by name, before importing anything."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = (module, name) in _BASE_GLOBALS or any(
            _global_name(g) == (module, name) for g in _USER_GLOBALS
        )
        if not allowed:
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global {module}.{name}, which is not "
                f"allowed by default. If you trust this file, allow it with "
                f"torch.serialization.add_safe_globals([{name}]) or the "
                f"torch.serialization.safe_globals([{name}]) context manager, or load with "
                "weights_only=False (unpickling can run code: only for trusted files)."
            )
        return super().find_class(module, name)


def _unpickle(data: bytes, weights_only: bool, where: str) -> Any:
    if not weights_only:
        return pickle.loads(data)  # noqa: S301 - asked for with weights_only=False
    try:
        return _WeightsOnlyUnpickler(io.BytesIO(data)).load()
    except pickle.UnpicklingError:
        raise
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        raise SerializationError(f"{where}: the pickled object does not load ({e})") from None
