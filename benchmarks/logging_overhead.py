"""Cost of TensorBoard logging on a 50,000-step CartPole DQN run (rlnn's default preset).

    python -m benchmarks.logging_overhead                  # one run at a time, idle machine
    python -m benchmarks.logging_overhead --busy           # two at once, every core busy
    python -m benchmarks.logging_overhead --busy --code /path/to/older/checkout

Runs the same seed with the TensorBoard logger and with a logger that drops everything,
alternating, 3 times each, and reports the median wall-clock of each and their ratio.
``--busy`` runs two copies of each run at once, one BLAS thread each (what ``--seeds`` does
on a 2-core machine), and takes both walls: a logger that wakes threads per record costs
most there. ``--code`` runs the runs on another checkout (its agents and rlnn) to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks._common import alternating, machine, measured, run_on_checkout, save

HERE = Path(__file__).resolve().parent


def one(kind: str, copy: int = 0) -> dict:
    from agents.config import make_config
    from agents.train import train
    from rlnn.monitoring import Logger

    config = make_config(
        "CartPole-v1",
        seed=0,
        logdir=f"/tmp/rlnn-bench-logging/{copy}",  # copies at once must not share a run dir
        quiet=True,
        checkpoint_every=0,
        eval_every=0,
    )
    with measured() as record:
        train(config, logger=None if kind == "tensorboard" else Logger())
    return record


def walls(kind: str, code: Path, copies: int) -> list[float]:
    """Wall seconds of ``copies`` runs of ``kind`` started together on the checkout ``code``."""
    env = {"OPENBLAS_NUM_THREADS": "1"} if copies > 1 else {}
    with ThreadPoolExecutor(copies) as pool:
        records = pool.map(
            lambda i: run_on_checkout(
                "logging_overhead", ["--one", kind, "--copy", str(i)], code, env
            ),
            range(copies),
        )
        return [r["wall_seconds"] for r in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", action="store_true", help="two runs at once")
    parser.add_argument("--code", type=Path, default=HERE.parent, help="the checkout to run")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--copy", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.copy)))
        return
    copies = 2 if args.busy else 1
    rounds = alternating(["tensorboard", "none"], lambda k: walls(k, args.code.resolve(), copies))
    times = {kind: [wall for walls_ in runs for wall in walls_] for kind, runs in rounds.items()}
    medians = {k: statistics.median(v) for k, v in times.items()}
    overhead = medians["tensorboard"] / medians["none"] - 1
    name = "logging_overhead_busy" if args.busy else "logging_overhead"
    save(name, {"machine": machine(), "code": str(args.code), "times": times, "overhead": overhead})
    print(
        f"TensorBoard logging{' (two runs at once)' if args.busy else ''}: median "
        f"{medians['tensorboard']:.2f} s vs {medians['none']:.2f} s without: overhead "
        f"{overhead:+.1%}"
    )


if __name__ == "__main__":
    main()
