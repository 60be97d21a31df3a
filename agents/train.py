"""The DQN training loop: it owns time (steps, exploration, updates, syncs, evaluation,
checkpoints, logging); the agent owns only the networks and the update.

:class:`Run` holds one run's parts and its state, and reads as the loop's phases (collect,
store, learn, sync, log, evaluate and checkpoint), one method each, in CleanRL's order with
Dopamine's Runner shape: a plain run, a resumed run and a Ray trial that reports every
evaluation are the same object with different hooks. :func:`train` is the one-call form.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

import envs
import rlnn
from agents.checkpoint import (
    find_or_create_run_dir,
    latest_checkpoint,
    load_checkpoint,
    run_dir_name,
    save_checkpoint,
)
from agents.config import Config, exploration_steps, make_agent, make_buffer
from agents.dqn import DQN
from agents.evaluation import evaluate
from agents.nstep import NStepAccumulator
from agents.run_state import Report, Reporter, RunState, progress_bar, run_summary
from envs.vector import SingleEnv, real_next_observations
from rlnn.io import atomic_write
from rlnn.monitoring import Logger, TensorBoardLogger

# Checkpoints written before the split pickled agents.train.SingleEnv and agents.train.RunState:
# both stay importable from here.
__all__ = ["Report", "Reporter", "Run", "RunState", "SingleEnv", "TrainingError", "train"]
__all__ += ["find_or_create_run_dir", "make_buffer", "real_next_observations", "run_dir_name"]

LOG_INTERVAL = 1000  # environment steps between loss / SPS scalars


class TrainingError(RuntimeError):
    """Training stopped (a non-finite loss); the message names the step and the checkpoint."""


def _make_train_env(config: Config):
    if config.n_envs == 1:
        return SingleEnv(envs.make(config.env, seed=config.seed))
    return envs.make(config.env, seed=config.seed, n_envs=config.n_envs)


def _log_histograms(logger: Logger, agent: DQN, states: np.ndarray, step: int) -> None:
    """Q-values on a slice of replay and every layer's weights (at each evaluation)."""
    logger.histogram("q_values/all", agent.q_values(states), step)
    for name, p in agent.online.named_parameters().items():
        logger.histogram(f"weights/{name}", p.value, step)


class Run:
    """One training run: the env, agent, replay and schedules, the state a checkpoint saves,
    and the loop's phases.

    Args:
        config: the run's configuration (validated here).
        run_dir: where the run writes; default: a new ``<logdir>/<env>__<algo>__seed<k>__<time>``
            (with ``config.resume``, the newest existing one).
        logger: where scalars go; default: TensorBoard events in ``run_dir``.
        reporter: called after each evaluation and checkpoint, and once at the end.
        resume_from: a checkpoint file to continue from; default: with ``config.resume``, the
            newest checkpoint of ``run_dir``.

    Raises:
        ValueError: a bad config value, env id or env space (the message names it).
    """

    def __init__(
        self,
        config: Config,
        run_dir: Path | None = None,
        logger: Logger | None = None,
        reporter: Reporter | None = None,
        resume_from: Path | None = None,
    ) -> None:
        config.validate()
        self.config = config
        self.reporter = reporter
        self.train_env = _make_train_env(config)
        obs_space = self.train_env.single_observation_space
        act_space = self.train_env.single_action_space
        spec = self.train_env.spec
        self.threshold = spec.reward_threshold if spec is not None else None
        self.eval_envs = [
            envs.make(config.env)
            for _ in range(max(config.eval_episodes, config.final_eval_episodes))
        ]
        self.agent = make_agent(config, obs_space, act_space)  # a bad net-arch: before any file
        if run_dir is None:
            run_dir = find_or_create_run_dir(config)
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.buffer = make_buffer(config, obs_space)
        self.n_step = NStepAccumulator(config.n_step, config.gamma, config.n_envs)
        self.epsilon = (
            rlnn.schedules.Constant(0.0)  # noisy networks explore by themselves
            if config.noisy
            else rlnn.schedules.Linear(
                config.exploration_initial_eps,
                config.exploration_final_eps,
                exploration_steps(config),
            )
        )
        self.beta = rlnn.schedules.Linear(config.prioritized_beta, 1.0, config.total_steps)
        self.sync_every = max(config.target_update_interval // config.n_envs, 1)
        self.state = RunState()
        if resume_from is None and config.resume:
            resume_from = latest_checkpoint(self.run_dir)
        if resume_from is not None:
            self._restore(Path(resume_from))
        else:
            self.obs, _ = self.train_env.reset(seed=config.seed)
            atomic_write(
                self.run_dir / "config.json",
                lambda f: f.write(json.dumps(config.to_dict(), indent=2).encode()),
            )
        self.own_logger = logger is None
        self.logger = logger or TensorBoardLogger(str(self.run_dir))
        if resume_from is None:
            self.logger.text("config", "```\n" + json.dumps(config.to_dict(), indent=2) + "\n```")

    def _restore(self, checkpoint: Path) -> None:
        saved = load_checkpoint(checkpoint)
        self.agent.load_state_dict(saved["agent"])
        self.buffer.load_state_dict(saved["buffer"])
        self.n_step.load_state_dict(saved["n_step"])
        self.train_env.close()
        self.train_env, self.obs, self.state = saved["env"], saved["obs"], saved["run"]
        self.state.resumed_from.append(self.state.step)

    # The loop ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Train to ``total_steps``, evaluate the final weights, save; returns the summary.

        Raises:
            TrainingError: the loss became NaN or inf (the message names the step).
        """
        config, state = self.config, self.state
        self._progress = progress_bar(config, state.step)
        self._started = time.perf_counter()
        self._base_wall = state.wall_seconds
        self._last_log = (state.step, self._started)
        try:
            while state.step < config.total_steps and not self.stopped:
                actions = self.act()
                self.collect(actions)
                self.learn()
                if state.iteration % self.sync_every == 0:
                    self.agent.sync_target()
                self.log()
                self.evaluate_and_checkpoint()
            state.wall_seconds = self._wall()
            returns = self._evaluate(config.final_eval_episodes, 10**6)
            final = float(returns.mean()), float(returns.std())
            checkpoint = self._checkpoint()
            self.agent.save(self.run_dir / "model.npz")
        finally:
            self._progress.close()
            self.close()
        summary = self.finish(final)
        self._report(checkpoint, done=True, metrics=summary)
        return summary

    @property
    def stopped(self) -> bool:
        """A ``solved_lr_factor`` of 0 has stopped learning: the run ends at that evaluation."""
        return self.agent.optimizer.lr_factor == 0.0

    def act(self) -> np.ndarray:
        """Uniform random actions until ``learning_starts``, then the agent's
        epsilon-greedy (or noisy-greedy) actions, one per env."""
        if self.state.step < self.config.learning_starts:
            return self.agent.random_actions(self.config.n_envs)
        return self.agent.act_batch(self.obs, self.epsilon(self.state.step))

    def collect(self, actions: np.ndarray) -> None:
        """Step the envs, count finished episodes and store the transitions."""
        state, n = self.state, self.config.n_envs
        next_obs, rewards, terminated, truncated, infos = self.train_env.step(actions)
        # store the real last observation of an episode, not the next episode's first
        done = terminated | truncated
        real_next = real_next_observations(next_obs, done, infos)
        if done.any():
            self._episodes_ended(infos["final_info"]["episode"], done)
        if self.config.n_step == 1:
            self.buffer.add_batch(self.obs, actions, rewards, real_next, terminated)
        else:
            ready = self.n_step.push(self.obs, actions, rewards, real_next, terminated, truncated)
            if ready is not None:
                self.buffer.add_batch(*ready)
        self.obs = next_obs
        state.step += n
        state.iteration += 1

    def _episodes_ended(self, episode: dict[str, np.ndarray], done: np.ndarray) -> None:
        state, step = self.state, self.state.step + self.config.n_envs
        for i in np.flatnonzero(done):
            ret, length = float(episode["r"][i]), int(episode["l"][i])
            state.episodes += 1
            state.recent_returns = (state.recent_returns + [ret])[-20:]
            self.logger.scalar("charts/episodic_return", ret, step)
            self.logger.scalar("charts/episodic_length", length, step)
            self.logger.scalar("charts/epsilon", self.epsilon(state.step), step)

    def learn(self) -> None:
        """One training phase of ``gradient_steps`` updates every ``train_freq`` iterations,
        once past ``learning_starts`` and the buffer holds a batch."""
        config, state = self.config, self.state
        if (
            state.step <= config.learning_starts
            or state.iteration % config.train_freq != 0
            or len(self.buffer) < config.batch_size
        ):
            return
        try:
            state.last_metrics = self.agent.learn(
                self.buffer, config.gradient_steps, config.batch_size, self.beta(state.step)
            )
        except FloatingPointError as error:
            last = latest_checkpoint(self.run_dir)
            raise TrainingError(
                f"{error} at step {state.step}; training stopped, the last good "
                f"checkpoint is {last if last else 'none (none was written yet)'}"
            ) from None

    def log(self) -> None:
        """Every LOG_INTERVAL steps: steps per second, the last losses, the progress bar."""
        state, logger = self.state, self.logger
        last_step, last_time = self._last_log
        if state.step - last_step < LOG_INTERVAL:
            return
        now = time.perf_counter()
        sps = (state.step - last_step) / (now - last_time)
        self._last_log = (state.step, now)
        logger.scalar("charts/SPS", sps, state.step)
        if state.last_metrics:
            for key in ("td_loss", "q_values", "grad_norm"):
                value = state.last_metrics[key]
                if not math.isnan(value):  # grad_norm is NaN when clipping is off
                    logger.scalar(f"losses/{key}", value, state.step)
            logger.scalar("charts/learning_rate", self.agent.optimizer.current_lr(), state.step)
        progress = self._progress
        progress.update(LOG_INTERVAL * ((state.step - progress.n) // LOG_INTERVAL))
        progress.set_postfix(
            ret=f"{np.mean(state.recent_returns or [0]):.1f}",
            eps=f"{self.epsilon(state.step):.3f}",
            sps=f"{sps:.0f}",
        )

    def evaluate_and_checkpoint(self) -> None:
        """Greedy evaluation every ``eval_every`` steps, a checkpoint every
        ``checkpoint_every``; the reporter hears of either."""
        config, state, n = self.config, self.state, self.config.n_envs
        evaluated = bool(config.eval_every) and state.step % config.eval_every < n
        if evaluated:
            self._periodic_evaluation()
        checkpoint = None
        if config.checkpoint_every and state.step % config.checkpoint_every < n:
            state.wall_seconds = self._wall()
            checkpoint = self._checkpoint()
        if evaluated or checkpoint is not None:
            self._report(checkpoint)

    def _periodic_evaluation(self) -> None:
        state, logger, agent = self.state, self.logger, self.agent
        returns = self._evaluate(self.config.eval_episodes, len(state.evaluations))
        mean, std = float(returns.mean()), float(returns.std())
        _log_histograms(logger, agent, self.buffer.states[: min(len(self.buffer), 256)], state.step)
        state.evaluations.append((state.step, mean, std))
        logger.scalar("eval/mean_return", mean, state.step)
        logger.scalar("eval/std_return", std, state.step)
        if self.threshold is not None and mean >= self.threshold:
            if state.first_solved_step is None:
                state.first_solved_step = state.step
                state.first_solved_wall_seconds = self._wall()
                state.first_solved_train_seconds = (
                    state.first_solved_wall_seconds - state.eval_seconds
                )
            solved = returns.min() if self.config.solved_when == "all" else mean
            if self.config.solved_lr_factor is not None and solved >= self.threshold:
                agent.optimizer.lr_factor *= self.config.solved_lr_factor
        if state.best_eval_mean_return is None or mean > state.best_eval_mean_return:
            state.best_eval_mean_return = mean

    def _evaluate(self, episodes: int, index: int) -> np.ndarray:
        began = time.perf_counter()
        seed = self.config.seed
        seeds = [10_000 + seed * 1_000_003 + index * episodes + k for k in range(episodes)]
        returns = evaluate(self.agent, self.eval_envs[:episodes], seeds)
        self.state.eval_seconds += time.perf_counter() - began
        return returns

    def _checkpoint(self) -> Path:
        return save_checkpoint(
            self.run_dir,
            self.state.step,
            {
                "config": self.config.to_dict(),
                "agent": self.agent.state_dict(),
                "buffer": self.buffer.state_dict(),
                "n_step": self.n_step.state_dict(),
                "env": self.train_env,
                "obs": self.obs,
                "run": self.state,
            },
        )

    def _report(
        self, checkpoint: Path | None, done: bool = False, metrics: dict | None = None
    ) -> None:
        if self.reporter is None:
            return
        state = self.state
        if metrics is None:
            last = state.evaluations[-1] if state.evaluations else (None, None, None)
            metrics = {
                "step": state.step,
                "eval_mean_return": last[1],
                "eval_std_return": last[2],
                "first_solved_step": state.first_solved_step,
                "episodes": state.episodes,
            }
        self.reporter(Report(state.step, self.config.total_steps, metrics, checkpoint, done))

    def _wall(self) -> float:
        return self._base_wall + time.perf_counter() - self._started

    def close(self) -> None:
        """Close the envs (the logger stays open until :meth:`finish`)."""
        self.train_env.close()
        for env in self.eval_envs:
            env.close()

    # The end ----------------------------------------------------------------------------

    def finish(self, final: tuple[float, float]) -> dict[str, Any]:
        """Write summary.json and the final scalars; returns the summary."""
        config, state, logger = self.config, self.state, self.logger
        final_mean, final_std = final
        summary = run_summary(config, state, final, self.threshold, self.run_dir)
        summary["stopped_at"] = state.step if self.stopped else None
        atomic_write(
            self.run_dir / "summary.json",
            lambda f: f.write(json.dumps(summary, indent=2).encode()),
        )
        logger.scalar("eval/final_mean_return", final_mean, state.step)
        logger.hparams(
            {k: v for k, v in config.to_dict().items() if k not in ("logdir", "quiet", "resume")},
            {
                "eval/final_mean_return": final_mean,
                "eval/first_solved_step": float(state.first_solved_step or -1),
            },
        )
        if self.own_logger:
            logger.close()
        return summary


def train(
    config: Config,
    logger: Logger | None = None,
    *,
    run_dir: Path | None = None,
    reporter: Reporter | None = None,
    resume_from: Path | None = None,
) -> dict[str, Any]:
    """Train, evaluate, checkpoint and log one run; returns the summary (also summary.json).

    The arguments are :class:`Run`'s.

    Raises:
        ValueError: a bad config value, env id or env space (the message names it).
        TrainingError: the loss became NaN or inf (the message names the step).
    """
    return Run(config, run_dir, logger, reporter, resume_from).run()
