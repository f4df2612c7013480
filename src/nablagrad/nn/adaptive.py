"""``nn.AdaptiveLogSoftmaxWithLoss``: the adaptive softmax of Grave et al. (2016), as torch's.

The classes are split by ``cutoffs`` into a frequent shortlist ``[0, cutoffs[0])`` and
clusters ``[cutoffs[i], cutoffs[i+1])``.  The ``head`` (a ``Linear`` to shortlist + one logit
per cluster) gives log p(shortlist class) and log p(cluster); cluster ``i`` has its own tail,
``Linear(in, in // div_value**(i+1)) -> Linear(.., cluster size)`` (no biases), giving
log p(class | cluster).  So

    log p(c) = head_logprob[c]                                  c in the shortlist
    log p(c) = head_logprob[shortlist + i] + tail_i_logprob[c - cutoffs[i]]    c in cluster i

and ``forward(input, target)`` returns ``(output, loss)``: each row's log p(target) and the
mean negative of them.  Only the rows whose target falls in a cluster go through its tail.

Example:
    >>> import nablagrad as torch
    >>> _ = torch.manual_seed(0)
    >>> asm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7], div_value=2.0)
    >>> out, loss = asm(torch.randn(5, 8), torch.tensor([0, 3, 5, 9, 6]))
    >>> out.shape, loss.shape
    (nablagrad.Size([5]), nablagrad.Size([]))
    >>> asm.log_prob(torch.randn(2, 8)).exp().sum(1)
    tensor([1.0000, 1.0000], grad_fn=<SumBackward1>)
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from .. import creation
from ..backend import int64, np
from ..ops import fused
from ..ops import shape as sh
from ..tensor import Tensor
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax (see the module docstring): ``forward(input, target)`` ->
    ``_ASMoutput(output, loss)``, ``log_prob(input)`` -> (N, n_classes) log-probabilities,
    ``predict(input)`` -> the most probable class of each row."""

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an "
                "increasing order, where each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, **factory),
                    Linear(hidden, size, bias=False, **factory),
                )
            )

    def reset_parameters(self) -> None:
        """Re-initialise the head and every tail layer as at construction."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """``(output, loss)``: log p(target) per row (0-d for an unbatched (in_features,) input
        with a 0-d target) and their mean negative (the loss)."""
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError(
                    "Input and target should have the same size in the batch dimension."
                )
            if input_.ndim != 2:
                raise RuntimeError(
                    "1D target tensor expects 2D input tensors, but found inputs with size "
                    f"{input_.shape}"
                )
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(
                    "0D target tensor expects 1D input tensors, but found inputs with size "
                    f"{input_.shape}"
                )
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        x = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        t = np.asarray(target.detach().cpu().numpy()).astype(np.int64)
        if t.size and (t.min() < 0 or t.max() > self.n_classes - 1):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{t.min()}, {t.max()}] were found. "
            )
        head_logprob = fused.log_softmax(self.head(x), 1)
        # the head's column per row: the class itself, or the cluster's logit
        column = t.copy()
        for i in range(1, len(self.cutoffs)):
            in_cluster = (t >= self.cutoffs[i - 1]) & (t < self.cutoffs[i])
            column[in_cluster] = self.shortlist_size + i - 1

        def index(a: Any) -> Tensor:
            return creation.tensor(a, dtype=int64, device=x.device)

        output = head_logprob.gather(1, index(column[:, None])).squeeze(1)
        for i in range(1, len(self.cutoffs)):
            rows = np.flatnonzero((t >= self.cutoffs[i - 1]) & (t < self.cutoffs[i]))
            if rows.size == 0:
                continue
            rows_t = index(rows)
            local = fused.log_softmax(self.tail[i - 1](x.index_select(0, rows_t)), 1)
            relative = index((t[rows] - self.cutoffs[i - 1])[:, None])
            output = output.index_add(0, rows_t, local.gather(1, relative).squeeze(1))
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """log p of every class, (N, n_classes), from the input and the head's logits."""
        head_logprob = fused.log_softmax(head_output, 1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = fused.log_softmax(self.tail[i](input), 1)
            k = self.shortlist_size + i
            parts.append(cluster + head_logprob[:, k : k + 1])
        return sh.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """log-probabilities of all ``n_classes`` classes for each row, (N, n_classes)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row, (N,) int64: ``log_prob(input).argmax(1)``,
        computed from the head alone for the rows whose best head entry is a shortlist class
        (a shortlist class beats every class of a cluster whose logit it beats)."""
        head_output = self.head(input)
        best = head_output.argmax(1)
        outside = best >= self.shortlist_size
        if not bool(outside.any()):
            return best
        if bool(outside.all()):
            return self._get_full_log_prob(input, head_output).argmax(1)
        full = self._get_full_log_prob(input[outside], head_output[outside])
        best = best.clone()
        best[outside] = full.argmax(1)
        return best
