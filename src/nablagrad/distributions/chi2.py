"""Chi2(df): the chi-squared distribution, Gamma(df / 2, 1 / 2)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import constraints
from .distribution import as_param
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """The sum of ``df`` squared standard normals: Gamma(concentration=df/2, rate=1/2).

    Example:
        >>> import nablagrad as torch
        >>> torch.distributions.Chi2(torch.tensor(3.0)).mean
        tensor(3.)
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df,) = as_param(df)
        super().__init__(0.5 * df, df * 0 + 0.5, validate_args=validate_args)

    def _validate_params(self, *names: str) -> None:
        # df is concentration * 2: the constraint, named as torch names it
        Gamma._validate_params(self, "df")

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
