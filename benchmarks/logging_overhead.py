"""Cost of TensorBoard logging on a 50,000-step CartPole DQN run (rlnn's default preset).

    python -m benchmarks.logging_overhead

Runs the same seed with the TensorBoard logger and with a logger that drops everything,
alternating, 3 times each, and reports the median wall-clock of each and their ratio.
"""

from __future__ import annotations

import json
import statistics
import sys

from benchmarks._common import machine, measured, run_isolated, save, wait_until_idle


def one(kind: str) -> dict:
    from agents.config import make_config
    from agents.train import train
    from rlnn.monitoring import Logger

    config = make_config(
        "CartPole-v1",
        seed=0,
        logdir="/tmp/rlnn-bench-logging",
        quiet=True,
        checkpoint_every=0,
        eval_every=0,
    )
    with measured() as record:
        train(config, logger=None if kind == "tensorboard" else Logger())
    return record


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    times: dict[str, list[float]] = {"tensorboard": [], "none": []}
    for _ in range(3):
        for kind in times:
            wait_until_idle()
            times[kind].append(run_isolated("logging_overhead", ["--one", kind])["wall_seconds"])
            print(kind, times[kind][-1], file=sys.stderr)
    medians = {k: statistics.median(v) for k, v in times.items()}
    overhead = medians["tensorboard"] / medians["none"] - 1
    save("logging_overhead", {"machine": machine(), "times": times, "overhead": overhead})
    print(
        f"TensorBoard logging: median {medians['tensorboard']:.2f} s vs {medians['none']:.2f} s "
        f"without: overhead {overhead:+.1%}"
    )


if __name__ == "__main__":
    main()
