"""Export nablagrad models to ONNX (``nablagrad.onnx.export``, shaped like ``torch.onnx.export``).

The forward pass is traced once and written with the ``onnx`` package as standard ONNX
operators; run the file with ``onnxruntime`` or any other ONNX runtime.  Needs the extra:
``pip install 'nablagrad[onnx]'``.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> torch.onnx.export(net, torch.randn(2, 4), "net.onnx",  # doctest: +SKIP
    ...                   input_names=["input"], dynamic_axes={"input": {0: "batch"}})
"""

from ._export import CONVERTERS, UnsupportedOperatorError, export, to_model_proto

__all__ = ["export", "to_model_proto", "UnsupportedOperatorError", "CONVERTERS"]
