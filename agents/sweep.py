"""Sweeps: every configuration of a grid (and of random draws) on many seeds, one engine.

A sweep file is TOML. Top-level keys are Config fields (``env``, ``algo``, any fixed
hyperparameter) and ``seeds`` (a spec such as ``"0-4"`` or a list); ``[grid]`` maps Config
fields to lists of values, crossed with each other; ``[random]`` draws ``samples`` values of
each of its fields (``{uniform = [a, b]}``, ``{log_uniform = [a, b]}``, ``{int_uniform = [a, b]}``,
``{choice = [...]}``) from a generator seeded with its ``seed`` (default 0), crossed with the grid:

    env = "CartPole-v1"
    seeds = "0-4"
    total_steps = 50000

    [grid]
    net_arch = [[64, 64], [256, 256]]
    learning_rate = [1e-3, 2.3e-3]
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
import sys
import typing
from pathlib import Path
from typing import Any

import numpy as np

from agents.config import Config, make_config
from agents.seeds import parse_seeds

# Fields a sweep file may not set: the seed is ``seeds``; the rest come from the command line.
NOT_IN_FILE = ("seed", "logdir", "resume", "quiet")
DISTRIBUTIONS = ("uniform", "log_uniform", "int_uniform", "choice")


@dataclasses.dataclass
class Sweep:
    """A parsed sweep: the fixed values, the configurations' varied values, and the seeds."""

    fixed: dict[str, Any]
    variants: list[dict[str, Any]]
    seeds: list[int]

    def configs(self, logdir: str, quiet: bool) -> list[Config]:
        """One Config per variant (the env's preset under the fixed values under the
        variant's)."""
        values = dict(self.fixed)
        env = values.pop("env", Config.env)
        return [
            make_config(env, **{**values, **variant, "logdir": logdir, "quiet": quiet})
            for variant in self.variants
        ]


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML ({error})") from None


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Config)


def _check_name(path: Path, name: str, where: str) -> None:
    fields = [f.name for f in dataclasses.fields(Config) if f.name not in NOT_IN_FILE]
    if name in fields:
        return
    if name in NOT_IN_FILE:
        hint = (
            "give seeds = SPEC" if name == "seed" else f"it comes from the command line (--{name})"
        )
        raise ValueError(f"{path}: {where}{name} cannot be set in a sweep file; {hint}")
    close = difflib.get_close_matches(name, fields, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {fields}"
    raise ValueError(f"{path}: {where}unknown Config field {name!r}{hint}")


def check_value(path: Path, name: str, value: Any, where: str = "") -> Any:
    """``value`` if it has the type of Config field ``name`` (an int is a float too), else a
    ValueError naming the field, the type expected and the value that came."""
    hint = _field_types()[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if typing.get_origin(hint) in (typing.Union, type(int | None)) else hint
    expected = getattr(base, "__name__", str(base))
    if base is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif base is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif typing.get_origin(base) is list:
        expected = "list of int (or conv specs such as 'c16k3' for net_arch)"
        ok = isinstance(value, list) and all(
            (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str) for v in value
        )
    elif typing.get_origin(base) is dict:
        expected = "table"
        ok = isinstance(value, dict)
    else:
        ok = isinstance(value, base)
    if not ok:
        raise ValueError(
            f"{path}: {where}{name}: expected {expected}, got {type(value).__name__} {value!r}"
        )
    return value


def _random_values(path: Path, table: dict[str, Any]) -> list[dict[str, Any]]:
    table = dict(table)
    samples, seed = table.pop("samples", None), table.pop("seed", 0)
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise ValueError(f"{path}: [random] samples: expected a positive integer, got {samples!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"{path}: [random] seed: expected an integer, got {seed!r}")
    rng = np.random.default_rng(seed)
    draws: dict[str, list[Any]] = {}
    for name, spec in table.items():
        _check_name(path, name, "[random] ")
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in DISTRIBUTIONS:
            raise ValueError(
                f"{path}: [random] {name}: expected one of {{uniform = [a, b]}}, "
                f"{{log_uniform = [a, b]}}, {{int_uniform = [a, b]}}, {{choice = [...]}}; "
                f"got {spec!r}"
            )
        kind, args = next(iter(spec.items()))
        draws[name] = _draw(path, name, kind, args, samples, rng)
    return [{name: values[i] for name, values in draws.items()} for i in range(samples)]


def _draw(path: Path, name: str, kind: str, args: Any, n: int, rng: np.random.Generator) -> list:
    if kind == "choice":
        if not isinstance(args, list) or not args:
            raise ValueError(
                f"{path}: [random] {name}: choice needs a non-empty list, got {args!r}"
            )
        values = [check_value(path, name, v, "[random] ") for v in args]
        return [values[i] for i in rng.integers(len(values), size=n)]
    numbers = isinstance(args, list) and len(args) == 2
    numbers = numbers and all(isinstance(a, int | float) and not isinstance(a, bool) for a in args)
    if not numbers or not args[0] < args[1] or (kind == "log_uniform" and args[0] <= 0):
        raise ValueError(
            f"{path}: [random] {name}: {kind} needs [low, high] with low < high"
            + (" and low > 0" if kind == "log_uniform" else "")
            + f", got {args!r}"
        )
    low, high = args
    if kind == "uniform":
        drawn = rng.uniform(low, high, size=n).tolist()
    elif kind == "log_uniform":
        drawn = np.exp(rng.uniform(np.log(low), np.log(high), size=n)).tolist()
    else:
        drawn = rng.integers(int(low), int(high), size=n, endpoint=True).tolist()
    return [check_value(path, name, v, "[random] ") for v in drawn]


def load_sweep(path: str | Path) -> Sweep:
    """Parse and check a sweep file.

    Raises:
        ValueError: not TOML, an unknown field, a value of the wrong type, nothing to vary,
            or a bad seed spec; the message names the file and the key.
    """
    path = Path(path)
    data = _load_toml(path)
    grid = data.pop("grid", None)
    random_table = data.pop("random", None)
    try:
        seeds = parse_seeds(data.pop("seeds", "0"))
    except ValueError as error:
        raise ValueError(f"{path}: seeds: {str(error).removeprefix('--seeds: ')}") from None
    fixed = {}
    for name, value in data.items():
        _check_name(path, name, "")
        fixed[name] = check_value(path, name, value)
    if grid is None and random_table is None:
        raise ValueError(
            f"{path}: no [grid] table; expected [grid] mapping Config fields to lists of "
            f"values (or a [random] table)"
        )
    if grid is not None and not isinstance(grid, dict):
        raise ValueError(f"{path}: grid: expected a table, got {grid!r}")
    axes = []
    for name, values in (grid or {}).items():
        _check_name(path, name, "[grid] ")
        if not isinstance(values, list) or not values:
            raise ValueError(
                f"{path}: [grid] {name}: expected a non-empty list of values, got {values!r}"
            )
        axes.append([(name, check_value(path, name, v, "[grid] ")) for v in values])
    points = [dict(p) for p in itertools.product(*axes)]
    draws = _random_values(path, random_table) if random_table is not None else [{}]
    both = set(grid or {}) & set(draws[0])
    if both:
        raise ValueError(f"{path}: {sorted(both)} in both [grid] and [random]; give each once")
    variants = [{**point, **draw} for point in points for draw in draws]
    return Sweep(fixed, variants, seeds)


def label(variant: dict[str, Any]) -> str:
    """``learning_rate=0.001 net_arch=64,64``: the varied values of a configuration."""
    return " ".join(f"{k}={_text(v)}" for k, v in variant.items())


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def directory_name(index: int, variant: dict[str, Any]) -> str:
    """``c03__learning_rate-0.001__net_arch-64-64`` (file-system safe, at most 120 chars)."""
    parts = [f"c{index:02d}"] + [f"{k}-{_text(v)}" for k, v in variant.items()]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "__".join(parts))[:120]


CSV_COLUMNS = [
    "rank",
    "label",
    "iqm",
    "iqm_low",
    "iqm_high",
    "median",
    "mean",
    "solved_fraction",
    "median_first_solved_step",
    "median_train_seconds",
    "seeds",
    "directory",
]


def rows(variants: list[dict[str, Any]], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per configuration, best IQM first (then the higher interval's low end)."""
    table = []
    for variant, result in zip(variants, results, strict=True):
        row = {"label": label(variant), "values": variant, "directory": result["directory"]}
        if "iqm" not in result:
            table.append({**row, "iqm": float("nan"), "iqm_ci": [np.nan, np.nan], "failed": True})
            continue
        keep = ("iqm", "iqm_ci", "median", "mean", "solved_fraction", "median_first_solved_step")
        row.update({k: result[k] for k in keep})
        row.update(median_train_seconds=result["median_train_seconds"], seeds=result["seeds"])
        if result.get("failed"):
            row["failed_seeds"] = sorted(result["failed"])
        table.append(row)
    table.sort(
        key=lambda r: (-np.nan_to_num(r["iqm"], nan=-np.inf), -np.nan_to_num(r["iqm_ci"][0]))
    )
    for rank, row in enumerate(table, 1):
        row["rank"] = rank
    return table


def markdown(table: list[dict[str, Any]], title: str) -> str:
    """sweep.md: one row per configuration, best IQM first."""
    lines = [
        title,
        "",
        "| rank | configuration | IQM [95% CI] | median | solved | median first solved step "
        "| median train s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table:
        if row.get("failed"):
            lines.append(f"| {row['rank']} | {row['label']} | failed | | | | |")
            continue
        low, high = row["iqm_ci"]
        solved = "n/a" if row["solved_fraction"] is None else f"{row['solved_fraction']:.0%}"
        first = row["median_first_solved_step"]
        lines.append(
            f"| {row['rank']} | {row['label']} | {row['iqm']:.1f} [{low:.1f}, {high:.1f}] | "
            f"{row['median']:.1f} | {solved} | {'never' if first is None else f'{first:.0f}'} | "
            f"{row['median_train_seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def csv_rows(table: list[dict[str, Any]]) -> list[list[Any]]:
    """sweep.csv's rows under CSV_COLUMNS."""
    out = []
    for row in table:
        low, high = row["iqm_ci"]
        out.append(
            [
                row["rank"],
                row["label"],
                row["iqm"],
                low,
                high,
                row.get("median"),
                row.get("mean"),
                row.get("solved_fraction"),
                row.get("median_first_solved_step"),
                row.get("median_train_seconds"),
                " ".join(str(s) for s in row.get("seeds", [])),
                row["directory"],
            ]
        )
    return out
