"""``RemovableHandle``: the handle every ``register_*hook`` returns (torch.utils.hooks's class;
public as ``nablagrad.utils.hooks.RemovableHandle``).  It sits below ``tensor`` so that tensor
hooks, module hooks and user code share one class."""

from __future__ import annotations

from typing import Any

_NEW: Any = object()  # "take the next id" (the key argument left out)


class RemovableHandle:
    """Removes one hook from a hook dict (and the same key from ``extra_dict``, a dict or a list
    of dicts); also a context manager that removes it on exit.

    ``RemovableHandle(hooks_dict)`` takes the next ``id`` from a process-wide counter (skipping
    keys the dict already holds: a module unpickled from another process keeps that process's
    ids), and the caller stores the hook under it, as in torch::

        >>> from collections import OrderedDict
        >>> from nablagrad.utils.hooks import RemovableHandle
        >>> hooks = OrderedDict()
        >>> handle = RemovableHandle(hooks)
        >>> hooks[handle.id] = print
        >>> handle.remove()
        >>> len(hooks)
        0

    (nablagrad's own hooks may pass their key: ``RemovableHandle(hooks, key)``.)
    """

    next_id: int = 0

    def __init__(self, hooks_dict: Any, key: Any = _NEW, *, extra_dict: Any = None) -> None:
        if key is _NEW:
            key = self.new_key(hooks_dict)
        self.hooks, self.key = hooks_dict, key
        if extra_dict is None:
            self.extra_dicts: tuple = ()
        elif isinstance(extra_dict, dict):
            self.extra_dicts = (extra_dict,)
        elif isinstance(extra_dict, list):
            self.extra_dicts = tuple(extra_dict)
        else:
            raise TypeError(
                f"extra_dict must be a dict or a list of dicts, not {type(extra_dict).__name__}"
            )

    @property
    def id(self) -> Any:
        """The hook's key in the hook dict."""
        return self.key

    @classmethod
    def new_key(cls, hooks: Any) -> int:
        """The next id, skipping keys ``hooks`` holds already."""
        key = cls.next_id
        while key in hooks:
            key += 1
        cls.next_id = key + 1
        return key

    def hooks_dict_ref(self) -> Any:
        """The hook dict (torch keeps a weak reference and calls it; here it is the dict)."""
        return self.hooks

    def remove(self) -> None:
        """Drop the hook (and its entries in the extra dicts); removing twice does nothing."""
        self.hooks.pop(self.key, None)
        for d in self.extra_dicts:
            d.pop(self.key, None)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("extra_dicts", ())
        if isinstance(self.key, int):  # ids stay unique in the process that unpickles it
            RemovableHandle.next_id = max(RemovableHandle.next_id, self.key + 1)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
