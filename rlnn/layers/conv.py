"""Convolution, max pooling and flattening on NHWC images (batch, height, width, channels).

Windows come from ``numpy.lib.stride_tricks.sliding_window_view``: the forward pass is one
matrix product over every window (im2col), the backward pass another, and the input gradient
is added back window offset by window offset (``kernel_h·kernel_w`` vectorized adds, no loop
over positions or batch rows).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rlnn._checks import check_positive_int
from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Activated, Layer
from rlnn.layers.registry import registry


def _pair(owner: str, name: str, value: Any, low: int = 1) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``low``, as a pair."""
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    ok = isinstance(pair, tuple | list) and len(pair) == 2
    if not ok or not all(isinstance(v, int) and not isinstance(v, bool) and v >= low for v in pair):
        raise ValueError(
            f"{owner}: {name} must be an int >= {low} or a pair of them, got {value!r}"
        )
    return int(pair[0]), int(pair[1])


def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


class _Windows:
    """Shared geometry of Conv2D and MaxPool2D: kernel, stride, padding, the input check and
    the strided window view of a padded input."""

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    channels: int | None
    _label: str

    def _check(self, x: Array, dtype: np.dtype | None) -> Array:
        x = np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)
        channels = "channels" if self.channels is None else self.channels
        if x.ndim != 4 or (self.channels is not None and x.shape[3] != self.channels):
            raise ValueError(
                f"{self._label} expected input (batch, height, width, {channels}), got {x.shape}"
            )
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if x.shape[1] + 2 * ph < kh or x.shape[2] + 2 * pw < kw:
            raise ValueError(
                f"{self._label}: input {x.shape[1]}x{x.shape[2]} with padding {ph}x{pw} is "
                f"smaller than the kernel {kh}x{kw}"
            )
        return x

    def _windows(self, x: Array, fill: float = 0.0) -> tuple[Array, tuple[int, ...]]:
        """(B, OH, OW, C, kh, kw) strided windows of the padded input, and its padded shape."""
        (ph, pw), (sh, sw) = self.padding, self.stride
        if ph or pw:
            x = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=fill)
        return sliding_window_view(x, self.kernel_size, axis=(1, 2))[:, ::sh, ::sw], x.shape

    def _scatter(self, grad_windows: Array, padded_shape: tuple[int, ...], dtype) -> Array:
        """The input gradient from per-window gradients (B, OH, OW, kh, kw, C): each kernel
        offset's slice added where its windows read, then the padding cut away."""
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        _, oh, ow = grad_windows.shape[:3]
        by_offset = grad_windows.transpose(3, 4, 0, 1, 2, 5)
        if sw == 1:
            # Contiguous per offset, so that each add runs over whole rows of (width, channels)
            # instead of `channels` numbers at a time (1.8x faster for MinAtar's 4 channels; a
            # strided target gains nothing from it and the copy costs: not for stride > 1).
            by_offset = np.ascontiguousarray(by_offset)
        grad = np.zeros(padded_shape, dtype=dtype)
        for i in range(kh):
            for j in range(kw):
                grad[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += by_offset[i, j]
        return grad[:, ph : padded_shape[1] - ph, pw : padded_shape[2] - pw, :]


@registry.register("conv2d")
class Conv2D(_Windows, Activated, Layer):
    """2-D convolution (cross-correlation, as PyTorch's ``Conv2d``) on NHWC inputs:
    ``y[b, i, j, o] = act(Σ_{u, v, c} x_pad[b, s_h·i + u, s_w·j + v, c]·W[u, v, c, o] + b[o])``.

    Args:
        in_channels: channels of the input (its last axis).
        out_channels: filters, the channels of the output.
        kernel_size: an int or (kernel_h, kernel_w).
        stride: an int or (stride_h, stride_w).
        padding: zeros added on each side, an int or (pad_h, pad_w).
        activation: an activation spec applied after the convolution, or None.
        bias: whether to learn a bias per output channel.
        weight_init: initializer spec for W, applied to its (kernel_h·kernel_w·in_channels,
            out_channels) matrix, so fan_in is the window's size (default ``glorot_uniform``;
            ``torch_default`` is PyTorch's U(±1/√fan_in)).
        bias_init: initializer spec for b (default ``zeros``).
        dtype: float32 (default) or float64.
        rng: generator or seed for the initial weights.

    Shapes: input (batch, height, width, in_channels) -> output (batch, out_h, out_w,
    out_channels), ``out = (size + 2·padding - kernel) // stride + 1``; ``weight`` is
    (kernel_h, kernel_w, in_channels, out_channels), ``bias`` (out_channels,).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        activation: Any = None,
        *,
        bias: bool = True,
        weight_init: Any = "glorot_uniform",
        bias_init: Any = "zeros",
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.in_channels = check_positive_int("Conv2D", "in_channels", in_channels)
        self.out_channels = check_positive_int("Conv2D", "out_channels", out_channels)
        self.kernel_size = _pair("Conv2D", "kernel_size", kernel_size)
        self.stride = _pair("Conv2D", "stride", stride)
        self.padding = _pair("Conv2D", "padding", padding, low=0)
        self.channels = self.in_channels
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"Conv2D: dtype must be a floating type, got {self.dtype}")
        kh, kw = self.kernel_size
        self._build(
            (kh, kw, self.in_channels, self.out_channels),
            (kh * kw * self.in_channels, self.out_channels),
            bias,
            weight_init,
            bias_init,
            activation,
            rng,
        )
        self._label = f"Conv2D({self.in_channels} -> {self.out_channels}, {kh}x{kw})"
        self._im2col: dict[tuple, Array] = {}

    def _convolve(self, x: Array, cache: str) -> tuple[Array, Array, tuple[int, ...]]:
        """(pre-activation output, the im2col matrix, the padded input's shape).

        The im2col matrix is copied into a buffer kept per ``cache`` ("forward", whose
        matrix backward reads, or "predict") and input shape, so that acting on one
        observation and learning on a batch do not take turns reallocating: a fresh allocation
        of that size costs more than the copy and the product together (new pages each call).
        """
        windows, padded_shape = self._windows(self._check(x, self.dtype))
        b, oh, ow = windows.shape[:3]
        # (B, OH, OW, C, kh, kw) -> rows of (kh, kw, C), the weight's own order
        rows = windows.transpose(0, 1, 2, 4, 5, 3)
        buffers = self._im2col
        key = (cache, rows.shape, self.dtype)
        columns = buffers.get(key)
        if columns is None:
            if len(buffers) >= 16:  # many batch sizes (evaluation's shrinking batches)
                buffers.clear()
            columns = buffers[key] = np.empty(rows.shape, dtype=self.dtype)
        np.copyto(columns, rows)
        columns = columns.reshape(b * oh * ow, -1)
        z = columns @ self.weight.value.reshape(-1, self.out_channels)
        if "bias" in self._parameters:
            z += self._parameters["bias"].value
        return z.reshape(b, oh, ow, self.out_channels), columns, padded_shape

    def forward(self, x: Array) -> Array:
        z, self._columns, self._padded_shape = self._convolve(x, "forward")
        return z if self.activation is None else self.activation.forward(z)

    def predict(self, x: Array) -> Array:
        z = self._convolve(x, "predict")[0]
        return z if self.activation is None else self.activation.predict(z)

    def backward(self, grad_out: Array) -> Array:
        g = self._param_grads(grad_out)
        b, oh, ow, _ = g.shape
        kh, kw = self.kernel_size
        g = g.reshape(-1, self.out_channels)
        grad_windows = (g @ self.weight.value.reshape(-1, self.out_channels).T).reshape(
            b, oh, ow, kh, kw, self.in_channels
        )
        return self._scatter(grad_windows, self._padded_shape, self.dtype)

    def backward_params(self, grad_out: Array) -> None:
        self._param_grads(grad_out)  # no window gradients, no scatter: a pixel net's input

    def _param_grads(self, grad_out: Array) -> Array:
        """Write W.grad and b.grad; returns the gradient at the convolution's output."""
        if self.activation is not None:
            grad_out = self.activation.backward(grad_out)
        g = grad_out.reshape(-1, self.out_channels)
        np.matmul(self._columns.T, g, out=self.weight.grad.reshape(-1, self.out_channels))
        if self.bias is not None:
            np.sum(g, axis=0, out=self.bias.grad)
        return grad_out

    def config(self) -> dict[str, Any]:
        def spec(obj: Any) -> Any:
            return obj.config() if hasattr(obj, "config") else obj

        return {
            "name": "conv2d",
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "activation": None if self.activation is None else self.activation.config(),
            "bias": self.bias is not None,
            "weight_init": spec(self.weight_init),
            "bias_init": spec(self.bias_init),
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        act = "" if self.activation is None else f", activation={self.activation!r}"
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}{act}, dtype={self.dtype.name})"
        )


@registry.register("max_pool2d", "maxpool2d")
class MaxPool2D(_Windows, Layer):
    """Max pooling on NHWC inputs: the maximum of each window, channel by channel; the
    gradient flows to the first maximum of each window (padding is -inf, never chosen).

    Args:
        kernel_size: an int or a pair.
        stride: an int or a pair (default: the kernel size).
        padding: an int or a pair (at most half the kernel, as PyTorch).
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        self.kernel_size = _pair("MaxPool2D", "kernel_size", kernel_size)
        self.stride = _pair("MaxPool2D", "stride", self.kernel_size if stride is None else stride)
        self.padding = _pair("MaxPool2D", "padding", padding, low=0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(
                f"MaxPool2D: padding must be at most half the kernel size, got padding "
                f"{self.padding} for kernel {self.kernel_size}"
            )
        self.channels = None
        self._label = f"MaxPool2D({self.kernel_size[0]}x{self.kernel_size[1]})"

    def _pool(self, x: Array) -> tuple[Array, Array, tuple[int, ...], np.dtype]:
        x = self._check(x, None)
        windows, padded_shape = self._windows(x, fill=-np.inf)
        b, oh, ow, c = windows.shape[:4]
        flat = windows.reshape(b, oh, ow, c, -1)
        first = flat.argmax(axis=-1)
        return np.take_along_axis(flat, first[..., None], -1)[..., 0], first, padded_shape, x.dtype

    def forward(self, x: Array) -> Array:
        y, self._first, self._padded_shape, self._dtype = self._pool(x)
        return y

    def predict(self, x: Array) -> Array:
        return self._pool(x)[0]

    def backward(self, grad_out: Array) -> Array:
        kh, kw = self.kernel_size
        offsets = np.arange(kh * kw).reshape(kh, kw)
        # (B, OH, OW, kh, kw, C): the window's gradient sits at its first maximum
        chosen = self._first[:, :, :, None, None, :] == offsets[None, None, None, :, :, None]
        grad_windows = chosen * grad_out[:, :, :, None, None, :]
        return self._scatter(grad_windows, self._padded_shape, self._dtype)

    def config(self) -> dict[str, Any]:
        return {
            "name": "max_pool2d",
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
        }


@registry.register("flatten")
class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1·d2·...), in C order (NHWC images flatten height,
    then width, then channels); backward restores the shape."""

    def forward(self, x: Array) -> Array:
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Flatten expected input (batch, ...), got {x.shape}")
        self._shape = x.shape
        return x.reshape(len(x), math.prod(x.shape[1:]))

    def predict(self, x: Array) -> Array:
        x = np.asarray(x)
        return x.reshape(len(x), -1)

    def backward(self, grad_out: Array) -> Array:
        return grad_out.reshape(self._shape)
