"""``nablagrad export RUN_DIR model.onnx``: the trained model of a run directory as ONNX.

Example:
    $ nablagrad train --model lenet5 --epochs 3
    $ nablagrad export runs/20260101-120000 lenet5.onnx
"""

from __future__ import annotations

import argparse
from typing import Any

from ..cli import CLIError

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export a trained run's model to ONNX")
    p.add_argument("run_dir", help="a run directory written by nablagrad train")
    p.add_argument("output", help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset version (13..21, default 17)")
    p.set_defaults(func=export_command)


def export_command(args: argparse.Namespace) -> int:
    import nablagrad as torch

    from ..backend import np
    from ..train.cli import _load_run
    from ..train.recipes import prepare_inputs
    from ..utils._extras import require

    try:
        require("onnx", "onnx", "nablagrad export")
    except ImportError as e:
        raise CLIError(str(e)) from None
    cfg, model, _ = _load_run(args.run_dir)
    sample = np.zeros((2, *cfg["input_shape"]), dtype=np.float32)
    x = torch.from_numpy(prepare_inputs(sample, cfg["dataset"], cfg["model"]))
    try:
        proto = torch.onnx.export(
            model, (x,), args.output, input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=args.opset,
        )  # fmt: skip
    except (ValueError, OSError, torch.onnx.UnsupportedOperatorError) as e:
        raise CLIError(str(e)) from None
    shape = ["batch", *x.shape[1:]]
    print(f"wrote {args.output}: {cfg['model']} with input {shape} (float32), output "
          f"[batch, {cfg['num_classes']}] logits, opset {args.opset}, "
          f"{len(proto.graph.node)} nodes")  # fmt: skip
    try:
        ort = require("onnxruntime", "onnx", "checking the export")
    except ImportError:
        return 0
    probe = torch.randn(3, *x.shape[1:], generator=torch.Generator().manual_seed(0))
    session = ort.InferenceSession(args.output, providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": probe.numpy()})[0]
    with torch.no_grad():
        ref = model(probe).numpy()
    print(f"onnxruntime agrees with nablagrad: max |difference| {np.abs(got - ref).max():.2e}")
    return 0
