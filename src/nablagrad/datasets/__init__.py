"""Data sets: the embedded digits (offline default) and loaders for the classic benchmarks."""

from .digits import load_digits

__all__ = ["load_digits"]
