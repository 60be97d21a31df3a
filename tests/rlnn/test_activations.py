"""Every registered activation: gradients, dtypes, stability, errors."""

import numpy as np
import pytest

import rlnn
from rlnn import activations

ACTIVATIONS = activations.registry.canonical_names()
# Activations whose constructor takes extra arguments worth checking in every regime.
VARIANTS = {
    "swish": [{"beta": 0.7}, {"beta": 1.3, "learnable": True}],
    "prelu": [{}, {"num_parameters": 4}],
    "soft_exponential": [
        {"alpha": -0.3},
        {"alpha": 0.0},
        {"alpha": 0.4},
        {"alpha": 0.4, "learnable": False},
    ],
    "gelu": [{}, {"approximate": "tanh"}],
    "pelu": [{"a": 1.5, "b": 0.7}],
    "leaky_relu": [{"alpha": 0.2}],
    "elu": [{"alpha": 0.5}],
    "celu": [{"alpha": 0.5}],
    "softplus": [{"beta": 2.0}],
}
CASES = [(name, kwargs) for name in ACTIVATIONS for kwargs in VARIANTS.get(name, [{}])]


def away_from_kinks(rng, shape=(6, 4)):
    """Inputs at least 0.05 away from the kinks at 0 and ±3 (hard sigmoid / swish)."""
    x = rng.uniform(-4, 4, size=shape)
    for kink in (0.0, -3.0, 3.0):
        near = np.abs(x - kink) < 0.05
        x[near] += 0.1
    return x


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_backward_matches_finite_differences(name, kwargs, rng):
    layer = activations.get(name, **kwargs)
    x = away_from_kinks(rng) * (0.4 if name == "soft_exponential" else 1.0)
    result = rlnn.gradcheck(layer, x)
    assert result.passed, str(result)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_float32_is_kept_through_forward_and_backward(name, rng):
    layer = activations.get(name)
    x = (away_from_kinks(rng) * 0.4).astype(np.float32)
    y = layer.forward(x)
    grad = layer.backward(rng.standard_normal(y.shape).astype(np.float32))
    assert y.dtype == np.float32
    assert grad.dtype == np.float32
    assert layer.predict(x).dtype == np.float32


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_predict_equals_eval_forward_and_leaves_cache(name, rng):
    layer = activations.get(name).eval()
    x = away_from_kinks(rng) * 0.4
    y = layer.forward(x)
    upstream = rng.standard_normal(y.shape)
    before = layer.backward(upstream)
    np.testing.assert_array_equal(
        layer.predict(x * 0.5), activations.get(name).eval().predict(x * 0.5)
    )
    np.testing.assert_array_equal(layer.backward(upstream), before)


def test_backward_does_not_mutate_upstream(rng):
    for name in ACTIVATIONS:
        layer = activations.get(name)
        x = away_from_kinks(rng) * 0.4
        layer.forward(x)
        upstream = rng.standard_normal(x.shape)
        copy = upstream.copy()
        layer.backward(upstream)
        np.testing.assert_array_equal(upstream, copy, err_msg=name)


@pytest.mark.parametrize(
    "name",
    [
        "sigmoid",
        "softplus",
        "softmax",
        "log_softmax",
        "tanh",
        "silu",
        "mish",
        "gelu",
        "elu",
        "selu",
        "celu",
        "bipolar_sigmoid",
        "softsign",
        "arctan",
        "isrlu",
    ],
)
def test_finite_values_and_gradients_at_plus_minus_1000(name):
    layer = activations.get(name)
    x = np.array([[-1000.0, 1000.0, 0.0], [1000.0, -1000.0, 999.0]], dtype=np.float32)
    y = layer.forward(x)
    grad = layer.backward(np.ones_like(y))
    assert np.all(np.isfinite(y)), y
    assert np.all(np.isfinite(grad)), grad


def test_known_values():
    x = np.array([[-2.0, 0.0, 2.0]])
    np.testing.assert_allclose(activations.get("sigmoid").predict(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(activations.get("leaky_relu").predict(x), [[-0.02, 0, 2]])
    np.testing.assert_allclose(activations.get("binary_step").predict(x), [[0, 1, 1]])
    np.testing.assert_allclose(
        activations.get("bipolar_sigmoid").predict(x), (1 - np.exp(-x)) / (1 + np.exp(-x))
    )
    np.testing.assert_allclose(
        activations.get("gelu").predict(np.array([[1.0]])), [[0.8413447460685429]]
    )
    np.testing.assert_allclose(activations.get("hard_swish").predict(x), [[-1 / 3, 0, 5 / 3]])
    np.testing.assert_allclose(activations.get("softmax").predict(x).sum(axis=1), [1.0])
    np.testing.assert_allclose(
        activations.get("selu").predict(np.array([[1.0]])), [[1.0507009873554805]]
    )
    np.testing.assert_allclose(
        activations.get("isrlu").predict(np.array([[-1.0]])), [[-1 / np.sqrt(2)]]
    )
    # Soft exponential's three regimes: log, identity, exp.
    se = lambda a: activations.SoftExponential(alpha=a).predict(np.array([[1.0]]))[0, 0]  # noqa: E731
    assert se(0.0) == 1.0
    np.testing.assert_allclose(se(0.5), (np.exp(0.5) - 1) / 0.5 + 0.5, rtol=1e-6)
    np.testing.assert_allclose(se(-0.5), -np.log(1 + 0.5 * 0.5) / -0.5, rtol=1e-6)


def test_rrelu_uses_random_slopes_in_training_and_their_mean_in_eval():
    layer = activations.RReLU(lower=0.1, upper=0.3, rng=0)
    x = -np.ones((1000, 1))
    slopes = -layer.forward(x)
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(layer.eval().forward(x), -0.2 * np.ones((1000, 1)))


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'relux'; expected one of \[.*'relu'"):
        activations.get("relux")


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: activations.LeakyReLU(alpha=-1), "LeakyReLU: alpha must be >= 0, got -1"),
        (lambda: activations.ELU(alpha=float("nan")), "ELU: alpha must be finite, got nan"),
        (lambda: activations.CELU(alpha=0), "CELU: alpha must be > 0, got 0"),
        (lambda: activations.RReLU(lower=0.5, upper=0.2), "RReLU: upper must be >= 0.5, got 0.2"),
        (lambda: activations.PReLU(num_parameters=0), "PReLU: num_parameters must be a positive"),
        (lambda: activations.PELU(b=-1), "PELU: b must be > 0, got -1"),
        (
            lambda: activations.GELU(approximate="fast"),
            "GELU: approximate must be 'none' or 'tanh'",
        ),
    ],
)
def test_bad_hyperparameters_fail_at_construction(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_soft_exponential_outside_its_domain_names_the_bound():
    layer = activations.SoftExponential(alpha=-0.5)
    with pytest.raises(ValueError, match=r"alpha=-0.5\) is defined only for inputs > -1.5"):
        layer.forward(np.array([[-2.0]]))
