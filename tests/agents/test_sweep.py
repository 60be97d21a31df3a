"""Sweep files: what they may say, the configurations they expand to, and a sweep's outputs."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agents.sweep import label, load_sweep

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_grid_crosses_its_lists_over_the_fixed_values(tmp_path):
    sweep = load_sweep(
        write(
            tmp_path,
            'env = "Acrobot-v1"\nseeds = "0-2,7"\nbatch_size = 64\n'
            "[grid]\nnet_arch = [[64], [128, 128]]\nlearning_rate = [1e-3, 2e-3, 3]\n",
        )
    )
    assert sweep.seeds == [0, 1, 2, 7]
    assert len(sweep.variants) == 6
    assert sweep.variants[0] == {"net_arch": [64], "learning_rate": 1e-3}
    assert sweep.variants[-1] == {"net_arch": [128, 128], "learning_rate": 3.0}  # int -> float
    configs = sweep.configs("runs", quiet=True)
    assert [c.env for c in configs] == ["Acrobot-v1"] * 6
    assert all(c.batch_size == 64 for c in configs)
    # Acrobot's preset fills what the file leaves out
    assert configs[0].target_update_interval == 250
    assert label(sweep.variants[3]) == "net_arch=128,128 learning_rate=0.001"


def test_random_draws_are_seeded_and_within_their_ranges(tmp_path):
    text = (
        "[grid]\nalgo = ['dqn', 'ddqn']\n"
        "[random]\nsamples = 5\nseed = 3\n"
        "learning_rate = { log_uniform = [1e-4, 1e-2] }\n"
        "gamma = { uniform = [0.9, 0.99] }\n"
        "batch_size = { choice = [32, 64] }\n"
        "gradient_steps = { int_uniform = [1, 4] }\n"
    )
    a, b = load_sweep(write(tmp_path, text)), load_sweep(write(tmp_path, text, "again.toml"))
    assert a.variants == b.variants
    assert len(a.variants) == 10
    assert [v["algo"] for v in a.variants] == ["dqn"] * 5 + ["ddqn"] * 5
    for v in a.variants:
        assert 1e-4 <= v["learning_rate"] <= 1e-2
        assert 0.9 <= v["gamma"] <= 0.99
        assert v["batch_size"] in (32, 64)
        assert v["gradient_steps"] in (1, 2, 3, 4) and isinstance(v["gradient_steps"], int)
    assert len({v["learning_rate"] for v in a.variants[:5]}) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("env = [unclosed", "not valid TOML"),
        ("[grid]\nlerning_rate = [1e-3]\n", "[grid] unknown Config field 'lerning_rate'; "
         "did you mean 'learning_rate'?"),
        ("gama = 0.9\n[grid]\nbatch_size = [32]\n", "unknown Config field 'gama'"),
        ("[grid]\nlearning_rate = ['fast']\n", "[grid] learning_rate: expected float, got str "
         "'fast'"),
        ("batch_size = 1.5\n[grid]\ngamma = [0.9]\n", "batch_size: expected int, got float 1.5"),
        ("[grid]\nnet_arch = [64]\n", "[grid] net_arch: expected list of int (or conv specs "
         "such as 'c16k3' for net_arch), got int 64"),
        ("[grid]\ndueling = [1]\n", "[grid] dueling: expected bool, got int 1"),
        ("[grid]\ngamma = 0.9\n", "[grid] gamma: expected a non-empty list of values, got 0.9"),
        ("[grid]\ngamma = []\n", "[grid] gamma: expected a non-empty list"),
        ('env = "CartPole-v1"\n', "no [grid] table; expected [grid] mapping Config fields"),
        ("seed = 3\n[grid]\ngamma = [0.9]\n", "seed cannot be set in a sweep file"),
        ("seeds = '4-2'\n[grid]\ngamma = [0.9]\n", "seeds: a range runs from low to high"),
        ("[random]\ngamma = { uniform = [0.9, 0.99] }\n", "[random] samples: expected a "
         "positive integer, got None"),
        ("[random]\nsamples = 2\ngamma = { normal = [0, 1] }\n", "[random] gamma: expected one "
         "of"),
        ("[random]\nsamples = 2\ngamma = { uniform = [0.99, 0.9] }\n", "uniform needs [low, "
         "high] with low < high"),
        ("[grid]\ngamma = [0.9]\n[random]\nsamples = 2\ngamma = { uniform = [0.9, 0.99] }\n",
         "['gamma'] in both [grid] and [random]"),
    ],
)  # fmt: skip
def test_bad_sweep_files_name_the_key_and_what_was_expected(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as error:
        load_sweep(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def run_sweep(*args):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sweep.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


TINY = """\
env = "rlnn/Chain-v0"
seeds = "0-1"
total_steps = 1500
eval_every = 500

[grid]
learning_rate = [3e-3, 1e-5]
"""


def test_a_sweep_writes_its_tables_best_iqm_first(tmp_path):
    out = run_sweep(str(write(tmp_path, TINY)), "--engine", "local", "--logdir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    (directory,) = tmp_path.glob("sweep__sweep__*")
    rows = json.loads((directory / "sweep.json").read_text())
    assert [r["label"] for r in rows] == ["learning_rate=0.003", "learning_rate=1e-05"]
    assert rows[0]["iqm"] >= rows[1]["iqm"]
    # the chain's optimal return is 1; a learning rate of 1e-5 does not get there in 1500 steps
    assert rows[0]["iqm"] == pytest.approx(1.0) and rows[0]["solved_fraction"] == 1.0
    assert rows[1]["iqm"] < 1.0
    with open(directory / "sweep.csv") as f:
        table = list(csv.DictReader(f))
    assert [t["label"] for t in table] == [r["label"] for r in rows]
    assert float(table[0]["iqm_low"]) <= float(table[0]["iqm"]) <= float(table[0]["iqm_high"])
    assert "| 1 | learning_rate=0.003 | 1.0 [1.0, 1.0] |" in (directory / "sweep.md").read_text()
    assert (directory / "sweep.png").stat().st_size > 0
    for row in rows:
        group = Path(row["directory"])
        assert json.loads((group / "results.json").read_text())["seeds"] == [0, 1]
        assert sorted(p.name for p in group.glob("seed*")) == ["seed0", "seed1"]
    assert "best: learning_rate=0.003" in out.stdout


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("[grid\n", [], "not valid TOML"),
        ("[grid]\nlearnig_rate = [1]\n", [], "unknown Config field 'learnig_rate'"),
        ("env = 'CartPole-v1'\n", [], "no [grid] table"),
        ("[grid]\ngamma = [2.0]\n", [], "gamma must be in [0, 1], got 2.0"),
        ("[grid]\ngamma = [0.9]\n", ["--workers", "0"], "--workers: expected a positive"),
        ("[grid]\ngamma = [0.9]\n", ["--resume"], "--resume: no sweep matches"),
    ],
)
def test_sweep_cli_bad_input_one_line_exit_2_nothing_written(tmp_path, text, args, message):
    path = write(tmp_path, text)
    logdir = tmp_path / "runs"
    out = run_sweep(str(path), "--logdir", str(logdir), *args)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not logdir.exists()


@pytest.mark.parametrize("path", sorted((ROOT / "sweeps").glob("*.toml")), ids=lambda p: p.name)
def test_the_example_sweeps_are_valid(path):
    sweep = load_sweep(path)
    assert sweep.variants and sweep.seeds
    for config in sweep.configs("runs", quiet=True):
        config.validate()
