"""LayerNorm: the formula, exact gradients, saving, and its place in MLPs and Q-networks."""

import numpy as np
import pytest

import rlnn
from agents.networks import build_q_network
from rlnn import Dense, LayerNorm, Sequential


def reference(x, weight, bias, eps):
    """Layer normalization written out per row, in plain loops."""
    out = np.empty_like(x)
    for index in np.ndindex(x.shape[:-1]):
        row = x[index]
        mu = sum(row) / len(row)
        var = sum((v - mu) ** 2 for v in row) / len(row)
        out[index] = weight * (row - mu) / np.sqrt(var + eps) + bias
    return out


def test_forward_normalizes_the_last_axis_of_any_shape(rng):
    layer = LayerNorm(5, eps=1e-3, dtype=np.float64)
    layer.weight.value[...] = rng.standard_normal(5)
    layer.bias.value[...] = rng.standard_normal(5)
    x = rng.standard_normal((3, 4, 5)) * 7 + 2
    y = layer.forward(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, reference(x, layer.weight.value, layer.bias.value, 1e-3))
    plain = LayerNorm(5, dtype=np.float64).forward(x)
    np.testing.assert_allclose(plain.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(plain.var(axis=-1), 1, atol=1e-5)


def test_rows_are_normalized_alone_and_predict_equals_forward(rng):
    layer = LayerNorm(6)
    x = rng.standard_normal((8, 6)).astype(np.float32)
    batch = layer.forward(x)
    np.testing.assert_allclose(layer.forward(x[3:4])[0], batch[3], rtol=1e-6)
    layer.eval()
    np.testing.assert_array_equal(layer.predict(x), batch)
    assert batch.dtype == np.float32


@pytest.mark.parametrize("shape", [(7, 4), (2, 3, 4)])
def test_gradcheck_of_the_layer(rng, shape):
    layer = LayerNorm(4, dtype=np.float64)
    layer.weight.value[...] = [0.5, 2.0, -1.0, 1.5]
    layer.bias.value[...] = [0.1, 0.0, -0.3, 0.2]
    result = rlnn.gradcheck(layer, rng.standard_normal(shape) * 3 + 1)
    assert result.passed, str(result)
    plain = rlnn.gradcheck(LayerNorm(4, affine=False, dtype=np.float64), rng.standard_normal(shape))
    assert plain.passed, str(plain)


def test_backward_leaves_the_upstream_gradient_alone(rng):
    layer = LayerNorm(3, dtype=np.float64)
    layer.forward(rng.standard_normal((4, 3)))
    grad = rng.standard_normal((4, 3))
    kept = grad.copy()
    layer.backward(grad)
    np.testing.assert_array_equal(grad, kept)


def test_mlp_with_layer_norm_places_it_before_each_hidden_activation(rng):
    model = rlnn.mlp([4, 8, 8, 2], layer_norm=True, seed=0)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Dense", "LayerNorm", "ReLU", "Dense", "LayerNorm", "ReLU", "Dense"]
    assert model.layers[0].activation is None
    result = rlnn.gradcheck(model, rng.standard_normal((5, 4)))
    assert result.passed, str(result)
    # Without it, the same seed gives the same network as before the option existed.
    plain, again = rlnn.mlp([4, 8, 2], seed=3), rlnn.mlp([4, 8, 2], seed=3, layer_norm=False)
    for key, value in plain.state_dict().items():
        np.testing.assert_array_equal(value, again.state_dict()[key])


def test_saved_and_loaded_like_every_layer(tmp_path, rng):
    model = Sequential([Dense(3, 4, rng=0), LayerNorm(4), "tanh", Dense(4, 2, rng=1)])
    model.layers[1].weight.value[...] = [1.0, 2.0, 0.5, -1.0]
    model.save(tmp_path / "ln.npz")
    loaded = rlnn.load(tmp_path / "ln.npz")
    x = rng.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert "1.weight" in loaded.state_dict() and "1.bias" in loaded.state_dict()
    rebuilt = rlnn.build({"name": "layer_norm", "features": 4, "eps": 1e-3})
    assert isinstance(rebuilt, LayerNorm) and rebuilt.eps == 1e-3


def test_bad_input_names_the_argument():
    with pytest.raises(
        ValueError, match=r"LayerNorm\(4\) expected input \(\.\.\., 4\), got \(2, 3\)"
    ):
        LayerNorm(4).forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="features"):
        LayerNorm(0)
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(3, eps=0.0)


@pytest.mark.parametrize("switches", [{}, {"dueling": True}, {"noisy": True, "dueling": True}])
def test_q_networks_take_layer_norm_in_every_hidden_layer(rng, switches):
    net = build_q_network(4, 2, [8, 8], rng=0, layer_norm=True, **switches)
    norms = [layer for layer in _leaves(net) if isinstance(layer, LayerNorm)]
    streams = 2 if switches.get("dueling") else 1
    assert len(norms) == 1 + streams  # the torso's layer and each stream's hidden layer
    result = rlnn.gradcheck(net, rng.standard_normal((5, 4)))
    assert result.passed, str(result)


def _leaves(layer):
    children = layer.children()
    if not children:
        return [layer]
    return [layer] + [leaf for child in children for leaf in _leaves(child)]
