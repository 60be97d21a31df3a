"""L1/L2 penalties, Dropout, BatchNorm and Standardize."""

import numpy as np
import pytest

import rlnn
from rlnn import BatchNorm, Dense, Dropout, Sequential


@pytest.mark.parametrize(
    ("l1", "l2", "bias"), [(0.1, 0.0, False), (0.0, 0.3, False), (0.05, 0.2, True)]
)
def test_penalty_gradients_equal_finite_differences_of_the_penalized_loss(l1, l2, bias, rng):
    model = Sequential(
        [
            Dense(
                4,
                5,
                "tanh",
                l1=l1,
                l2=l2,
                regularize_bias=bias,
                rng=0,
                bias_init={"name": "uniform", "low": -0.5, "high": 0.5},
            ),
            Dense(5, 2, l1=l1, l2=l2, regularize_bias=bias, rng=1),
        ],
        dtype=np.float64,
    )
    result = rlnn.gradcheck(
        model, rng.standard_normal((6, 4)), loss="mse", target=rng.standard_normal((6, 2))
    )
    assert result.passed, str(result)


def test_penalty_value_is_l1_sum_abs_plus_half_l2_sum_squares():
    layer = Dense(2, 2, l1=0.1, l2=0.4, rng=0)
    layer.weight.value[...] = [[1.0, -2.0], [0.5, 0.0]]
    assert layer.penalty() == pytest.approx(0.1 * 3.5 + 0.2 * (1 + 4 + 0.25), rel=1e-6)


def test_dropout_inverted_scaling_mask_reuse_and_eval_identity():
    layer = Dropout(0.25, rng=0)
    x = np.ones((2000, 10), dtype=np.float32)
    y = layer.forward(x)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.01)
    g = np.arange(20000, dtype=np.float32).reshape(2000, 10)
    np.testing.assert_array_equal(layer.backward(g), g * (y / x))
    assert y.dtype == np.float32
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.predict(x), x)


def test_dropout_extremes():
    x = np.ones((10, 3))
    np.testing.assert_array_equal(Dropout(0.0).forward(x), x)
    y = Dropout(0.999, rng=1).forward(np.ones((100000, 1)))
    assert np.all(np.isfinite(y)) and y.max() == pytest.approx(1000.0)


def test_dropout_with_fixed_mask_passes_gradcheck(rng):
    model = Sequential([Dense(4, 6, "relu", rng=0), Dropout(0.3, rng=5), Dense(6, 2, rng=1)])
    x = rng.standard_normal((5, 4))
    assert rlnn.gradcheck(model, x).passed


def test_batchnorm_training_gradcheck(rng):
    layer = BatchNorm(3, dtype=np.float64)
    layer._parameters["gamma"].value[...] = [0.5, 2.0, -1.0]
    layer._parameters["beta"].value[...] = [0.1, 0.0, -0.3]
    result = rlnn.gradcheck(layer, rng.standard_normal((7, 3)) * 3 + 1)
    assert result.passed, str(result)
    model = Sequential([Dense(4, 5, rng=0), BatchNorm(5), "tanh", Dense(5, 2, rng=1)])
    assert rlnn.gradcheck(model, rng.standard_normal((8, 4))).passed


def test_batchnorm_eval_gradcheck_and_statistics(rng):
    layer = BatchNorm(2, momentum=0.5, dtype=np.float64)
    x = rng.standard_normal((50, 2)) * [2.0, 0.5] + [3.0, -1.0]
    y = layer.forward(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1, atol=1e-4)
    np.testing.assert_allclose(layer.buffers()["running_mean"], 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(layer.buffers()["running_var"], 0.5 + 0.5 * x.var(axis=0, ddof=1))
    layer.eval()
    assert rlnn.gradcheck(layer, x[:5]).passed
    np.testing.assert_array_equal(layer.predict(x[:5]), layer.forward(x[:5]))


def test_batchnorm_buffers_are_saved_not_optimized(tmp_path, rng):
    model = Sequential([Dense(3, 4, rng=0), BatchNorm(4)])
    model.forward(rng.standard_normal((10, 3)))
    assert "1.running_mean" in model.state_dict()
    assert len(model.parameters()) == 4  # weight, bias, gamma, beta
    model.save(tmp_path / "bn.npz")
    loaded = rlnn.load(tmp_path / "bn.npz")
    x = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.eval().predict(x), model.eval().predict(x))
    with pytest.raises(ValueError, match=r"needs more than 1 sample per batch in training mode"):
        BatchNorm(4).forward(np.zeros((1, 4)))


def test_standardize_fits_on_train_applies_anywhere():
    x_train = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0]])
    scaler = rlnn.Standardize().fit(x_train)
    np.testing.assert_allclose(scaler.transform(x_train), [[-1, -1, 0], [1, 1, 0]])
    np.testing.assert_allclose(scaler.transform(np.array([[2.0, 50.0, 6.0]])), [[0, 3, 1]])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(x_train)), x_train)
    assert scaler.transform(x_train.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match=r"call fit\(x_train\) before transform"):
        rlnn.Standardize().transform(x_train)
