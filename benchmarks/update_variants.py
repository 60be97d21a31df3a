"""Designs not taken for the zoo-preset gradient step, measured against the one in rlnn.

    python -m benchmarks.update_variants

Issue #16 asks for a steady-state update that allocates nothing and for Adam with fewer passes.
This benchmark patches, in its own process only, the two candidate designs into the product
and times a zoo-preset training phase (128 gradient steps of batch 64, 256-256 ReLU, Adam,
Huber, clipping at 10; ``benchmarks.time_breakdown``'s buffer) for each:

- ``as-is``: rlnn as it is.
- ``preallocated``: every Dense keeps its output, ReLU mask, gradient and input-gradient
  arrays between calls and writes into them (``out=``): no array of the update is allocated.
  The arithmetic is unchanged, so the weights after the phases must be bit-identical.
- ``adam-12-passes``: Adam with the bias correction of the second moment folded into the step
  size and eps (Kingma & Ba's "more efficient" order: ``θ -= lr_t·m/(sqrt(v) + eps_t)``), one
  pass fewer than PyTorch's order; the rounding differs, so the weights do too.

Each kind runs in a fresh process (a warm-up phase, then 15 timed; its median), three times,
alternating; the table shows the median µs per gradient step and the ratio to ``as-is``.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import sys
import time

import numpy as np

from benchmarks._common import alternating, machine, run_isolated, save, table

KINDS = ("as-is", "preallocated", "adam-12-passes")
PHASES = 15


def _buffer(layer, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    array = layer.__dict__.get(name)
    if array is None or array.shape != shape:
        array = layer.__dict__[name] = np.empty(shape, dtype)
    return array


def patch_preallocated() -> None:
    """Dense + fused ReLU writing into arrays kept on the layer (the zoo network's layers)."""
    from rlnn.activations.piecewise import ReLU
    from rlnn.layers.dense import Dense

    def forward(self, x):
        x = self._check(x)
        self._x = x
        z = _buffer(self, "_z_out", (x.shape[0], self.out_features), self.dtype)
        np.matmul(x, self.weight.value, out=z)
        z += self.bias.value
        if self.activation is not None:
            assert isinstance(self.activation, ReLU)
            np.maximum(z, 0, out=z)
            self.activation._a = z
        return z

    def backward(self, grad_out):
        if self.activation is not None:
            mask = _buffer(self, "_mask", grad_out.shape, bool)
            np.greater(self.activation._a, 0, out=mask)
            grad = _buffer(self, "_grad", grad_out.shape, self.dtype)
            np.multiply(grad_out, mask, out=grad)
            grad_out = grad
        np.matmul(self._x.T, grad_out, out=self.weight.grad)
        np.sum(grad_out, axis=0, out=self.bias.grad)
        dx = _buffer(self, "_dx", (grad_out.shape[0], self.in_features), self.dtype)
        return np.matmul(grad_out, self.weight.value.T, out=dx)

    Dense.forward, Dense.backward = forward, backward


def patch_adam_12_passes() -> None:
    from rlnn.optimizers.adam import Adam

    def step(self) -> None:
        lr = self.current_lr()
        self.step_count += 1
        beta1, beta2 = self.betas
        bias2_sqrt = math.sqrt(1 - beta2**self.step_count)
        step_size = lr * bias2_sqrt / (1 - beta1**self.step_count)
        eps = self.eps * bias2_sqrt
        for i, p in enumerate(self._targets):
            grad = self._decay(p, p.grad, lr)
            m, v, tmp = self._slots["exp_avg"][i], self._slots["exp_avg_sq"][i], self._scratch[i]
            m *= beta1
            np.multiply(grad, 1 - beta1, out=tmp)
            m += tmp
            v *= beta2
            np.multiply(grad, grad, out=tmp)
            tmp *= 1 - beta2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p.value -= tmp
        self._flush_subnormal()

    Adam.step = step


def one(kind: str) -> dict:
    import gymnasium as gym

    from agents.config import make_agent
    from benchmarks.dqn_vs_sb3 import zoo_config
    from benchmarks.time_breakdown import BATCH, PHASE_STEPS, filled_buffer

    if kind == "preallocated":
        patch_preallocated()
    elif kind == "adam-12-passes":
        patch_adam_12_passes()
    config = zoo_config(quiet=True)
    env = gym.make("CartPole-v1")
    agent = make_agent(config, env.observation_space, env.action_space)
    buffer = filled_buffer(config, env.observation_space)
    agent.learn(buffer, PHASE_STEPS, BATCH)  # warm-up
    times = []
    for _ in range(PHASES):
        began = time.perf_counter()
        agent.learn(buffer, PHASE_STEPS, BATCH)
        agent.sync_target()
        times.append((time.perf_counter() - began) / PHASE_STEPS * 1e6)
    weights = np.concatenate([p.value.ravel() for p in agent.online.parameters()])
    return {
        "kind": kind,
        "us_per_step": statistics.median(times),
        "weights_sha1": hashlib.sha1(weights.tobytes()).hexdigest(),
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    runs = alternating(
        KINDS,
        lambda kind: run_isolated("update_variants", ["--one", kind]),
        show=lambda r: round(r["us_per_step"], 1),
    )
    medians = {k: statistics.median(r["us_per_step"] for r in v) for k, v in runs.items()}
    reference = runs["as-is"][0]["weights_sha1"]
    rows = [
        [
            kind,
            f"{medians[kind]:.0f}",
            ", ".join(f"{r['us_per_step']:.0f}" for r in runs[kind]),
            f"{medians['as-is'] / medians[kind]:.3f}x",
            "identical" if runs[kind][0]["weights_sha1"] == reference else "differ",
        ]
        for kind in KINDS
    ]
    save("update_variants", {"machine": machine(), "runs": runs, "medians": medians})
    print(table(["kind", "µs per gradient step", "runs", "speed vs as-is", "weights"], rows))


if __name__ == "__main__":
    main()
