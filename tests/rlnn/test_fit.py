"""The fit loop: determinism, callbacks, logging, and the input errors."""

import numpy as np
import pytest

import rlnn
from rlnn.monitoring import MemoryLogger


def blobs(rng, n=200):
    x = rng.standard_normal((n, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def test_fit_learns_and_returns_a_history(rng):
    x, y = blobs(rng)
    model = rlnn.mlp([2, 16, 2], seed=0)
    history = rlnn.fit(
        model,
        x,
        y,
        loss="softmax_cross_entropy",
        optimizer={"name": "adam", "lr": 0.01},
        epochs=20,
        batch_size=16,
        validation=(x, y),
        metrics=["accuracy"],
        verbose=0,
    )
    assert history.epochs == 20
    assert history["loss"][-1] < history["loss"][0] * 0.5
    assert history["val_accuracy"][-1] > 0.95
    assert set(history.history) >= {"loss", "lr", "accuracy", "val_loss", "val_accuracy"}


def test_fit_is_deterministic_for_a_seed(rng):
    x, y = blobs(rng)
    results = []
    for _ in range(2):
        model = rlnn.Sequential(
            [rlnn.Dense(2, 8, "relu", rng=0), rlnn.Dropout(0.2, rng=1), rlnn.Dense(8, 2, rng=2)]
        )
        rlnn.fit(
            model, x, y, loss="softmax_cross_entropy", epochs=3, batch_size=7, seed=5, verbose=0
        )
        results.append(model.state_dict())
    for key in results[0]:
        np.testing.assert_array_equal(results[0][key], results[1][key])


def test_last_partial_batch_is_used(rng):
    x, y = blobs(rng, n=10)

    class CountingOptimizer(rlnn.optimizers.SGD):
        steps = 0

        def step(self):
            CountingOptimizer.steps += 1
            super().step()

    model = rlnn.mlp([2, 2], seed=0)
    rlnn.fit(
        model,
        x,
        y,
        loss="softmax_cross_entropy",
        optimizer=CountingOptimizer(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=4,
        verbose=0,
    )
    assert CountingOptimizer.steps == 6  # 4 + 4 + 2 per epoch


def test_early_stopping_restores_the_best_weights(rng):
    x, y = blobs(rng)
    model = rlnn.mlp([2, 16, 2], seed=0)
    # A validation set with flipped labels: it gets worse as training improves.
    stopper = rlnn.EarlyStopping(monitor="val_loss", patience=2)
    snapshots = []

    class Snapshot(rlnn.Callback):
        def on_epoch_end(self, epoch, logs):
            snapshots.append(self.model.state_dict())

    history = rlnn.fit(
        model,
        x,
        y,
        loss="softmax_cross_entropy",
        optimizer={"name": "sgd", "lr": 0.5},
        epochs=50,
        batch_size=20,
        validation=(x, 1 - y),
        callbacks=[Snapshot(), stopper],
        verbose=0,
    )
    best = int(np.argmin(history["val_loss"]))
    assert history.epochs == best + 3 < 50
    assert stopper.best_epoch == best
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[best][key])


def test_reduce_lr_on_plateau_and_checkpoint(tmp_path, rng):
    x, y = blobs(rng)
    model = rlnn.mlp([2, 4, 2], seed=0)
    plateau = rlnn.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    path = tmp_path / "best.npz"
    history = rlnn.fit(
        model,
        x,
        y,
        loss="softmax_cross_entropy",
        optimizer={"name": "sgd", "lr": 0.1},
        epochs=4,
        validation=(x, y),
        callbacks=[plateau, rlnn.ModelCheckpoint(path, monitor="val_loss")],
        verbose=0,
    )
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert rlnn.load(path).config() == model.config()


def test_fit_logs_tensorboard_tags(rng):
    x, y = blobs(rng)
    logger = MemoryLogger()
    rlnn.fit(
        rlnn.mlp([2, 2], seed=0),
        x,
        y,
        loss="softmax_cross_entropy",
        epochs=3,
        validation=(x, y),
        metrics=["accuracy"],
        logger=logger,
        verbose=0,
    )
    assert {"train/loss", "val/loss", "val/accuracy", "lr"} <= set(logger.scalars_by_tag)
    assert [step for step, _ in logger.scalars_by_tag["val/loss"]] == [0, 1, 2]


def test_lbfgs_full_batch_fit(rng):
    x = rng.standard_normal((50, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model = rlnn.mlp([3, 1], seed=0, dtype=np.float64)
    history = rlnn.fit(
        model, x, y, loss="mse", optimizer={"name": "lbfgs", "max_iter": 50}, epochs=1, verbose=0
    )
    assert history["loss"][0] < 1e-10


def test_non_finite_loss_names_epoch_and_batch(rng):
    x, y = blobs(rng, n=40)
    model = rlnn.mlp([2, 8, 1], seed=0)
    with pytest.raises(
        FloatingPointError, match=r"the loss became (inf|nan) at epoch \d+, batch \d+"
    ):
        rlnn.fit(
            model,
            x,
            y.reshape(-1, 1).astype(np.float32) * 1e30,
            loss="mse",
            optimizer={"name": "sgd", "lr": 1e10},
            epochs=5,
            batch_size=8,
            verbose=0,
        )


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (
            np.zeros((5, 2)),
            np.zeros(4, dtype=np.int64),
            "fit: training x has 5 samples but y has 4",
        ),
        (
            np.array([[0.0, np.nan]] * 3),
            np.zeros(3, dtype=np.int64),
            r"fit: training x contains NaN or inf \(first at sample 0\)",
        ),
        (
            np.zeros((3, 2)),
            np.array([0, 1, 2]),
            r"fit: training labels must lie in \[0, 1\] \(the model has 2 outputs\), "
            r"got values in \[0, 2\]",
        ),
    ],
)
def test_bad_data_fails_before_training(x, y, message):
    with pytest.raises(ValueError, match=message):
        rlnn.fit(rlnn.mlp([2, 2], seed=0), x, y, loss="softmax_cross_entropy", epochs=1, verbose=0)


def test_bad_arguments():
    x, y = np.zeros((4, 2)), np.zeros(4, dtype=np.int64)
    with pytest.raises(ValueError, match="fit: batch_size must be a positive integer, got 0"):
        rlnn.fit(rlnn.mlp([2, 2]), x, y, loss="softmax_cross_entropy", batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"unknown metric 'acc'; expected one of \["):
        rlnn.fit(rlnn.mlp([2, 2]), x, y, loss="softmax_cross_entropy", metrics=["acc"], verbose=0)
