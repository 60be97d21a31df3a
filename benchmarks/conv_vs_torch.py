"""Conv2D against PyTorch's Conv2d on the CPU, NHWC for rlnn and NCHW for PyTorch (each its
native layout), float32: forward alone, and forward + backward (weight, bias and input
gradients), for two shapes:

- MinAtar: batch 32, 10x10x4 -> 16 filters 3x3, stride 1 (MinAtar's DQN torso);
- Nature DQN's first layer: batch 32, 84x84x4 -> 32 filters 8x8, stride 4.

    python -m benchmarks.conv_vs_torch

Each kind runs in a fresh process; each number is the median of 7 timed repeats (µs per call),
and the ratio is PyTorch's time over rlnn's in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from benchmarks._common import machine, run_isolated, save, table, wait_until_idle
from benchmarks.mlp_vs_torch import timeit

SHAPES = {
    "minatar": {"batch": 32, "hw": 10, "cin": 4, "cout": 16, "kernel": 3, "stride": 1},
    "nature": {"batch": 32, "hw": 84, "cin": 4, "cout": 32, "kernel": 8, "stride": 4},
}


def rlnn_conv(shape: dict) -> dict:
    import rlnn

    layer = rlnn.Conv2D(shape["cin"], shape["cout"], shape["kernel"], shape["stride"], rng=0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((shape["batch"], shape["hw"], shape["hw"], shape["cin"]), np.float32)
    g = rng.standard_normal(layer.forward(x).shape, np.float32)

    def step():
        layer.forward(x)
        layer.backward(g)

    return {"forward_us": timeit(lambda: layer.predict(x)), "step_us": timeit(step)}


def torch_conv(shape: dict, threads: int | None) -> dict:
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    layer = torch.nn.Conv2d(shape["cin"], shape["cout"], shape["kernel"], shape["stride"])
    x = torch.randn(shape["batch"], shape["cin"], shape["hw"], shape["hw"], requires_grad=True)
    g = torch.randn_like(layer(x))

    def forward():
        with torch.no_grad():
            layer(x)

    def step():
        layer.zero_grad(set_to_none=False)
        x.grad = None
        layer(x).backward(g)

    return {"forward_us": timeit(forward), "step_us": timeit(step)}


def one(kind: str, shape_name: str) -> dict:
    shape = SHAPES[shape_name]
    if kind == "rlnn":
        return rlnn_conv(shape)
    return torch_conv(shape, 1 if kind == "torch1" else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=2, metavar=("KIND", "SHAPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    out: dict = {"machine": machine()}
    rows = []
    for shape_name in SHAPES:
        wait_until_idle()
        results = {
            kind: run_isolated("conv_vs_torch", ["--one", kind, shape_name])
            for kind in ("rlnn", "torch", "torch1")
        }
        out[shape_name] = results
        for what in ("forward_us", "step_us"):
            r, t, t1 = (results[k][what] for k in ("rlnn", "torch", "torch1"))
            rows.append(
                [shape_name, what.removesuffix("_us"), f"{r:.0f}", f"{t:.0f}", f"{t1:.0f}",
                 f"{t / r:.2f}x", f"{t1 / r:.2f}x"]
            )  # fmt: skip
    path = save("conv_vs_torch", out)
    print(
        table(
            ["shape", "call", "rlnn µs", "PyTorch µs", "PyTorch 1-thread µs", "ratio", "ratio 1t"],
            rows,
        )
    )
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
