"""The training loop: resume exactness, logging, summaries, errors, and learning against Q*."""

import dataclasses
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import envs
import rlnn
from agents.config import Config, make_config
from agents.dqn import DQN
from agents.train import TrainingError, train
from rlnn.monitoring import MemoryLogger

ROOT = Path(__file__).resolve().parents[2]
SMALL = dict(
    total_steps=600,
    learning_starts=100,
    batch_size=16,
    buffer_size=1000,
    train_freq=1,
    gradient_steps=1,
    target_update_interval=50,
    net_arch=[16],
    eval_every=0,
    final_eval_episodes=2,
    eval_episodes=2,
    checkpoint_every=200,
    quiet=True,
    learning_rate=1e-3,
    learning_rate_end=1e-4,
)


def final_weights(summary):
    return rlnn.load(Path(summary["run_dir"]) / "model.npz").state_dict()


@pytest.mark.parametrize("algo", ["dqn", "ddqn"])
def test_resume_from_a_checkpoint_gives_identical_results(tmp_path, algo):
    uninterrupted = train(
        make_config("CartPole-v1", algo=algo, logdir=str(tmp_path / "a"), **SMALL)
    )
    first = train(make_config("CartPole-v1", algo=algo, logdir=str(tmp_path / "b"), **SMALL))
    checkpoints = sorted((Path(first["run_dir"]) / "checkpoints").glob("step_*.pkl"))
    assert [p.name for p in checkpoints] == ["step_0000000400.pkl", "step_0000000600.pkl"]
    checkpoints[-1].unlink()  # as if the run had been killed after step 400
    (Path(first["run_dir"]) / "model.npz").unlink()
    resumed = train(
        make_config("CartPole-v1", algo=algo, logdir=str(tmp_path / "b"), resume=True, **SMALL)
    )
    assert resumed["run_dir"] == first["run_dir"]
    a, b = final_weights(uninterrupted), final_weights(resumed)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert resumed["eval_mean_return"] == uninterrupted["eval_mean_return"]
    assert uninterrupted["resumed_from"] == [] and resumed["resumed_from"] == [400]


def test_same_seed_same_run(tmp_path):
    a = train(make_config("CartPole-v1", logdir=str(tmp_path / "a"), **SMALL))
    b = train(make_config("CartPole-v1", logdir=str(tmp_path / "b"), **SMALL))
    for key, value in final_weights(a).items():
        np.testing.assert_array_equal(value, final_weights(b)[key])


def test_run_directory_summary_and_logged_tags(tmp_path):
    logger = MemoryLogger()
    config = make_config(
        "CartPole-v1", logdir=str(tmp_path), **{**SMALL, "total_steps": 2000, "eval_every": 1000}
    )
    summary = train(config, logger=logger)
    run_dir = Path(summary["run_dir"])
    assert run_dir.name.startswith("CartPole-v1__dqn__seed0__")
    saved = json.loads((run_dir / "summary.json").read_text())
    for key in (
        "env",
        "algo",
        "seed",
        "total_steps",
        "wall_seconds",
        "steps_per_second",
        "eval_mean_return",
        "eval_std_return",
        "first_solved_step",
    ):
        assert key in saved
    assert saved["total_steps"] == 2000 and saved["steps_per_second"] > 0
    assert json.loads((run_dir / "config.json").read_text())["total_steps"] == 2000
    tags = set(logger.scalars_by_tag)
    assert {
        "charts/episodic_return",
        "charts/episodic_length",
        "charts/epsilon",
        "charts/SPS",
        "losses/td_loss",
        "losses/q_values",
        "losses/grad_norm",
        "eval/mean_return",
        "eval/std_return",
    } <= tags
    assert [s for s, _ in logger.scalars_by_tag["eval/mean_return"]] == [1000, 2000]
    returns = [v for _, v in logger.scalars_by_tag["charts/episodic_return"]]
    assert all(r >= 8 for r in returns)  # CartPole episodes last at least 8 steps
    assert logger.hparams_records and "config" in logger.texts


def test_epsilon_follows_the_linear_schedule(tmp_path):
    logger = MemoryLogger()
    train(
        make_config(
            "CartPole-v1",
            logdir=str(tmp_path),
            **{
                **SMALL,
                "total_steps": 1000,
                "exploration_fraction": 0.5,
                "exploration_final_eps": 0.1,
            },
        ),
        logger=logger,
    )
    for step, eps in logger.scalars_by_tag["charts/epsilon"]:
        # the episode that ended at `step` logs epsilon of its last step (step - 1)
        expected = max(1.0 - 0.9 * (step - 1) / 500, 0.1)
        assert eps == pytest.approx(expected, abs=1e-9)


def test_vector_envs_collect_and_train(tmp_path):
    summary = train(
        make_config(
            "CartPole-v1", logdir=str(tmp_path), n_envs=4, **{**SMALL, "checkpoint_every": 0}
        )
    )
    assert summary["total_steps"] == 600 and summary["episodes"] > 10


def test_non_finite_loss_stops_with_the_step_and_keeps_the_checkpoint(tmp_path, monkeypatch):
    from agents import dqn

    original = dqn.DQN.update

    def poisoned(self, batch, *args):
        if self.updates >= 250:
            batch.rewards[:] = np.inf
        return original(self, batch, *args)

    monkeypatch.setattr(dqn.DQN, "update", poisoned)
    with pytest.raises(
        TrainingError,
        match=r"non-finite Q-values or Bellman targets at step 351; "
        r"training stopped, the last good checkpoint is .*"
        r"step_0000000200.pkl",
    ):
        train(make_config("CartPole-v1", logdir=str(tmp_path), **SMALL))


def chain_rmse_config(**kw):
    return make_config("rlnn/Chain-v0", seed=0, quiet=True, **kw)


def test_dqn_learns_q_star_on_the_chain_within_5_percent(tmp_path):
    summary = train(chain_rmse_config(logdir=str(tmp_path)))
    net = rlnn.load(Path(summary["run_dir"]) / "model.npz")
    env = envs.ChainEnv()
    gamma = make_config("rlnn/Chain-v0").gamma
    q_star = env.optimal_q(gamma)
    q = net.predict(env.observations())
    for s in env.reachable_states(env.optimal_policy(gamma)):
        if env.terminal[s]:
            continue
        np.testing.assert_allclose(q[s], q_star[s], rtol=0.05, err_msg=f"state {s}")


def test_rainbow_learns_the_optimal_policy_on_the_chain(tmp_path):
    summary = train(chain_rmse_config(algo="rainbow", logdir=str(tmp_path)))
    env = envs.ChainEnv()
    agent = DQN.load(
        Path(summary["run_dir"]) / "model.npz", env.observation_space, env.action_space
    )
    gamma = make_config("rlnn/Chain-v0").gamma
    q_star, q = env.optimal_q(gamma), agent.q_values(env.observations())
    states = [s for s in env.reachable_states(env.optimal_policy(gamma)) if not env.terminal[s]]
    for s in states:
        assert q_star[s, q[s].argmax()] == q_star[s].max(), f"greedy action not optimal in {s}"
    # The C51 means approach Q* (3-step returns of the exploring policy bias them a little).
    np.testing.assert_allclose(q[states], q_star[states], rtol=0.25)
    assert summary["eval_mean_return"] == env.reward  # the optimal episode's return


def test_dqn_greedy_policy_is_optimal_on_the_gridworld(tmp_path):
    summary = train(make_config("rlnn/GridWorld-v0", seed=0, quiet=True, logdir=str(tmp_path)))
    net = rlnn.load(Path(summary["run_dir"]) / "model.npz")
    env = envs.GridWorldEnv()
    gamma = make_config("rlnn/GridWorld-v0").gamma
    optimal = env.optimal_actions(gamma)
    greedy = net.predict(env.observations()).argmax(axis=1)
    # Cells 14 and 19 sit behind a wall and a pit: no action sequence reaches them.
    reachable = [s for s in env.reachable_states() if s in env.free_states()]
    assert len(reachable) == len(env.free_states()) - 2
    wrong = [s for s in reachable if greedy[s] not in optimal[s]]
    assert wrong == [], f"greedy action not optimal in states {wrong}"
    # The optimal path takes 8 moves at -0.01 each and collects the goal's +1.
    assert summary["eval_mean_return"] == pytest.approx(1.0 - 0.01 * 8)


# The command line ---------------------------------------------------------------------


def cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_dqn.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_cli_smoke_run_then_evaluate(tmp_path):
    out = cli(
        "--env",
        "CartPole-v1",
        "--total-steps",
        "1500",
        "--learning-starts",
        "500",
        "--eval-every",
        "0",
        "--logdir",
        str(tmp_path),
        "--quiet",
    )
    assert out.returncode == 0, out.stderr
    assert "CartPole-v1 dqn seed 0: eval return" in out.stdout
    run_dir = next(tmp_path.iterdir())
    assert {"summary.json", "config.json", "model.npz", "checkpoints"} <= {
        p.name for p in run_dir.iterdir()
    }
    assert list(run_dir.glob("events.out.tfevents.*"))
    evaluation = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evaluate.py"), str(run_dir), "--episodes", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(evaluation.stdout)["episodes"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--env", "CartPole-v9"],
            "unknown environment id 'CartPole-v9'; did you mean 'CartPole-v1'",
        ),
        (["--env", "Pendulum-v1"], "Pendulum-v1 has action space Box(-2.0, 2.0, (1,), float32)"),
        (["--gamma", "1.5"], "gamma must be in [0, 1], got 1.5"),
        (["--total-steps", "0"], "total-steps must be a positive integer, got 0"),
        (["--batch-size", "-3"], "batch-size must be a positive integer, got -3"),
        (
            ["--batch-size", "512", "--buffer-size", "100"],
            "batch-size (512) must not exceed buffer-size (100)",
        ),
        (["--algo", "ppo"], "argument --algo: invalid choice: 'ppo'"),
        (["--loss", "hubber"], "unknown loss 'hubber'; expected one of"),
        (["--optimizer", "adamm"], "unknown optimizer 'adamm'; expected one of"),
        (["--n-step", "0"], "n-step must be a positive integer, got 0"),
        (["--exploration-steps", "0"], "exploration-steps must be a positive integer, got 0"),
        (["--prioritized-alpha", "1.5"], "prioritized-alpha must be in [0, 1], got 1.5"),
        (["--prioritized-eps", "0"], "prioritized-eps must be > 0, got 0.0"),
        (
            ["--distributional", "--v-min", "10", "--v-max", "0"],
            "the C51 support needs n-atoms >= 2 and v-min < v-max, got n-atoms 51, v-min 10.0",
        ),
    ],
)
def test_cli_bad_input_one_line_and_exit_code_2(args, message, tmp_path):
    out = cli(*args, "--logdir", str(tmp_path))
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert not list(tmp_path.iterdir())  # nothing was created


def test_sigkill_at_any_moment_leaves_a_resumable_run(tmp_path):
    args = [
        "--env",
        "CartPole-v1",
        "--total-steps",
        "6000",
        "--learning-starts",
        "500",
        "--net-arch",
        "32",
        "--train-freq",
        "1",
        "--gradient-steps",
        "1",
        "--eval-every",
        "0",
        "--checkpoint-every",
        "500",
        "--quiet",
    ]
    reference = cli(*args, "--logdir", str(tmp_path / "ref"))
    assert reference.returncode == 0, reference.stderr
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "train_dqn.py"),
            *args,
            "--logdir",
            str(tmp_path / "killed"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list((tmp_path / "killed").glob("*/checkpoints/*.pkl")):
        time.sleep(0.01)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed = cli(*args, "--logdir", str(tmp_path / "killed"), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    a = rlnn.load(next((tmp_path / "ref").iterdir()) / "model.npz").state_dict()
    b = rlnn.load(next((tmp_path / "killed").iterdir()) / "model.npz").state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    summary = json.loads((next((tmp_path / "killed").iterdir()) / "summary.json").read_text())
    assert len(summary["resumed_from"]) == 1 and summary["resumed_from"][0] % 500 == 0


def test_config_defaults_are_valid():
    Config().validate()
    for env in ("CartPole-v1", "rlnn/Chain-v0", "rlnn/GridWorld-v0", "Acrobot-v1"):
        make_config(env).validate()


def test_solved_lr_factor_cuts_the_learning_rate_after_each_solved_evaluation(tmp_path):
    logger = MemoryLogger()
    config = make_config(
        "rlnn/Chain-v0",
        logdir=str(tmp_path),
        quiet=True,
        solved_lr_factor=0.5,
        learning_rate_end=None,
        eval_every=500,
        total_steps=3000,
    )
    summary = train(config, logger=logger)
    solved = summary["first_solved_step"]
    assert solved is not None and solved < 2000
    lrs = logger.scalars_by_tag["charts/learning_rate"]
    before = [lr for step, lr in lrs if step < solved]
    after = [lr for step, lr in lrs if step > solved]
    assert all(lr == pytest.approx(config.learning_rate) for lr in before)
    assert after and after[0] <= 0.5 * config.learning_rate
    assert after == sorted(after, reverse=True)


def test_a_solved_lr_factor_of_0_ends_the_run_with_the_solved_weights(tmp_path):
    config = make_config(
        "rlnn/Chain-v0", logdir=str(tmp_path), quiet=True, solved_lr_factor=0.0,
        solved_when="all", eval_every=500, checkpoint_every=500, total_steps=3000,
    )  # fmt: skip
    saved = {}

    def keep(report):  # the run keeps only its newest checkpoints: read each as it comes
        if report.checkpoint is not None:
            with open(report.checkpoint, "rb") as f:
                saved[report.step] = pickle.load(f)["agent"]["online"]

    summary = train(config, logger=MemoryLogger(), reporter=keep)
    solved = summary["first_solved_step"]
    assert solved is not None and solved <= 2000
    assert summary["stopped_at"] == summary["total_steps"] == solved
    assert summary["evaluations"][-1][0] == solved
    final = rlnn.load(Path(summary["run_dir"]) / "model.npz").state_dict()
    for key, value in final.items():
        np.testing.assert_array_equal(value, saved[solved][key])
    again = train(dataclasses.replace(config, resume=True), logger=MemoryLogger())
    assert again["total_steps"] == solved  # a stopped run stays stopped when resumed
    unstopped = train(
        dataclasses.replace(config, solved_lr_factor=None, logdir=str(tmp_path / "b")),
        logger=MemoryLogger(),
    )
    assert unstopped["stopped_at"] is None and unstopped["total_steps"] == 3000


@pytest.mark.parametrize(("when", "cut"), [("mean", True), ("all", False)])
def test_solved_when_all_needs_every_evaluation_episode_to_reach_the_threshold(
    tmp_path, monkeypatch, when, cut
):
    from agents.train import Run

    config = make_config(
        "rlnn/Chain-v0", logdir=str(tmp_path), quiet=True, solved_lr_factor=0.5,
        solved_when=when, eval_episodes=4,
    )  # fmt: skip
    run = Run(config, logger=MemoryLogger())
    run._started, run._base_wall = time.perf_counter(), 0.0  # as run() sets them
    # mean 0.995 reaches Chain's threshold 0.99; one episode (0.98) does not
    monkeypatch.setattr(run, "_evaluate", lambda episodes, index: np.array([1, 1, 1, 0.98]))
    run._periodic_evaluation()
    run.close()
    assert run.state.first_solved_step == 0  # solved by the env's definition either way
    assert run.agent.optimizer.lr_factor == (0.5 if cut else 1.0)
    with pytest.raises(ValueError, match="solved-when must be 'mean' or 'all', got 'most'"):
        make_config("rlnn/Chain-v0", solved_when="most").validate()


def flag_help(text: str, flag: str) -> str:
    """The help of one flag in argparse's output (its lines up to the next flag)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(flag + " "))
    rest = [line for line in lines[start + 1 :]]
    end = next((i for i, line in enumerate(rest) if line.strip().startswith("--")), len(rest))
    return " ".join(line.strip() for line in [lines[start], *rest[:end]])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--env", "CartPole-v1"], {"--learning-rate": "0.01", "--net-arch": "128",
                                    "--train-freq": "128", "--learning-rate-end": "0.0"}),
        (["--env", "Acrobot-v1"], {"--learning-rate": "0.00063", "--train-freq": "4"}),
        (["--env", "CartPole-v1", "--algo", "rainbow"], {"--v-max": "100.0",
                                                         "--prioritized-alpha": "0.5",
                                                         "--net-arch": "64,64",
                                                         "--gradient-steps": "64"}),
        (["--env", "CartPole-v1", "--algo", "ddqn"], {"--net-arch": "128",
                                                      "--eval-episodes": "20"}),
        (["--env", "MountainCar-v0", "--algo", "ddqn"], {"--layer-norm,": "True"}),
        ([], {"--learning-rate": "0.01"}),  # CartPole-v1 is the default env
    ],
)  # fmt: skip
def test_help_shows_the_values_the_named_env_and_algo_will_use(args, expected):
    out = cli(*args, "--help")
    assert out.returncode == 0, out.stderr
    for flag, value in expected.items():
        assert f"(default: {value})" in flag_help(out.stdout, flag), flag_help(out.stdout, flag)


def test_epsilon_decays_over_exploration_steps_whatever_the_budget(tmp_path):
    from agents.train import Run

    def epsilons(**overrides):
        config = make_config("CartPole-v1", logdir=str(tmp_path), quiet=True, **overrides)
        run = Run(config, logger=MemoryLogger())
        try:
            return [run.epsilon(step) for step in (0, 5_000, 10_000, 20_000)]
        finally:
            run.close()

    fixed = dict(exploration_initial_eps=1.0, exploration_final_eps=0.1)
    by_steps = [epsilons(total_steps=t, exploration_steps=10_000, **fixed) for t in (20_000, 10**6)]
    assert by_steps[0] == by_steps[1] == pytest.approx([1.0, 0.55, 0.1, 0.1])
    by_fraction = epsilons(total_steps=40_000, exploration_fraction=0.5, **fixed)
    assert by_fraction == pytest.approx([1.0, 1.0 - 0.9 / 4, 1.0 - 0.9 / 2, 0.1])
    # the MinAtar preset's 100k frames of decay after 5,000 random ones, at any budget
    assert make_config("MinAtar/Breakout-v0", total_steps=10**6).exploration_steps == 105_000


def test_no_gradient_norm_is_logged_when_clipping_is_off(tmp_path):
    # without clipping the norm is never computed (NaN): logging it made tensorboardX warn
    # "NaN or Inf found in input tensor" at every log interval
    logs = {}
    for clip in (10.0, 0.0):
        logs[clip] = MemoryLogger()
        config = make_config(
            "CartPole-v1",
            logdir=str(tmp_path),
            **{**SMALL, "total_steps": 2000, "max_grad_norm": clip},
        )
        train(config, logger=logs[clip])
    assert "losses/grad_norm" in logs[10.0].scalars_by_tag
    assert "losses/grad_norm" not in logs[0.0].scalars_by_tag
    assert logs[0.0].scalars_by_tag["losses/td_loss"]
