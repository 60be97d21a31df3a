"""The DQN training loop: it owns time (steps, exploration, updates, syncs, evaluation,
checkpoints, logging); the agent owns only the networks and the update."""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import envs
import rlnn
from agents.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from agents.config import Config, make_agent
from agents.dqn import DQN
from agents.evaluation import evaluate
from agents.nstep import NStepAccumulator
from agents.prioritized import PrioritizedReplayBuffer
from agents.replay import ReplayBuffer
from rlnn.io import atomic_write
from rlnn.monitoring import Logger, TensorBoardLogger

LOG_INTERVAL = 1000  # environment steps between loss / SPS scalars


class TrainingError(RuntimeError):
    """Training stopped (a non-finite loss); the message names the step and the checkpoint."""


class SingleEnv:
    """Gives one gymnasium env the vector-env interface with SAME_STEP autoreset semantics:
    arrays with a leading axis of 1, and ``info["final_obs"]`` when the episode ended."""

    num_envs = 1

    def __init__(self, env: gym.Env) -> None:
        self.env = env
        self.observation_space = env.observation_space
        self.single_observation_space = env.observation_space
        self.single_action_space = env.action_space
        self.spec = env.spec

    def reset(self, seed: int | None = None):
        obs, info = self.env.reset(seed=seed)
        return obs[None], info

    def step(self, actions: np.ndarray):
        obs, reward, terminated, truncated, info = self.env.step(int(actions[0]))
        if terminated or truncated:
            episode = {k: np.array([v]) for k, v in info["episode"].items()}
            info = {"final_obs": obs[None], "final_info": {"episode": episode}}
            obs, _ = self.env.reset()
        return (
            obs[None],
            np.array([reward], dtype=np.float32),
            np.array([terminated]),
            np.array([truncated]),
            info,
        )

    def close(self) -> None:
        self.env.close()


@dataclass
class RunState:
    """Counters and records that a checkpoint carries besides agent, buffer and envs."""

    step: int = 0
    iteration: int = 0
    episodes: int = 0
    wall_seconds: float = 0.0
    recent_returns: list[float] = field(default_factory=list)
    evaluations: list[tuple[int, float, float]] = field(default_factory=list)
    first_solved_step: int | None = None
    first_solved_wall_seconds: float | None = None
    first_solved_train_seconds: float | None = None
    eval_seconds: float = 0.0
    best_eval_mean_return: float | None = None
    last_metrics: dict[str, float] = field(default_factory=dict)


def run_dir_name(config: Config) -> str:
    env = re.sub(r"[^A-Za-z0-9_.-]+", "-", config.env)
    return f"{env}__{config.algo}__seed{config.seed}"


def find_or_create_run_dir(config: Config) -> Path:
    """``<logdir>/<env>__<algo>__seed<seed>__<timestamp>``; with ``resume``, the newest
    existing one for this env, algo and seed."""
    root = Path(config.logdir)
    prefix = run_dir_name(config)
    if config.resume:
        existing = sorted(p for p in root.glob(f"{prefix}__*") if latest_checkpoint(p))
        if not existing:
            raise ValueError(
                f"--resume: no run directory with a checkpoint matches {root / prefix}__*"
            )
        return existing[-1]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{prefix}__{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = root / f"{prefix}__{stamp}-{suffix}"
    path.mkdir(parents=True)
    return path


def _make_train_env(config: Config):
    if config.n_envs == 1:
        return SingleEnv(envs.make(config.env, seed=config.seed))
    return envs.make(config.env, seed=config.seed, n_envs=config.n_envs)


def real_next_observations(next_obs: np.ndarray, done: np.ndarray, infos: dict) -> np.ndarray:
    """What each env's step really led to: with SAME_STEP autoreset, ``next_obs`` of an env
    whose episode ended is already the next episode's first observation; the real last one is
    ``infos["final_obs"]``."""
    if not done.any():
        return next_obs
    real = next_obs.copy()
    for i in np.flatnonzero(done):
        real[i] = infos["final_obs"][i]
    return real


def make_buffer(config: Config, obs_space: Any) -> ReplayBuffer:
    """The replay memory of ``config``: prioritized or uniform, with per-transition discounts
    for n-step returns."""
    kwargs: dict[str, Any] = {
        "seed": np.random.SeedSequence([config.seed, 1]),
        "store_discounts": config.n_step > 1,
    }
    if config.prioritized:
        kwargs.update(alpha=config.prioritized_alpha, eps=config.prioritized_eps)
        return PrioritizedReplayBuffer(
            config.buffer_size, obs_space.shape, obs_space.dtype, **kwargs
        )
    return ReplayBuffer(config.buffer_size, obs_space.shape, obs_space.dtype, **kwargs)


def _log_histograms(logger: Logger, agent: DQN, states: np.ndarray, step: int) -> None:
    """Q-values on a slice of replay and every layer's weights (at each evaluation)."""
    logger.histogram("q_values/all", agent.q_values(states), step)
    for name, p in agent.online.named_parameters().items():
        logger.histogram(f"weights/{name}", p.value, step)


def train(config: Config, logger: Logger | None = None) -> dict[str, Any]:
    """Train, evaluate, checkpoint and log one run; returns the summary (also summary.json).

    Raises:
        ValueError: a bad config value, env id or env space (the message names it).
        TrainingError: the loss became NaN or inf (the message names the step).
    """
    config.validate()
    train_env = _make_train_env(config)
    obs_space, act_space = train_env.single_observation_space, train_env.single_action_space
    threshold = train_env.spec.reward_threshold if train_env.spec is not None else None
    eval_envs = [
        envs.make(config.env) for _ in range(max(config.eval_episodes, config.final_eval_episodes))
    ]
    run_dir = find_or_create_run_dir(config)
    agent = make_agent(config, obs_space, act_space)
    buffer = make_buffer(config, obs_space)
    n_step = NStepAccumulator(config.n_step, config.gamma, config.n_envs)
    epsilon = (
        rlnn.schedules.Constant(0.0)  # noisy networks explore by themselves
        if config.noisy
        else rlnn.schedules.Linear(
            config.exploration_initial_eps,
            config.exploration_final_eps,
            max(int(config.exploration_fraction * config.total_steps), 1),
        )
    )
    beta = rlnn.schedules.Linear(config.prioritized_beta, 1.0, config.total_steps)
    state = RunState()
    obs = None
    checkpoint = latest_checkpoint(run_dir) if config.resume else None
    if checkpoint is not None:
        saved = load_checkpoint(checkpoint)
        agent.load_state_dict(saved["agent"])
        buffer.load_state_dict(saved["buffer"])
        n_step.load_state_dict(saved["n_step"])
        train_env, obs, state = saved["env"], saved["obs"], saved["run"]
    else:
        obs, _ = train_env.reset(seed=config.seed)
        atomic_write(
            run_dir / "config.json",
            lambda f: f.write(json.dumps(config.to_dict(), indent=2).encode()),
        )
    own_logger = logger is None
    logger = logger or TensorBoardLogger(str(run_dir))
    if checkpoint is None:
        logger.text("config", "```\n" + json.dumps(config.to_dict(), indent=2) + "\n```")
    sync_every = max(config.target_update_interval // config.n_envs, 1)
    n = config.n_envs

    def do_checkpoint() -> Path:
        return save_checkpoint(
            run_dir,
            state.step,
            {
                "config": config.to_dict(),
                "agent": agent.state_dict(),
                "buffer": buffer.state_dict(),
                "n_step": n_step.state_dict(),
                "env": train_env,
                "obs": obs,
                "run": state,
            },
        )

    def do_evaluation(episodes: int, index: int) -> tuple[float, float]:
        began = time.perf_counter()
        seeds = [10_000 + config.seed * 1_000_003 + index * episodes + k for k in range(episodes)]
        returns = evaluate(agent, eval_envs[:episodes], seeds)
        state.eval_seconds += time.perf_counter() - began
        return float(returns.mean()), float(returns.std())

    progress = _progress(config, state.step)
    started = time.perf_counter()
    base_wall = state.wall_seconds
    last_log_step, last_log_time = state.step, started
    try:
        while state.step < config.total_steps:
            # act
            if state.step < config.learning_starts:
                actions = agent.rng.integers(agent.n_actions, size=n)
            else:
                actions = agent.act_batch(obs, epsilon(state.step))
            next_obs, rewards, terminated, truncated, infos = train_env.step(actions)
            # store (the real last observation of an episode, not the next episode's first)
            done = terminated | truncated
            real_next = real_next_observations(next_obs, done, infos)
            if done.any():
                episode = infos["final_info"]["episode"]
                for i in np.flatnonzero(done):
                    ret, length = float(episode["r"][i]), int(episode["l"][i])
                    state.episodes += 1
                    state.recent_returns = (state.recent_returns + [ret])[-20:]
                    logger.scalar("charts/episodic_return", ret, state.step + n)
                    logger.scalar("charts/episodic_length", length, state.step + n)
                    logger.scalar("charts/epsilon", epsilon(state.step), state.step + n)
            if config.n_step == 1:
                buffer.add_batch(obs, actions, rewards, real_next, terminated)
            else:
                ready = n_step.push(obs, actions, rewards, real_next, terminated, truncated)
                if ready is not None:
                    buffer.add_batch(*ready)
            obs = next_obs
            state.step += n
            state.iteration += 1
            # learn
            if (
                state.step > config.learning_starts
                and state.iteration % config.train_freq == 0
                and len(buffer) >= config.batch_size
            ):
                try:
                    state.last_metrics = agent.learn(
                        buffer, config.gradient_steps, config.batch_size, beta(state.step)
                    )
                except FloatingPointError as error:
                    last = latest_checkpoint(run_dir)
                    raise TrainingError(
                        f"{error} at step {state.step}; training stopped, the last good "
                        f"checkpoint is {last if last else 'none (none was written yet)'}"
                    ) from None
            # sync target
            if state.iteration % sync_every == 0:
                agent.sync_target()
            # log
            if state.step - last_log_step >= LOG_INTERVAL:
                now = time.perf_counter()
                sps = (state.step - last_log_step) / (now - last_log_time)
                last_log_step, last_log_time = state.step, now
                logger.scalar("charts/SPS", sps, state.step)
                if state.last_metrics:
                    for key in ("td_loss", "q_values", "grad_norm"):
                        logger.scalar(f"losses/{key}", state.last_metrics[key], state.step)
                    logger.scalar("charts/learning_rate", agent.optimizer.current_lr(), state.step)
                progress.update(LOG_INTERVAL * ((state.step - progress.n) // LOG_INTERVAL))
                progress.set_postfix(
                    ret=f"{np.mean(state.recent_returns or [0]):.1f}",
                    eps=f"{epsilon(state.step):.3f}",
                    sps=f"{sps:.0f}",
                )
            # evaluate and checkpoint
            if config.eval_every and state.step % config.eval_every < n:
                mean, std = do_evaluation(config.eval_episodes, len(state.evaluations))
                _log_histograms(logger, agent, buffer.states[: min(len(buffer), 256)], state.step)
                state.evaluations.append((state.step, mean, std))
                logger.scalar("eval/mean_return", mean, state.step)
                logger.scalar("eval/std_return", std, state.step)
                if threshold is not None and mean >= threshold:
                    if state.first_solved_step is None:
                        state.first_solved_step = state.step
                        state.first_solved_wall_seconds = base_wall + time.perf_counter() - started
                        state.first_solved_train_seconds = (
                            state.first_solved_wall_seconds - state.eval_seconds
                        )
                    if config.solved_lr_factor is not None:
                        agent.optimizer.lr_factor *= config.solved_lr_factor
                if state.best_eval_mean_return is None or mean > state.best_eval_mean_return:
                    state.best_eval_mean_return = mean
            if config.checkpoint_every and state.step % config.checkpoint_every < n:
                state.wall_seconds = base_wall + time.perf_counter() - started
                do_checkpoint()
        state.wall_seconds = base_wall + time.perf_counter() - started
        final_mean, final_std = do_evaluation(config.final_eval_episodes, 10**6)
        do_checkpoint()
        agent.save(run_dir / "model.npz")
    finally:
        progress.close()
        train_env.close()
        for env in eval_envs:
            env.close()
    summary = {
        "env": config.env,
        "algo": config.algo,
        "seed": config.seed,
        "total_steps": state.step,
        "wall_seconds": round(state.wall_seconds, 3),
        "steps_per_second": round(state.step / max(state.wall_seconds, 1e-9), 1),
        "eval_mean_return": final_mean,
        "eval_std_return": final_std,
        "first_solved_step": state.first_solved_step,
        "first_solved_wall_seconds": state.first_solved_wall_seconds,
        "first_solved_train_seconds": state.first_solved_train_seconds,
        "eval_seconds": round(state.eval_seconds, 3),
        "train_seconds": round(state.wall_seconds - state.eval_seconds, 3),
        "best_eval_mean_return": state.best_eval_mean_return,
        "reward_threshold": threshold,
        "episodes": state.episodes,
        "evaluations": [list(e) for e in state.evaluations],
        "run_dir": str(run_dir),
    }
    atomic_write(
        run_dir / "summary.json", lambda f: f.write(json.dumps(summary, indent=2).encode())
    )
    logger.scalar("eval/final_mean_return", final_mean, state.step)
    logger.hparams(
        {k: v for k, v in config.to_dict().items() if k not in ("logdir", "quiet", "resume")},
        {
            "eval/final_mean_return": final_mean,
            "eval/first_solved_step": float(state.first_solved_step or -1),
        },
    )
    if own_logger:
        logger.close()
    return summary


def _progress(config: Config, initial: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=config.total_steps,
        initial=initial,
        unit="step",
        desc=config.env,
        disable=config.quiet or not sys.stderr.isatty(),
        leave=False,
    )
