"""Pytrees for the function transforms: tuples, lists, dicts (and namedtuples) of leaves.

``flatten(tree)`` gives the leaves in order and a spec; ``unflatten(leaves, spec)`` rebuilds the
same structure.  ``broadcast_prefix(prefix, tree)`` spreads a prefix tree (``in_dims=(None, 0)``,
``{"a": 1}``) over the leaves of ``tree``, as torch's ``in_dims``/``out_dims`` and ``argnums``
specifications are matched.
"""

from __future__ import annotations

from typing import Any

_LEAF = None  # the spec of a leaf


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(x: Any) -> tuple[Any, list] | None:
    """(node description, children) of a container, or None for a leaf."""
    if _is_namedtuple(x):
        return (type(x), None), list(x)
    if isinstance(x, (tuple, list)):
        return (type(x), None), list(x)
    if isinstance(x, dict):
        keys = list(x)
        return (type(x), keys), [x[k] for k in keys]
    return None


def flatten(tree: Any) -> tuple[list, Any]:
    """Leaves of ``tree`` (depth first) and its spec."""
    leaves: list = []

    def go(x: Any) -> Any:
        node = _children(x)
        if node is None:
            leaves.append(x)
            return _LEAF
        (kind, keys), kids = node
        return (kind, keys, [go(k) for k in kids])

    return leaves, go(tree)


def unflatten(leaves: list, spec: Any) -> Any:
    """Rebuild the structure described by ``spec`` around ``leaves``."""
    it = iter(leaves)

    def go(s: Any) -> Any:
        if s is _LEAF:
            return next(it)
        kind, keys, kids = s
        values = [go(k) for k in kids]
        if keys is not None:
            return kind(zip(keys, values))
        if isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields"):
            return kind(*values)
        return kind(values)

    return go(spec)


def num_leaves(spec: Any) -> int:
    if spec is _LEAF:
        return 1
    return sum(num_leaves(k) for k in spec[2])


def describe(spec: Any) -> str:
    """A short picture of a structure for error messages: ``(*, {'a': *})``."""
    if spec is _LEAF:
        return "*"
    kind, keys, kids = spec
    parts = [describe(k) for k in kids]
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(keys, parts)) + "}"
    if kind is list:
        return "[" + ", ".join(parts) + "]"
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def broadcast_prefix(prefix: Any, tree: Any, is_leaf_value: Any) -> list | None:
    """One value of ``prefix`` per leaf of ``tree``; ``None`` when the structures disagree.

    A value of the prefix for which ``is_leaf_value(value)`` holds (an int or None for
    in_dims) covers the whole subtree at its place."""
    out: list = []

    def go(p: Any, t: Any) -> bool:
        if is_leaf_value(p):
            out.extend([p] * len(flatten(t)[0]))
            return True
        pn, tn = _children(p), _children(t)
        if pn is None or tn is None:
            return False
        (pkind, pkeys), pkids = pn
        (tkind, tkeys), tkids = tn
        if pkeys is not None or tkeys is not None:
            if pkeys is None or tkeys is None or set(pkeys) != set(tkeys):
                return False
            return all(go(p[k], t[k]) for k in tkeys)
        if isinstance(p, list) != isinstance(t, list) or len(pkids) != len(tkids):
            return False
        return all(go(a, b) for a, b in zip(pkids, tkids))

    return out if go(prefix, tree) else None
