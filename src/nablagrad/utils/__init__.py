"""Utilities with torch's names: ``nablagrad.utils.data`` (data sets, samplers, loaders)."""

from . import data

__all__ = ["data"]
