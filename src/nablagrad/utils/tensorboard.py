"""TensorBoard logging with ``torch.utils.tensorboard``'s ``SummaryWriter`` API.

Events are written by the ``tensorboard`` package's own ``EventFileWriter`` with its protocol
buffers (scalars, histograms, PNG images, text, hyperparameters, graphs), so TensorBoard reads
the files as it reads PyTorch's.  Install the extra: ``pip install 'nablagrad[tensorboard]'``.

Example:
    >>> from nablagrad.utils.tensorboard import SummaryWriter  # doctest: +SKIP
    >>> with SummaryWriter("runs/demo") as w:  # doctest: +SKIP
    ...     for step in range(100):
    ...         w.add_scalar("loss", 1 / (step + 1), step)
    $ tensorboard --logdir runs
"""

from __future__ import annotations

import io
import os
import socket
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PIL import Image

from ..backend import np, to_host
from ..tensor import Tensor
from ._extras import require
from .tracing import trace

__all__ = ["SummaryWriter"]


def _tb(name: str) -> Any:
    return require(f"tensorboard.{name}", "tensorboard", "nablagrad.utils.tensorboard")


def _array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return to_host(value.detach()._data)
    return np.asarray(value)


def _scalar(value: Any, what: str) -> float:
    a = _array(value)
    if a.size != 1:
        raise ValueError(f"{what} must be a single number, got an array of shape {a.shape}")
    return float(a.reshape(()))


def _png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[img.shape[2]]
    Image.fromarray(img[:, :, 0] if mode == "L" else img, mode=mode).save(buf, format="PNG")
    return buf.getvalue()


def _to_hwc_uint8(img: Any, dataformats: str) -> np.ndarray:
    a = _array(img)
    fmt = dataformats.upper()
    if a.ndim != len(fmt) or set(fmt) - set("CHW") or len(set(fmt)) != len(fmt):
        raise ValueError(
            f"add_image: an image of shape {a.shape} does not match dataformats={dataformats!r} "
            "(use 'CHW', 'HWC' or 'HW')"
        )
    if fmt == "HW":
        a = a[None]
        fmt = "CHW"
    a = np.transpose(a, [fmt.index(c) for c in "HWC"])
    if a.shape[2] not in (1, 3, 4):
        raise ValueError(f"add_image: {a.shape[2]} channels; images need 1, 3 or 4")
    if a.dtype != np.uint8:
        # torch's convention: anything but uint8 is in [0, 1], scaled by 255 and truncated
        a = np.clip(a.astype(np.float32) * 255, 0, 255).astype(np.uint8)
    return a


def _tf_edges() -> np.ndarray:
    """TensorFlow's default histogram edges (built by repeated multiplication, as TF does)."""
    pos, v = [], 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return np.array([-x for x in reversed(pos)] + [0.0] + pos)


_TF_EDGES = _tf_edges()


class SummaryWriter:
    """Write TensorBoard event files into ``log_dir`` (``runs/<datetime>_<host><comment>`` by
    default), like ``torch.utils.tensorboard.SummaryWriter``.

    Example:
        >>> w = SummaryWriter("runs/x")  # doctest: +SKIP
        >>> w.add_scalars("loss", {"train": 0.3, "val": 0.4}, global_step=1)  # doctest: +SKIP
        >>> w.close()  # doctest: +SKIP
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        writer_mod = _tb("summary.writer.event_file_writer")
        self._pb = _tb("compat.proto.summary_pb2")
        self._event_pb = _tb("compat.proto.event_pb2")
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self._max_queue, self._flush_secs, self._suffix = max_queue, flush_secs, filename_suffix
        self._writer = writer_mod.EventFileWriter(self.log_dir, max_queue, flush_secs,
                                                  filename_suffix)  # fmt: skip
        self._children: dict[str, SummaryWriter] = {}
        if purge_step is not None:
            ev = self._event_pb.Event(step=purge_step, wall_time=time.time())
            ev.session_log.status = ev.session_log.START
            self._writer.add_event(ev)

    # -- plumbing -----------------------------------------------------------------------------
    def get_logdir(self) -> str:
        """The directory the event files go to."""
        return self.log_dir

    def _add(self, value: Any, step: int | None, walltime: float | None) -> None:
        ev = self._event_pb.Event(summary=self._pb.Summary(value=[value]))
        ev.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            ev.step = int(step)
        self._writer.add_event(ev)

    def flush(self) -> None:
        """Write pending events to disk."""
        self._writer.flush()
        for child in self._children.values():
            child.flush()

    def close(self) -> None:
        """Flush and close the event files."""
        self._writer.close()
        for child in self._children.values():
            child.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- summaries ----------------------------------------------------------------------------
    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number (a Python float or a one-element tensor) under ``tag``."""
        v = _scalar(scalar_value, f"add_scalar({tag!r})")
        if new_style:
            tensor_pb2 = _tb("compat.proto.tensor_pb2")
            types_pb2 = _tb("compat.proto.types_pb2")
            t = tensor_pb2.TensorProto(
                dtype=types_pb2.DT_DOUBLE if double_precision else types_pb2.DT_FLOAT
            )
            (t.double_val if double_precision else t.float_val).append(v)
            meta = self._pb.SummaryMetadata(
                plugin_data=self._pb.SummaryMetadata.PluginData(plugin_name="scalars")
            )
            self._add(self._pb.Summary.Value(tag=tag, tensor=t, metadata=meta), global_step,
                      walltime)  # fmt: skip
        else:
            self._add(self._pb.Summary.Value(tag=tag, simple_value=v), global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several curves in one chart: each key goes to the run ``<log_dir>/<main_tag>_<key>``
        under the tag ``main_tag`` (torch's layout)."""
        walltime = time.time() if walltime is None else walltime
        for key, value in tag_scalar_dict.items():
            sub = os.path.join(self.log_dir, f"{main_tag}_{key}".replace("/", "_"))
            if sub not in self._children:
                self._children[sub] = SummaryWriter(sub, max_queue=self._max_queue,
                                                    flush_secs=self._flush_secs)  # fmt: skip
            self._children[sub].add_scalar(main_tag, value, global_step, walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: str | int | Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values``; ``bins`` as ``numpy.histogram`` takes it, or
        ``"tensorflow"`` (the default: edges 0, +-1e-12 * 1.1^k up to 1e20, as TensorFlow's);
        ``max_bins`` merges neighbouring buckets."""
        a = _array(values).astype(np.float64).ravel()
        if a.size == 0:
            raise ValueError(f"add_histogram({tag!r}): the values are empty")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"add_histogram({tag!r}): the values contain NaN or inf")
        if isinstance(bins, str) and bins == "tensorflow":
            bins = _TF_EDGES
        counts, edges = np.histogram(a, bins=bins)
        if max_bins is not None and len(counts) > max_bins:  # merge runs of k neighbours
            k = len(counts) // max_bins
            counts = np.pad(counts, (0, (-len(counts)) % k)).reshape(-1, k).sum(axis=1)
            edges = np.concatenate([edges[:-1:k], edges[-1:]])
        # TensorBoard stores right edges only: keep the support of the histogram plus one empty
        # bucket on its left, whose right edge is the support's left edge (torch's layout)
        nz = np.flatnonzero(counts)
        if nz.size == 0:
            raise ValueError(f"add_histogram({tag!r}): no value falls inside the bins")
        start, end = int(nz[0]), int(nz[-1]) + 1
        counts = np.concatenate([[0], counts[:end]]) if start == 0 else counts[start - 1 : end]
        limits = edges[start : end + 1]
        histo = self._pb.HistogramProto(
            min=float(a.min()), max=float(a.max()), num=float(a.size), sum=float(a.sum()),
            sum_squares=float(np.dot(a, a)), bucket_limit=np.asarray(limits, np.float64).tolist(),
            bucket=counts.astype(np.float64).tolist(),
        )  # fmt: skip
        self._add(self._pb.Summary.Value(tag=tag, histo=histo), global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log an image: float values in [0, 1] or uint8, laid out as ``dataformats``."""
        a = _to_hwc_uint8(img_tensor, dataformats)
        image = self._pb.Summary.Image(
            height=a.shape[0], width=a.shape[1], colorspace=a.shape[2], encoded_image_string=_png(a)
        )
        self._add(self._pb.Summary.Value(tag=tag, image=image), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images as one grid image (``dataformats`` ``NCHW`` or ``NHWC``)."""
        a = _array(img_tensor)
        fmt = dataformats.upper()
        if a.ndim != 4 or fmt not in ("NCHW", "NHWC"):
            raise ValueError(f"add_images: expected a 4-D batch as 'NCHW' or 'NHWC', got "
                             f"shape {a.shape} with {dataformats!r}")  # fmt: skip
        if fmt == "NHWC":
            a = a.transpose(0, 3, 1, 2)
        n, c, h, w = a.shape
        cols = int(np.ceil(np.sqrt(n)))
        rows = -(-n // cols)
        grid = np.zeros((c, rows * h, cols * w), dtype=a.dtype)
        for i in range(n):
            r, q = divmod(i, cols)
            grid[:, r * h : (r + 1) * h, q * w : (q + 1) * w] = a[i]
        self.add_image(tag, grid, global_step, walltime, dataformats="CHW")

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Log a matplotlib figure (or a list of them) as an image."""
        figures = figure if isinstance(figure, (list, tuple)) else [figure]
        for i, fig in enumerate(figures):
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            buf.seek(0)
            img = np.asarray(Image.open(buf).convert("RGB"))  # RGB, as torch
            name = tag if len(figures) == 1 else f"{tag}/{i}"
            self.add_image(name, img, global_step, walltime, dataformats="HWC")
            pyplot = sys.modules.get("matplotlib.pyplot")  # loaded if pyplot made the figure
            if close and pyplot is not None:
                pyplot.close(fig)

    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a (Markdown) string for TensorBoard's text tab."""
        tensor_pb2 = _tb("compat.proto.tensor_pb2")
        types_pb2 = _tb("compat.proto.types_pb2")
        shape_pb2 = _tb("compat.proto.tensor_shape_pb2")
        meta = self._pb.SummaryMetadata(
            plugin_data=self._pb.SummaryMetadata.PluginData(plugin_name="text")
        )
        t = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, string_val=[str(text_string).encode("utf-8")],
            tensor_shape=shape_pb2.TensorShapeProto(dim=[shape_pb2.TensorShapeProto.Dim(size=1)]),
        )  # fmt: skip
        self._add(self._pb.Summary.Value(tag=f"{tag}/text_summary", metadata=meta, tensor=t),
                  global_step, walltime)  # fmt: skip

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, list] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Log one trial's hyperparameters and final metrics for the HPARAMS tab, in the
        sub-run ``<log_dir>/<run_name>`` (a timestamp by default), as torch does.  (One
        difference: a bool is recorded as a bool; torch records it as the number 1.0 / 0.0.)"""
        if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
            raise TypeError("add_hparams: hparam_dict and metric_dict must be dictionaries")
        api_pb2 = _tb("plugins.hparams.api_pb2")
        pd_pb2 = _tb("plugins.hparams.plugin_data_pb2")
        hmeta = _tb("plugins.hparams.metadata")
        discrete = dict(hparam_domain_discrete or {})
        infos, start = [], pd_pb2.SessionStartInfo(start_time_secs=time.time())
        for name, v in hparam_dict.items():
            if isinstance(v, Tensor):
                v = _scalar(v, f"hparam {name!r}")
            if v is None:
                continue
            info = api_pb2.HParamInfo(name=name)
            if isinstance(v, bool):
                start.hparams[name].bool_value = v
                info.type, cast = api_pb2.DATA_TYPE_BOOL, bool
            elif isinstance(v, (int, float)):
                start.hparams[name].number_value = float(v)
                info.type, cast = api_pb2.DATA_TYPE_FLOAT64, float
            elif isinstance(v, str):
                start.hparams[name].string_value = v
                info.type, cast = api_pb2.DATA_TYPE_STRING, str
            else:
                raise ValueError(
                    f"add_hparams: hparam {name!r} is a {type(v).__name__}; values must be "
                    "bool, int, float, str or None"
                )
            if discrete.get(name):
                info.domain_discrete.extend([cast(c) for c in discrete[name]])
            infos.append(info)
        metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
        exp = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
        end = pd_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS, end_time_secs=time.time())
        parts = [
            (hmeta.EXPERIMENT_TAG, pd_pb2.HParamsPluginData(experiment=exp, version=0)),
            (hmeta.SESSION_START_INFO_TAG,
             pd_pb2.HParamsPluginData(session_start_info=start, version=0)),
            (hmeta.SESSION_END_INFO_TAG,
             pd_pb2.HParamsPluginData(session_end_info=end, version=0)),
        ]  # fmt: skip
        sub = os.path.join(self.log_dir, run_name or str(time.time()))
        with SummaryWriter(sub) as w:
            for tag, data in parts:
                meta = self._pb.SummaryMetadata(
                    plugin_data=self._pb.SummaryMetadata.PluginData(
                        plugin_name=hmeta.PLUGIN_NAME, content=data.SerializeToString()
                    )
                )
                w._add(self._pb.Summary.Value(tag=tag, metadata=meta, tensor=hmeta.NULL_TENSOR),
                       global_step, None)  # fmt: skip
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Log the model's forward graph (traced on ``input_to_model``) for the GRAPHS tab:
        one node per layer call or tensor operation, grouped by module name."""
        graph_pb2 = _tb("compat.proto.graph_pb2")
        node_pb2 = _tb("compat.proto.node_def_pb2")
        attr_pb2 = _tb("compat.proto.attr_value_pb2")
        shape_pb2 = _tb("compat.proto.tensor_shape_pb2")
        args = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
        g = trace(model, tuple(args))
        nodes, producer = [], {}
        for i, name in enumerate(g.input_names):
            producer[g.inputs[i]] = f"input/{name}"
            nodes.append(node_pb2.NodeDef(name=f"input/{name}", op="IO Node"))
        for n in g.nodes:
            scope = n.scope.replace(".", "/") or "model"
            node_name = f"{scope}/{n.kind}_{n.index}"
            ins = [producer[t] for t in n.inputs if t in producer]
            attrs = {}
            if n.outputs:
                dims = [shape_pb2.TensorShapeProto.Dim(size=int(s)) for s in n.out_shapes[0]]
                attrs["_output_shapes"] = attr_pb2.AttrValue(
                    list=attr_pb2.AttrValue.ListValue(shape=[shape_pb2.TensorShapeProto(dim=dims)])
                )
            nodes.append(node_pb2.NodeDef(name=node_name, op=n.kind, input=ins, attr=attrs))
            for t in n.outputs:
                producer[t] = node_name
            if verbose:
                print(node_name, n.kind, ins)
        for i, t in enumerate(g.outputs):
            nodes.append(
                node_pb2.NodeDef(
                    name=f"output/output.{i}",
                    op="IO Node",
                    input=[producer[t]] if t in producer else [],
                )
            )
        graph = graph_pb2.GraphDef(node=nodes)
        self._writer.add_event(
            self._event_pb.Event(graph_def=graph.SerializeToString(), wall_time=time.time())
        )
