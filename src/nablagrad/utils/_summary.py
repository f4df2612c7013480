"""``nablagrad.utils.summary``: a table of a model's layers, as torchinfo prints one.

For each layer call (in the order of the forward pass) it lists the output shape, the parameter
count and the multiply-adds, then totals: parameters (trainable and not), mult-adds and an
estimate of the memory a training step needs.  The counting rules are torchinfo's, so the
numbers agree with ``torchinfo.summary`` on the same PyTorch model:

* mult-adds of a layer with ``weight``/``bias``: (parameters) x (batch) for most layers,
  (parameters) x (batch x output positions) for convolutions, and (parameters) x (batch x
  steps) for the ``weight_*``/``bias_*`` of recurrent layers;
* forward/backward pass size: 2 x (bytes of the outputs of leaf layers that have parameters);
* a layer that returns several tensors (LSTM) is described by its first output;
* estimated total: input bytes + forward/backward bytes + parameter bytes (input bytes are the
  tensors' data; torchinfo adds Python's object overhead, a few dozen bytes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import creation
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["summary", "ModelStatistics", "LayerInfo"]

_COLUMNS = {
    "input_size": "Input Shape",
    "output_size": "Output Shape",
    "num_params": "Param #",
    "params_percent": "Param %",
    "kernel_size": "Kernel Shape",
    "mult_adds": "Mult-Adds",
    "trainable": "Trainable",
}


def _tensors(obj: Any) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o)]
    return []


def _shape_of(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return list(obj.shape)
    if isinstance(obj, (tuple, list)):
        shapes = [_shape_of(o) for o in obj]
        return shapes[0] if len(shapes) == 1 else shapes
    return None


@dataclass
class LayerInfo:
    """One row: a module call."""

    name: str
    class_name: str
    depth: int
    depth_index: int
    module: Any
    parent: LayerInfo | None
    input_size: Any = None
    output_size: Any = None
    output_bytes: int = 0
    macs: int = 0
    is_recursive: bool = False
    children: list[LayerInfo] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not any(True for _ in self.module.children())

    def own_params(self) -> list[Any]:
        return list(self.module.parameters(recurse=False))

    def total_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    def trainable_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters() if p.requires_grad)


def _macs(info: LayerInfo, first_out: list[int]) -> int:
    total = 0
    for name, p in info.module.named_parameters():
        leaf_name = name.rsplit(".", 1)[-1]
        n = p.numel()
        if leaf_name in ("weight", "bias"):
            if "Conv" in info.class_name:
                total += n * math.prod(first_out[:1] + first_out[2:])
            else:
                total += (first_out[0] if first_out else 1) * n
        elif "weight" in leaf_name or "bias" in leaf_name:
            total += math.prod(first_out[:2]) * n
    return total


def _fmt_shape(shape: Any) -> str:
    if shape is None:
        return "--"
    return str(shape)


def _fmt_num(n: int) -> str:
    return f"{n:,}" if n > 0 else "--"


def _units(n: float) -> tuple[str, float]:
    for unit, scale in (("T", 1e12), ("G", 1e9)):
        if n >= scale:
            return f" ({unit})", n / scale
    return " (M)", n / 1e6


class ModelStatistics:
    """What ``summary`` found; ``str()`` is the table.  Attributes as torchinfo's:
    ``total_params``, ``trainable_params``, ``total_mult_adds``, ``total_input``,
    ``total_output_bytes``, ``total_param_bytes``, ``summary_list``."""

    def __init__(
        self,
        summary_list: list[LayerInfo],
        model: Any,
        total_input: int,
        depth: int,
        col_names: Sequence[str],
        col_width: int,
    ) -> None:
        self.summary_list, self.model = summary_list, model
        self.total_input, self.depth = total_input, depth
        self.col_names, self.col_width = list(col_names), col_width
        self.total_params = sum(p.numel() for p in model.parameters())
        self.trainable_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
        self.total_param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        self.total_mult_adds = 0
        self.total_output_bytes = 0
        for info in summary_list:
            if info.is_leaf and not info.is_recursive:
                self.total_mult_adds += info.macs
                if info.own_params():
                    self.total_output_bytes += 2 * info.output_bytes

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def _cell(self, info: LayerInfo, col: str, shown_children: bool) -> str:
        if col == "input_size":
            return _fmt_shape(info.input_size)
        if col == "output_size":
            return _fmt_shape(info.output_size)
        if info.is_recursive and col in ("num_params", "params_percent", "mult_adds"):
            return "(recursive)"
        ps = info.own_params() if shown_children else list(info.module.parameters())
        count = sum(p.numel() for p in ps)
        if col == "num_params":
            frozen = count and not any(p.requires_grad for p in ps)
            return f"({count:,})" if frozen else _fmt_num(count)
        if col == "params_percent":
            return (
                f"{100 * count / self.total_params:.2f}%" if count and self.total_params else "--"
            )
        if col == "kernel_size":
            w = getattr(info.module, "weight", None)
            return str(list(w.shape[2:])) if "Conv" in info.class_name and w is not None else "--"
        if col == "mult_adds":
            if shown_children:
                return "--"
            macs = (
                info.macs
                if info.is_leaf
                else sum(d.macs for d in _descendants(info) if d.is_leaf and not d.is_recursive)
            )
            return _fmt_num(macs)
        if col == "trainable":
            ps = list(info.module.parameters())
            if not ps:
                return "--"
            flags = {p.requires_grad for p in ps}
            return "Partial" if len(flags) == 2 else str(flags.pop())
        raise ValueError(col)

    def __str__(self) -> str:
        rows = [info for info in self.summary_list if info.depth <= self.depth]
        label = "Layer (type:depth-idx)"
        names = []
        for info in rows:
            prefix = "" if info.depth == 0 else "│    " * (info.depth - 1) + "├─"
            idx = "" if info.depth == 0 else f": {info.depth}-{info.depth_index}"
            names.append(f"{prefix}{info.class_name}{idx}")
        name_w = max([40] + [len(n) + 2 for n in names])
        widths = [max(self.col_width, len(_COLUMNS[c]) + 2) for c in self.col_names]
        total_w = name_w + sum(widths)
        line = "=" * total_w
        head = label.ljust(name_w) + "".join(
            _COLUMNS[c].ljust(w) for c, w in zip(self.col_names, widths)
        )
        out = [line, head.rstrip(), line]
        for info, name in zip(rows, names):
            shown = info.depth < self.depth and bool(info.children)
            cells = [self._cell(info, c, shown).ljust(w - 1) + " "
                     for c, w in zip(self.col_names, widths)]  # fmt: skip
            out.append((name.ljust(name_w) + "".join(cells)).rstrip())
        unit, macs = _units(self.total_mult_adds)
        mb = lambda n: n / 1e6  # noqa: E731
        out += [
            line,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            f"Total mult-adds{unit}: {macs:,.2f}",
            line,
            f"Input size (MB): {mb(self.total_input):.2f}",
            f"Forward/backward pass size (MB): {mb(self.total_output_bytes):.2f}",
            f"Params size (MB): {mb(self.total_param_bytes):.2f}",
            "Estimated Total Size (MB): "
            f"{mb(self.total_input + self.total_output_bytes + self.total_param_bytes):.2f}",
            line,
        ]
        return "\n".join(out)

    __repr__ = __str__


def _descendants(info: LayerInfo) -> list[LayerInfo]:
    out = []
    for c in info.children:
        out += [c] + _descendants(c)
    return out


def summary(
    model: Any,
    input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
    input_data: Any = None,
    *,
    batch_dim: int | None = None,
    col_names: Sequence[str] = ("output_size", "num_params"),
    col_width: int = 25,
    depth: int = 3,
    dtypes: Sequence[Any] | None = None,
    device: Any = None,
    verbose: int = 1,
) -> ModelStatistics:
    """Summarise ``model``: run it once on ``input_data`` (a Tensor or a tuple/list of them) or
    on zeros of ``input_size`` (one shape, or a list of shapes for several inputs; with
    ``batch_dim`` a batch of 1 is inserted there), in eval mode without gradients, and return
    the statistics (printed when ``verbose`` >= 1).  Without input only parameters are counted.

    ``col_names`` picks columns from ``input_size``, ``output_size``, ``num_params``,
    ``params_percent``, ``kernel_size``, ``mult_adds``, ``trainable``; rows deeper than
    ``depth`` are folded into their parent.

    Example:
        >>> from nablagrad import nn
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> stats = summary(net, (1, 4), verbose=0)
        >>> stats.total_params, stats.total_mult_adds
        (58, 58)
    """
    bad = [c for c in col_names if c not in _COLUMNS]
    if bad:
        raise ValueError(f"summary: unknown columns {bad}; choose from {list(_COLUMNS)}")
    if input_size is not None and input_data is not None:
        raise ValueError("summary: pass input_size or input_data, not both")
    if input_size is not None:
        sizes = input_size if isinstance(input_size[0], (list, tuple)) else [input_size]
        dts = list(dtypes) if dtypes is not None else [None] * len(sizes)
        if len(dts) != len(sizes):
            raise ValueError(f"summary: {len(sizes)} input sizes but {len(dts)} dtypes")
        args = []
        for s, dt in zip(sizes, dts):
            s = list(s)
            if batch_dim is not None:
                s.insert(batch_dim, 1)
            args.append(creation.zeros(*s, dtype=dt, device=device))
    elif input_data is not None:
        args = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
    else:
        args = None
    rows: list[LayerInfo] = []
    seen: set[int] = set()
    stack: list[LayerInfo] = []
    named = list(model.named_modules())

    def wrap(name: str, module: Any) -> Any:
        original = module.forward

        def forward(*a: Any, **kw: Any) -> Any:
            parent = stack[-1] if stack else None
            siblings = parent.children if parent else []
            info = LayerInfo(name, type(module).__name__, len(stack), len(siblings) + 1,
                             module, parent)  # fmt: skip
            info.is_recursive = id(module) in seen and bool(list(module.parameters()))
            seen.add(id(module))
            info.input_size = _shape_of(a if len(a) != 1 else a[0])
            if parent is not None:
                parent.children.append(info)
            rows.append(info)
            stack.append(info)
            try:
                out = original(*a, **kw)
            finally:
                stack.pop()
            # as torchinfo: a layer returning several tensors (LSTM) is described by the first
            outs = _tensors(out)
            info.output_size = list(outs[0].shape) if outs else None
            info.output_bytes = outs[0].numel() * outs[0].element_size() if outs else 0
            info.macs = _macs(info, list(outs[0].shape) if outs else [])
            return out

        return forward

    if args is not None:
        training = [(m, m.training) for _, m in named]
        for name, m in named:
            m.__dict__["forward"] = wrap(name, m)
        try:
            model.eval()
            with no_grad():
                model(*args)
        finally:
            for _, m in named:
                m.__dict__.pop("forward", None)
            for m, t in training:
                m.training = t
        total_input = sum(t.numel() * t.element_size() for t in _tensors(args))
    else:  # no forward pass: one row per module, in definition order
        index: dict[int, LayerInfo] = {}
        for name, m in named:
            parent = index.get(id(_named_parent(model, name)))
            siblings = parent.children if parent else []
            info = LayerInfo(name, type(m).__name__, name.count(".") + 1 if name else 0,
                             len(siblings) + 1, m, parent)  # fmt: skip
            if parent is not None:
                parent.children.append(info)
            index[id(m)] = info
            rows.append(info)
        total_input = 0
    stats = ModelStatistics(rows, model, total_input, depth, col_names, col_width)
    if verbose:
        print(stats)
    return stats


def _named_parent(model: Any, name: str) -> Any:
    if not name:
        return None
    parent = model
    for part in name.split(".")[:-1]:
        parent = getattr(parent, part)
    return parent
