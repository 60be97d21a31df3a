"""Every registered loss: gradients equal finite differences of forward, domains, stability."""

import numpy as np
import pytest

from rlnn import losses

LOSSES = losses.registry.canonical_names()
PARAMS = {
    "weighted_squared_error": {"output_weights": [0.5, 1.0, 2.0]},
    "huber": {"delta": 0.7},
    "exponential": {"tau": 4.0},
    "smooth_l1": {"beta": 0.5},
}

RANGES = {
    "real": None,
    "probability": (0.05, 0.95),
    "positive": (0.2, 2.0),
    "nonnegative": (0.0, 2.0),
}


def make_inputs(loss, rng, shape=(5, 3)):
    pred = (
        rng.standard_normal(shape)
        if loss.pred_domain == "real"
        else rng.uniform(*RANGES[loss.pred_domain], size=shape)
    )
    if loss.target_domain == "sign":
        target = rng.choice([-1.0, 1.0], size=shape)
    elif loss.accepts_class_targets:
        target = rng.dirichlet(np.ones(shape[1]), size=shape[0])
    elif loss.target_domain == "real":
        target = rng.standard_normal(shape)
    else:
        target = rng.uniform(*RANGES[loss.target_domain], size=shape)
    if loss.target_domain == "nonnegative":
        target[0, 0] = 0.0  # the 0·log 0 = 0 convention
    return pred, target


def numeric_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("weighted", [False, True])
def test_backward_matches_finite_differences(name, weighted, rng):
    loss = losses.get(name, **PARAMS.get(name, {}))
    pred, target = make_inputs(loss, rng)
    weights = rng.uniform(0.1, 2.0, size=pred.shape[0]) if weighted else None
    analytic = loss.backward(pred, target, weights)
    numeric = numeric_grad(lambda p: loss.forward(p, target, weights), pred.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", LOSSES)
def test_unit_weights_equal_no_weights_and_float32_is_kept(name, rng):
    loss = losses.get(name, **PARAMS.get(name, {}))
    pred, target = make_inputs(loss, rng)
    pred32 = pred.astype(np.float32)
    assert loss.backward(pred32, target).dtype == np.float32
    np.testing.assert_allclose(loss.forward(pred, target, np.ones(5)), loss.forward(pred, target))


def test_mean_reduction_conventions():
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.zeros((2, 2))
    assert losses.get("mse").forward(pred, target) == pytest.approx((1 + 4 + 9 + 25) / 4)
    assert losses.get("sse").forward(pred, target) == pytest.approx((1 + 4 + 9 + 25) / 2)
    assert losses.get("quadratic").forward(pred, target) == pytest.approx((1 + 4 + 9 + 25) / 4)
    assert losses.get("rmse").forward(pred, target) == pytest.approx(np.sqrt(39 / 4))
    assert losses.get("mae").forward(pred, target) == pytest.approx(11 / 4)
    # Huber: ½d² inside delta, delta·(|d| - ½delta) outside.
    assert losses.get("huber").forward(np.array([0.5, 3.0]), np.zeros(2)) == pytest.approx(
        (0.125 + 2.5) / 2
    )
    # Normalized squared error is 1 - R².
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert losses.get("nse").forward(y + 0.5, y) == pytest.approx(4 * 0.25 / 5.0)
    # Per-sample weights scale each sample's loss.
    assert losses.get("mse").forward(
        np.array([1.0, 2.0]), np.zeros(2), np.array([2.0, 0.0])
    ) == pytest.approx(1.0)


def test_softmax_cross_entropy_accepts_integer_labels(rng):
    logits = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    one_hot = np.eye(3)[labels]
    loss = losses.get("softmax_cross_entropy")
    assert loss.forward(logits, labels) == pytest.approx(loss.forward(logits, one_hot))
    np.testing.assert_allclose(loss.backward(logits, labels), loss.backward(logits, one_hot))
    with pytest.raises(
        ValueError, match=r"class labels must lie in \[0, 2\], got values in \[0, 3\]"
    ):
        loss.forward(logits, np.array([0, 3, 1, 2]))


@pytest.mark.parametrize(
    ("name", "expected"), [("bce_with_logits", 1000.0), ("softmax_cross_entropy", 2000.0)]
)
def test_fused_losses_are_finite_at_plus_minus_1000(name, expected):
    loss = losses.get(name)
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=np.float32)
    target = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    value = loss.forward(logits, target)
    grad = loss.backward(logits, target)
    assert np.isfinite(value) and value == pytest.approx(expected, rel=1e-3)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize(
    ("name", "pred", "target", "message"),
    [
        (
            "bce",
            [[1.2, 0.5]],
            [[1.0, 0.0]],
            r"BCELoss: pred must be probabilities in \[0, 1\], got values in \[0.5, 1.2\]",
        ),
        (
            "itakura_saito",
            [[1.0, 2.0]],
            [[-1.0, 1.0]],
            r"ItakuraSaitoDistance: target must be positive values, got values in \[-1, 1\]",
        ),
        (
            "kl_divergence",
            [[0.0, 1.0]],
            [[0.5, 0.5]],
            r"KLDivergence: pred must be positive values, got values in \[0, 1\]",
        ),
        ("hinge", [[0.3, 0.1]], [[1.0, 0.0]], r"HingeLoss: target must be labels in \{-1, \+1\}"),
        (
            "mse",
            [[1.0, 2.0]],
            [[1.0]],
            r"MSELoss: pred shape \(1, 2\) and target shape \(1, 1\) differ",
        ),
        ("mse", [[np.nan, 2.0]], [[1.0, 1.0]], r"MSELoss: pred contains NaN or inf"),
    ],
)
def test_out_of_domain_inputs_raise_naming_loss_and_range(name, pred, target, message):
    with pytest.raises(ValueError, match=message):
        losses.get(name).forward(np.array(pred), np.array(target))


def test_bad_weights_and_hyperparameters():
    with pytest.raises(ValueError, match=r"MSELoss: weights must have shape \(2,\), got \(3,\)"):
        losses.get("mse").forward(np.zeros(2), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="HuberLoss: delta must be > 0, got 0"):
        losses.get("huber", delta=0)
    with pytest.raises(ValueError, match=r"unknown loss 'msee'; expected one of \["):
        losses.get("msee")


@pytest.mark.parametrize("name", LOSSES)
def test_value_and_grad_equals_forward_and_backward(name, rng):
    loss = losses.get(name, **PARAMS.get(name, {}))
    pred, target = make_inputs(loss, rng)
    weights = rng.uniform(0.1, 2.0, size=pred.shape[0])
    value, grad = loss.value_and_grad(pred, target, weights)
    assert value == pytest.approx(loss.forward(pred, target, weights), rel=1e-12)
    np.testing.assert_allclose(grad, loss.backward(pred, target, weights), rtol=1e-12)
