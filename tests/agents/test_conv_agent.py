"""DQN-family agents with a convolutional torso: the net-arch spelling, the networks it builds,
updates, save/load, and the command line."""

import numpy as np
import pytest
from gymnasium import spaces

import rlnn
from agents.dqn import DQN, Rainbow
from agents.networks import split_net_arch
from agents.replay import ReplayBuffer
from scripts.train_dqn import parse_args
from tests.agents.test_train import cli

IMAGES = spaces.Box(0, 1, shape=(6, 6, 3), dtype=bool)  # MinAtar-like: boolean NHWC planes
ACTIONS = spaces.Discrete(4)


@pytest.mark.parametrize(
    ("net_arch", "convs", "hidden"),
    [
        (["c16k3", 128], [{"out_channels": 16, "kernel_size": 3, "stride": 1, "padding": 0}],
         [128]),
        (["c32k8s4", "C64k4s2p1", 512, 256],
         [{"out_channels": 32, "kernel_size": 8, "stride": 4, "padding": 0},
          {"out_channels": 64, "kernel_size": 4, "stride": 2, "padding": 1}], [512, 256]),
        ([64, 64], [], [64, 64]),
    ],
)  # fmt: skip
def test_net_arch_spells_convolutions_then_dense_sizes(net_arch, convs, hidden):
    assert split_net_arch(net_arch) == (convs, hidden)


@pytest.mark.parametrize(
    ("net_arch", "where"),
    [([64, "c16k3"], " (convolutions come first)"), (["c16"], ""), (["conv"], ""), ([0], "")],
)
def test_bad_net_arch_says_how_to_write_it(net_arch, where):
    with pytest.raises(ValueError) as error:
        split_net_arch(net_arch)
    assert str(error.value) == (
        "net-arch must list positive layer sizes, after any convolutions written "
        f"c<filters>k<kernel>[s<stride>][p<padding>] (e.g. c16k3,128){where}, got {net_arch}"
    )


def batch_of(rng, n=16):
    buffer = ReplayBuffer(64, IMAGES.shape, IMAGES.dtype, seed=0)
    for _ in range(64):
        buffer.add_batch(
            rng.random((1, *IMAGES.shape)) < 0.3,
            rng.integers(4, size=1),
            rng.standard_normal(1).astype(np.float32),
            rng.random((1, *IMAGES.shape)) < 0.3,
            rng.random(1) < 0.1,
        )
    assert buffer.states.dtype == np.bool_  # one byte per pixel in replay
    return buffer.sample(n)


@pytest.mark.parametrize("cls", [DQN, Rainbow])
def test_conv_agents_build_update_and_save(cls, rng, tmp_path):
    kwargs = {"v_min": -5.0, "v_max": 5.0} if cls is Rainbow else {}
    agent = cls(IMAGES, ACTIONS, seed=0, net_arch=["c8k3", 32], learning_rate=1e-3, **kwargs)
    kinds = [type(layer).__name__ for layer in agent.online.layers]
    assert kinds[:2] == ["Conv2D", "Flatten"]
    batch = batch_of(rng)
    assert agent.q_values(batch.states).shape == (16, 4)
    before = [p.value.copy() for p in agent.online.parameters()]
    metrics = agent.update(batch)
    assert np.isfinite(metrics["td_loss"]) and np.isfinite(metrics["grad_norm"])
    conv = agent.online.layers[0]
    assert not np.array_equal(conv.weight.value, before[0])  # the torso learns too
    agent.save(tmp_path / "conv.npz")
    again = cls.load(tmp_path / "conv.npz", IMAGES, ACTIONS)
    np.testing.assert_array_equal(again.q_values(batch.states), agent.q_values(batch.states))


def test_a_conv_q_network_passes_gradcheck(rng):
    agent = DQN(IMAGES, ACTIONS, seed=0, net_arch=["c4k3", "c2k2p1", 8], dueling=True)
    x = (rng.random((2, *IMAGES.shape)) < 0.5).astype(np.float64)
    result = rlnn.gradcheck(agent.online, x)
    assert result.passed, str(result)


def test_the_cli_takes_conv_specs_and_refuses_them_for_vector_observations(tmp_path):
    assert parse_args(["--net-arch", "c16k3,128"]).net_arch == ["c16k3", 128]
    out = cli("--env", "CartPole-v1", "--net-arch", "c16k3,128", "--logdir", str(tmp_path))
    assert out.returncode == 2
    assert (
        "net-arch convolutions need image observations (height, width, channels), got "
        "observation shape (4,)" in out.stderr
    )
    assert not list(tmp_path.iterdir())
    bad = cli("--env", "CartPole-v1", "--net-arch", "64,c16k3", "--logdir", str(tmp_path))
    assert bad.returncode == 2 and "convolutions come first" in bad.stderr
