"""``nablagrad train``, ``nablagrad evaluate RUN_DIR`` and ``nablagrad predict RUN_DIR x.npy``.

``nablagrad train`` with no arguments trains an MLP on the embedded digits in a few seconds
and leaves ``runs/<timestamp>/`` with ``config.json``, ``metrics.csv``, ``curves.png``,
``model.safetensors`` (final weights), ``best.safetensors`` / ``last.safetensors``
(checkpoints; ``--resume RUN_DIR`` continues from the last) and ``test_metrics.json``.
Options may also come from ``--config file.toml`` (keys as the long options, ``-`` or ``_``);
the command line wins over the file.

Example:
    $ nablagrad train --model lenet5 --epochs 10 --augment
    $ nablagrad evaluate runs/20260101-120000
    $ nablagrad predict runs/20260101-120000 samples.npy
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from ..cli import CLIError

__all__ = ["register"]

DEFAULTS: dict[str, Any] = {
    "model": "mlp",
    "dataset": "digits",
    "optimizer": "adam",
    "lr": 3e-3,
    "schedule": "none",
    "epochs": 20,
    "batch_size": 32,
    "weight_decay": 0.0,
    "dropout": 0.0,
    "hidden": "128",
    "augment": False,
    "label_smoothing": 0.0,
    "early_stopping": 0,
    "seed": 0,
    "device": "cpu",
    "out": "runs",
    "data_dir": None,
    "tensorboard": None,
    "ensemble": 0,
}


def register(sub: Any) -> None:
    from .recipes import DATASETS, MODELS, OPTIMIZERS, SCHEDULES

    p = sub.add_parser("train", help="train a model and write a run directory")
    p.add_argument("--model", choices=MODELS, help="mlp (default), lenet5 or linear")
    p.add_argument("--dataset", choices=DATASETS, help="digits (default, offline) ...")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), help="adam (default), sgd ...")
    p.add_argument("--lr", type=float, help="learning rate (default 3e-3)")
    p.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule")
    p.add_argument("--epochs", type=int, help="number of epochs (default 20)")
    p.add_argument("--batch-size", type=int, help="batch size (default 32)")
    p.add_argument("--weight-decay", type=float, help="L2 weight decay (default 0)")
    p.add_argument("--dropout", type=float, help="dropout after hidden layers (mlp)")
    p.add_argument("--hidden", help="hidden widths of the mlp, comma separated (default 128)")
    p.add_argument("--augment", action="store_true", default=None, help="random shifts/rotations")
    p.add_argument("--label-smoothing", type=float, help="cross-entropy label smoothing")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE", help="stop after N bad epochs")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--device", help="cpu (default) or cuda")
    p.add_argument("--config", help="TOML file with any of these options")
    p.add_argument("--out", help="parent folder of the run directory (default runs)")
    p.add_argument("--data-dir", help="data cache folder (default ~/.cache/nablagrad)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a killed run from its checkpoint")
    p.add_argument("--tensorboard", nargs="?", const="", metavar="DIR",
                   help="log to TensorBoard (in DIR, default RUN_DIR/tensorboard)")  # fmt: skip
    p.add_argument("--ensemble", type=int, metavar="N",
                   help="train N models on bootstrap samples and vote (bagging)")  # fmt: skip
    p.add_argument(
        "--nproc",
        type=int,
        default=None,
        metavar="N",
        help="data-parallel over N MPI ranks on this machine (batch size is global)",
    )
    p.set_defaults(func=train_command)

    e = sub.add_parser("evaluate", help="test metrics, per-class accuracy, confusion matrix")
    e.add_argument("run_dir")
    e.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    e.set_defaults(func=evaluate_command)

    q = sub.add_parser("predict", help="predict classes for inputs in a .npy file")
    q.add_argument("run_dir")
    q.add_argument("inputs", help=".npy file: one sample or a batch of samples")
    q.add_argument("--output", help="also save the predictions to this .npy file")
    q.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    q.set_defaults(func=predict_command)


def _load_toml(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise CLIError("--config needs Python 3.11+ or `pip install tomli`") from None
    if not os.path.isfile(path):
        raise CLIError(f"config file {path} does not exist")
    try:
        with open(path, "rb") as f:
            cfg = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CLIError(f"config file {path} is not valid TOML: {e}") from None
    out = {}
    for key, value in cfg.items():
        k = key.replace("-", "_")
        if k not in DEFAULTS:
            raise CLIError(
                f"config file {path}: unknown option {key!r}; known: {', '.join(DEFAULTS)}"
            )
        out[k] = (
            ",".join(str(v) for v in value) if k == "hidden" and isinstance(value, list) else value
        )
    return out


def resolve_config(args: argparse.Namespace) -> dict[str, Any]:
    """Defaults, then the TOML file, then the options given on the command line."""
    cfg = dict(DEFAULTS)
    if args.config:
        cfg.update(_load_toml(args.config))
    for k in DEFAULTS:
        v = getattr(args, k, None)
        if v is not None:
            cfg[k] = v
    _validate(cfg)
    return cfg


def _check_types(cfg: dict[str, Any], where: str = "") -> None:
    """Each option has its default's type (TOML and config.json can hold anything)."""
    import math

    from .. import _validate as V

    for k, default in DEFAULTS.items():
        v = cfg.get(k, default)
        opt = f"{where}--{k.replace('_', '-')}"
        if default is None or k == "hidden":
            if v is not None and not isinstance(v, (str, int)):
                raise CLIError(f"{opt} {v!r} must be a string")
        elif isinstance(default, bool):
            if not isinstance(v, bool):
                raise CLIError(f"{opt} {v!r} must be true or false")
        elif isinstance(default, int):
            if not V.is_int(v):
                raise CLIError(f"{opt} {v!r} must be an integer")
        elif isinstance(default, float):
            if not (V.is_int(v) or isinstance(v, float)) or not math.isfinite(v):
                raise CLIError(f"{opt} {v!r} must be a finite number")
        elif isinstance(default, str) and not isinstance(v, str):
            raise CLIError(f"{opt} {v!r} must be a string")


def _validate(cfg: dict[str, Any]) -> None:
    from .recipes import DATASETS, MODELS, OPTIMIZERS, SCHEDULES

    _check_types(cfg)

    for key, allowed in (("model", MODELS), ("dataset", DATASETS), ("optimizer", OPTIMIZERS),
                         ("schedule", SCHEDULES)):  # fmt: skip
        if cfg[key] not in allowed:
            raise CLIError(f"--{key} {cfg[key]!r} is not one of: {', '.join(allowed)}")
    checks = [
        ("epochs", cfg["epochs"] >= 1, "must be >= 1"),
        ("batch-size", cfg["batch_size"] >= 1, "must be >= 1"),
        ("lr", cfg["lr"] > 0, "must be > 0"),
        ("weight-decay", cfg["weight_decay"] >= 0, "must be >= 0"),
        ("dropout", 0 <= cfg["dropout"] < 1, "must be in [0, 1)"),
        ("label-smoothing", 0 <= cfg["label_smoothing"] < 1, "must be in [0, 1)"),
        ("early-stopping", cfg["early_stopping"] >= 0, "must be >= 0 (0 disables it)"),
    ]
    checks.append(("ensemble", cfg["ensemble"] >= 0, "must be >= 0 (0 or 1: one model)"))
    for name, ok, msg in checks:
        if not ok:
            raise CLIError(f"--{name} {cfg[name.replace('-', '_')]} {msg}")
    try:
        widths = [int(w) for w in str(cfg["hidden"]).split(",") if w.strip()]
    except ValueError:
        raise CLIError(f"--hidden {cfg['hidden']!r} must be comma-separated integers") from None
    if any(w < 1 for w in widths):
        raise CLIError(f"--hidden {cfg['hidden']!r}: widths must be positive")
    if cfg["ensemble"] > 1:
        for key, off in (("schedule", "none"), ("early_stopping", 0), ("augment", False)):
            if cfg[key] != off:
                raise CLIError(f"--ensemble trains members without --{key.replace('_', '-')}; "
                               "drop one of the two options")  # fmt: skip
    _check_device(cfg["device"])


def _check_device(device: Any) -> str:
    """``--device``: cpu, cuda or cuda:N, and CUDA only where CuPy sees a GPU."""
    device = str(device)
    if device not in ("cpu", "cuda") and not (device.startswith("cuda:") and device[5:].isdigit()):
        raise CLIError(f"--device {device!r} must be cpu or cuda")
    if device.startswith("cuda"):
        from .. import cuda

        if not cuda.is_available():
            raise CLIError("--device cuda: no CUDA GPU with CuPy is available; use --device cpu")
    return device


def _hidden(cfg: dict[str, Any]) -> list[int]:
    return [int(w) for w in str(cfg["hidden"]).split(",") if w.strip()]


def _new_run_dir(out: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(out)
    base.mkdir(parents=True, exist_ok=True)
    for i in range(1000):
        path = base / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise CLIError(f"could not create a new run directory under {base}")


def _write_json(path: Path, obj: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def _data(cfg: dict[str, Any]) -> Any:
    from ..datasets import DataUnavailableError
    from .recipes import load_splits

    try:
        return load_splits(cfg["dataset"], cfg["model"], cfg["seed"], cfg.get("data_dir"))
    except DataUnavailableError as e:
        raise CLIError(str(e)) from None
    except ValueError as e:
        raise CLIError(str(e)) from None


def _strip_nproc(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            out.append(a)
    return out


def _join_ranks() -> tuple[int, int]:
    """Join the process group when mpiexec started several copies; (rank, world size)."""
    from .. import distributed as dist
    from ..distributed.launch import launched_world_size

    if launched_world_size() > 1 and not dist.is_initialized():
        dist.init_process_group("mpi")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def train_command(args: argparse.Namespace) -> int:
    nproc = getattr(args, "nproc", None)
    if nproc is not None:
        from ..distributed.launch import launched_world_size, spawn

        if nproc < 1:
            raise CLIError(f"--nproc must be a positive integer, got {nproc}")
        if nproc > 1 and launched_world_size() == 1:
            argv = _strip_nproc(getattr(args, "argv", None) or sys.argv[1:])
            try:
                return spawn(nproc, argv)
            except (ImportError, FileNotFoundError) as e:
                raise CLIError(str(e)) from None
    rank, world = _join_ranks()
    if world == 1:
        return _train(args, rank, world)
    try:
        return _train(args, rank, world)
    except Exception as e:  # noqa: BLE001 - one rank failing must stop them all
        from .. import distributed as dist

        msg = str(e) if isinstance(e, CLIError) else f"{type(e).__name__}: {e}"
        print(f"nablagrad train: error (rank {rank}): {msg}", file=sys.stderr, flush=True)
        dist.process_group._default().abort(2 if isinstance(e, CLIError) else 1)
        raise


def _train(args: argparse.Namespace, rank: int, world: int) -> int:
    if rank != 0:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - rank 0 alone reports
    import nablagrad as torch

    from .. import nn
    from ..utils.data import DataLoader, TensorDataset
    from .callbacks import CSVLogger, EarlyStopping, ModelCheckpoint
    from .loop import evaluate, fit
    from .plots import plot_curves
    from .recipes import (
        build_augment,
        build_model,
        build_optimizer,
        build_schedule,
        prepare_inputs,
    )

    resume = None
    if args.resume:
        run_dir = Path(args.resume)
        if not (run_dir / "config.json").is_file() or not (run_dir / "last.safetensors").is_file():
            raise CLIError(f"--resume {run_dir}: no config.json and last.safetensors there")
        cfg = _read_config(run_dir)
        resume = run_dir / "last.safetensors"
    else:
        cfg = resolve_config(args)
    splits = _data(cfg)
    if cfg["batch_size"] % world:
        raise CLIError(
            f"--batch-size {cfg['batch_size']} is the global batch: it must be divisible by the "
            f"{world} ranks"
        )
    if not args.resume:
        run_dir = _new_run_dir(cfg["out"]) if rank == 0 else None
        if world > 1:
            from .. import distributed as dist

            box = [run_dir]
            dist.broadcast_object_list(box, src=0)
            run_dir = box[0]
        in_features = prepare_inputs(splits.x_train[:1], cfg["dataset"], cfg["model"]).shape[1]
        cfg.update(
            num_classes=splits.num_classes, class_names=splits.class_names,
            input_shape=list(splits.x_train.shape[1:]), in_features=int(in_features),
        )  # fmt: skip
        if rank == 0:
            _write_json(run_dir / "config.json", cfg)
    torch.manual_seed(cfg["seed"])
    prep = lambda x: prepare_inputs(x, cfg["dataset"], cfg["model"])  # noqa: E731
    x_train, x_val, x_test = prep(splits.x_train), prep(splits.x_val), prep(splits.x_test)
    augment = build_augment(splits, cfg["model"]) if cfg["augment"] else None
    train_ds = TensorDataset(x_train, splits.y_train, transform=augment)
    gen = torch.Generator().manual_seed(cfg["seed"])
    per_rank = cfg["batch_size"] // world
    loader = DataLoader(train_ds, batch_size=per_rank, shuffle=True, generator=gen)
    shard = -(-len(train_ds) // world)  # samples per rank (DistributedSampler pads)
    steps = -(-shard // per_rank)  # batches per epoch on each rank
    model = build_model(cfg["model"], cfg["in_features"], cfg["num_classes"], _hidden(cfg),
                        cfg["dropout"]).to(cfg["device"])  # fmt: skip
    opt = build_optimizer(cfg["optimizer"], model.parameters(), cfg["lr"], cfg["weight_decay"])
    sched, interval = build_schedule(cfg["schedule"], opt, cfg["epochs"], steps)
    loss = nn.CrossEntropyLoss(label_smoothing=cfg["label_smoothing"])
    callbacks: list[Any] = [CSVLogger(run_dir / "metrics.csv")]
    if cfg["early_stopping"]:
        callbacks.append(EarlyStopping("val_loss", cfg["early_stopping"],
                                       restore_best_weights=True))  # fmt: skip
    callbacks.append(ModelCheckpoint(run_dir, monitor="val_accuracy"))
    if cfg.get("tensorboard") is not None:
        from ..utils._extras import require
        from .callbacks import TensorBoard

        try:
            require("tensorboard", "tensorboard", "--tensorboard")
        except ImportError as e:
            raise CLIError(str(e)) from None
        tb_dir = cfg["tensorboard"] or str(run_dir / "tensorboard")
        callbacks.append(TensorBoard(tb_dir))
        print(f"TensorBoard logs: {tb_dir} (view with: tensorboard --logdir {tb_dir})")
    from ..utils import summary

    print(summary(model, input_data=torch.from_numpy(x_train[:1]).to(cfg["device"]), verbose=0,
                  col_names=("output_size", "num_params", "mult_adds")))  # fmt: skip
    if cfg.get("ensemble", 0) > 1:
        return _train_ensemble(cfg, run_dir, splits, (x_train, x_val, x_test), loss)
    n_params = sum(p.numel() for p in model.parameters())
    sizes = f"{len(x_train)} train / {len(x_val)} val / {len(x_test)} test"
    ranks = f" on {world} ranks" if world > 1 else ""
    print(f"training {cfg['model']} ({n_params:,} parameters) on {cfg['dataset']}: {sizes}, "
          f"{cfg['epochs']} epochs{ranks}")  # fmt: skip
    start = time.perf_counter()
    history = fit(model, loader, (x_val, splits.y_val), loss, opt, cfg["epochs"], scheduler=sched,
                  callbacks=callbacks, metrics=["accuracy"], scheduler_interval=interval,
                  monitor="val_loss", resume=resume, device=cfg["device"])  # fmt: skip
    elapsed = time.perf_counter() - start
    if rank != 0:
        return 0  # rank 0 writes the files
    torch.save(dict(model.state_dict()), run_dir / "model.safetensors")
    plot_curves(history.history, run_dir / "curves.png")
    test = evaluate(model, (x_test, splits.y_test), loss, ["accuracy", "f1"], device=cfg["device"])
    _write_json(run_dir / "test_metrics.json", test)
    last = history.last()
    print(f"epochs {len(history.epoch)}  train acc {last['accuracy']:.4f}  "
          f"val acc {last['val_accuracy']:.4f}  ({elapsed:.1f} s)")  # fmt: skip
    print(f"test accuracy {test['accuracy']:.4f}  "
          f"(macro F1 {test['f1']:.4f}, loss {test['loss']:.4f})")  # fmt: skip
    print(f"run directory: {run_dir}")
    return 0


def _build_ensemble(cfg: dict[str, Any]) -> Any:
    from ..ensemble import Bagging
    from .recipes import build_model

    def member() -> Any:
        return build_model(cfg["model"], cfg["in_features"], cfg["num_classes"], _hidden(cfg),
                           cfg["dropout"]).to(cfg["device"])  # fmt: skip

    # soft voting: predict() then agrees with forward() (log of the mean probability)
    return Bagging(member, cfg["ensemble"], task="classification", voting="soft", seed=cfg["seed"])


def _train_ensemble(cfg: dict[str, Any], run_dir: Path, splits: Any, xs: tuple,
                    loss: Any) -> int:  # fmt: skip
    """``--ensemble N``: bagging of N models with the run's model, optimizer and epochs."""
    import nablagrad as torch

    from .loop import evaluate
    from .recipes import build_optimizer

    x_train, x_val, x_test = xs
    bag = _build_ensemble(cfg)
    print(f"bagging {cfg['ensemble']} x {cfg['model']} on bootstrap samples of "
          f"{len(x_train)} training images, {cfg['epochs']} epochs each")  # fmt: skip
    start = time.perf_counter()
    with warnings.catch_warnings():  # samples seen by every member: the OOB line says so
        warnings.simplefilter("ignore", UserWarning)
        bag.fit(x_train, splits.y_train, epochs=cfg["epochs"], batch_size=cfg["batch_size"],
                loss=loss, device=cfg["device"],
                optimizer=lambda ps: build_optimizer(cfg["optimizer"], ps, cfg["lr"],
                                                     cfg["weight_decay"]))  # fmt: skip
    n_oob = int((bag.oob_prediction_ >= 0).sum())
    elapsed = time.perf_counter() - start
    torch.save(dict(bag.state_dict()), run_dir / "model.safetensors")
    members = [float((m == splits.y_val).mean()) for m in bag.member_predictions(x_val)]
    val_acc = bag.score(x_val, splits.y_val)
    test = evaluate(bag, (x_test, splits.y_test), loss, ["accuracy", "f1"])
    _write_json(run_dir / "test_metrics.json", test)
    _write_json(run_dir / "ensemble.json", {
        "n_models": cfg["ensemble"], "oob_accuracy": bag.oob_score_, "oob_samples": n_oob,
        "member_val_accuracy": members, "val_accuracy": val_acc,
        "val_disagreement": bag.disagreement(x_val),
    })  # fmt: skip
    print(f"members' val acc {min(members):.4f}..{max(members):.4f}  ensemble val acc "
          f"{val_acc:.4f}  out-of-bag acc {bag.oob_score_:.4f} ({n_oob} of {len(x_train)} "
          f"training samples have out-of-bag votes)  ({elapsed:.1f} s)")  # fmt: skip
    print(f"test accuracy {test['accuracy']:.4f}  "
          f"(macro F1 {test['f1']:.4f}, loss {test['loss']:.4f})")  # fmt: skip
    print(f"run directory: {run_dir}")
    return 0


def _load_run(run_dir: str, device: str = "cpu") -> tuple[dict[str, Any], Any, Path]:
    import nablagrad as torch

    device = _check_device(device)
    path = Path(run_dir)
    if not (path / "config.json").is_file():
        raise CLIError(f"{path} is not a run directory (no config.json): pass runs/<timestamp>")
    if not (path / "model.safetensors").is_file():
        raise CLIError(f"{path} has no model.safetensors: the run did not finish")
    cfg = _read_config(path)
    from .recipes import build_model

    if cfg.get("ensemble", 0) > 1:
        model = _build_ensemble(dict(cfg, device="cpu")).build_members()
    else:
        model = build_model(cfg["model"], cfg["in_features"], cfg["num_classes"], _hidden(cfg),
                            cfg["dropout"])  # fmt: skip
    try:
        model.load_state_dict(torch.load(path / "model.safetensors", map_location="cpu"))
    except (ValueError, KeyError, RuntimeError, TypeError) as e:
        raise CLIError(
            f"{path / 'model.safetensors'} does not fit the model in config.json: {e}"
        ) from None
    model.to(device).eval()
    return cfg, model, path


def _read_config(path: Path) -> dict[str, Any]:
    """A run's config.json, checked: every option of the right type, and the data shape keys."""
    file = path / "config.json"
    try:
        cfg = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CLIError(f"{file} is corrupt: {e}") from None
    if not isinstance(cfg, dict):
        raise CLIError(f"{file} is corrupt: expected a JSON object, got {type(cfg).__name__}")
    missing = [k for k in (*DEFAULTS, "num_classes", "in_features", "input_shape") if k not in cfg]
    if missing:
        raise CLIError(f"{file} lacks {', '.join(missing)}: it was not written by nablagrad train")
    _validate(cfg)
    shape = cfg["input_shape"]
    from .. import _validate as V

    for k in ("num_classes", "in_features"):
        if not V.is_int(cfg[k]) or cfg[k] < 1:
            raise CLIError(f"{file}: {k} {cfg[k]!r} must be a positive integer")
    if not isinstance(shape, list) or not all(V.is_int(n) and n >= 1 for n in shape):
        raise CLIError(f"{file}: input_shape {shape!r} must be a list of positive integers")
    names = cfg.get("class_names")
    if names is not None and (not isinstance(names, list) or len(names) != cfg["num_classes"]):
        raise CLIError(f"{file}: class_names must list num_classes={cfg['num_classes']} names")
    return cfg


def evaluate_command(args: argparse.Namespace) -> int:
    from .. import nn
    from . import metrics as M
    from .loop import evaluate
    from .plots import plot_confusion_matrix
    from .recipes import prepare_inputs

    cfg, model, path = _load_run(args.run_dir, args.device)
    splits = _data(cfg)
    x = prepare_inputs(splits.x_test, cfg["dataset"], cfg["model"])
    y = splits.y_test
    res = evaluate(model, (x, y), nn.CrossEntropyLoss(), ["accuracy", "precision", "recall", "f1"],
                   device=args.device)  # fmt: skip
    out = _predict_scores(model, x, args.device)
    per_class = M.per_class_accuracy(out, y, splits.num_classes)
    cm = M.confusion_matrix(out, y, splits.num_classes)
    plot_confusion_matrix(cm, path / "confusion_matrix.png", splits.class_names)
    print(f"{cfg['model']} on {cfg['dataset']} test set ({len(y)} samples)")
    for k in ("loss", "accuracy", "precision", "recall", "f1"):
        print(f"  {k:<10}{res[k]:.4f}")
    print("per-class accuracy:")
    for name, acc in zip(splits.class_names, per_class):
        print(f"  {name:<12}{acc:.4f}")
    print(f"confusion matrix: {path / 'confusion_matrix.png'}")
    return 0


def _predict_scores(model: Any, x: Any, device: str = "cpu") -> Any:
    import nablagrad as torch

    from ..backend import np

    outs = []
    with torch.no_grad():
        for i in range(0, len(x), 512):
            outs.append(model(torch.tensor(x[i : i + 512], device=device)).cpu().numpy())
    return np.concatenate(outs) if outs else np.zeros((0, 0))


def predict_command(args: argparse.Namespace) -> int:
    from ..backend import np
    from .recipes import prepare_inputs

    cfg, model, _ = _load_run(args.run_dir, args.device)
    out = Path(args.output) if args.output else None
    if out is not None and not out.parent.is_dir():
        raise CLIError(f"--output {out}: folder {out.parent} does not exist")
    if not os.path.isfile(args.inputs):
        raise CLIError(f"input file {args.inputs} does not exist")
    try:
        x = np.load(args.inputs, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise CLIError(f"{args.inputs} is not a readable .npy array: {e}") from None
    if x.dtype.kind not in "fiub":
        raise CLIError(f"{args.inputs} holds {x.dtype} values; expected real numbers")
    if x.size == 0:
        raise CLIError(f"{args.inputs} is empty (shape {x.shape}); pass at least one sample")
    from .. import _validate as V

    try:
        V.finite(x, args.inputs)
    except ValueError as e:
        raise CLIError(str(e)) from None
    sample = tuple(cfg["input_shape"])
    size = int(np.prod(sample))
    one_sample = x.shape == sample or x.size == size
    batch = x.ndim >= 2 and int(np.prod(x.shape[1:])) == size
    if not (one_sample or batch):
        raise CLIError(
            f"{args.inputs} has shape {x.shape}; this model takes samples of shape {sample} "
            f"(or {size} values each): pass one sample or a batch (N, ...)"
        )
    x = prepare_inputs(x.reshape(-1, *sample), cfg["dataset"], cfg["model"])
    scores = _predict_scores(model, x, args.device)
    pred = scores.argmax(axis=1)
    names = cfg.get("class_names") or [str(i) for i in range(cfg["num_classes"])]
    for i, p in enumerate(pred):
        print(f"{i}\t{names[p]}")
    if args.output:
        fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".npy")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, pred)
            os.replace(tmp, out)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    return 0
