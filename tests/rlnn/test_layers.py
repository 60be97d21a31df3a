"""Dense, Sequential, initializers, save/load, dtypes and the layer error paths."""

import numpy as np
import pytest

import rlnn
from rlnn import initializers
from rlnn.layers import Dense, Sequential


def mixed_model(seed=0, dtype=np.float64):
    return Sequential(
        [
            Dense(5, 7, "tanh", rng=seed, dtype=dtype),
            Dense(7, 6, {"name": "leaky_relu", "alpha": 0.1}, rng=seed + 1, dtype=dtype),
            Dense(6, 6, "prelu", rng=seed + 2, dtype=dtype),
            rlnn.activations.GELU(),
            Dense(6, 4, "softplus", rng=seed + 3, dtype=dtype),
            Dense(4, 3, rng=seed + 4, dtype=dtype),
            "log_softmax",
        ]
    )


def test_sequential_mixing_activations_passes_gradcheck(rng):
    result = rlnn.gradcheck(mixed_model(), rng.standard_normal((4, 5)))
    assert result.passed, str(result)


def test_gradcheck_with_a_loss_and_float32_model(rng):
    model = rlnn.mlp([3, 8, 2], activation="sigmoid", seed=0)
    result = rlnn.gradcheck(
        model, rng.standard_normal((6, 3)), loss="mse", target=rng.standard_normal((6, 2))
    )
    assert result.passed, str(result)


def test_gradcheck_detects_a_wrong_backward(rng):
    class WrongTanh(rlnn.activations.Tanh):
        def derivative(self, z, a):
            return 1 - a  # should be 1 - a²

    result = rlnn.gradcheck(WrongTanh(), rng.standard_normal((3, 4)))
    assert not result.passed
    assert result.where.startswith("input[")
    assert "FAILED" in str(result)


def test_dense_forward_is_affine_then_activation(rng):
    layer = Dense(3, 2, "relu", rng=0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    expected = np.maximum(x @ layer.weight.value + layer.bias.value, 0)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-6)
    assert layer.weight.value.shape == (3, 2)


def test_float32_by_default_and_float64_on_request(rng):
    model32 = rlnn.mlp([4, 8, 2], seed=0)
    x = rng.standard_normal((5, 4))  # float64 input must not upcast a float32 model
    y = model32.forward(x)
    g = model32.backward(np.ones_like(y))
    assert y.dtype == g.dtype == np.float32
    assert all(p.value.dtype == p.grad.dtype == np.float32 for p in model32.parameters())
    model64 = rlnn.mlp([4, 8, 2], seed=0, dtype=np.float64)
    assert model64.forward(x).dtype == np.float64
    converted = Sequential(mixed_model(dtype=np.float32).layers, dtype=np.float64)
    assert {p.value.dtype for p in converted.parameters()} == {np.dtype(np.float64)}


def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = (
        rlnn.mlp([4, 16, 2], seed=3),
        rlnn.mlp([4, 16, 2], seed=3),
        rlnn.mlp([4, 16, 2], seed=4),
    )
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(pa.value, pb.value)
    assert not np.array_equal(a.parameters()[0].value, c.parameters()[0].value)


@pytest.mark.parametrize("name", initializers.registry.canonical_names())
def test_every_initializer_is_seeded_and_has_the_right_shape(name):
    init = initializers.get(name)
    first = init((64, 32), np.random.default_rng(0), np.float32)
    second = init((64, 32), np.random.default_rng(0), np.float32)
    assert first.shape == (64, 32) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)


def test_initializer_statistics():
    rng = np.random.default_rng(0)
    w = initializers.get("he_normal")((400, 300), rng)
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    w = initializers.get("glorot_uniform")((400, 300), rng)
    assert np.abs(w).max() <= np.sqrt(6 / 700)
    w = initializers.get("orthogonal")((50, 30), rng, np.float64)
    np.testing.assert_allclose(w.T @ w, np.eye(30), atol=1e-10)
    w = initializers.get({"name": "constant", "value": 0.3})((2, 2), rng)
    np.testing.assert_array_equal(w, np.full((2, 2), 0.3, np.float32))


def test_save_then_load_gives_bit_identical_predictions(tmp_path, rng):
    model = mixed_model(dtype=np.float32)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = rlnn.load(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.config() == model.config()
    assert [p.value.dtype for p in loaded.parameters()] == [
        p.value.dtype for p in model.parameters()
    ]


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    model = rlnn.mlp([2, 3, 1], seed=0)
    path = tmp_path / "m.npz"
    model.save(path)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        rlnn.mlp([2, 3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_load_rejects_a_foreign_file(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(ValueError, match="is not an rlnn model file"):
        rlnn.load(path)


def test_state_dict_roundtrip_and_errors():
    a, b = rlnn.mlp([3, 4, 2], seed=0), rlnn.mlp([3, 4, 2], seed=1)
    b.load_state_dict(a.state_dict())
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(pa.value, pb.value)
        assert pa.value is not pb.value
    with pytest.raises(ValueError, match=r"missing keys \['1.bias'\]"):
        state = a.state_dict()
        del state["1.bias"]
        b.load_state_dict(state)
    with pytest.raises(
        ValueError, match=r"state_dict\['0.weight'\] has shape \(4, 4\), expected \(3, 4\)"
    ):
        b.load_state_dict({**a.state_dict(), "0.weight": np.zeros((4, 4))})


def test_copy_from_copies_values_without_sharing_arrays():
    online, target = rlnn.mlp([3, 4, 2], seed=0), rlnn.mlp([3, 4, 2], seed=1)
    target.copy_from(online)
    online.parameters()[0].value += 1.0
    assert not np.array_equal(online.parameters()[0].value, target.parameters()[0].value)


def test_train_eval_modes_propagate():
    model = Sequential([Dense(3, 3, "rrelu"), rlnn.Dropout(0.5)])
    model.eval()
    assert not model.training and not model[0].activation.training and not model[1].training
    model.train()
    assert model[1].training


def test_shape_mismatch_names_layer_and_shapes():
    layer = Dense(4, 64)
    with pytest.raises(
        ValueError, match=r"Dense\(4 -> 64\) expected input \(batch, 4\), got \(32, 3\)"
    ):
        layer.forward(np.zeros((32, 3)))
    with pytest.raises(ValueError, match=r"expected input \(batch, 4\), got \(4,\)"):
        layer.predict(np.zeros(4))


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: Dense(0, 3), "Dense: in_features must be a positive integer, got 0"),
        (lambda: Dense(3, 2, l2=-1.0), "Dense: l2 must be >= 0, got -1"),
        (lambda: Dense(3, 2, activation="relux"), "unknown activation 'relux'"),
        (
            lambda: Dense(3, 2, weight_init="glorot"),
            "unknown initializer 'glorot'; expected one of",
        ),
        (lambda: rlnn.Dropout(1.5), "Dropout: p must be < 1, got 1.5"),
        (lambda: Sequential([]), "Sequential: layers must not be empty"),
    ],
)
def test_bad_arguments_name_themselves(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_build_from_config_roundtrip():
    model = mixed_model()
    rebuilt = rlnn.build(model.config())
    assert rebuilt.config() == model.config()
    assert repr(model).startswith("Sequential(")


def _grads(net):
    return {name: p.grad.copy() for name, p in net.named_parameters().items()}


@pytest.mark.parametrize("kind", ["mlp", "conv", "leading parameterless layer"])
def test_backward_params_writes_the_gradients_backward_writes(kind, rng):
    from rlnn.layers import Conv2D, Flatten, MaxPool2D

    if kind == "mlp":
        net = Sequential([Dense(5, 8, "relu", rng=0), Dense(8, 3, rng=1)])
        x = rng.standard_normal((6, 5))
    elif kind == "conv":
        net = Sequential(
            [Conv2D(2, 4, 3, activation="relu", rng=0), Flatten(), Dense(64, 3, rng=1)]
        )
        x = rng.standard_normal((6, 6, 6, 2))
    else:
        net = Sequential([MaxPool2D(2), Conv2D(2, 4, 3, rng=0), Flatten(), Dense(4, 3, rng=1)])
        x = rng.standard_normal((6, 6, 6, 2))
    grad_out = rng.standard_normal((6, 3)).astype(np.float32)
    net.forward(x)
    assert net.backward(grad_out).shape == x.shape
    expected = _grads(net)
    for p in net.parameters():
        p.grad[...] = np.nan
    net.forward(x)
    assert net.backward_params(grad_out) is None
    for name, grad in _grads(net).items():
        np.testing.assert_array_equal(grad, expected[name], err_msg=name)
