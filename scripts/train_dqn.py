"""Train a DQN-family agent (DQN, Double DQN, Rainbow, any mix of switches) on a gymnasium env.

    python scripts/train_dqn.py --env CartPole-v1
    python scripts/train_dqn.py --env CartPole-v1 --algo ddqn --seed 3
    python scripts/train_dqn.py --env Acrobot-v1 --net-arch 256,256 --learning-rate 6.3e-4
    python scripts/train_dqn.py --env CartPole-v1 --algo rainbow
    python scripts/train_dqn.py --env CartPole-v1 --algo ddqn --dueling --prioritized --n-step 3
    python scripts/train_dqn.py --env CartPole-v1 --seeds 0-19            # 20 seeds, on Ray
    python scripts/train_dqn.py --env CartPole-v1 --seeds 0-19 --address 10.0.0.5:6379

Each run writes runs/<env>__<algo>__seed<seed>__<time>/ with TensorBoard events, config.json,
checkpoints, model.npz and summary.json. With --seeds, one group directory
runs/<env>__<algo>__seeds<SPEC>__<time>/ holds a seed<k>/ run directory per seed and, at the end,
results.json, results.md (IQM with a 95% bootstrap interval, solved fraction) and curves.png.
Flags not given come from the env's tuned preset (agents/config.py), then from the defaults
shown in --help.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from agents.config import Config, make_config
from agents.dqn import registry as algos
from agents.engine import EngineOptions
from rlnn.cli import add_dataclass_arguments, given


@dataclass
class Many:
    """The many-seeds options: ``seeds`` None runs the one ``--seed``."""

    seeds: str | None = None
    options: EngineOptions | None = None


def parse(argv: list[str] | None = None) -> tuple[Config, Many]:
    """The run's config and the many-seeds options of a command line.

    Raises:
        ValueError: a bad value (the message names the flag).
    """
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    values = given(args, Config)
    env = values.pop("env", Config.env)
    if args.seeds is not None and "seed" in values:
        raise ValueError("--seeds and --seed: give one (--seeds runs each seed as --seed k would)")
    engine_flags = {"--workers": args.workers, "--address": args.address}
    if args.seeds is None and any(v is not None for v in engine_flags.values()):
        flag = next(k for k, v in engine_flags.items() if v is not None)
        raise ValueError(f"{flag}: goes with --seeds (it says where the seeds run)")
    options = EngineOptions(args.engine, args.workers, args.address)
    return make_config(env, **values), Many(args.seeds, options)


def parse_args(argv: list[str] | None = None) -> Config:
    """The run's config of a command line (without the many-seeds options)."""
    return parse(argv)[0]


def preset_defaults(argv: list[str] | None) -> tuple[str, str, dict]:
    """The env and algo a command line names (CartPole-v1 and dqn if it names none), and the
    values a run of them takes for every flag not given: what --help shows as defaults."""
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--env", default=Config.env)
    peek.add_argument("--algo", default=Config.algo)
    known, _ = peek.parse_known_args(argv)
    try:
        return known.env, known.algo, make_config(known.env, algo=known.algo).to_dict()
    except (ValueError, TypeError):  # a bad --algo: argparse says so in the real parse
        return known.env, Config.algo, make_config(known.env).to_dict()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The flags: every Config field, --algo, and the many-seeds options; the defaults
    shown are those of the --env and --algo that ``argv`` names."""
    env, algo, defaults = preset_defaults(argv)
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0]
        + f" Defaults shown are {env}'s with --algo {algo} (give --env and --algo to see "
        "another's).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    add_dataclass_arguments(parser, Config, skip=("algo",), shown_defaults=defaults)
    parser.add_argument(
        "--algo",
        choices=algos.canonical_names(),
        default=None,
        help="dqn, ddqn (Double DQN) or rainbow (every DQN-family switch on) (default: dqn)",
    )
    many = parser.add_argument_group("many seeds (Ray Tune when installed)")
    many.add_argument(
        "--seeds",
        metavar="SPEC",
        help="run these seeds, each exactly as --seed k would (0-19, 0,3,7, 0-4,10), and "
        "report IQM, its 95%% CI and the solved fraction over them",
    )
    many.add_argument(
        "--workers",
        type=int,
        help="at most this many seeds at once (default: one per core of the local instance, "
        "or as many as the cluster has CPUs)",
    )
    many.add_argument(
        "--address",
        metavar="HOST:PORT",
        help="join a running Ray cluster (ray start --head) instead of starting one",
    )
    many.add_argument(
        "--engine",
        choices=("auto", "ray", "local"),
        default="auto",
        help="ray: trials on Ray Tune, one CPU and one BLAS thread each; local: one after "
        "another in this process (default auto: ray if installed)",
    )
    return parser


def main_seeds(config: Config, many: Many) -> dict:
    """Run the seeds of ``many`` as one group; prints a line per seed and the group's
    statistics; returns results.json's content.

    Raises:
        ValueError: a bad seed spec, engine option or config (nothing is written).
        RuntimeError: some seeds failed (the message names them; the rest are in results).
    """
    import envs
    from agents.seeds import Group, find_or_create_group_dir, parse_seeds, result_line, run_groups

    seeds = parse_seeds(many.seeds)
    many.options.resolved()
    config.validate()
    envs.make(config.env).close()  # an unknown env id fails here, before anything is written
    directory = find_or_create_group_dir(config, seeds, config.resume)
    results = run_groups([Group(directory, config, seeds)], many.options, config.quiet)[0]
    if "iqm" in results:
        print(f"{result_line(results)}; {directory / 'results.md'}")
    if results.get("failed"):
        failed = "; ".join(f"seed {k}: {v}" for k, v in results["failed"].items())
        raise RuntimeError(f"{len(results['failed'])} seed(s) failed ({failed}); {directory}")
    return results


def main(config: Config) -> dict:
    """Train one run and print its summary line; returns the summary."""
    from agents.train import train

    summary = train(config)
    print(
        f"{summary['env']} {summary['algo']} seed {summary['seed']}: "
        f"eval return {summary['eval_mean_return']:.1f} ± {summary['eval_std_return']:.1f} "
        f"after {summary['total_steps']} steps in {summary['wall_seconds']:.1f} s "
        f"({summary['steps_per_second']:.0f} steps/s); first solved at "
        f"{summary['first_solved_step']}; run dir {summary['run_dir']}"
    )
    return summary


if __name__ == "__main__":
    from agents.train import TrainingError

    try:
        config, many = parse()
        config.validate()
        if many.seeds is None:
            main(config)
        else:
            main_seeds(config, many)
    except ValueError as error:
        print(f"train_dqn.py: error: {error}", file=sys.stderr)
        sys.exit(2)
    except (TrainingError, RuntimeError) as error:
        print(f"train_dqn.py: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("train_dqn.py: interrupted; continue with --resume", file=sys.stderr)
        sys.exit(130)
