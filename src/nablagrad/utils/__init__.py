"""Utilities with torch's names: ``nablagrad.utils.data`` (data sets, samplers, loaders),
``summary`` (a torchinfo-style table of layers), ``utils.checkpoint``, ``utils.hooks``,
``utils.benchmark`` and ``utils.tensorboard`` (loaded on use: ``torch.utils.checkpoint``
works after ``import nablagrad as torch``, as in torch)."""

from typing import Any

from . import data
from ._summary import summary

__all__ = ["data", "summary"]

_ON_USE = {"checkpoint", "hooks", "benchmark", "tensorboard"}


def __getattr__(name: str) -> Any:
    if name in _ON_USE:
        import importlib

        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
