"""Train an MLP with rlnn on a data set bundled with scikit-learn and print test metrics.

    python scripts/train_mlp.py --dataset digits
    python scripts/train_mlp.py --dataset diabetes --layers 64 --activation tanh --l2 0.05

Defaults are tuned per data set (``PRESETS``); any flag overrides them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import rlnn
from rlnn import datasets
from rlnn.cli import add_dataclass_arguments, given


@dataclass
class Config:
    dataset: str = "digits"
    """digits, breast_cancer (classification) or diabetes (regression)"""
    layers: list[int] = field(default_factory=lambda: [128, 64])
    """hidden layer sizes, e.g. 128,64"""
    activation: str = "relu"
    """hidden activation (any name in rlnn.activations.names())"""
    optimizer: str = "adam"
    """optimizer name (any name in rlnn.optimizers.names())"""
    lr: float = 1e-3
    """learning rate (initial value of the schedule)"""
    schedule: str = "constant"
    """learning-rate schedule: constant, cosine, exponential, step, time_based"""
    epochs: int = 40
    """passes over the training data"""
    batch_size: int = 32
    """samples per update"""
    l1: float = 0.0
    """L1 penalty on weights"""
    l2: float = 0.0
    """L2 penalty on weights (λ/2·Σw²)"""
    dropout: float = 0.0
    """dropout probability after each hidden layer"""
    batch_norm: bool = False
    """batch normalization before each hidden activation"""
    seed: int = 0
    """seed of the split, the weights and the shuffling"""
    logdir: str | None = None
    """TensorBoard log directory"""
    save: str | None = None
    """where to save the trained model (.npz)"""
    verbose: int = 1
    """0 hides the progress bar"""


PRESETS: dict[str, dict] = {
    "digits": {"layers": [128, 64], "activation": "relu", "epochs": 40, "l2": 0.0},
    "breast_cancer": {"layers": [16], "activation": "relu", "epochs": 50, "l2": 0.01},
    "diabetes": {"layers": [64], "activation": "tanh", "epochs": 300, "l2": 0.05},
}


def build_model(config: Config, n_in: int, n_out: int) -> rlnn.Sequential:
    """Dense layers (optionally BatchNorm before the activation, Dropout after it)."""
    rng = np.random.default_rng(config.seed)
    layers: list = []
    sizes = [n_in, *config.layers]
    for n_from, n_to in zip(sizes[:-1], sizes[1:], strict=True):
        if config.batch_norm:
            layers += [
                rlnn.Dense(n_from, n_to, l1=config.l1, l2=config.l2, rng=rng),
                rlnn.BatchNorm(n_to),
                rlnn.activations.get(config.activation),
            ]
        else:
            layers.append(
                rlnn.Dense(n_from, n_to, config.activation, l1=config.l1, l2=config.l2, rng=rng)
            )
        if config.dropout:
            layers.append(rlnn.Dropout(config.dropout, rng=rng))
    layers.append(rlnn.Dense(sizes[-1], n_out, l1=config.l1, l2=config.l2, rng=rng))
    return rlnn.Sequential(layers)


def schedule_spec(config: Config, steps: int) -> float | dict:
    """The learning rate as a number or a schedule spec over ``steps`` optimizer steps."""
    if config.schedule == "constant":
        return config.lr
    specs = {
        "cosine": {"name": "cosine", "initial": config.lr, "period": steps},
        "exponential": {"name": "exponential", "initial": config.lr, "gamma": 0.01 ** (1 / steps)},
        "step": {"name": "step", "initial": config.lr, "step_size": max(steps // 3, 1)},
        "time_based": {"name": "time_based", "initial": config.lr, "decay": 10 / steps},
    }
    if config.schedule not in specs:
        raise ValueError(
            f"unknown schedule {config.schedule!r}; expected one of {['constant', *specs]}"
        )
    return specs[config.schedule]


def main(config: Config) -> dict[str, float]:
    """Train and evaluate; returns the test metrics."""
    split = datasets.load(config.dataset, seed=config.seed)
    classification = split.task == "classification"
    model = build_model(config, split.x_train.shape[1], split.n_outputs)
    steps = config.epochs * -(-len(split.x_train) // config.batch_size)
    optimizer = rlnn.optimizers.get(
        {"name": config.optimizer, "lr": schedule_spec(config, steps)}, model.parameters()
    )
    loss = "softmax_cross_entropy" if classification else "mse"
    metric = "accuracy" if classification else "r2"
    rlnn.fit(
        model,
        split.x_train,
        split.y_train,
        loss=loss,
        optimizer=optimizer,
        epochs=config.epochs,
        batch_size=config.batch_size,
        metrics=[metric],
        validation=(split.x_test, split.y_test),
        logdir=config.logdir,
        seed=config.seed,
        verbose=config.verbose,
    )
    result = rlnn.evaluate(model, split.x_test, split.y_test, loss, [metric])
    result = {f"test_{k}": round(v, 6) for k, v in result.items()}
    print(json.dumps({"dataset": config.dataset, "seed": config.seed, **result}))
    if config.save:
        model.save(config.save)
        print(f"saved model to {Path(config.save)}")
    return result


def parse_args(argv: list[str] | None = None) -> Config:
    """Flags come from the Config fields; the preset of the chosen data set fills the rest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, Config)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    values = given(args, Config)
    dataset = values.get("dataset", Config.dataset)
    if dataset not in PRESETS:
        parser.error(f"unknown dataset {dataset!r}; expected one of {sorted(PRESETS)}")
    if args.quiet:
        values["verbose"] = 0
    return Config(**{**asdict(Config()), **PRESETS[dataset], **values})


if __name__ == "__main__":
    try:
        main(parse_args())
    except ValueError as error:
        sys.exit(f"train_mlp.py: error: {error}")
