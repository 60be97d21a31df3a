"""Shared helpers: quiet-machine checks, CPU accounting, medians and markdown tables."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICK


def own_cpu_seconds() -> float:
    self, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return self.ru_utime + self.ru_stime + children.ru_utime + children.ru_stime


def wait_until_idle(threshold: float = 0.15, window: float = 1.0, timeout: float = 120.0) -> float:
    """Wait until the machine's busy fraction over ``window`` seconds is below ``threshold``
    (of all cores); returns the last measured fraction."""
    cores = os.cpu_count() or 1
    deadline = time.time() + timeout
    while True:
        b0 = busy_seconds()
        time.sleep(window)
        fraction = (busy_seconds() - b0) / (window * cores)
        if fraction < threshold or time.time() > deadline:
            return fraction


@contextmanager
def measured():
    """Yields a dict filled on exit with wall seconds and the CPU seconds that *other*
    processes used meanwhile (a disturbed run shows a large ``other_cpu_seconds``)."""
    record: dict[str, float] = {}
    b0, o0, t0 = busy_seconds(), own_cpu_seconds(), time.perf_counter()
    yield record
    record["wall_seconds"] = time.perf_counter() - t0
    record["other_cpu_seconds"] = max((busy_seconds() - b0) - (own_cpu_seconds() - o0), 0.0)


def timeit(fn, repeats: int = 7, min_time: float = 0.2) -> float:
    """Median over ``repeats`` of the mean time per call (µs) of a loop of >= min_time s."""
    for _ in range(50):
        fn()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t >= min_time:
            break
        n *= 2
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n * 1e6)
    return statistics.median(samples)


def alternating(kinds: list[str], measure, repeats: int = 3, show=None) -> dict[str, list]:
    """``measure(kind)`` for every kind in turn, ``repeats`` rounds, each measurement after
    the machine is idle (so drift hits every kind alike); the results per kind, in order.
    ``show(result)`` is printed to stderr after each one (default: the result)."""
    runs: dict[str, list] = {kind: [] for kind in kinds}
    for _ in range(repeats):
        for kind in kinds:
            wait_until_idle()
            runs[kind].append(measure(kind))
            print(kind, (show or (lambda r: r))(runs[kind][-1]), file=sys.stderr, flush=True)
    return runs


def median_range(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} [{min(values):.3g}, {max(values):.3g}]"


def machine() -> dict[str, Any]:
    """The machine and versions a result was measured with."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
    }
    with contextlib.suppress(OSError, StopIteration):  # no /proc/cpuinfo model line
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    for name in ("numpy", "gymnasium", "torch", "stable_baselines3", "sklearn"):
        with contextlib.suppress(ImportError):  # a peer that is not installed is not listed
            info[name] = __import__(name).__version__
    return info


def save(name: str, data: Any) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def run_isolated(module: str, args: list[str]) -> dict:
    """Run ``python -m benchmarks.<module> <args>`` in a fresh process; returns its JSON line."""
    out = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_on_checkout(script: str, args: list[str], code: Path, env: dict | None = None) -> dict:
    """Run this checkout's ``benchmarks/<script>`` with the product (agents, rlnn, envs) of
    the checkout at ``code``, in a fresh process; returns its JSON line. A link to this
    benchmarks package goes first on the path, so an older checkout is measured with
    today's benchmark code."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rlnn-bench-code-") as first:
        (Path(first) / "benchmarks").symlink_to(HERE, target_is_directory=True)
        out = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{script}", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=first,  # ``-m`` puts the working directory first on the path
            env={**os.environ, **(env or {}), "PYTHONPATH": f"{first}{os.pathsep}{code}"},
        )
    return json.loads(out.stdout.strip().splitlines()[-1])
