"""Recurrent layers: ``RNN`` (tanh/relu), ``LSTM`` and ``GRU``; multi-layer, ``batch_first``,
``bidirectional``, dropout between layers.  Parameter names and gate order match torch
(``weight_ih_l0``, ``bias_hh_l1_reverse``; LSTM gates i, f, g, o; GRU gates r, z, n):

    RNN:  h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)
    LSTM: i, f, g, o = sig, sig, tanh, sig of (x W_ih^T + b_ih + h W_hh^T + b_hh);
          c' = f c + i g;  h' = o tanh(c')
    GRU:  r, z = sig(.);  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn));  h' = (1 - z) n + z h

The input projection of a whole sequence is one matrix product; the recurrence loops over time.
All weights start U(-1/sqrt(hidden), 1/sqrt(hidden)) as in torch.

Example:
    >>> import nablagrad as torch
    >>> lstm = torch.nn.LSTM(input_size=3, hidden_size=5, num_layers=2, batch_first=True)
    >>> out, (h, c) = lstm(torch.randn(4, 7, 3))
    >>> out.shape, h.shape
    (nablagrad.Size([4, 7, 5]), nablagrad.Size([2, 4, 5]))
"""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops.elementwise import relu, sigmoid, tanh
from ..ops.shape import cat, stack
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _lstm_step(xw: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None, hs: int) -> tuple:
    """(h', c') from the input projection xw = x W_ih^T + b_ih and the state (h, c)."""
    h, c = state
    z = xw + F.linear(h, w_hh, b_hh)
    i = sigmoid(z[:, :hs])
    f = sigmoid(z[:, hs : 2 * hs])
    g = tanh(z[:, 2 * hs : 3 * hs])
    o = sigmoid(z[:, 3 * hs :])
    c = f * c + i * g
    return o * tanh(c), c


def _gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, hs: int) -> Tensor:
    """h' from the input projection xw = x W_ih^T + b_ih and the state h (gates r, z, n)."""
    hw = F.linear(h, w_hh, b_hh)
    r = sigmoid(xw[:, :hs] + hw[:, :hs])
    z = sigmoid(xw[:, hs : 2 * hs] + hw[:, hs : 2 * hs])
    n = tanh(xw[:, 2 * hs :] + r * hw[:, 2 * hs :])
    return (1 - z) * n + z * h


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_layers < 1 or hidden_size < 1:
            raise ValueError("num_layers and hidden_size must be positive")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout}")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        out_size = proj_size or hidden_size  # the size of h (LSTM: h = W_hr (o * tanh(c)))
        g = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._names = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else out_size * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                setattr(
                    self,
                    names[0],
                    Parameter(creation.empty(g, in_size, device=device, dtype=dtype)),
                )
                setattr(
                    self,
                    names[1],
                    Parameter(creation.empty(g, out_size, device=device, dtype=dtype)),
                )
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    setattr(
                        self, names[2], Parameter(creation.empty(g, device=device, dtype=dtype))
                    )
                    setattr(
                        self, names[3], Parameter(creation.empty(g, device=device, dtype=dtype))
                    )
                if proj_size:
                    names.append(f"weight_hr{sfx}")
                    w_hr = creation.empty(proj_size, hidden_size, device=device, dtype=dtype)
                    setattr(self, names[-1], Parameter(w_hr))
                self._names.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    @property
    def _flat_weights_names(self) -> list[str]:
        """Parameter names in torch's order: per layer and direction w_ih, w_hh, b_ih, b_hh
        (and w_hr with a projection)."""
        return [n for names in self._names for n in names]

    @property
    def _all_weights(self) -> list[list[str]]:
        return [list(names) for names in self._names]

    @property
    def _flat_weights(self) -> list[Tensor]:
        """The parameters themselves, in ``_flat_weights_names`` order."""
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Tensor]]:
        return [[getattr(self, n) for n in names] for names in self._names]

    def flatten_parameters(self) -> None:
        """Nothing to do: torch compacts cuDNN weights here; nablagrad's are separate arrays."""

    def _weights(self, layer: int, d: int) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction (None where absent)."""
        names = self._names[layer * (2 if self.bidirectional else 1) + d]
        ws = [getattr(self, n) for n in names]
        w_hr = ws.pop() if self.proj_size else None
        biases = (ws[2], ws[3]) if self.bias else (None, None)
        return ws[0], ws[1], *biases, w_hr

    def _step(
        self, xw: Tensor, h: Any, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None = None
    ) -> Any:
        raise NotImplementedError

    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{type(self).__name__}: expected 2-D (L, H_in) or 3-D input, got "
                f"shape {tuple(input.shape)}"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{type(self).__name__}(input_size={self.input_size}) got input of "
                f"shape {tuple(input.shape)}: expected last dim {self.input_size}"
            )
        unbatched = input.ndim == 2
        x = (
            input.unsqueeze(1)
            if unbatched
            else (input.transpose(0, 1) if self.batch_first else input)
        )
        n = x.shape[1]
        dirs = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        h0, c0 = self._initial(hx, n, dirs, unbatched, x)
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, d)
                xw = F.linear(x, w_ih, b_ih)  # (L, N, G*H): the whole sequence at once
                state = (h0[k], c0[k]) if lstm else h0[k]
                steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
                seq = [None] * x.shape[0]
                for t in steps:
                    state = self._step(xw[t], state, w_hh, b_hh, w_hr)
                    seq[t] = state[0] if lstm else state
                outs.append(stack(seq, 0))
                hs.append(state[0] if lstm else state)
                if lstm:
                    cs.append(state[1])
            x = outs[0] if dirs == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        out = x.squeeze(1) if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        h_n = stack(hs, 0)
        h_n = h_n.squeeze(1) if unbatched else h_n
        if lstm:
            c_n = stack(cs, 0)
            return out, (h_n, c_n.squeeze(1) if unbatched else c_n)
        return out, h_n

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> tuple:
        """The recurrence over a packed batch: at step t only the first ``batch_sizes[t]``
        (longest) sequences advance, so each one's final state is taken at its own length."""
        data, sizes = packed.data, [int(b) for b in packed.batch_sizes.tolist()]
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{type(self).__name__}(input_size={self.input_size}) got packed data of "
                f"shape {tuple(data.shape)}: expected (sum of lengths, {self.input_size})"
            )
        n, dirs, lstm = sizes[0], 2 if self.bidirectional else 1, self.mode == "LSTM"
        if hx is not None and packed.sorted_indices is not None:  # user order -> sorted order
            idx = packed.sorted_indices.to(device=data.device)
            hx = tuple(h.index_select(1, idx) for h in hx) if lstm else hx.index_select(1, idx)
        h0, c0 = self._initial(hx, n, dirs, False, data)
        offsets = [0]
        for b in sizes:
            offsets.append(offsets[-1] + b)
        x, hs, cs = data, [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, d)
                xw = F.linear(x, w_ih, b_ih)  # (sum of lengths, G*H) at once
                seq: list = [None] * len(sizes)
                if d == 0:
                    state = (h0[k], c0[k]) if lstm else (h0[k],)
                    done: list = []  # states of sequences that ended, latest last
                    for t, b in enumerate(sizes):
                        if b < state[0].shape[0]:
                            done.append(tuple(s[b:] for s in state))
                            state = tuple(s[:b] for s in state)
                        step = xw[offsets[t] : offsets[t + 1]]
                        new = self._step(step, state if lstm else state[0], w_hh, b_hh, w_hr)
                        state = new if lstm else (new,)
                        seq[t] = state[0]
                    final = (
                        [
                            cat([state[i]] + [p[i] for p in reversed(done)], 0)
                            for i in range(len(state))
                        ]
                        if done
                        else list(state)
                    )
                else:  # reverse: sequences join as t goes down, each from its initial state
                    init0 = (h0[k], c0[k]) if lstm else (h0[k],)
                    state = tuple(s[:0] for s in init0)
                    for t in range(len(sizes) - 1, -1, -1):
                        b, have = sizes[t], state[0].shape[0]
                        if b > have:
                            state = tuple(cat([s, s0[have:b]], 0) for s, s0 in zip(state, init0))
                        step = xw[offsets[t] : offsets[t + 1]]
                        new = self._step(step, state if lstm else state[0], w_hh, b_hh, w_hr)
                        state = new if lstm else (new,)
                        seq[t] = state[0]
                    final = list(state)
                outs.append(cat(seq, 0))
                hs.append(final[0])
                if lstm:
                    cs.append(final[1])
            x = outs[0] if dirs == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        out = PackedSequence(x, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        h_n = stack(hs, 0)
        c_n = stack(cs, 0) if lstm else None
        if packed.unsorted_indices is not None:  # sorted order -> user order
            idx = packed.unsorted_indices.to(device=data.device)
            h_n = h_n.index_select(1, idx)
            c_n = c_n.index_select(1, idx) if lstm else None
        return (out, (h_n, c_n)) if lstm else (out, h_n)

    def _initial(self, hx: Any, n: int, dirs: int, unbatched: bool, x: Tensor) -> tuple:
        c_shape = (self.num_layers * dirs, n, self.hidden_size)  # (and h's without proj)
        h_shape = (self.num_layers * dirs, n, self.proj_size or self.hidden_size)
        if hx is None:
            z = creation.zeros(*c_shape, dtype=x.dtype, device=x.device)
            if self.proj_size:
                return creation.zeros(*h_shape, dtype=x.dtype, device=x.device), z
            return z, z
        h, c = hx if self.mode == "LSTM" else (hx, None)
        if unbatched:
            h = h.unsqueeze(1)
            c = c.unsqueeze(1) if c is not None else None
        for t, shape in ((h, h_shape), (c, c_shape)):
            if t is not None and tuple(t.shape) != shape:
                raise RuntimeError(
                    f"{type(self).__name__}: expected hidden state of shape "
                    f"{shape}, got {tuple(t.shape)}"
                )
        return h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN with ``nonlinearity`` "tanh" (default) or "relu"."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}: use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_" + nonlinearity.upper(),
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def _step(
        self, xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None = None
    ) -> Tensor:
        z = xw + F.linear(h, w_hh, b_hh)
        return tanh(z) if self.nonlinearity == "tanh" else relu(z)


class LSTM(RNNBase):
    """Long short-term memory; returns ``output, (h_n, c_n)``.  With ``proj_size`` P > 0 the
    hidden state is projected, h = (o * tanh(c)) W_hr^T, and h, the output and W_hh have size P."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def _step(
        self,
        xw: Tensor,
        state: tuple,
        w_hh: Tensor,
        b_hh: Tensor | None,
        w_hr: Tensor | None = None,
    ) -> tuple:
        h, c = _lstm_step(xw, state, w_hh, b_hh, self.hidden_size)
        return (h, c) if w_hr is None else (F.linear(h, w_hr), c)


class GRU(RNNBase):
    """Gated recurrent unit; returns ``output, h_n``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def _step(
        self, xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None = None
    ) -> Tensor:
        return _gru_step(xw, h, w_hh, b_hh, self.hidden_size)


class RNNCellBase(Module):
    """Base of the one-step recurrent cells (torch's ``nn.RNNCellBase``): parameters
    ``weight_ih`` (num_chunks * hidden_size, input_size), ``weight_hh`` (num_chunks *
    hidden_size, hidden_size) and, with ``bias``, ``bias_ih``/``bias_hh``, all drawn from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (``reset_parameters``).

    Example:
        >>> import nablagrad as torch
        >>> cell = torch.nn.RNNCellBase(3, 2, bias=False, num_chunks=4)
        >>> cell.weight_ih.shape, cell.bias_ih
        (nablagrad.Size([8, 3]), None)
    """

    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(g, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(g, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(g, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(g, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (0 if empty)."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class _CellBase(RNNCellBase):
    """The cells' shared constructor (``_gates`` chunks) and input checks."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, self._gates, device, dtype)

    def _prepare(self, input: Tensor, hx: Any) -> tuple:
        if input.ndim not in (1, 2):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D input"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{type(self).__name__}(input_size={self.input_size}) got input of "
                f"shape {tuple(input.shape)}: expected (N, {self.input_size}) or "
                f"({self.input_size},)"
            )
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        if hx is None:
            zero = creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            hx = (zero, zero) if self._gates == 4 else zero
        elif unbatched:
            hx = tuple(h.unsqueeze(0) for h in hx) if self._gates == 4 else hx.unsqueeze(0)
        return x, hx, unbatched


class RNNCell(_CellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}: use tanh or relu")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, h, unbatched = self._prepare(input, hx)
        z = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        h = tanh(z) if self.nonlinearity == "tanh" else relu(z)
        return h.squeeze(0) if unbatched else h


class LSTMCell(_CellBase):
    """One LSTM step; returns (h', c')."""

    _gates = 4

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        x, (h, c), unbatched = self._prepare(input, hx)
        xw = F.linear(x, self.weight_ih, self.bias_ih)
        h, c = _lstm_step(xw, (h, c), self.weight_hh, self.bias_hh, self.hidden_size)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_CellBase):
    """One GRU step; returns h'."""

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, h, unbatched = self._prepare(input, hx)
        xw = F.linear(x, self.weight_ih, self.bias_ih)
        h = _gru_step(xw, h, self.weight_hh, self.bias_hh, self.hidden_size)
        return h.squeeze(0) if unbatched else h


class _FlatWeightsRNN(RNNBase):
    """RNNBase's recurrence over a flat list of weights in torch's order (per layer and
    direction w_ih, w_hh[, b_ih, b_hh][, w_hr]) instead of registered parameters: the engine
    of the top-level ``torch.rnn_tanh`` / ``rnn_relu`` / ``lstm`` / ``gru``."""

    def __init__(
        self,
        mode: str,
        params: list,
        has_biases: bool,
        num_layers: int,
        dropout: float,
        train: bool,
        bidirectional: bool,
        batch_first: bool,
        proj_size: int,
    ) -> None:
        Module.__init__(self)
        self.mode, self.bias, self.num_layers = mode, bool(has_biases), num_layers
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.batch_first, self.proj_size = bool(batch_first), proj_size
        self.nonlinearity = "relu" if mode == "RNN_RELU" else "tanh"
        self.training = bool(train)
        self.hidden_size = params[0].shape[0] // _GATES[mode]
        self.input_size = params[0].shape[1]
        per = 2 + 2 * self.bias + (1 if proj_size else 0)
        self._params = list(params)
        self._names = [
            [str(i) for i in range(k * per, (k + 1) * per)] for k in range(len(params) // per)
        ]

    def _weights(self, layer: int, d: int) -> tuple:
        k = layer * (2 if self.bidirectional else 1) + d
        per = len(self._names[0])
        ws = self._params[k * per : (k + 1) * per]
        w_hr = ws.pop() if self.proj_size else None
        biases = (ws[2], ws[3]) if self.bias else (None, None)
        return ws[0], ws[1], *biases, w_hr

    def _step(
        self, xw: Tensor, h: Any, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None = None
    ) -> Any:
        if self.mode == "LSTM":
            return LSTM._step(self, xw, h, w_hh, b_hh, w_hr)  # type: ignore[arg-type]
        if self.mode == "GRU":
            return GRU._step(self, xw, h, w_hh, b_hh)  # type: ignore[arg-type]
        return RNN._step(self, xw, h, w_hh, b_hh)  # type: ignore[arg-type]
