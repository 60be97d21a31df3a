"""DQN on MinAtar: rlnn's preset against MinAtar's own examples/dqn.py (PyTorch), frames/s.

    python -m benchmarks.minatar_vs_peer --peer /path/to/MinAtar/examples/dqn.py
    python -m benchmarks.minatar_vs_peer --peer ... --game breakout --frames 20000 --repeats 3

The peer is the authors' file, unmodified and never copied here (it is GPL): each run imports
it from ``--peer``, sets its ``NUM_FRAMES`` constant to ``--frames`` and calls its ``dqn``
function on a ``minatar.Environment`` with the package's defaults (sticky actions 0.1,
difficulty ramping), as its ``main`` does. rlnn runs ``MinAtar/<Game>-v0`` with its preset,
which has the file's settings (one 3x3 convolution with 16 filters, 128 hidden units, batch
32, replay 100k, centered RMSprop 2.5e-4, one update per frame after 5,000 random frames,
target copied every 1,000 updates), TensorBoard logging on and periodic evaluations off.
Frames/s is frames over the training loop's seconds (rlnn's final evaluation excluded). Each
run is a fresh process after the machine is idle, the two alternating; the ratio is of the
medians. PyTorch uses its default threads (2 here).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks._common import machine, measured, run_isolated, save, wait_until_idle


def run_peer(path: Path, game: str, frames: int, seed: int) -> dict:
    import random

    import numpy as np
    import torch
    from minatar import Environment

    spec = importlib.util.spec_from_file_location("minatar_examples_dqn", path)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    peer.NUM_FRAMES = frames
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    env = Environment(game)
    with measured() as record:
        began = time.perf_counter()
        peer.dqn(env, False, False, f"/tmp/minatar-peer-{game}-{seed}")
        seconds = time.perf_counter() - began
    return {"library": "minatar-examples", "seconds": seconds, "fps": frames / seconds,
            "torch_threads": torch.get_num_threads(), **record}  # fmt: skip


def run_rlnn(game: str, frames: int, seed: int) -> dict:
    from agents.config import make_config
    from agents.train import train

    env_id = f"MinAtar/{game.title().replace('_', '')}-v0"
    config = make_config(
        env_id, seed=seed, total_steps=frames, eval_every=0, checkpoint_every=0,
        final_eval_episodes=1, logdir="/tmp/rlnn-minatar-bench", quiet=True,
    )  # fmt: skip
    with measured() as record:
        summary = train(config)
    return {"library": "rlnn", "seconds": summary["train_seconds"],
            "fps": frames / summary["train_seconds"], **record}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", type=Path, required=True, help="MinAtar's examples/dqn.py")
    parser.add_argument("--game", default="breakout")
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one == "peer":
        print(json.dumps(run_peer(args.peer.resolve(), args.game, args.frames, args.seed)))
        return
    if args.one == "rlnn":
        print(json.dumps(run_rlnn(args.game, args.frames, args.seed)))
        return
    if not args.peer.is_file():
        parser.error(f"--peer must be MinAtar's examples/dqn.py, got {args.peer} (no such file)")
    records = []
    for k in range(args.repeats):
        for kind in ("peer", "rlnn") if k % 2 == 0 else ("rlnn", "peer"):
            wait_until_idle()
            common = ["--game", args.game, "--frames", str(args.frames), "--seed", str(k)]
            record = run_isolated(
                "minatar_vs_peer", ["--one", kind, "--peer", str(args.peer.resolve()), *common]
            )
            record["repeat"] = k
            records.append(record)
            print(f"{kind} run {k}: {record['fps']:.0f} frames/s", file=sys.stderr)
    save("minatar_vs_peer", {"machine": machine(), "game": args.game, "frames": args.frames,
                             "records": records})  # fmt: skip
    fps = {
        lib: [r["fps"] for r in records if r["library"] == lib]
        for lib in ("rlnn", "minatar-examples")
    }
    rlnn, peer = (statistics.median(fps[lib]) for lib in ("rlnn", "minatar-examples"))
    print(
        f"{args.game}, {args.frames} frames: rlnn {rlnn:.0f} frames/s "
        f"({', '.join(f'{x:.0f}' for x in fps['rlnn'])}), MinAtar's examples/dqn.py "
        f"{peer:.0f} ({', '.join(f'{x:.0f}' for x in fps['minatar-examples'])}): "
        f"{rlnn / peer:.2f}x"
    )


if __name__ == "__main__":
    main()
