"""Supervised throughput: rlnn against PyTorch (CPU) and scikit-learn, same model and optimizer.

    python -m benchmarks.mlp_vs_torch

1. A 784-256-256-10 ReLU MLP, batch 128, Adam, softmax cross-entropy, one epoch over 60,000
   synthetic float32 samples: samples per second for rlnn, PyTorch (default threads and 1
   thread), scikit-learn's MLPClassifier, and the matrix products alone (the floor a NumPy
   implementation can approach: 3 forward and 5 backward products per batch).
2. The small-network regime DQN lives in: forward latency on one observation and one training
   step on a batch of 64, for 4-64-64-2 and 4-256-256-2 networks.
Each number is the median of repeated runs; PyTorch runs in fresh processes per thread setting.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

from benchmarks._common import machine, run_isolated, save, table, timeit, wait_until_idle

N, BATCH, SIZES = 60_000, 128, [784, 256, 256, 10]


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, SIZES[0]), dtype=np.float32)
    y = rng.integers(SIZES[-1], size=N)
    return x, y


def rlnn_epoch() -> float:
    import rlnn

    x, y = data()
    model = rlnn.mlp(SIZES, seed=0)
    opt = rlnn.optimizers.Adam(model.parameters(), lr=1e-3)
    loss = rlnn.losses.SoftmaxCrossEntropy()
    t = time.perf_counter()
    for i in range(0, N, BATCH):
        xb, yb = x[i : i + BATCH], y[i : i + BATCH]
        out = model.forward(xb)
        model.backward(loss.backward(out, yb))
        opt.step()
    return N / (time.perf_counter() - t)


def matmul_floor() -> float:
    """Samples/s if an epoch were only its matrix products."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    ws = [
        rng.standard_normal((a, b), dtype=np.float32)
        for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)
    ]
    h1, h2 = x @ ws[0], (x @ ws[0]) @ ws[1]
    g3 = rng.standard_normal((BATCH, SIZES[3]), dtype=np.float32)
    g2 = rng.standard_normal((BATCH, SIZES[2]), dtype=np.float32)
    g1 = rng.standard_normal((BATCH, SIZES[1]), dtype=np.float32)
    steps = N // BATCH
    t = time.perf_counter()
    for _ in range(steps):
        x @ ws[0], h1 @ ws[1], h2 @ ws[2]  # forward
        h2.T @ g3, g3 @ ws[2].T, h1.T @ g2, g2 @ ws[1].T, x.T @ g1  # backward (no input grad)
    return steps * BATCH / (time.perf_counter() - t)


def torch_epoch(threads: int | None) -> float:
    import torch

    if threads:
        torch.set_num_threads(threads)
    x, y = data()
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = torch.nn.CrossEntropyLoss()
    t = time.perf_counter()
    for i in range(0, N, BATCH):
        opt.zero_grad()
        loss(model(x[i : i + BATCH]), y[i : i + BATCH]).backward()
        opt.step()
    return N / (time.perf_counter() - t)


def sklearn_epoch() -> float:
    import warnings

    from sklearn.neural_network import MLPClassifier

    x, y = data()
    clf = MLPClassifier(
        hidden_layer_sizes=(256, 256),
        batch_size=BATCH,
        max_iter=1,
        solver="adam",
        alpha=0.0,
        shuffle=False,
        random_state=0,
    )
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(x, y)
    return N / (time.perf_counter() - t)


def small_rlnn(hidden: int) -> dict[str, float]:
    import rlnn

    model = rlnn.mlp([4, hidden, hidden, 2], seed=0)
    opt = rlnn.optimizers.Adam(model.parameters(), lr=1e-3)
    loss = rlnn.losses.HuberLoss()
    rng = np.random.default_rng(0)
    obs = rng.standard_normal((1, 4), dtype=np.float32)
    xb = rng.standard_normal((64, 4), dtype=np.float32)
    yb = rng.standard_normal((64, 2), dtype=np.float32)

    def forward():
        model.predict(obs)

    def step():
        out = model.forward(xb)
        model.backward(loss.backward(out, yb))
        opt.step()

    return {"forward_us": timeit(forward), "train_step_us": timeit(step)}


def small_torch(hidden: int, threads: int | None) -> dict[str, float]:
    import torch

    if threads:
        torch.set_num_threads(threads)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, 2),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = torch.nn.SmoothL1Loss()
    obs = torch.randn(1, 4)
    xb, yb = torch.randn(64, 4), torch.randn(64, 2)

    def forward():
        with torch.no_grad():
            model(obs)

    def step():
        opt.zero_grad()
        loss(model(xb), yb).backward()
        opt.step()

    return {"forward_us": timeit(forward), "train_step_us": timeit(step)}


def one(kind: str) -> dict:
    if kind == "rlnn":
        return {"samples_per_second": statistics.median(rlnn_epoch() for _ in range(3))}
    if kind == "floor":
        return {"samples_per_second": statistics.median(matmul_floor() for _ in range(3))}
    if kind.startswith("torch"):
        threads = 1 if kind.endswith("1") else None
        return {"samples_per_second": statistics.median(torch_epoch(threads) for _ in range(3))}
    if kind == "sklearn":
        return {"samples_per_second": statistics.median(sklearn_epoch() for _ in range(3))}
    library, hidden, *rest = kind.split(":")
    if library == "small-rlnn":
        return small_rlnn(int(hidden))
    return small_torch(int(hidden), 1 if rest == ["1"] else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    results = {}
    for kind in ["rlnn", "torch", "torch1", "sklearn", "floor", "rlnn", "torch"]:
        wait_until_idle()
        value = run_isolated("mlp_vs_torch", ["--one", kind])["samples_per_second"]
        results.setdefault(kind, []).append(value)
        print(f"{kind}: {value:,.0f} samples/s", file=sys.stderr)
    throughput = {k: statistics.median(v) for k, v in results.items()}
    small = {}
    for kind in [
        "small-rlnn:64",
        "small-torch:64",
        "small-torch:64:1",
        "small-rlnn:256",
        "small-torch:256",
        "small-torch:256:1",
    ]:
        wait_until_idle()
        small[kind] = run_isolated("mlp_vs_torch", ["--one", kind])
        print(f"{kind}: {small[kind]}", file=sys.stderr)
    save("mlp_vs_torch", {"machine": machine(), "throughput": throughput, "small": small})
    rows = [
        [name, f"{throughput[key]:,.0f}", f"{throughput[key] / throughput['rlnn']:.2f}"]
        for name, key in [
            ("rlnn", "rlnn"),
            ("PyTorch CPU, default threads", "torch"),
            ("PyTorch CPU, 1 thread", "torch1"),
            ("scikit-learn MLPClassifier", "sklearn"),
            ("matrix products alone (floor)", "floor"),
        ]
    ]
    print(table(["784-256-256-10, batch 128, Adam", "samples/s", "relative to rlnn"], rows))
    print()
    rows = []
    for hidden in (64, 256):
        r, t, t1 = (
            small[f"small-rlnn:{hidden}"],
            small[f"small-torch:{hidden}"],
            small[f"small-torch:{hidden}:1"],
        )
        rows.append(
            [
                f"4-{hidden}-{hidden}-2",
                f"{r['forward_us']:.1f}",
                f"{t['forward_us']:.1f}",
                f"{t1['forward_us']:.1f}",
                f"{r['train_step_us']:.1f}",
                f"{t['train_step_us']:.1f}",
                f"{t1['train_step_us']:.1f}",
            ]
        )
    print(
        table(
            [
                "network",
                "forward 1 obs, rlnn µs",
                "torch µs",
                "torch 1 thread µs",
                "train step b=64, rlnn µs",
                "torch µs",
                "torch 1 thread µs",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
