"""The DQN-family switches: every combination trains, checkpoints and resumes exactly."""

import itertools
import pickle
from pathlib import Path

import numpy as np
import pytest

import rlnn
from agents.config import make_config
from agents.train import train
from rlnn.monitoring import MemoryLogger
from scripts.train_dqn import parse_args

SWITCHES = ("dueling", "prioritized", "noisy", "distributional", "n_step")
TINY = dict(
    total_steps=300,
    learning_starts=60,
    batch_size=16,
    buffer_size=500,
    train_freq=2,
    gradient_steps=1,
    target_update_interval=40,
    net_arch=[16, 16],
    eval_every=0,
    final_eval_episodes=2,
    eval_episodes=2,
    checkpoint_every=150,
    quiet=True,
    n_atoms=11,
    v_min=0.0,
    v_max=20.0,
)
COMBOS = [
    dict(zip(SWITCHES, (*flags[:-1], 3 if flags[-1] else 1), strict=True))
    for flags in itertools.product([False, True], repeat=len(SWITCHES))
]


def combo_id(combo):
    return "+".join(k if k != "n_step" else "n3" for k, v in combo.items() if v not in (False, 1))


def final_state(summary):
    run_dir = Path(summary["run_dir"])
    checkpoint = sorted((run_dir / "checkpoints").glob("step_*.pkl"))[-1]
    with open(checkpoint, "rb") as f:
        saved = pickle.load(f)
    return rlnn.load(run_dir / "model.npz").state_dict(), saved["buffer"]


@pytest.mark.parametrize("combo", COMBOS, ids=[combo_id(c) or "plain" for c in COMBOS])
def test_every_switch_combination_trains_and_resumes_exactly(tmp_path, combo):
    def run(logdir, **extra):
        config = make_config("CartPole-v1", logdir=str(tmp_path / logdir), **TINY, **combo, **extra)
        return train(config, logger=MemoryLogger())

    uninterrupted = run("a")
    first = run("b")
    checkpoints = sorted((Path(first["run_dir"]) / "checkpoints").glob("step_*.pkl"))
    checkpoints[-1].unlink()  # as if killed after step 150
    resumed = run("b", resume=True)
    (weights_a, buffer_a), (weights_b, buffer_b) = final_state(uninterrupted), final_state(resumed)
    for key in weights_a:
        np.testing.assert_array_equal(weights_a[key], weights_b[key])
    for key in ("states", "rewards", "priorities", "discounts"):
        if key in buffer_a:
            np.testing.assert_array_equal(buffer_a[key], buffer_b[key])
    assert ("priorities" in buffer_a) == combo["prioritized"]
    assert ("discounts" in buffer_a) == (combo["n_step"] > 1)
    assert np.isfinite(uninterrupted["eval_mean_return"])


def test_rainbow_turns_every_switch_on_and_each_can_be_turned_off():
    config = parse_args(["--algo", "rainbow"])
    assert (config.dueling, config.prioritized, config.noisy, config.distributional) == (
        True,
        True,
        True,
        True,
    )
    assert config.n_step == 3
    config = parse_args(["--algo", "rainbow", "--no-noisy", "--n-step", "1"])
    assert not config.noisy and config.n_step == 1 and config.dueling
    config = parse_args(["--algo", "ddqn", "--dueling", "--n-step", "5"])
    assert config.dueling and config.n_step == 5 and not config.prioritized


def test_an_algo_preset_can_take_back_the_env_presets_learning_rate_decay():
    from agents.config import learning_rate_spec

    ddqn, rainbow = (make_config("LunarLander-v3", algo=algo) for algo in ("ddqn", "rainbow"))
    assert ddqn.learning_rate_end == 0.0 and learning_rate_spec(ddqn)["name"] == "linear"
    assert rainbow.learning_rate_end is None
    assert learning_rate_spec(rainbow) == rainbow.learning_rate == ddqn.learning_rate
    flags = ["--env", "LunarLander-v3", "--algo", "rainbow", "--learning-rate-end", "0"]
    assert parse_args(flags).learning_rate_end == 0.0


def test_an_algo_preset_sets_its_own_algo_only_and_the_cli_overrides_it():
    for env in ("MountainCar-v0", "LunarLander-v3"):
        assert make_config(env, algo="ddqn").layer_norm
        assert not make_config(env, algo="dqn").layer_norm
        flags = ["--env", env, "--algo", "ddqn", "--no-layer-norm"]
        assert not parse_args(flags).layer_norm


def test_a_config_never_shares_a_list_with_the_presets():
    from agents.presets import ALGO_PRESETS, PRESETS

    rainbow = make_config("CartPole-v1", algo="rainbow")
    rainbow.net_arch.append(7)
    assert ALGO_PRESETS[("CartPole-v1", "rainbow")]["net_arch"] == [64, 64]
    dqn = make_config("CartPole-v1")
    dqn.net_arch.append(7)
    assert PRESETS["CartPole-v1"]["net_arch"] == [128]
    assert make_config("CartPole-v1", algo="rainbow").net_arch == [64, 64]


def test_noisy_agents_explore_without_epsilon(tmp_path):
    logger = MemoryLogger()
    config = make_config(
        "CartPole-v1", logdir=str(tmp_path), noisy=True, **{**TINY, "total_steps": 400}
    )
    train(config, logger=logger)
    assert logger.scalars_by_tag["charts/epsilon"] and all(
        value == 0.0 for _, value in logger.scalars_by_tag["charts/epsilon"]
    )


def test_a_rainbow_model_file_evaluates_with_its_support(tmp_path):
    config = make_config("CartPole-v1", algo="rainbow", logdir=str(tmp_path), **TINY)
    summary = train(config, logger=MemoryLogger())
    from scripts.evaluate import main

    result = main([summary["run_dir"], "--episodes", "2"])
    assert result["episodes"] == 2 and result["mean_return"] > 0


def test_rainbow_collects_from_vector_envs(tmp_path):
    config = make_config(
        "CartPole-v1",
        algo="rainbow",
        n_envs=3,
        logdir=str(tmp_path),
        **{**TINY, "total_steps": 450},
    )
    summary = train(config, logger=MemoryLogger())
    _, buffer = final_state(summary)
    assert summary["total_steps"] == 450
    # 3-step windows: most stored transitions bootstrap with γ³, episode ends with fewer steps.
    allowed = np.array([0.99, 0.99**2, 0.99**3])
    assert np.isclose(buffer["discounts"][:, None], allowed).any(axis=1).all()
    assert np.mean(np.isclose(buffer["discounts"], 0.99**3)) > 0.5


def test_layer_norm_from_the_cli_trains_resumes_exactly_and_evaluates(tmp_path):
    flags = ["--layer-norm", "--algo", "ddqn", "--dueling", "--logdir"]
    assert parse_args([*flags, "x"]).layer_norm and parse_args([]).layer_norm  # CartPole's preset
    assert not parse_args(["--no-layer-norm"]).layer_norm
    assert not parse_args(["--env", "Acrobot-v1"]).layer_norm

    def run(logdir, **extra):
        config = make_config(
            "Acrobot-v1", layer_norm=True, algo="ddqn", dueling=True,
            logdir=str(tmp_path / logdir), **TINY, **extra,
        )  # fmt: skip
        return train(config, logger=MemoryLogger())

    uninterrupted = run("a")
    run("b")
    checkpoints = sorted((tmp_path / "b").glob("*/checkpoints/step_*.pkl"))
    checkpoints[-1].unlink()
    resumed = run("b", resume=True)
    (weights_a, _), (weights_b, _) = final_state(uninterrupted), final_state(resumed)
    assert sum("LayerNorm" in type(x).__name__ for x in _layers(uninterrupted)) == 3
    for key in weights_a:
        np.testing.assert_array_equal(weights_a[key], weights_b[key])
    from scripts.evaluate import main

    assert main([uninterrupted["run_dir"], "--episodes", "2"])["episodes"] == 2


def _layers(summary):
    def leaves(layer):
        return [layer, *(leaf for child in layer.children() for leaf in leaves(child))]

    return leaves(rlnn.load(Path(summary["run_dir"]) / "model.npz"))
