"""TensorBoard output read back three ways: EventAccumulator, the real tensorboard server's
HTTP data API, and plot_runs.py's PNG."""

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from agents.config import make_config
from agents.train import train
from rlnn.monitoring import MemoryLogger, StdoutLogger, TensorBoardLogger

ROOT = Path(__file__).resolve().parents[2]
DQN_TAGS = {
    "charts/episodic_return",
    "charts/episodic_length",
    "charts/epsilon",
    "charts/SPS",
    "losses/td_loss",
    "losses/q_values",
    "losses/grad_norm",
    "eval/mean_return",
    "eval/std_return",
}
SHORT = dict(
    total_steps=2000,
    learning_starts=200,
    batch_size=16,
    buffer_size=2000,
    train_freq=1,
    gradient_steps=1,
    target_update_interval=100,
    net_arch=[16],
    eval_every=500,
    eval_episodes=2,
    final_eval_episodes=2,
    checkpoint_every=0,
    solved_lr_factor=None,  # every run logs all four evaluations (the preset may stop at one)
    quiet=True,
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    summaries = [
        train(make_config("CartPole-v1", algo=algo, seed=seed, logdir=str(root), **SHORT))
        for algo in ("dqn", "ddqn")
        for seed in (0, 1)
    ]
    return root, [Path(s["run_dir"]) for s in summaries]


def test_event_files_hold_every_tag_with_sensible_values(runs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, run_dirs = runs
    acc = EventAccumulator(str(run_dirs[0]), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert DQN_TAGS <= set(tags["scalars"])
    returns = [e.value for e in acc.Scalars("charts/episodic_return")]
    assert all(8 <= r <= 500 for r in returns)
    eps = [e.value for e in acc.Scalars("charts/epsilon")]
    assert all(0 <= e <= 1 for e in eps) and eps[0] >= eps[-1]
    assert [e.step for e in acc.Scalars("eval/mean_return")] == [500, 1000, 1500, 2000]
    assert all(e.value > 0 for e in acc.Scalars("charts/SPS"))
    assert any(t.startswith("weights/") for t in tags["histograms"])
    assert "q_values/all" in tags["histograms"]


def test_config_is_logged_as_text_and_hparams(runs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, run_dirs = runs
    acc = EventAccumulator(str(run_dirs[0]), size_guidance={"tensors": 0})
    acc.Reload()
    assert "config/text_summary" in acc.Tags()["tensors"]
    text = acc.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert '"total_steps": 2000' in text
    # The HPARAMS plugin's session files sit in the run directory.
    hparams = [p for p in run_dirs[0].rglob("events.out.tfevents.*")]
    assert any(b"hparams" in p.read_bytes() for p in hparams)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tensorboard_server_serves_a_scalar_series(runs):
    root, run_dirs = runs
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            str(root),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        run = run_dirs[0].name
        query = urllib.parse.urlencode({"run": run, "tag": "eval/mean_return"})
        url = f"{base}/data/plugin/scalars/scalars?{query}"
        deadline, data = time.time() + 90, None
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    data = json.loads(response.read())
                    if data:
                        break
            except (OSError, ValueError):
                time.sleep(0.5)
        assert data, "tensorboard did not serve the scalars in time"
        assert [step for _, step, _ in data] == [500, 1000, 1500, 2000]
        with urllib.request.urlopen(f"{base}/data/runs", timeout=5) as response:
            assert run in json.loads(response.read())
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_plot_runs_writes_a_png(runs, tmp_path):
    _, run_dirs = runs
    out = tmp_path / "curves.png"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "plot_runs.py"),
            *map(str, run_dirs),
            "--out",
            str(out),
            "--threshold",
            "475",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_plot_runs_rejects_a_missing_tag(runs, tmp_path):
    _, run_dirs = runs
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "plot_runs.py"),
            str(run_dirs[0]),
            "--tag",
            "nope",
            "--out",
            str(tmp_path / "x.png"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "has no scalar 'nope'" in result.stderr


def test_loggers_share_one_interface(tmp_path, capsys):
    for logger in (MemoryLogger(), StdoutLogger(), TensorBoardLogger(str(tmp_path))):
        with logger as log:
            log.scalar("a/b", 1.5, 3)
            log.scalars({"c": 2.0}, 4)
            log.histogram("h", np.arange(10.0), 5)
            log.text("t", "hello")
            log.hparams({"lr": 0.1, "net": [64, 64]}, {"score": 1.0})
    assert "step 3 a/b=1.5" in capsys.readouterr().out
    assert list(tmp_path.glob("**/events.out.tfevents.*"))


def _scalars(run_dir, tag):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    acc.Reload()
    return [(e.step, e.value) for e in acc.Scalars(tag)] if tag in acc.Tags()["scalars"] else []


def test_tensorboard_logger_writes_in_the_calling_thread_and_flushes_on_time(tmp_path):
    import threading

    before = set(threading.enumerate())
    logger = TensorBoardLogger(str(tmp_path), flush_secs=3600)
    for step in range(200):
        logger.scalar("x", step * 0.5, step)
    assert set(threading.enumerate()) <= before  # no writer threads to wake per record
    assert len(_scalars(tmp_path, "x")) < 200  # buffered: the tail waits for a flush
    logger.flush()
    assert _scalars(tmp_path, "x") == [(s, s * 0.5) for s in range(200)]
    logger.flush_secs = 0.0  # every record now finds its flush time passed
    logger.scalar("x", 1000.0, 200)
    assert _scalars(tmp_path, "x")[-1] == (200, 1000.0)
    logger.close()
    logger.close()  # a second close is harmless


def test_a_second_tensorboard_logger_on_one_directory_keeps_the_first_file(tmp_path):
    # a resumed run opens a new logger on its run directory, possibly in the same second
    with TensorBoardLogger(str(tmp_path)) as first:
        first.scalar("x", 1.0, 1)
    with TensorBoardLogger(str(tmp_path)) as second:
        second.scalar("x", 2.0, 2)
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 2
    assert _scalars(tmp_path, "x") == [(1, 1.0), (2, 2.0)]
