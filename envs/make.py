"""``make``: any gymnasium environment ready for the agents in one call."""

from __future__ import annotations

import difflib
import functools
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

SUPPORTED = (
    "the agents support a Discrete action space and a Box observation space "
    "(Discrete observations are one-hot encoded)"
)


class OneHotObservation(gym.ObservationWrapper):
    """Turns a Discrete observation into a one-hot float32 vector."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.n = int(env.observation_space.n)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(self.n,), dtype=np.float32)

    def observation(self, observation: int) -> np.ndarray:
        obs = np.zeros(self.n, dtype=np.float32)
        obs[int(observation)] = 1.0
        return obs


def check_spaces(env_id: str, observation_space: spaces.Space, action_space: spaces.Space) -> None:
    """Raise a ValueError naming the env and its spaces if the agents cannot serve them."""
    ok_obs = isinstance(observation_space, spaces.Box | spaces.Discrete)
    if not isinstance(action_space, spaces.Discrete) or not ok_obs:
        raise ValueError(
            f"{env_id} has action space {action_space} and observation space "
            f"{observation_space}; {SUPPORTED}"
        )


MINATAR_GAMES = ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders")


def _register_minatar(env_id: str) -> None:
    """MinAtar's games register with gymnasium only when ``minatar.gym.register_envs()`` is
    called (gymnasium 1.x picks up no entry point of theirs): call it for a MinAtar id."""
    if not env_id.startswith("MinAtar/") or env_id in gym.registry:
        return
    try:
        from minatar.gym import register_envs
    except ImportError:
        raise ValueError(
            f"{env_id} needs the minatar package: pip install 'rlnn[minatar]'"
        ) from None
    register_envs()


def _check_id(env_id: str) -> None:
    _register_minatar(env_id)
    if env_id in gym.registry:
        return
    close = difflib.get_close_matches(env_id, list(gym.registry), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"unknown environment id {env_id!r}{hint}")


def make_single(
    env_id: str,
    render_mode: str | None = None,
    max_episode_steps: int | None = None,
    **env_kwargs: Any,
) -> gym.Env:
    """One unseeded env with its spaces checked and episode statistics recorded."""
    import envs  # noqa: F401  (registers the rlnn/ environments)

    _check_id(env_id)
    with warnings.catch_warnings():
        # MinAtar's -v0 (all six actions, the paper's) is not outdated by its -v1 (minimal).
        warnings.filterwarnings("ignore", message=".*is out of date.*")
        env = gym.make(
            env_id, render_mode=render_mode, max_episode_steps=max_episode_steps, **env_kwargs
        )
    check_spaces(env_id, env.observation_space, env.action_space)
    if isinstance(env.observation_space, spaces.Discrete):
        env = OneHotObservation(env)
    return gym.wrappers.RecordEpisodeStatistics(env)


def make(
    env_id: str,
    seed: int | None = None,
    n_envs: int = 1,
    vectorization: str = "sync",
    render_mode: str | None = None,
    max_episode_steps: int | None = None,
    **env_kwargs: Any,
) -> gym.Env | gym.vector.VectorEnv:
    """Build a seeded environment (or vector environment) ready for the agents.

    Args:
        env_id: a registered gymnasium id (``"CartPole-v1"``, ``"rlnn/GridWorld-v0"``).
        seed: seeds the env (sub-env i of a vector env gets ``seed + i``) and its action space.
        n_envs: number of copies; above 1 a gymnasium vector env is returned.
        vectorization: ``"sync"`` (one process) or ``"async"`` (one process per env).
        render_mode: passed to ``gym.make``.
        max_episode_steps: overrides the registered time limit.
        **env_kwargs: passed to the env's constructor.

    Returns:
        The env, already reset once with the seed. Vector envs use gymnasium's SAME_STEP
        autoreset: when an episode ends, ``info["final_obs"]`` holds its last observation and
        the returned observation is the next episode's first.

    Raises:
        ValueError: unknown id (close ids are suggested), unsupported spaces, bad arguments.
    """
    if not isinstance(n_envs, int) or n_envs < 1:
        raise ValueError(f"make: n_envs must be a positive integer, got {n_envs!r}")
    if vectorization not in ("sync", "async"):
        raise ValueError(f"make: vectorization must be 'sync' or 'async', got {vectorization!r}")
    kwargs = dict(render_mode=render_mode, max_episode_steps=max_episode_steps, **env_kwargs)
    if n_envs == 1:
        env = make_single(env_id, **kwargs)
        env.reset(seed=seed)
        env.action_space.seed(seed)
        return env
    make_single(env_id, **kwargs).close()  # fail fast, in this process, on a bad id or space
    vector_cls = gym.vector.SyncVectorEnv if vectorization == "sync" else gym.vector.AsyncVectorEnv
    # partial, not a lambda: a SyncVectorEnv then pickles (checkpoints hold the envs).
    env = vector_cls(
        [functools.partial(make_single, env_id, **kwargs) for _ in range(n_envs)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    env.reset(seed=seed)
    env.action_space.seed(seed)
    return env
