"""The experiment registry: names, one-line descriptions and typed parameters.

Every experiment lives in its own module with three functions:

- ``run(**params) -> dict``: does the computation with the real framework and returns the data
  that the figures show (NumPy arrays, floats, lists);
- ``plot(result, out_dir) -> list[Path]``: writes PNG (and GIF) figures;
- ``summary(result) -> str``: the text the CLI prints, saying what the figures show.

The registry validates parameters before anything runs, so a typo gives a message naming the
experiment's valid parameters instead of a traceback.  A parameter's default is written once,
in the signature of its experiment's ``run``; the catalog (``catalog.py``) adds the type, help,
choices and range, and ``Experiment.params`` joins the two.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_FROM_RUN: Any = object()  # a Param's default comes from its experiment's ``run`` signature


@dataclass(frozen=True)
class Param:
    """One tunable parameter of an experiment: type, help and optional choices/range.

    ``default`` is filled in from the experiment's ``run`` signature (``Experiment.params``).
    """

    name: str
    type: type
    help: str
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    item: type = str  # for tuple parameters: the type of each item (int, float or str)
    default: Any = _FROM_RUN

    def parse(self, text: str, experiment: str) -> Any:
        """Convert a command-line string to this parameter's type and validate it."""
        try:
            if self.type is bool:
                low = text.strip().lower()
                if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(text)
                value: Any = low in ("1", "true", "yes", "on")
            elif self.type is tuple:
                value = tuple(s.strip() for s in text.split(",") if s.strip())
            else:
                value = self.type(text)
        except ValueError:
            raise ValueError(
                f"lab {experiment}: parameter {self.name}={text!r} is not a valid "
                f"{self.type.__name__}; {self.help}"
            ) from None
        return self.check(value, experiment)

    def _items(self, value: tuple, experiment: str) -> tuple:
        """Convert every item of a tuple parameter to ``self.item`` with a clear error."""
        out = []
        for v in value:
            try:
                out.append(self.item(v) if self.item is not str else str(v))
            except (TypeError, ValueError):
                raise ValueError(
                    f"lab {experiment}: parameter {self.name} item {v!r} is not a valid "
                    f"{self.item.__name__}; {self.help}"
                ) from None
        if not out:
            raise ValueError(f"lab {experiment}: parameter {self.name} needs at least one item")
        return tuple(out)

    def check(self, value: Any, experiment: str) -> Any:
        """Validate an already-typed value; return it (ints are accepted where floats are)."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.type is tuple and isinstance(value, (list, str)):
            value = tuple([value] if isinstance(value, str) else value)
        if self.type is tuple and isinstance(value, tuple):
            value = self._items(value, experiment)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise TypeError(
                f"lab {experiment}: parameter {self.name} must be {self.type.__name__}, got "
                f"{type(value).__name__} {value!r}"
            )
        items = value if self.type is tuple else (value,)
        if self.choices:
            bad = [v for v in items if v not in self.choices]
            if bad or not items:
                raise ValueError(
                    f"lab {experiment}: parameter {self.name}={value!r} is not allowed; choose "
                    f"from {', '.join(map(str, self.choices))}"
                )
        if self.minimum is not None and value < self.minimum:
            raise ValueError(
                f"lab {experiment}: parameter {self.name}={value!r} is too small (minimum "
                f"{self.minimum})"
            )
        if self.maximum is not None and value > self.maximum:
            raise ValueError(
                f"lab {experiment}: parameter {self.name}={value!r} is too large (maximum "
                f"{self.maximum})"
            )
        return value


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: its module holds ``run``, ``plot`` and ``summary``."""

    name: str
    module: str
    description: str
    declared: tuple[Param, ...] = field(default_factory=tuple)

    def _mod(self) -> Any:
        return importlib.import_module(f"nablagrad.lab.experiments.{self.module}")

    @property
    def params(self) -> tuple[Param, ...]:
        """The declared parameters with their defaults, read from ``run``'s signature."""
        return _with_defaults(self)

    def resolve(self, given: dict[str, Any]) -> dict[str, Any]:
        """Fill defaults and validate ``given`` (already typed) against the parameter list."""
        by_name = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(by_name))
        if unknown:
            raise ValueError(
                f"lab {self.name}: unknown parameter(s) {', '.join(unknown)}; valid parameters "
                f"are {', '.join(by_name) or '(none)'}"
            )
        out = {p.name: p.default for p in self.params}
        for k, v in given.items():
            out[k] = by_name[k].check(v, self.name)
        return out

    def parse(self, pairs: list[str]) -> dict[str, Any]:
        """Parse ``key=value`` strings from the command line into typed parameters."""
        by_name = {p.name: p for p in self.params}
        given: dict[str, Any] = {}
        for pair in pairs:
            if "=" not in pair:
                raise ValueError(
                    f"lab {self.name}: expected key=value, got {pair!r}; e.g. "
                    f"{self.params[0].name}={self.params[0].default}"
                    if self.params
                    else f"lab {self.name}: takes no parameters, got {pair!r}"
                )
            key, text = pair.split("=", 1)
            key = key.strip().replace("-", "_")
            if key not in by_name:
                raise ValueError(
                    f"lab {self.name}: unknown parameter {key!r}; valid parameters are "
                    f"{', '.join(by_name) or '(none)'}"
                )
            given[key] = by_name[key].parse(text, self.name)
        return self.resolve(given)

    def run(self, **params: Any) -> dict[str, Any]:
        """Validate ``params`` and run the experiment, returning its data.

        The lab's models are tiny (matrices of a few hundred rows), where a multi-threaded BLAS
        spends more time waking threads than multiplying -- and on a busy machine the threads'
        spin-waiting made a 300 x 64 matmul 70x slower than one thread.  So experiments run
        with one BLAS thread (via ``threadpoolctl`` when it is installed, as it is with
        scikit-learn); the setting is restored afterwards.
        """
        resolved = self.resolve(params)
        with _single_blas_thread():
            return self._mod().run(**resolved)

    def plot(self, result: dict[str, Any], out_dir: Any) -> list:
        return self._mod().plot(result, out_dir)

    def summary(self, result: dict[str, Any]) -> str:
        return self._mod().summary(result)


def _single_blas_thread() -> Any:
    """A context manager limiting BLAS to one thread (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only a speed-up
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


_DEFAULTS: dict[str, tuple[Param, ...]] = {}


def _with_defaults(exp: Experiment) -> tuple[Param, ...]:
    if exp.name not in _DEFAULTS:
        signature = inspect.signature(exp._mod().run).parameters
        filled = []
        for p in exp.declared:
            arg = signature.get(p.name)
            if arg is None or arg.default is inspect.Parameter.empty:
                raise TypeError(
                    f"lab {exp.name}: run() has no default for parameter {p.name!r}: give it "
                    "one in the signature (the single place experiment defaults live)"
                )
            filled.append(dataclasses.replace(p, default=arg.default))
        _DEFAULTS[exp.name] = tuple(filled)
    return _DEFAULTS[exp.name]


EXPERIMENTS: dict[str, Experiment] = {}


def register(exp: Experiment) -> Experiment:
    EXPERIMENTS[exp.name] = exp
    return exp


def get(name: str) -> Experiment:
    """The experiment called ``name``; a clear error lists the valid names otherwise."""
    key = name.strip().lower().replace("_", "-")
    if key not in EXPERIMENTS:
        import difflib

        close = difflib.get_close_matches(key, list(EXPERIMENTS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(
            f"no lab experiment named {name!r}{hint}; available: {', '.join(EXPERIMENTS)}"
        )
    return EXPERIMENTS[key]


def make_runner(name: str) -> Callable[..., dict[str, Any]]:
    """A function ``f(**params) -> dict`` running experiment ``name`` (for ``nablagrad.lab``)."""

    def runner(**params: Any) -> dict[str, Any]:
        return get(name).run(**params)

    exp = get(name)
    lines = [f"{exp.description}", "", "Parameters:"]
    lines += [
        f"    {p.name} ({p.type.__name__}, default {p.default!r}): {p.help}" for p in exp.params
    ]
    lines += ["", "Returns the data the figures show, as a dict (see the module's ``run``)."]
    runner.__doc__ = "\n".join(lines)
    runner.__name__ = name.replace("-", "_")
    return runner
