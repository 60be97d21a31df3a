"""NoisyDense (Fortunato et al., 2018) and the dueling aggregation (Wang et al., 2016)."""

import copy

import numpy as np
import pytest

import rlnn
from rlnn.layers import Dense, Dueling, NoisyDense, Sequential, noise_disabled, reset_noise


def f(eps):
    return np.sign(eps) * np.sqrt(np.abs(eps))


def dense(weight, bias):
    layer = Dense(*np.shape(weight), dtype=np.float64)
    layer.weight.value[...] = weight
    layer.bias.value[...] = bias
    return layer


# ---------------------------------------------------------------------------------- dueling
def test_dueling_aggregation_by_hand():
    # x = (2, 1). V = x·(1, 0) = 2. A = x·[[1, 0, 0], [0, 1, 2]] = (2, 1, 2), mean 5/3.
    # Q = V + A - mean(A) = (2 + 1/3, 2 - 2/3, 2 + 1/3).
    head = Dueling(dense([[1.0], [0.0]], [0.0]), dense([[1, 0, 0], [0, 1, 2]], [0, 0, 0]), 3)
    q = head.forward(np.array([[2.0, 1.0]]))
    np.testing.assert_allclose(q, [[7 / 3, 4 / 3, 7 / 3]])
    np.testing.assert_allclose(head.predict(np.array([[2.0, 1.0]])), q)


def test_dueling_aggregates_atom_by_atom():
    # 2 actions x 2 atoms. V = (1, 10); A rows (action-major) = (a0z0, a0z1, a1z0, a1z1).
    value = dense([[1.0, 10.0]], [0.0, 0.0])
    advantage = dense([[1.0, 2.0, 3.0, 6.0]], [0.0, 0.0, 0.0, 0.0])
    out = Dueling(value, advantage, n_actions=2, atoms=2).forward(np.array([[1.0]]))
    # atom 0: A = (1, 3), mean 2 -> (1 - 1, 1 + 1); atom 1: A = (2, 6), mean 4 -> (10 - 2, 10 + 2)
    np.testing.assert_allclose(out.reshape(2, 2), [[0.0, 8.0], [2.0, 12.0]])


def test_dueling_mean_over_actions_is_the_value(rng):
    head = Dueling(Dense(5, 1, rng=0), Dense(5, 4, rng=1), 4)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    np.testing.assert_allclose(head.forward(x).mean(axis=1), head.value.predict(x)[:, 0], atol=1e-5)


@pytest.mark.parametrize("atoms", [1, 3])
@pytest.mark.parametrize("noisy", [False, True])
def test_dueling_gradcheck(rng, atoms, noisy):
    layer = NoisyDense if noisy else Dense
    head = Dueling(
        Sequential([layer(5, 6, "tanh", rng=0), layer(6, atoms, rng=1)]),
        Sequential([layer(5, 6, "tanh", rng=2), layer(6, 4 * atoms, rng=3)]),
        n_actions=4,
        atoms=atoms,
    )
    result = rlnn.gradcheck(head, rng.standard_normal((7, 5)))
    assert result, result


def test_dueling_shape_error_names_the_expected_shapes():
    head = Dueling(Dense(3, 2), Dense(3, 4), n_actions=4)
    with pytest.raises(ValueError, match=r"Dueling expected value \(batch, 1\) and advantage"):
        head.forward(np.ones((2, 3), np.float32))


# ------------------------------------------------------------------------------ noisy dense
def test_noisy_dense_is_the_factorized_gaussian_layer(rng):
    layer = NoisyDense(5, 3, dtype=np.float64, rng=0)
    # Reproduce the draw: f(ε_in) then f(ε_out) from the layer's own generator.
    replay = copy.deepcopy(layer.rng)
    layer.reset_noise()
    eps_in, eps_out = f(replay.standard_normal(5)), f(replay.standard_normal(3))
    np.testing.assert_allclose(layer.buffers()["noise_in"], eps_in)
    np.testing.assert_allclose(layer.buffers()["noise_out"], eps_out)
    p = layer.named_parameters()
    w = p["weight"].value + p["weight_sigma"].value * np.outer(eps_in, eps_out)
    b = p["bias"].value + p["bias_sigma"].value * eps_out
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(layer.forward(x), x @ w + b, rtol=1e-12)
    np.testing.assert_allclose(layer.predict(x), x @ w + b, rtol=1e-12)
    with noise_disabled(layer):
        np.testing.assert_allclose(layer.predict(x), x @ p["weight"].value + p["bias"].value)
    assert layer.noisy


def test_noisy_dense_initialization():
    layer = NoisyDense(16, 8, sigma0=0.5, rng=0)
    p = layer.named_parameters()
    assert np.abs(p["weight"].value).max() <= 1 / 4 and np.abs(p["bias"].value).max() <= 1 / 4
    np.testing.assert_allclose(p["weight_sigma"].value, 0.5 / 4)
    np.testing.assert_allclose(p["bias_sigma"].value, 0.5 / 4)


def test_noise_is_fixed_until_reset(rng):
    net = Sequential([NoisyDense(4, 8, "relu", rng=0), NoisyDense(8, 2, rng=1)])
    x = rng.standard_normal((3, 4)).astype(np.float32)
    first = net.predict(x)
    np.testing.assert_array_equal(net.forward(x), first)
    reset_noise(net)
    assert not np.allclose(net.predict(x), first)


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_noisy_dense_gradcheck_with_fixed_noise(rng, activation):
    result = rlnn.gradcheck(NoisyDense(5, 4, activation, rng=0), rng.standard_normal((6, 5)))
    assert result, result


def test_noisy_dense_without_noise_has_zero_sigma_gradients(rng):
    layer = NoisyDense(3, 2, rng=0)
    layer.noisy = False
    layer.forward(rng.standard_normal((4, 3)).astype(np.float32))
    layer.backward(np.ones((4, 2), np.float32))
    assert not layer.named_parameters()["weight_sigma"].grad.any()


def test_noisy_dueling_network_round_trips_through_a_model_file(tmp_path, rng):
    net = Sequential(
        [
            Dense(4, 8, "relu", rng=0),
            Dueling(
                Sequential([NoisyDense(8, 8, "relu", rng=1), NoisyDense(8, 3, rng=2)]),
                Sequential([NoisyDense(8, 8, "relu", rng=3), NoisyDense(8, 6, rng=4)]),
                n_actions=2,
                atoms=3,
            ),
        ]
    )
    net.save(tmp_path / "m.npz")
    loaded = rlnn.load(tmp_path / "m.npz")
    x = rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))  # noise buffers included
    assert loaded.config() == net.config()


def test_noisy_dense_one_row_and_batch_paths_agree(rng):
    layer = NoisyDense(64, 3, dtype=np.float64, rng=0)  # one row takes the factorized form
    x = rng.standard_normal((32, 64))
    p, buffers = layer.named_parameters(), layer.buffers()
    w = p["weight"].value + p["weight_sigma"].value * np.outer(
        buffers["noise_in"], buffers["noise_out"]
    )
    expected = x @ w + p["bias"].value + p["bias_sigma"].value * buffers["noise_out"]
    np.testing.assert_allclose(layer.predict(x), expected, rtol=1e-12)
    np.testing.assert_allclose(layer.predict(x[:1]), expected[:1], rtol=1e-12)
