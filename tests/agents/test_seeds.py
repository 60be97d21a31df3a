"""Seed groups: seed specs, the statistics a group writes, and that each seed of a group is
exactly the run ``--seed k`` makes."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rlnn
from agents.config import make_config
from agents.seeds import format_seeds, group_results, parse_seeds, results_markdown
from tests.agents.test_train import cli

ROOT = Path(__file__).resolve().parents[2]
# What a run learned (the rest of a summary is timing and paths).
LEARNED = (
    "total_steps",
    "eval_mean_return",
    "eval_std_return",
    "first_solved_step",
    "best_eval_mean_return",
    "episodes",
    "evaluations",
)
QUICK = [
    "--env", "CartPole-v1", "--total-steps", "2000", "--learning-starts", "200",
    "--train-freq", "1", "--gradient-steps", "1", "--batch-size", "32", "--net-arch", "32",
    "--eval-every", "500", "--eval-episodes", "3", "--final-eval-episodes", "3",
    "--checkpoint-every", "500", "--quiet",
]  # fmt: skip


def learned(summary: dict) -> dict:
    return {k: summary[k] for k in LEARNED}


@pytest.mark.parametrize(
    ("spec", "seeds"),
    [
        ("0-4", [0, 1, 2, 3, 4]),
        ("0,3,7", [0, 3, 7]),
        ("0-4,10", [0, 1, 2, 3, 4, 10]),
        (" 5 ", [5]),
        ("9-9", [9]),
        (3, [3]),
        ([2, 0], [2, 0]),
    ],
)
def test_seed_specs(spec, seeds):
    assert parse_seeds(spec) == seeds


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("3-1", "--seeds: a range runs from low to high (a seed spec such as 0-19, 0,3,7 or "
         "0-4,10), got '3-1'"),
        ("a", "--seeds: expected a seed spec such as 0-19, 0,3,7 or 0-4,10, got 'a'"),
        ("", "--seeds: expected a seed spec such as 0-19, 0,3,7 or 0-4,10, got ''"),
        ("0-2,2", "--seeds: each seed once, got '0-2,2' (repeats [2])"),
        ("1,,2", "got '1,,2'"),
        (True, "got True"),
    ],
)  # fmt: skip
def test_bad_seed_specs_say_what_was_expected(spec, message):
    with pytest.raises(ValueError) as error:
        parse_seeds(spec)
    assert message in str(error.value)


def test_format_seeds_is_the_shortest_spec():
    assert format_seeds([0, 1, 2, 3, 10]) == "0-3,10"
    assert format_seeds([7]) == "7"
    assert format_seeds([0, 2, 3, 5]) == "0,2-3,5"
    for spec in ("0-19", "0,3,7", "0-4,10"):
        assert format_seeds(parse_seeds(spec)) == spec


def fake_summary(seed, final, first, train_seconds=10.0):
    return {
        "seed": seed,
        "eval_mean_return": final,
        "eval_std_return": 0.0,
        "first_solved_step": first,
        "train_seconds": train_seconds,
        "reward_threshold": 475.0,
        "evaluations": [[1000, final / 2, 0.0], [2000, final, 0.0]],
    }


def test_group_results_and_their_table():
    summaries = [
        fake_summary(0, 500.0, 1500),
        fake_summary(1, 480.0, 2000),
        fake_summary(2, 200.0, None),
        fake_summary(3, 500.0, 1000),
    ]
    results = group_results(make_config("CartPole-v1"), [0, 1, 2, 3], summaries, 42.0)
    assert results["final_returns"] == [500.0, 480.0, 200.0, 500.0]
    assert results["first_solved_steps"] == [1500, 2000, None, 1000]
    assert results["solved_fraction"] == 0.75
    assert results["iqm"] == pytest.approx(490.0)  # 4 values: the middle two, 480 and 500
    assert results["median"] == pytest.approx(490.0)
    assert results["mean"] == pytest.approx(420.0)
    assert results["median_first_solved_step"] == 1500
    low, high = results["iqm_ci"]
    assert 200.0 <= low <= 490.0 <= high <= 500.0
    assert results["per_seed"] == summaries
    table = results_markdown(results)
    assert "| 490.0 [" in table and "| 3/4 |" in table
    assert "| 2 | 200.0 | never | 10.0 |" in table


def test_a_seed_stopped_once_solved_keeps_its_final_return_on_the_curve():
    from agents.plots import evaluation_matrix

    ran = {"evaluations": [[1000, 10.0, 0], [2000, 20.0, 0], [3000, 30.0, 0]],
           "eval_mean_return": 31.0}  # fmt: skip
    stopped = {"evaluations": [[1000, 50.0, 0], [2000, 500.0, 0]], "eval_mean_return": 499.0,
               "stopped_at": 2000}  # fmt: skip
    steps, returns = evaluation_matrix([ran, stopped])
    np.testing.assert_array_equal(steps, [1000, 2000, 3000])
    np.testing.assert_array_equal(returns, [[10, 20, 30], [50, 500, 499]])
    short = {"evaluations": [[1000, 5.0, 0]], "eval_mean_return": 5.0}  # ended, not stopped
    np.testing.assert_array_equal(evaluation_matrix([ran, short])[0], [1000])


def test_each_seed_of_a_group_is_the_run_seed_k_makes(tmp_path):
    group = cli(*QUICK, "--seeds", "0-1", "--engine", "local", "--logdir", str(tmp_path / "g"))
    assert group.returncode == 0, group.stderr
    single = cli(*QUICK, "--seed", "1", "--logdir", str(tmp_path / "one"))
    assert single.returncode == 0, single.stderr
    (directory,) = (tmp_path / "g").iterdir()
    assert directory.name.startswith("CartPole-v1__dqn__seeds0-1__")
    results = json.loads((directory / "results.json").read_text())
    assert results["seeds"] == [0, 1]
    assert {"results.md", "curves.png", "seed0", "seed1"} <= {p.name for p in directory.iterdir()}
    (one,) = (tmp_path / "one").iterdir()
    expected = json.loads((one / "summary.json").read_text())
    assert learned(results["per_seed"][1]) == learned(expected)
    assert results["final_returns"][1] == expected["eval_mean_return"]
    a = rlnn.load(one / "model.npz").state_dict()
    b = rlnn.load(directory / "seed1" / "model.npz").state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    # the user sees a line per seed and one with the statistics
    assert "seed 0: final" in group.stdout + group.stderr
    assert "CartPole-v1 dqn seeds 0-1: IQM" in group.stdout
    # the other scripts take the group directory
    evaluation = script("evaluate.py", str(directory), "--episodes", "2")
    assert evaluation.returncode == 0, evaluation.stderr
    evaluated = json.loads(evaluation.stdout)
    assert sorted(evaluated["runs"]) == [str(directory / "seed0"), str(directory / "seed1")]
    assert evaluated["iqm_ci"][0] <= evaluated["iqm"] <= evaluated["iqm_ci"][1]
    picture = script("plot_runs.py", str(directory), "--out", str(tmp_path / "p.png"))
    assert picture.returncode == 0, picture.stderr
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def script(name, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "3-1"], "--seeds: a range runs from low to high"),
        (["--seeds", "a"], "--seeds: expected a seed spec such as 0-19, 0,3,7 or 0-4,10, got 'a'"),
        (["--seeds", ""], "got ''"),
        (["--seeds", "0-3", "--seed", "2"], "--seeds and --seed: give one"),
        (["--seeds", "0-1", "--workers", "0"], "--workers: expected a positive integer, got 0"),
        (["--workers", "2"], "--workers: goes with --seeds"),
        (["--seeds", "0-1", "--address", "nowhere"], "--address: expected HOST:PORT"),
        (
            ["--seeds", "0-1", "--address", "127.0.0.1:1"],
            "--address: no Ray cluster answers at 127.0.0.1:1",
        ),
        (["--seeds", "0-1", "--env", "CartPole-v9"], "unknown environment id 'CartPole-v9'"),
        (["--seeds", "0-1", "--resume"], "--resume: no seed group matches"),
    ],
)
def test_many_seeds_bad_input_one_line_exit_2_nothing_written(args, message, tmp_path):
    out = cli(*args, "--logdir", str(tmp_path))
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not list(tmp_path.iterdir())


def test_without_ray_the_seeds_run_here_and_say_once_how_to_run_them_in_parallel(
    tmp_path, monkeypatch, capsys
):
    import importlib.util

    from agents import engine
    from agents.seeds import Group, run_groups

    real = importlib.util.find_spec
    monkeypatch.setattr(
        engine.importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name)
    )
    monkeypatch.setattr(engine, "_SAID", set())
    config = make_config("rlnn/Chain-v0", total_steps=300, eval_every=0, logdir=str(tmp_path))
    groups = [Group(tmp_path / name, config, [0, 1]) for name in ("a", "b")]
    results = [r for g in groups for r in run_groups([g], engine.EngineOptions())]
    assert [r["seeds"] for r in results] == [[0, 1], [0, 1]]
    err = capsys.readouterr().err
    assert err.count("ray is not installed: the seeds run one after another") == 1
    assert "pip install 'rlnn[ray]'" in err
    with pytest.raises(ValueError, match="--address: needs Ray, which is not installed"):
        engine.EngineOptions(address="127.0.0.1:6379").resolved()
