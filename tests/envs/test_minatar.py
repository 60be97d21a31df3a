"""MinAtar's games through envs.make, and a convolutional DQN training on one of them."""

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

import envs
import rlnn
from agents.config import make_config
from agents.train import train
from envs.make import MINATAR_GAMES, _register_minatar

pytest.importorskip("minatar", reason="the dev extra installs minatar; pip install -e '.[dev]'")


@pytest.mark.parametrize("game", MINATAR_GAMES)
def test_every_game_with_all_six_actions_or_the_minimal_set(game):
    full, minimal = envs.make(f"MinAtar/{game}-v0", seed=0), envs.make(f"MinAtar/{game}-v1", seed=0)
    assert full.action_space.n == 6
    assert 2 <= minimal.action_space.n <= 6
    obs, _ = full.reset(seed=0)
    assert obs.dtype == np.bool_ and obs.shape[:2] == (10, 10)
    assert full.observation_space.shape == obs.shape
    full.close()
    minimal.close()


def test_a_game_pickles_mid_episode_and_continues_identically():
    env = envs.make("MinAtar/Breakout-v0", seed=3)
    for action in [1, 3, 0, 2, 5]:
        env.step(action)
    copy = pickle.loads(pickle.dumps(env))
    for action in [3, 3, 1, 0, 4, 2, 2, 1]:
        a, b = env.step(action), copy.step(action)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]


def test_without_minatar_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "minatar.gym", None)  # import fails
    with pytest.raises(ValueError, match=r"MinAtar/Pong-v9 needs the minatar package: pip "):
        _register_minatar("MinAtar/Pong-v9")


def test_a_conv_dqn_trains_on_breakout_and_resumes_exactly(tmp_path):
    small = dict(
        total_steps=600, learning_starts=200, batch_size=16, buffer_size=1000, train_freq=1,
        gradient_steps=1, target_update_interval=100, net_arch=["c8k3", 32], eval_every=300,
        eval_episodes=1, final_eval_episodes=1, checkpoint_every=300, quiet=True,
    )  # fmt: skip
    a = train(make_config("MinAtar/Breakout-v0", logdir=str(tmp_path / "a"), **small))
    b = train(make_config("MinAtar/Breakout-v0", logdir=str(tmp_path / "b"), **small))
    assert a["total_steps"] == 600 and a["evaluations"] == b["evaluations"]
    (Path(b["run_dir"]) / "checkpoints" / "step_0000000600.pkl").unlink()
    resumed = train(
        make_config("MinAtar/Breakout-v0", logdir=str(tmp_path / "b"), resume=True, **small)
    )
    assert resumed["resumed_from"] == [300]
    assert resumed["evaluations"] == a["evaluations"]
    assert resumed["eval_mean_return"] == a["eval_mean_return"]
    wa = rlnn.load(Path(a["run_dir"]) / "model.npz").state_dict()
    wb = rlnn.load(Path(resumed["run_dir"]) / "model.npz").state_dict()
    assert set(wa) == set(wb) and wa["0.weight"].shape == (3, 3, 4, 8)
    for key in wa:
        np.testing.assert_array_equal(wa[key], wb[key])


def test_the_minatar_preset_is_minatars_dqn(tmp_path):
    config = make_config("MinAtar/SpaceInvaders-v1")
    config.validate()
    assert config.net_arch == ["c16k3", 128] and config.total_steps == 5_000_000
    small = make_config(
        "MinAtar/Breakout-v0", total_steps=300, learning_starts=100, buffer_size=500,
        eval_every=0, final_eval_episodes=1, checkpoint_every=0, quiet=True, logdir=str(tmp_path),
    )  # fmt: skip
    from agents.config import make_agent

    env = envs.make("MinAtar/Breakout-v0")
    agent = make_agent(small, env.observation_space, env.action_space)
    opt = agent.optimizer
    assert type(opt).__name__ == "RMSprop" and opt.centered and opt.eps == 0.01
    assert opt.alpha == 0.95 and opt.momentum == 0.0 and agent.max_grad_norm is None
    assert train(small)["total_steps"] == 300


def test_optimizer_kwargs_are_checked_before_the_run(tmp_path):
    from tests.agents.test_train import cli

    out = cli("--optimizer", "rmsprop", "--optimizer-kwargs", "alfa=0.9", "--logdir", str(tmp_path))
    assert out.returncode == 2
    assert "optimizer-kwargs: rmsprop does not take {'alfa': 0.9}" in out.stderr
    assert not list(tmp_path.iterdir())
