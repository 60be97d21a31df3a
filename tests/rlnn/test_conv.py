"""Conv2D, MaxPool2D and Flatten: against direct loops, finite differences, save/load and
their error messages."""

import numpy as np
import pytest

import rlnn
from rlnn.layers import Conv2D, Flatten, MaxPool2D, Sequential


def conv_by_loops(x, weight, bias, stride, padding):
    """The textbook definition, one output entry at a time."""
    (sh, sw), (ph, pw) = stride, padding
    kh, kw, _, out_channels = weight.shape
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    y = np.zeros((len(x), oh, ow, out_channels))
    for n in range(len(x)):
        for i in range(oh):
            for j in range(ow):
                window = xp[n, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
                for o in range(out_channels):
                    y[n, i, j, o] = np.sum(window * weight[..., o]) + bias[o]
    return y


def pool_by_loops(x, kernel, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=-np.inf)
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    y = np.zeros((len(x), oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j, :] = xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :].max(axis=(1, 2))
    return y


CASES = [  # (in_channels, out_channels, kernel, stride, padding, input height x width)
    (4, 16, 3, 1, 0, (10, 10)),  # MinAtar's torso
    (3, 5, (2, 3), (2, 1), (1, 2), (7, 6)),
    (2, 3, 4, 3, 1, (9, 11)),
    (1, 2, 1, 1, 0, (3, 3)),
]


@pytest.mark.parametrize(("cin", "cout", "kernel", "stride", "padding", "hw"), CASES)
def test_conv2d_equals_the_direct_loop(rng, cin, cout, kernel, stride, padding, hw):
    layer = Conv2D(cin, cout, kernel, stride, padding, rng=0, dtype=np.float64, bias_init="normal")
    x = rng.standard_normal((3, *hw, cin))
    expected = conv_by_loops(x, layer.weight.value, layer.bias.value, layer.stride, layer.padding)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.predict(x), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("cin", "cout", "kernel", "stride", "padding", "hw"), CASES)
def test_conv2d_gradients_match_finite_differences(rng, cin, cout, kernel, stride, padding, hw):
    layer = Conv2D(cin, cout, kernel, stride, padding, "tanh", rng=1, bias_init="normal")
    result = rlnn.gradcheck(layer, rng.standard_normal((2, *hw, cin)))
    assert result.passed, str(result)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "hw"),
    [(2, None, 0, (6, 6)), (3, 2, 1, (7, 8)), ((2, 3), (1, 2), 0, (5, 7)), (3, 1, 1, (4, 4))],
)
def test_max_pool_equals_the_direct_loop_and_its_gradient_checks(rng, kernel, stride, padding, hw):
    layer = MaxPool2D(kernel, stride, padding)
    x = rng.standard_normal((2, *hw, 3))
    expected = pool_by_loops(x, layer.kernel_size, layer.stride, layer.padding)
    np.testing.assert_array_equal(layer.forward(x), expected)
    result = rlnn.gradcheck(layer, x)  # distinct random values: no ties within a window
    assert result.passed, str(result)


def test_max_pool_sends_the_gradient_to_one_maximum_per_window():
    layer = MaxPool2D(2)
    x = np.array([[1.0, 1.0], [0.0, 1.0]]).reshape(1, 2, 2, 1)  # a tie: the first one wins
    layer.forward(x)
    grad = layer.backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(grad.reshape(2, 2), [[1.0, 0.0], [0.0, 0.0]])


def test_a_convolutional_q_network_passes_gradcheck(rng):
    model = Sequential(
        [
            Conv2D(3, 4, 3, activation="relu", rng=0),
            MaxPool2D(2),
            Conv2D(4, 2, 2, padding=1, rng=1),
            Flatten(),
            rlnn.Dense(2 * 4 * 4, 5, "tanh", rng=2),  # 8 -> 6 -> 3 -> 4
            rlnn.Dense(5, 3, rng=3),
        ]
    )
    x = rng.standard_normal((2, 8, 8, 3))
    assert model.forward(x).shape == (2, 3)
    result = rlnn.gradcheck(model, x, loss="mse", target=rng.standard_normal((2, 3)))
    assert result.passed, str(result)


def test_flatten_is_c_order_and_restores_the_shape(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    layer = Flatten()
    np.testing.assert_array_equal(layer.forward(x), x.reshape(2, 60))
    assert layer.backward(np.ones((2, 60))).shape == (2, 3, 4, 5)
    assert rlnn.gradcheck(layer, x).passed


def test_predict_between_forward_and_backward_leaves_the_gradient_alone(rng):
    layer = Conv2D(2, 3, 3, padding=1, rng=0, dtype=np.float64)
    x, other = rng.standard_normal((2, 5, 5, 2)), rng.standard_normal((4, 6, 6, 2))
    g = rng.standard_normal((2, 5, 5, 3))
    layer.forward(x)
    expected_dx = layer.backward(g)
    expected_dw = layer.weight.grad.copy()
    layer.forward(x)
    layer.predict(other)  # another batch, another size: the cache must not change
    np.testing.assert_array_equal(layer.backward(g), expected_dx)
    np.testing.assert_array_equal(layer.weight.grad, expected_dw)


def test_float32_by_default_and_the_weight_layout(rng):
    layer = Conv2D(4, 16, 3, rng=0)
    assert layer.weight.value.shape == (3, 3, 4, 16) and layer.bias.value.shape == (16,)
    y = layer.forward(rng.standard_normal((32, 10, 10, 4)))  # float64 input, float32 layer
    assert y.dtype == np.float32 and y.shape == (32, 8, 8, 16)
    a = Conv2D(4, 16, 3, weight_init="torch_default", rng=0).weight.value
    assert np.abs(a).max() <= 1 / np.sqrt(3 * 3 * 4)  # U(±1/√fan_in), fan_in = kh·kw·C


def test_conv_models_save_load_and_rebuild(tmp_path, rng):
    model = Sequential(
        [Conv2D(4, 8, (3, 2), stride=(1, 2), padding=1, activation="relu", rng=0), MaxPool2D(2),
         Flatten(), rlnn.Dense(8 * 5 * 3, 3, rng=1)]
    )  # fmt: skip
    x = rng.standard_normal((3, 10, 10, 4)).astype(np.float32)
    model.save(tmp_path / "conv.npz")
    again = rlnn.load(tmp_path / "conv.npz")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    rebuilt = rlnn.build(model.config())
    assert rebuilt.config() == model.config()
    assert set(model.state_dict()) == {"0.weight", "0.bias", "3.weight", "3.bias"}


@pytest.mark.parametrize(
    ("factory", "x_shape", "message"),
    [
        (lambda: Conv2D(4, 16, 3), (32, 10, 10, 3),
         "Conv2D(4 -> 16, 3x3) expected input (batch, height, width, 4), got (32, 10, 10, 3)"),
        (lambda: Conv2D(4, 16, 3), (32, 40), "expected input (batch, height, width, 4)"),
        (lambda: Conv2D(1, 1, 5, padding=1), (1, 2, 2, 1),
         "Conv2D(1 -> 1, 5x5): input 2x2 with padding 1x1 is smaller than the kernel 5x5"),
        (lambda: MaxPool2D(3), (1, 2, 2, 1), "MaxPool2D(3x3): input 2x2 with padding 0x0 is "
         "smaller than the kernel 3x3"),
        (lambda: Flatten(), (5,), "Flatten expected input (batch, ...), got (5,)"),
    ],
)  # fmt: skip
def test_shape_errors_name_the_layer_and_the_shapes(factory, x_shape, message):
    with pytest.raises(ValueError) as error:
        factory().forward(np.zeros(x_shape))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: Conv2D(0, 4, 3), "Conv2D: in_channels must be a positive integer"),
        (lambda: Conv2D(1, 4, 0), "kernel_size must be an int >= 1 or a pair of them, got 0"),
        (lambda: Conv2D(1, 4, (3, 3, 3)), "kernel_size must be an int >= 1 or a pair"),
        (lambda: Conv2D(1, 4, 3, stride=0), "Conv2D: stride must be an int >= 1"),
        (lambda: Conv2D(1, 4, 3, padding=-1), "Conv2D: padding must be an int >= 0"),
        (lambda: Conv2D(1, 4, 3, dtype=np.int32), "Conv2D: dtype must be a floating type"),
        (lambda: MaxPool2D(2, padding=2), "MaxPool2D: padding must be at most half the kernel"),
    ],
)  # fmt: skip
def test_bad_arguments_name_themselves(factory, message):
    with pytest.raises(ValueError) as error:
        factory()
    assert message in str(error.value)
