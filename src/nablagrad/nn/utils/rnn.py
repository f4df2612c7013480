"""``nn.utils.rnn``: variable-length sequences for the recurrent layers (torch.nn.utils.rnn).

A batch of sequences of lengths ``l_0 >= l_1 >= ...`` is *packed* time step by time step:
``data`` holds, for t = 0, 1, ..., the rows of every sequence still running at step t, and
``batch_sizes[t] = #{i : l_i > t}``.  ``RNN``/``LSTM``/``GRU`` accept a ``PackedSequence`` and
stop each sequence at its own length.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.nn.utils.rnn import pad_sequence, pack_padded_sequence
    >>> x = pad_sequence([torch.ones(3, 2), torch.ones(1, 2)], batch_first=True)
    >>> x.shape
    nablagrad.Size([2, 3, 2])
    >>> pack_padded_sequence(x, [3, 1], batch_first=True).batch_sizes
    tensor([2, 1, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from ... import backend, creation
from ...ops import sorting
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation: ``out[permutation[i]] = i`` (None stays None)."""
    if permutation is None:
        return None
    return permutation.argsort()


class PackedSequence(PackedSequence_):
    """Packed ``(data, batch_sizes, sorted_indices, unsorted_indices)``, a namedtuple as torch's.

    Build it with :func:`pack_padded_sequence` or :func:`pack_sequence`; ``sorted_indices``
    orders the original batch by decreasing length (None when it already was).
    """

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # torch's (data, batch_sizes) tuple form
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` moved/cast with ``Tensor.to``; the index tensors follow its device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        idx = [
            None if t is None else t.to(device=data.device)
            for t in (self.sorted_indices, self.unsorted_indices)
        ]
        return type(self)(data, self.batch_sizes, idx[0], idx[1])

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self.to("cuda")

    def double(self) -> PackedSequence:
        return self.to(dtype=backend.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=backend.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=backend.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=backend.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=backend.int32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths_list(lengths: Any) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise ValueError(
                f"lengths must be a 1-D tensor or list of ints, got shape {tuple(lengths.shape)}"
            )
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | list[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``).

    With ``enforce_sorted=False`` the batch is sorted by decreasing length first and the
    permutation is kept in ``sorted_indices``.
    """
    lens = _lengths_list(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    if len(lens) != input.shape[1]:
        raise ValueError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
            f"(batch_size={input.shape[1]})"
        )
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        sorted_indices = None
    else:
        # torch.sort(lengths, descending=True): not stable past 16 sequences (ops.sorting)
        sorted_indices = sorting.argsort(
            creation.tensor(lens, dtype=backend.int64), descending=True
        )
        order = sorted_indices.tolist()
        input = input.index_select(1, sorted_indices.to(device=input.device))
        lens = [lens[i] for i in order]
    if lens and lens[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if lens and lens[0] > input.shape[0]:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {lens[0]} exceeds the padded sequence "
            f"length {input.shape[0]}: lengths must not exceed the time dimension"
        )
    sizes = [sum(1 for n in lens if n > t) for t in range(lens[0] if lens else 0)]
    data = cat([input[t, :b] for t, b in enumerate(sizes)], 0)
    batch_sizes = creation.tensor(sizes, dtype=backend.int64)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Inverse of :func:`pack_padded_sequence`: ``(padded, lengths)`` in the original order."""
    sizes = [int(b) for b in sequence.batch_sizes.tolist()]
    max_len = len(sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_len}"
            )
    else:
        total_length = max_len
    data = sequence.data
    batch = sizes[0] if sizes else 0
    rows, off = [], 0
    for b in sizes:
        step = data[off : off + b]
        if b < batch:
            pad = creation.full(
                (batch - b, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device
            )
            step = cat([step, pad], 0)
        rows.append(step)
        off += b
    for _ in range(total_length - max_len):
        rows.append(
            creation.full(
                (batch, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device
            )
        )
    padded = stack(rows, 0)  # (T, B, *) in sorted order
    lengths = [sum(1 for b in sizes if b > i) for i in range(batch)]
    lengths_t = creation.tensor(lengths, dtype=backend.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices.to(device=data.device))
        lengths_t = lengths_t.index_select(0, sequence.unsorted_indices.to(device="cpu"))
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths_t


def pad_sequence(
    sequences: Tensor | list[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)`` with
    ``batch_first``), filling with ``padding_value`` on ``padding_side`` ("right" or "left")."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    seqs = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for s in seqs:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence: every sequence needs the trailing shape {trailing} of the "
                f"first, got {tuple(s.shape[1:])}"
            )
    max_len = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        n = max_len - s.shape[0]
        if n:
            fill = creation.full((n, *trailing), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False
) -> list[Tensor]:
    """Inverse of :func:`pad_sequence` (right padding): the list of ``(L_i, *)`` sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=...)``."""
    lengths = creation.tensor([s.shape[0] for s in sequences], dtype=backend.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Inverse of :func:`pack_sequence`: the list of sequences in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
