"""scripts/train_mlp.py on the bundled data sets: the README's thresholds, seed 0."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


train_mlp = load_script("train_mlp")


def run(dataset, *flags):
    return train_mlp.main(train_mlp.parse_args(["--dataset", dataset, "--quiet", *flags]))


def test_digits_reaches_097_and_matches_sklearn_mlp():
    from sklearn.neural_network import MLPClassifier

    from rlnn import datasets

    result = run("digits")
    preset = train_mlp.PRESETS["digits"]
    split = datasets.load("digits", seed=0)
    sklearn_mlp = MLPClassifier(
        hidden_layer_sizes=tuple(preset["layers"]),
        solver="adam",
        learning_rate_init=1e-3,
        batch_size=32,
        max_iter=preset["epochs"],
        random_state=0,
    ).fit(split.x_train, split.y_train)
    assert result["test_accuracy"] >= 0.97
    assert result["test_accuracy"] >= sklearn_mlp.score(split.x_test, split.y_test)


def test_breast_cancer_reaches_096():
    assert run("breast_cancer")["test_accuracy"] >= 0.96


def test_diabetes_r2_at_least_ridge_cv():
    from sklearn.linear_model import RidgeCV

    from rlnn import datasets

    split = datasets.load("diabetes", seed=0)
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(split.x_train, split.y_train.ravel())
    assert run("diabetes")["test_r2"] >= ridge.score(split.x_test, split.y_test.ravel())


def test_cli_flags_override_the_preset_and_save(tmp_path):
    model_path = tmp_path / "m.npz"
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "train_mlp.py"),
            "--dataset",
            "breast_cancer",
            "--epochs",
            "3",
            "--layers",
            "8",
            "--dropout",
            "0.1",
            "--batch-norm",
            "--schedule",
            "cosine",
            "--save",
            str(model_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"dataset": "breast_cancer"' in out.stdout
    import rlnn

    model = rlnn.load(model_path)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense",
        "BatchNorm",
        "ReLU",
        "Dropout",
        "Dense",
    ]


def test_cli_rejects_an_unknown_dataset():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_mlp.py"), "--dataset", "mnist"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "unknown dataset 'mnist'" in out.stderr


@pytest.mark.parametrize("dataset", ["digits"])
def test_same_seed_same_result(dataset):
    assert run(dataset, "--epochs", "2") == run(dataset, "--epochs", "2")
