"""Utilities with torch's names: ``nablagrad.utils.data`` (data sets, samplers, loaders),
``summary`` (a torchinfo-style table of layers), ``utils.tensorboard`` and ``utils.checkpoint``
(loaded on use)."""

from . import data
from ._summary import summary

__all__ = ["data", "summary"]
