"""Pictures of the autograd graph: ``draw_graph(tensor)``.

The graph behind a tensor is read from the autograd records (``tensor.grad_fn`` and each
node's parents): one box per operation, labelled with its name and output shape, one box per
leaf tensor (inputs and parameters), and for small tensors their values and, once
``backward`` has run, their gradients (``.grad`` of leaves, and of intermediate tensors that
called ``retain_grad()``).  Arrows follow the forward pass, from inputs to the output.

Rendering: with Graphviz's ``dot`` program on the PATH the graph is laid out by Graphviz (the
DOT text is written here, so the ``graphviz`` Python package is not needed); otherwise, or with
``engine="matplotlib"``, a pure-Python layered layout (longest-path layers, barycentre
ordering) is drawn with matplotlib.  Both write SVG or PNG.

Draw before ``backward()`` or call ``backward(retain_graph=True)``: an ordinary backward pass
frees the graph.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.viz import draw_graph
    >>> w = torch.tensor([0.5, -1.0], requires_grad=True)
    >>> x = torch.tensor([1.0, 2.0])
    >>> loss = (w * x).sum().sigmoid()
    >>> loss.backward(retain_graph=True)
    >>> g = draw_graph(loss, params={"w": w, "x": x})
    >>> [n.label.splitlines()[0] for n in g.nodes]
    ['w', 'x', 'Mul', 'Sum', 'Sigmoid']
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..backend import np, to_host
from ..tensor import Tensor

__all__ = ["draw_graph", "GraphPicture", "GraphNode", "dot_available"]


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


@dataclass
class GraphNode:
    id: str
    label: str
    kind: str  # "leaf", "param", "op" or "output"
    layer: int = 0
    order: float = 0.0


@dataclass
class GraphPicture:
    """The drawn graph: ``nodes`` (in topological order), ``edges`` (forward direction, by
    node id), ``source`` (its DOT text), ``path`` (the file written, if any) and ``engine``."""

    nodes: list[GraphNode]
    edges: list[tuple[str, str]]
    source: str
    path: str | None = None
    engine: str | None = None
    _extra: dict = field(default_factory=dict, repr=False)

    def save(self, path: str | os.PathLike, format: str | None = None, engine: str = "auto",
             dpi: int = 120) -> GraphPicture:  # fmt: skip
        """Render to ``path`` (SVG or PNG) through Graphviz or matplotlib (see ``draw_graph``)."""
        path = os.fspath(path)
        fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
        if fmt not in ("svg", "png"):
            raise ValueError(f"draw_graph: format must be 'svg' or 'png', got {fmt!r}")
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=f".{fmt}")
        os.close(fd)
        try:
            self.engine = _render(self, tmp, fmt, engine, dpi)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.path = path
        return self

    def _repr_svg_(self) -> str:  # Jupyter
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "g.svg")
            _render(self, p, "svg", "auto", 100)
            with open(p) as f:
                return f.read()


def _fmt(a: np.ndarray) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.4g}"
    flat = ", ".join(f"{float(v):.3g}" for v in a.ravel())
    return f"[{flat}]"


def _describe(t: Tensor, max_values: int) -> list[str]:
    lines = [f"{tuple(t.shape)}" if t.ndim else "scalar"]
    if t.numel() <= max_values:
        lines.append("value " + _fmt(to_host(t._data)))
        if t._grad is not None:
            lines.append("grad " + _fmt(to_host(t._grad._data)))
    elif t._grad is not None:
        lines.append(f"grad |max| {float(np.abs(to_host(t._grad._data)).max()):.3g}")
    return lines


def _op_name(fn: Any) -> str:
    name = type(fn).__name__
    return name[:-2] if name.endswith("Fn") else name


def _collect(root: Tensor, params: Mapping[str, Tensor], max_values: int) -> GraphPicture:
    names = {id(t): k for k, t in params.items()}
    tensor_ids: dict[int, str] = {}
    nodes: dict[str, GraphNode] = {}
    edges: list[tuple[str, str]] = []
    order: list[str] = []
    counter = [0]

    def new_id(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def visit(t: Tensor) -> str:
        """The id of the node that stands for ``t`` (its op, or a leaf box)."""
        if id(t) in tensor_ids:
            return tensor_ids[id(t)]
        fn = t._ctx
        if fn is None:
            nid = new_id("t")
            tensor_ids[id(t)] = nid
            name = names.get(id(t)) or (
                "param" if t.requires_grad else "constant" if t.ndim == 0 else "input"
            )
            kind = "param" if t.requires_grad else "leaf"
            nodes[nid] = GraphNode(nid, "\n".join([name] + _describe(t, max_values)), kind)
            order.append(nid)
            return nid
        if fn.parents is None:
            raise RuntimeError(
                "draw_graph: the graph was freed by backward(); draw before backward() or call "
                "backward(retain_graph=True)"
            )
        parent_ids = [visit(p) for p in fn.parents]
        nid = new_id("op")
        tensor_ids[id(t)] = nid
        label = [_op_name(fn)] + (
            [names[id(t)]] if id(t) in names else []
        ) + _describe(t, max_values)  # fmt: skip
        nodes[nid] = GraphNode(nid, "\n".join(label), "op")
        for pid in parent_ids:
            edges.append((pid, nid))
        order.append(nid)
        return nid

    # graphs worth drawing are small; allow deep chains all the same
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        root_id = visit(root)
    finally:
        sys.setrecursionlimit(limit)
    if nodes[root_id].kind == "op":
        nodes[root_id].kind = "output"
    ordered = [nodes[i] for i in order]
    _layout(ordered, edges)
    return GraphPicture(ordered, edges, _dot_source(ordered, edges))


def _layout(nodes: list[GraphNode], edges: list[tuple[str, str]]) -> None:
    """Layers by longest path from the sources; order in a layer by barycentre sweeps."""
    by_id = {n.id: n for n in nodes}
    preds: dict[str, list[str]] = {n.id: [] for n in nodes}
    succs: dict[str, list[str]] = {n.id: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    for n in nodes:  # nodes are in topological order
        n.layer = max((by_id[p].layer + 1 for p in preds[n.id]), default=0)
    # pull sources down next to their first consumer (so an input sits beside its op)
    for n in reversed(nodes):
        if not preds[n.id] and succs[n.id]:
            n.layer = min(by_id[s].layer for s in succs[n.id]) - 1
    layers: dict[int, list[GraphNode]] = {}
    for n in nodes:
        layers.setdefault(n.layer, []).append(n)
    for row in layers.values():
        for i, n in enumerate(row):
            n.order = float(i)
    keys = sorted(layers)
    for sweep in range(4):
        seq = keys[1:] if sweep % 2 == 0 else keys[-2::-1]
        for k in seq:
            row = layers[k]
            for n in row:
                nb = preds[n.id] if sweep % 2 == 0 else succs[n.id]
                if nb:
                    n.order = sum(by_id[m].order for m in nb) / len(nb)
            row.sort(key=lambda n: n.order)
            for i, n in enumerate(row):
                n.order = float(i)


_STYLE = {
    "leaf": ("#e8f1fb", "#3a6ea5"),
    "param": ("#fdf1d8", "#b07d1a"),
    "op": ("#eeeeee", "#555555"),
    "output": ("#dff2e1", "#2e7d32"),
}


def _dot_source(nodes: list[GraphNode], edges: list[tuple[str, str]], rankdir: str = "TB") -> str:
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    lines = [
        "digraph autograd {",
        f"  rankdir={rankdir};",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [color="#666666", arrowsize=0.7];',
    ]
    for n in nodes:
        fill, line = _STYLE[n.kind]
        shape = "ellipse" if n.kind in ("leaf", "param") else "box"
        lines.append(f'  {n.id} [label="{esc(n.label)}", fillcolor="{fill}", color="{line}", '
                     f"shape={shape}];")  # fmt: skip
    for a, b in edges:
        lines.append(f"  {a} -> {b};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _render_dot(pic: GraphPicture, path: str, fmt: str, dpi: int) -> None:
    args = ["dot", f"-T{fmt}", f"-Gdpi={dpi}", "-o", path]
    res = subprocess.run(args, input=pic.source, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise RuntimeError(f"draw_graph: Graphviz dot failed: {res.stderr.strip()}")


def _render_matplotlib(pic: GraphPicture, path: str, fmt: str, dpi: int) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    layers: dict[int, list[GraphNode]] = {}
    for n in pic.nodes:
        layers.setdefault(n.layer, []).append(n)
    width_chars = max(max(len(s) for s in n.label.splitlines()) for n in pic.nodes)
    box_w = max(1.2, 0.075 * width_chars + 0.3)
    box_h = max(0.55, 0.2 * max(len(n.label.splitlines()) for n in pic.nodes) + 0.15)
    gap_x, gap_y = box_w + 0.35, box_h + 0.55
    widest = max(len(r) for r in layers.values())
    pos: dict[str, tuple[float, float]] = {}
    top = max(layers)
    low = min(layers)
    for k, row in layers.items():
        row = sorted(row, key=lambda n: n.order)
        offset = (widest - len(row)) * gap_x / 2
        for i, n in enumerate(row):
            pos[n.id] = (offset + i * gap_x + box_w / 2, (top - k) * gap_y + box_h / 2)
    fig_w = widest * gap_x + 0.2
    fig_h = (top - low + 1) * gap_y
    fig = Figure(figsize=(fig_w, fig_h))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.1, fig_w - 0.1)
    ax.set_ylim(-0.25, fig_h - 0.25)
    ax.axis("off")
    for a, b in pic.edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.add_patch(FancyArrowPatch((xa, ya - box_h / 2), (xb, yb + box_h / 2),
                                     arrowstyle="-|>", mutation_scale=14, color="#666666",
                                     linewidth=0.9, shrinkA=0, shrinkB=0))  # fmt: skip
    for n in pic.nodes:
        fill, line = _STYLE[n.kind]
        x, y = pos[n.id]
        style = "round,pad=0.02,rounding_size=0.25" if n.kind in ("leaf", "param") else (
            "round,pad=0.02,rounding_size=0.05")  # fmt: skip
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle=style, facecolor=fill, edgecolor=line,
                                    linewidth=1.0))  # fmt: skip
        first, *rest = n.label.splitlines()
        ax.text(x, y + (len(rest) * 0.1), first, ha="center", va="center", fontsize=9,
                fontweight="bold", family="monospace")  # fmt: skip
        for i, s in enumerate(rest):
            ax.text(x, y + (len(rest) * 0.1) - 0.2 * (i + 1), s, ha="center", va="center",
                    fontsize=8, family="monospace")  # fmt: skip
    fig.savefig(path, format=fmt, dpi=dpi)


def _render(pic: GraphPicture, path: str, fmt: str, engine: str, dpi: int) -> str:
    if engine == "auto":
        engine = "graphviz" if dot_available() else "matplotlib"
    if engine == "graphviz":
        if not dot_available():
            raise RuntimeError(
                "draw_graph(engine='graphviz') needs Graphviz's dot program: install Graphviz "
                "(apt-get install graphviz, brew install graphviz, conda install graphviz) or "
                "use engine='matplotlib'"
            )
        _render_dot(pic, path, fmt, dpi)
    elif engine == "matplotlib":
        _render_matplotlib(pic, path, fmt, dpi)
    else:
        raise ValueError(f"engine must be 'auto', 'graphviz' or 'matplotlib', got {engine!r}")
    return engine


def draw_graph(
    tensor: Tensor,
    path: str | os.PathLike | None = None,
    format: str | None = None,
    *,
    params: Mapping[str, Tensor] | None = None,
    engine: str = "auto",
    max_values: int = 6,
    rankdir: str = "TB",
    dpi: int = 120,
) -> GraphPicture:
    """Draw the autograd graph that produced ``tensor``.

    Args:
        tensor: the result of a computation on tensors that require grad.
        path: file to write (``.svg`` or ``.png``; ``None`` only builds the graph).
        format: ``"svg"`` or ``"png"`` (default: from the file name, else ``"svg"``).
        params: names for tensors, e.g. ``dict(model.named_parameters())``.
        engine: ``"auto"`` (Graphviz when ``dot`` is installed, else matplotlib),
            ``"graphviz"`` or ``"matplotlib"``.
        max_values: tensors with at most this many elements show values and gradients.
        rankdir: Graphviz's direction (``"TB"`` top to bottom, ``"LR"`` left to right).

    Returns a ``GraphPicture`` (nodes, edges, DOT source, the file written and the engine).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(tensor).__name__}")
    if tensor._ctx is None:
        raise ValueError(
            "draw_graph: this tensor has no autograd graph (it is a leaf, or was computed "
            "without requires_grad=True inputs or under no_grad)"
        )
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be TB, LR, BT or RL, got {rankdir!r}")
    pic = _collect(tensor, dict(params or {}), max_values)
    pic.source = _dot_source(pic.nodes, pic.edges, rankdir)
    if path is None:
        return pic
    return pic.save(path, format, engine, dpi)
