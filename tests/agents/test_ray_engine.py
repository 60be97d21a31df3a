"""Seeds on Ray Tune: a real cluster on loopback, a worker SIGKILLed mid-run, Ctrl-C of the
driver, group resume, and a sweep; every seed must end as its uninterrupted one-BLAS-thread
run does, and no Ray process may outlive the command."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import rlnn
from tests.agents.test_seeds import LEARNED

ROOT = Path(__file__).resolve().parents[2]
RAY = Path(sys.executable).with_name("ray")
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}  # keeps Ray on 127.0.0.1
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SEEDS = [0, 1, 2, 3]
RUN = [
    "--env", "CartPole-v1", "--total-steps", "12000", "--learning-starts", "500",
    "--learning-rate", "1e-3", "--target-update-interval", "500",
    "--train-freq", "1", "--gradient-steps", "1", "--batch-size", "32", "--net-arch", "32",
    "--eval-every", "2000", "--eval-episodes", "3", "--final-eval-episodes", "3",
    "--checkpoint-every", "1000", "--quiet",
]  # fmt: skip

pytest.importorskip("ray", reason="the dev extra installs ray[tune]; pip install -e '.[dev]'")


def train_dqn(*args, env_vars=None):
    return [sys.executable, str(ROOT / "scripts" / "train_dqn.py"), *args], {
        **os.environ,
        **LOOPBACK,
        **(env_vars or {}),
    }


def run(*args, env_vars=None, timeout=300):
    command, env = train_dqn(*args, env_vars=env_vars)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def ray_daemons() -> set[int]:
    """PIDs of Ray's daemons on this machine (raylet, gcs_server)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"raylet" in cmdline or b"gcs_server" in cmdline:
                found.add(int(entry.name))
    return found


def wait_until_gone(pids: set[int], seconds: float = 20.0) -> set[int]:
    deadline = time.time() + seconds
    while time.time() < deadline and pids & ray_daemons():
        time.sleep(0.2)
    return pids & ray_daemons()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[int, Path]:
    """Each seed's uninterrupted run with one BLAS thread (what a Ray trial uses)."""
    logdir = tmp_path_factory.mktemp("reference")
    out = run(
        *RUN, "--seeds", "0-3", "--engine", "local", "--logdir", str(logdir), env_vars=ONE_THREAD
    )
    assert out.returncode == 0, out.stderr
    (group,) = logdir.iterdir()
    return {seed: group / f"seed{seed}" for seed in SEEDS}


def assert_same_run(run_dir: Path, reference_dir: Path) -> dict:
    summary = json.loads((run_dir / "summary.json").read_text())
    expected = json.loads((reference_dir / "summary.json").read_text())
    assert {k: summary[k] for k in LEARNED} == {k: expected[k] for k in LEARNED}
    a = rlnn.load(reference_dir / "model.npz").state_dict()
    b = rlnn.load(run_dir / "model.npz").state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    return summary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_head(tmp_path):
    """A Ray head on loopback that this test owns; ended with SIGTERM to the `ray start`
    process itself (never `ray stop`, which stops every Ray on the machine)."""
    port = free_port()
    before = ray_daemons()
    log = open(tmp_path / "head.log", "w")
    head = subprocess.Popen(
        [str(RAY), "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", "--disable-usage-stats"],
        env={**os.environ, **LOOPBACK},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        head.kill()
        pytest.fail(f"the Ray head did not listen on {port}: {(tmp_path / 'head.log').read_text()}")
    yield f"127.0.0.1:{port}"
    mine = ray_daemons() - before
    head.send_signal(signal.SIGTERM)
    try:
        head.wait(timeout=30)
    except subprocess.TimeoutExpired:
        head.kill()
    left = wait_until_gone(mine, 10)
    if left:  # only then the group: signalling it at once races the head's own shutdown
        os.killpg(head.pid, signal.SIGKILL)
    log.close()
    assert not left, f"the Ray head left {left} running"


def test_a_killed_worker_resumes_from_its_checkpoint_and_ends_as_if_never_killed(
    tmp_path, ray_head, reference
):
    logdir = tmp_path / "runs"
    command, env = train_dqn(*RUN, "--seeds", "0-3", "--address", ray_head, "--logdir", str(logdir))
    driver = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    victim, deadline = None, time.time() + 120
    while victim is None and time.time() < deadline and driver.poll() is None:
        for seed_dir in sorted(logdir.glob("*/seed*")):
            if list(seed_dir.glob("checkpoints/*.pkl")) and (seed_dir / "worker.json").exists():
                victim = seed_dir
                break
        time.sleep(0.02)
    assert victim is not None, "no trial wrote a checkpoint"
    worker = json.loads((victim / "worker.json").read_text())
    assert set(worker["blas_threads"].values()) == {"1"}  # set before NumPy loaded there
    os.kill(worker["pid"], signal.SIGKILL)
    stdout, stderr = driver.communicate(timeout=300)
    assert driver.returncode == 0, stderr
    assert f"{victim.name}: The actor died unexpectedly" in stderr
    assert "retrying from its last checkpoint" in stderr
    (group,) = logdir.iterdir()
    results = json.loads((group / "results.json").read_text())
    assert results["seeds"] == SEEDS
    for seed in SEEDS:
        summary = assert_same_run(group / f"seed{seed}", reference[seed])
        if group / f"seed{seed}" == victim:
            assert summary["resumed_from"] and summary["resumed_from"][0] >= 1000
        else:
            assert summary["resumed_from"] == []
        assert results["per_seed"][seed] == summary
    assert "IQM" in stdout
    # `tensorboard --logdir <group>` shows the seeds side by side, and nothing of Ray's
    from tensorboard.backend.event_processing.plugin_event_multiplexer import EventMultiplexer

    runs = EventMultiplexer().AddRunsFromDirectory(str(group)).Runs()
    assert sorted({run.split("/")[0] for run in runs}) == [f"seed{seed}" for seed in SEEDS]


def test_ctrl_c_leaves_no_ray_process_and_resume_finishes_the_group(tmp_path, reference):
    before = ray_daemons()
    command, env = train_dqn(*RUN, "--seeds", "0-1", "--logdir", str(tmp_path))
    driver = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob("*/seed*/checkpoints/*.pkl")):
        time.sleep(0.02)
    assert driver.poll() is None, "the group ended before it could be interrupted"
    started = ray_daemons() - before
    assert started, "the embedded Ray instance was not found running"
    driver.send_signal(signal.SIGINT)
    _, stderr = driver.communicate(timeout=120)
    assert driver.returncode == 130, stderr
    assert "interrupted; continue with --resume" in stderr
    assert not wait_until_gone(started), "Ray daemons outlived the command"
    (group,) = tmp_path.iterdir()
    assert not (group / "results.json").exists()
    resumed = run(*RUN, "--seeds", "0-1", "--resume", "--logdir", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    results = json.loads((group / "results.json").read_text())
    assert results["seeds"] == [0, 1]
    resumed_from = [
        assert_same_run(group / f"seed{s}", reference[s])["resumed_from"] for s in (0, 1)
    ]
    assert any(resumed_from), "no seed continued from a checkpoint"
    assert not wait_until_gone(ray_daemons() - before)


def test_a_sweep_on_ray_runs_every_configuration_and_seed(tmp_path):
    before = ray_daemons()
    sweep = tmp_path / "chain.toml"
    sweep.write_text(
        'env = "rlnn/Chain-v0"\nseeds = "0-1"\ntotal_steps = 1500\neval_every = 500\n'
        "[grid]\nlearning_rate = [3e-3, 1e-3]\n"
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sweep.py"), str(sweep), "--workers", "2",
         "--logdir", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=300, env={**os.environ, **LOOPBACK},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (directory,) = (tmp_path / "runs").iterdir()
    rows = json.loads((directory / "sweep.json").read_text())
    assert sorted(r["label"] for r in rows) == ["learning_rate=0.001", "learning_rate=0.003"]
    for row in rows:
        assert row["seeds"] == [0, 1]
        for seed in (0, 1):
            summary = json.loads(
                (Path(row["directory"]) / f"seed{seed}" / "summary.json").read_text()
            )
            assert summary["total_steps"] == 1500 and summary["resumed_from"] == []
    assert not wait_until_gone(ray_daemons() - before)


def test_ray_is_found_next_to_this_python():
    assert RAY.exists() or shutil.which("ray"), "the ray command of ray[tune] is missing"
