"""Run a sweep: every configuration of a TOML file's grid (and random draws) on its seeds.

    python scripts/sweep.py sweeps/cartpole_net_arch.toml
    python scripts/sweep.py sweeps/cartpole_net_arch.toml --workers 2 --logdir runs
    python scripts/sweep.py sweeps/cartpole_net_arch.toml --address 10.0.0.5:6379
    python scripts/sweep.py sweeps/cartpole_net_arch.toml --resume

The file's top-level keys are Config fields and ``seeds``; ``[grid]`` maps fields to lists of
values; ``[random]`` draws ``samples`` values per field (agents/sweep.py has the format). Writes
<logdir>/sweep__<file>__<time>/ with one seed group per configuration (its seed<k>/ runs,
results.json, results.md, curves.png), and sweep.json, sweep.csv, sweep.md (one row per
configuration, best IQM first) and sweep.png.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
from pathlib import Path

from agents.engine import EngineOptions
from agents.seeds import Group, format_seeds, new_dir, run_groups
from agents.sweep import CSV_COLUMNS, csv_rows, directory_name, load_sweep, markdown, rows
from rlnn.io import atomic_write


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument("file", type=Path, help="the sweep file (TOML)")
    parser.add_argument("--logdir", default="runs", help="where the sweep directory goes")
    parser.add_argument(
        "--resume", action="store_true", help="continue the newest sweep of this file"
    )
    parser.add_argument("--workers", type=int, help="at most this many runs at once")
    parser.add_argument("--address", metavar="HOST:PORT", help="join a running Ray cluster")
    parser.add_argument(
        "--engine",
        choices=("auto", "ray", "local"),
        default="auto",
        help="ray, local (one after another), or auto: ray if installed",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def sweep_dir(args: argparse.Namespace) -> Path:
    """A new sweep directory, or with --resume the newest one of this file (which must be
    unchanged since)."""
    root, prefix = Path(args.logdir), f"sweep__{args.file.stem}"
    if not args.resume:
        return new_dir(root, prefix)
    existing = sorted(p for p in root.glob(f"{prefix}__*") if (p / "sweep.toml").exists())
    if not existing:
        raise ValueError(f"--resume: no sweep matches {root / prefix}__*")
    if (existing[-1] / "sweep.toml").read_bytes() != args.file.read_bytes():
        raise ValueError(
            f"--resume: {args.file} differs from the sweep it would continue "
            f"({existing[-1] / 'sweep.toml'}); start a new sweep instead"
        )
    return existing[-1]


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the sweep; returns its rows, best IQM first.

    Raises:
        ValueError: a bad sweep file or option (nothing is written).
    """
    import envs

    args = build_parser().parse_args(argv)
    sweep = load_sweep(args.file)
    options = EngineOptions(args.engine, args.workers, args.address)
    options.resolved()
    configs = sweep.configs(args.logdir, args.quiet)
    for config in configs:
        config.validate()
    for env_id in sorted({c.env for c in configs}):
        envs.make(env_id).close()  # an unknown env id fails before anything is written
    directory = sweep_dir(args)
    shutil.copyfile(args.file, directory / "sweep.toml")
    groups = [
        Group(directory / directory_name(i, variant), config, sweep.seeds)
        for i, (variant, config) in enumerate(zip(sweep.variants, configs, strict=True))
    ]
    results = run_groups(groups, options, args.quiet)
    table = rows(sweep.variants, results)
    write_outputs(directory, table, args.file.name, sweep.seeds)
    best = table[0]
    print(
        f"{len(table)} configurations x {len(sweep.seeds)} seeds; best: {best['label']} "
        f"(IQM {best['iqm']:.1f} [{best['iqm_ci'][0]:.1f}, {best['iqm_ci'][1]:.1f}]); "
        f"{directory / 'sweep.md'}"
    )
    return table


def write_outputs(directory: Path, table: list[dict], name: str, seeds: list[int]) -> None:
    """sweep.json, sweep.csv, sweep.md and (with matplotlib) sweep.png."""
    atomic_write(directory / "sweep.json", lambda f: f.write(json.dumps(table, indent=2).encode()))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(table))
    atomic_write(directory / "sweep.csv", lambda f: f.write(text.getvalue().encode()))
    title = f"{name}, seeds {format_seeds(seeds)}: final returns over seeds, best IQM first"
    atomic_write(directory / "sweep.md", lambda f: f.write(markdown(table, title).encode()))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    from agents.plots import plot_sweep

    plot_sweep([row for row in table if not row.get("failed")], directory / "sweep.png")


if __name__ == "__main__":
    try:
        main()
    except ValueError as error:
        print(f"sweep.py: error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("sweep.py: interrupted; continue with --resume", file=sys.stderr)
        sys.exit(130)
