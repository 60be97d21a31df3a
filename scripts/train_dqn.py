"""Train a DQN-family agent (DQN, Double DQN, Rainbow, any mix of switches) on a gymnasium env.

    python scripts/train_dqn.py --env CartPole-v1
    python scripts/train_dqn.py --env CartPole-v1 --algo ddqn --seed 3
    python scripts/train_dqn.py --env Acrobot-v1 --net-arch 256,256 --learning-rate 6.3e-4
    python scripts/train_dqn.py --env CartPole-v1 --algo rainbow
    python scripts/train_dqn.py --env CartPole-v1 --algo ddqn --dueling --prioritized --n-step 3

Each run writes runs/<env>__<algo>__seed<seed>__<time>/ with TensorBoard events, config.json,
checkpoints, model.npz and summary.json. Flags not given come from the env's tuned preset
(agents/config.py), then from the defaults shown in --help.
"""

from __future__ import annotations

import argparse
import sys

from agents.config import Config, make_config
from agents.dqn import registry as algos
from rlnn.cli import add_dataclass_arguments, given


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    add_dataclass_arguments(parser, Config, skip=("algo",))
    parser.add_argument(
        "--algo",
        choices=algos.canonical_names(),
        default=None,
        help="dqn, ddqn (Double DQN) or rainbow (every DQN-family switch on) (default: dqn)",
    )
    args = parser.parse_args(argv)
    values = given(args, Config)
    env = values.pop("env", Config.env)
    return make_config(env, **values)


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
        config = parse_args()
        config.validate()
        main(config)
    except ValueError as error:
        print(f"train_dqn.py: error: {error}", file=sys.stderr)
        sys.exit(2)
    except TrainingError as error:
        print(f"train_dqn.py: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("train_dqn.py: interrupted; continue with --resume", file=sys.stderr)
        sys.exit(130)
