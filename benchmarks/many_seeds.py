"""Many seeds: 20 CartPole seeds through ``--seeds 0-19`` on Ray (2 trials at once, one BLAS
thread each) against the same 20 runs one after another (``--engine local``, 2 BLAS threads),
and Ray's cost per trial against plain one-thread runs of the same seeds.

    python -m benchmarks.many_seeds                 # both measurements (~25 min)
    python -m benchmarks.many_seeds --seeds 0-3     # a quicker look

Writes benchmarks/results/many_seeds.json; the 20-seed results.md of each engine is printed
(README's CartPole table is the Ray one).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._common import HERE, machine, measured, save, table, wait_until_idle

ROOT = HERE.parent
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def group(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``train_dqn.py --env CartPole-v1 <args>`` in a fresh process; its results.json,
    wall seconds and the CPU seconds other processes used meanwhile."""
    logdir = tempfile.mkdtemp(prefix="many_seeds_")
    command = [sys.executable, str(ROOT / "scripts" / "train_dqn.py"), "--env", "CartPole-v1"]
    wait_until_idle()
    with measured() as record:
        subprocess.run(
            [*command, *args, "--quiet", "--logdir", logdir],
            check=True,
            env={**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", **(env or {})},
            cwd=ROOT,
        )
    (directory,) = Path(logdir).iterdir()
    results = json.loads((directory / "results.json").read_text())
    return {
        **record,
        "results": results,
        "results_md": (directory / "results.md").read_text(),
        "directory": str(directory),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-19", help="seeds of the throughput comparison")
    parser.add_argument("--overhead-seeds", default="0-3", help="seeds of the per-trial cost")
    args = parser.parse_args()
    out: dict = {"machine": machine(), "seeds": args.seeds}

    ray = group(["--seeds", args.seeds])
    local = group(["--seeds", args.seeds, "--engine", "local"])
    rows = []
    for name, record in (
        ("Ray, 2 trials x 1 thread", ray),
        ("one after another, 2 threads", local),
    ):
        k = len(record["results"]["seeds"])
        rows.append(
            [
                name,
                f"{record['wall_seconds']:.0f}",
                f"{3600 * k / record['wall_seconds']:.0f}",
                f"{record['other_cpu_seconds']:.1f}",
            ]
        )
    out["throughput"] = {
        "ray": {k: v for k, v in ray.items() if k != "results_md"},
        "local": {k: v for k, v in local.items() if k != "results_md"},
        "ratio": local["wall_seconds"] / ray["wall_seconds"],
    }

    plain = group(["--seeds", args.overhead_seeds, "--engine", "local"], env=ONE_THREAD)
    one_worker = group(["--seeds", args.overhead_seeds, "--workers", "1"])
    trials = len(plain["results"]["seeds"])
    cost = (one_worker["wall_seconds"] - plain["wall_seconds"]) / trials
    per_run = plain["wall_seconds"] / trials
    out["overhead"] = {
        "plain_one_thread_wall_seconds": plain["wall_seconds"],
        "ray_one_worker_wall_seconds": one_worker["wall_seconds"],
        "trials": trials,
        "cost_per_trial_seconds": cost,
        "cost_per_trial_fraction": cost / per_run,
        "other_cpu_seconds": [plain["other_cpu_seconds"], one_worker["other_cpu_seconds"]],
        # inside each trial: its run's own wall seconds against the plain run's (reporting
        # and checkpoint hand-over, without the instance's start)
        "in_trial_fraction": statistics.median(
            a["wall_seconds"] / b["wall_seconds"] - 1
            for a, b in zip(
                one_worker["results"]["per_seed"], plain["results"]["per_seed"], strict=True
            )
        ),
        "same_learning": [s["evaluations"] for s in plain["results"]["per_seed"]]
        == [s["evaluations"] for s in one_worker["results"]["per_seed"]],
    }
    path = save("many_seeds", out)
    print(table(["engine", "wall s", "seeds per hour", "other CPU s"], rows))
    print(f"ratio: {out['throughput']['ratio']:.2f}x seeds per hour")
    print(
        f"Ray's cost per trial: {cost:.2f} s on {per_run:.1f} s runs "
        f"({100 * cost / per_run:.1f}%, the instance's start included); inside the trial "
        f"{100 * out['overhead']['in_trial_fraction']:.1f}% (median over seeds); "
        f"same learning: {out['overhead']['same_learning']}"
    )
    print("\n## Ray (one BLAS thread per trial)\n\n" + ray["results_md"])
    print("\n## One after another (2 BLAS threads)\n\n" + local["results_md"])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
