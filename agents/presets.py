"""Per-environment presets: the values a run of a known env id takes for every flag not given
(``agents.config.make_config`` applies them under the user's own)."""

from __future__ import annotations

from typing import Any

# Tuned presets (the rest of the fields keep the Config defaults).
PRESETS: dict[str, dict[str, Any]] = {
    # Tuned on seeds 0-4 for both dqn and ddqn (README): rl-baselines3-zoo's collection
    # rhythm (train every 128 steps, half as many gradient steps, target synced between
    # phases), a larger batch, shorter exploration, a learning rate decaying to 0, cut tenfold
    # at each evaluation that reaches the reward threshold so that a solved policy stays solved.
    "CartPole-v1": {
        "total_steps": 50_000,
        "learning_rate": 2.3e-3,
        "learning_rate_end": 0.0,
        "batch_size": 128,
        "buffer_size": 100_000,
        "learning_starts": 1000,
        "gamma": 0.99,
        "train_freq": 128,
        "gradient_steps": 64,
        "target_update_interval": 10,
        "exploration_fraction": 0.05,
        "exploration_final_eps": 0.01,
        "net_arch": [256, 256],
        "solved_lr_factor": 0.1,
        "eval_every": 2500,
        "eval_episodes": 10,
    },
    "rlnn/Chain-v0": {
        "total_steps": 4000,
        "learning_rate": 3e-3,
        "learning_rate_end": 0.0,
        "batch_size": 32,
        "buffer_size": 5000,
        "learning_starts": 200,
        "gamma": 0.9,
        "train_freq": 1,
        "target_update_interval": 100,
        "exploration_fraction": 0.5,
        "exploration_final_eps": 0.2,
        "net_arch": [32],
        "eval_every": 1000,
        "checkpoint_every": 0,
        "loss": "mse",
    },
    "rlnn/GridWorld-v0": {
        "total_steps": 20_000,
        "learning_rate": 2e-3,
        "learning_rate_end": 0.0,
        "batch_size": 64,
        "buffer_size": 20_000,
        "learning_starts": 500,
        "gamma": 0.99,
        "train_freq": 1,
        "target_update_interval": 250,
        "exploration_fraction": 0.5,
        "exploration_final_eps": 0.1,
        "net_arch": [64],
        "eval_every": 2000,
        "checkpoint_every": 0,
    },
}
# MinAtar (Young & Tian 2019), the settings of its examples/dqn.py: one 3x3 convolution with 16
# filters and 128 hidden units, batch 32, replay 100k, one update per frame, the target copied
# every 1,000 updates (= frames), RMSprop centered (lr 2.5e-4, squared-gradient decay 0.95,
# eps 0.01 outside the square root, as PyTorch's), Huber loss, no gradient clipping, gamma 0.99,
# 5,000 random frames first, epsilon 1.0 -> 0.1 over the first ~100k frames, 5M frames. Sticky
# actions (0.1) and difficulty ramping are the games' own defaults.
MINATAR_PRESET: dict[str, Any] = {
    "total_steps": 5_000_000,
    "net_arch": ["c16k3", 128],
    "batch_size": 32,
    "buffer_size": 100_000,
    "learning_starts": 5_000,
    "train_freq": 1,
    "gradient_steps": 1,
    "target_update_interval": 1_000,
    "optimizer": "rmsprop",
    "optimizer_kwargs": {"alpha": 0.95, "eps": 0.01, "centered": True},
    "learning_rate": 2.5e-4,
    "loss": "huber",
    "max_grad_norm": 0.0,
    "gamma": 0.99,
    "exploration_initial_eps": 1.0,
    "exploration_final_eps": 0.1,
    "exploration_fraction": 105_000 / 5_000_000,
    "eval_every": 100_000,
    "eval_episodes": 10,
    "checkpoint_every": 100_000,
}
for _game in ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders"):
    for _version in ("v0", "v1"):
        PRESETS[f"MinAtar/{_game}-{_version}"] = MINATAR_PRESET

# Settings for one algo, applied over the env's preset: ("*", algo) for every env, then
# (env, algo). Rainbow takes Hessel et al.'s alpha = 0.5 and a C51 support that covers the
# env's discounted returns.
ALGO_PRESETS: dict[tuple[str, str], dict[str, Any]] = {
    ("*", "rainbow"): {"prioritized_alpha": 0.5},
    ("CartPole-v1", "rainbow"): {"v_min": 0.0, "v_max": 100.0},
    ("Acrobot-v1", "rainbow"): {"v_min": -100.0, "v_max": 0.0, "gradient_steps": 1},
    ("LunarLander-v3", "rainbow"): {"gradient_steps": 1},
    ("rlnn/Chain-v0", "rainbow"): {"v_min": 0.0, "v_max": 1.0},
    ("rlnn/GridWorld-v0", "rainbow"): {"v_min": -1.0, "v_max": 1.0},
}
DEFAULT_PRESET: dict[str, Any] = {
    # rl-baselines3-zoo's settings for Acrobot-v1 and LunarLander (its gradient_steps -1 is
    # one gradient step per environment step collected: 4 every 4 steps).
    "total_steps": 100_000,
    "learning_rate": 6.3e-4,
    "batch_size": 128,
    "buffer_size": 50_000,
    "learning_starts": 0,
    "gamma": 0.99,
    "train_freq": 4,
    "gradient_steps": 4,
    "target_update_interval": 250,
    "exploration_fraction": 0.12,
    "exploration_final_eps": 0.1,
    "net_arch": [256, 256],
}
