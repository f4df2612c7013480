"""``nablagrad.utils.hooks.RemovableHandle`` against ``torch.utils.hooks.RemovableHandle``: the
class every hook registration returns, its constructor, ``id``, ``remove``, ``extra_dict`` and
the context-manager form."""

from __future__ import annotations

import pickle
from collections import OrderedDict

import pytest
import torch
import torch.utils.hooks as thooks

import nablagrad as ng
import nablagrad.utils.hooks as nhooks

LIBS = [(ng, nhooks.RemovableHandle), (torch, thooks.RemovableHandle)]


@pytest.mark.parametrize("L, RemovableHandle", LIBS)
def test_every_registration_returns_the_class(L, RemovableHandle):
    lin = L.nn.Linear(2, 2)
    x = L.ones(2, requires_grad=True)
    handles = [
        lin.register_forward_hook(lambda m, a, o: None),
        lin.register_forward_pre_hook(lambda m, a: None),
        lin.register_full_backward_hook(lambda m, gi, go: None),
        x.register_hook(lambda g: g),
        x.register_post_accumulate_grad_hook(lambda p: None),
    ]
    for h in handles:
        assert isinstance(h, RemovableHandle)
        h.remove()
        h.remove()  # twice is harmless
    assert not lin._forward_hooks and not lin._forward_pre_hooks


@pytest.mark.parametrize("L, RemovableHandle", LIBS)
def test_user_code_builds_handles_like_torch(L, RemovableHandle):
    hooks, extra = OrderedDict(), OrderedDict()
    a = RemovableHandle(hooks)
    b = RemovableHandle(hooks, extra_dict=extra)
    c = RemovableHandle(hooks, extra_dict=[extra, OrderedDict()])
    assert isinstance(a.id, int) and a.id < b.id < c.id
    for h, v in ((a, "a"), (b, "b"), (c, "c")):
        hooks[h.id] = v
    extra[b.id] = "extra b"
    b.remove()
    assert list(hooks.values()) == ["a", "c"] and not extra
    with RemovableHandle(hooks) as d:
        hooks[d.id] = "d"
        assert len(hooks) == 3
    assert list(hooks.values()) == ["a", "c"]
    assert RemovableHandle.next_id > d.id


def test_ids_skip_keys_the_dict_holds_and_survive_pickling():
    H = nhooks.RemovableHandle
    hooks = OrderedDict({H.next_id: "old", H.next_id + 1: "old"})
    h = H(hooks)
    assert h.id not in (k for k in hooks if hooks[k] == "old")
    hooks[h.id] = "new"
    copy = pickle.loads(pickle.dumps(h))
    assert copy.id == h.id and copy.hooks == hooks
    assert H.next_id > copy.id
    copy.remove()
    assert h.id not in copy.hooks


def test_the_module_hook_handle_is_the_public_class():
    from nablagrad.nn.module import _RemovableHandle

    assert _RemovableHandle is nhooks.RemovableHandle
    with pytest.raises(TypeError, match="extra_dict"):
        nhooks.RemovableHandle(OrderedDict(), extra_dict=3)


def test_reached_as_attributes_like_torch():
    for L in (ng, torch):
        assert L.utils.hooks.RemovableHandle is not None
        assert callable(L.utils.checkpoint.checkpoint)
