"""The list of experiments shown by ``nablagrad lab --list``, with their parameters."""

from __future__ import annotations

from .registry import Experiment, Param, register

OPTIMIZER_NAMES = (
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "AdaDelta",
    "Adam",
    "Adamax",
    "NAdam",
)
SURFACES = ("bowl", "rosenbrock", "saddle", "beale")
SCHEDULES = ("step", "exponential", "cyclic", "cosine_restarts", "one_cycle", "warmup")
REG_METHODS = (
    "none",
    "l2",
    "l1",
    "dropout",
    "early_stopping",
    "label_smoothing",
    "input_noise",
    "augmentation",
)

register(
    Experiment(
        "optimizers",
        "optimizers",
        "The optimizer race: SGD, momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam, Adamax and "
        "NAdam (the real nablagrad.optim classes) from one start point on a 2-D surface; contour "
        "plot with trajectories, loss vs step, optional GIF.",
        (
            Param("surface", str, "the 2-D loss surface", choices=SURFACES),
            Param(
                "steps",
                int,
                "optimizer steps for every method (0 = the surface's default: "
                "bowl 150, rosenbrock 1000, saddle 150, beale 400)",
                minimum=0,
                maximum=20000,
            ),
            Param(
                "optimizers",
                tuple,
                "which optimizers race",
                choices=OPTIMIZER_NAMES,
            ),
            Param(
                "lr_scale",
                float,
                "multiply every tuned learning rate by this",
                minimum=1e-6,
                maximum=100.0,
            ),
            Param("gif", bool, "also write an animated GIF of the race"),
        ),
    )
)
register(
    Experiment(
        "towers",
        "towers",
        "Universal approximation: towers of steep sigmoids (2 neurons per tower in 1-D, 4 + 1 per "
        "closed tower in 2-D) summed to approximate a target; error vs number of towers; then a "
        "trained MLP with the same neurons for comparison.",
        (
            Param(
                "counts",
                tuple,
                "numbers of towers (per axis)",
                item=int,
            ),
            Param("sharpness", float, "sigmoid steepness k = sharpness * towers", minimum=1.0),
            Param("grid", int, "2-D evaluation grid points per axis", minimum=4, maximum=200),
            Param(
                "mlp_hidden",
                int,
                "hidden sigmoid neurons of the trained MLP (0 steps skips)",
                minimum=1,
                maximum=1024,
            ),
            Param("mlp_steps", int, "Adam steps for the MLP (0 = skip)", minimum=0),
            Param("seed", int, "random seed"),
            Param("gif", bool, "also write an animated GIF (one frame per tower count)"),
        ),
    )
)
register(
    Experiment(
        "activations",
        "activations",
        "Every activation function and its derivative computed by autograd, on one grid; saturated "
        "tails (vanishing gradient) shaded; sigmoid's derivative peaks at 0.25.",
        (
            Param("points", int, "points on the x axis", minimum=11, maximum=100001),
            Param("xmax", float, "plot x in [-xmax, xmax]", minimum=0.5, maximum=50.0),
            Param(
                "saturation",
                float,
                "shade where |f'| < saturation * max|f'|",
                minimum=0.0,
                maximum=1.0,
            ),
        ),
    )
)
register(
    Experiment(
        "schedules",
        "schedules",
        "Learning rate vs step for every scheduler (step decay, exponential, cyclic triangular, "
        "cosine annealing with warm restarts, one-cycle, linear warm-up), from the real "
        "nablagrad.optim.lr_scheduler classes.",
        (
            Param("steps", int, "optimizer steps to trace", minimum=10, maximum=100000),
            Param("base_lr", float, "the optimizer's initial learning rate", minimum=1e-8),
            Param("schedules", tuple, "which schedules", choices=SCHEDULES),
        ),
    )
)
register(
    Experiment(
        "regularization",
        "regularization",
        "One over-parameterised MLP on a small noisy 2-D classification set, trained with no "
        "regularization, L2, L1, dropout, early stopping, label smoothing, input noise and data "
        "augmentation: table and train/validation curves; L2 contours for a 2-weight model.",
        (
            Param("methods", tuple, "which methods", choices=REG_METHODS),
            Param("epochs", int, "full-batch training epochs", minimum=1, maximum=100000),
            Param("hidden", int, "hidden units per layer (2 hidden layers)", minimum=1),
            Param("samples", int, "training points (validation: 4x as many)", minimum=8),
            Param(
                "noise",
                float,
                "label noise: share of flipped training labels (validation labels are clean)",
                minimum=0.0,
                maximum=0.5,
            ),
            Param("seed", int, "random seed"),
        ),
    )
)
register(
    Experiment(
        "capacity",
        "capacity",
        "Bias-variance and capacity on a 1-D regression: training and validation error against "
        "hidden units of an MLP and against polynomial degree, averaged over seeds.",
        (
            Param("sizes", tuple, "MLP hidden units", item=int),
            Param("degrees", tuple, "polynomial degrees", item=int),
            Param("samples", int, "training points", minimum=4, maximum=100000),
            Param("seeds", int, "data/initialisation seeds to average over", minimum=1),
            Param("steps", int, "Adam steps per MLP", minimum=1),
            Param("noise", float, "noise std of the targets", minimum=0.0),
        ),
    )
)
register(
    Experiment(
        "lr-batch",
        "lr_batch",
        "Batch size vs learning rate for minibatch SGD on a fixed number of epochs: a grid of "
        "final losses; the best learning rate grows about linearly with the batch size.",
        (
            Param("batch_sizes", tuple, "batch sizes", item=int),
            Param(
                "lrs",
                tuple,
                "learning rates",
                item=float,
            ),
            Param("epochs", int, "epochs per run", minimum=1),
            Param("samples", int, "training points", minimum=16),
            Param("seed", int, "random seed"),
        ),
    )
)
register(
    Experiment(
        "knn",
        "knn",
        "Decision boundaries of k-nearest-neighbours under the L1, L2 and L_inf distances and "
        "several k on a 2-D data set, with validation accuracy.",
        (
            Param("ks", tuple, "numbers of neighbours", item=int),
            Param("metrics", tuple, "distances", choices=("l1", "l2", "linf")),
            Param("samples", int, "training points", minimum=3),
            Param("grid", int, "decision-map resolution per axis", minimum=10, maximum=600),
            Param("noise", float, "class overlap (noise std)", minimum=0.0),
            Param("seed", int, "random seed"),
        ),
    )
)
register(
    Experiment(
        "ensembles",
        "ensembles",
        "Bagging: bootstrap replicas of a small MLP vs a single model on a noisy 2-D "
        "classification set: accuracy vs ensemble size and the spread of members' predictions.",
        (
            Param("members", int, "bootstrap replicas", minimum=1, maximum=1000),
            Param("hidden", int, "hidden units per member", minimum=1),
            Param("epochs", int, "full-batch Adam epochs per member", minimum=1),
            Param("samples", int, "training points", minimum=8),
            Param("seed", int, "random seed"),
        ),
    )
)

register(
    Experiment(
        "backprop",
        "backprop",
        "Backpropagation step by step: a 2-input, 1-output network's forward values and the "
        "chain rule's gradients, autograd checked against the hand-derived formulas, one "
        "gradient step, and pictures of the autograd graph (nablagrad.viz.draw_graph).",
        (
            Param("hidden", int, "hidden units", minimum=1, maximum=8),
            Param("activation", str, "hidden activation", choices=("sigmoid", "tanh", "relu")),
            Param("lr", float, "learning rate of the gradient step", minimum=0.0),
            Param("target", float, "the target y"),
            Param("seed", int, "random seed of the weights"),
        ),
    )
)
