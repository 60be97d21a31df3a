"""Running many training runs: one after another in this process, or as Ray Tune trials.

A :class:`Job` is one run (a config and its run directory). :func:`run_jobs` runs a list of
them and returns their summaries. With Ray each job is a trial with 1 CPU and one BLAS thread,
reporting every evaluation with ``tune.report(..., checkpoint=...)``; a trial whose worker dies
is retried and resumes from its own last checkpoint through the run's exact resume, so it ends
with the weights an uninterrupted one-thread run has.

Jobs whose run directory already holds summary.json are done and are not run again; jobs whose
run directory holds a checkpoint continue from it (``--resume`` of a group whose driver died).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.checkpoint import latest_checkpoint
from agents.config import Config
from agents.run_state import Report

# One BLAS thread per trial: set in each worker's environment before NumPy loads there.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MAX_FAILURES = 3
LOCAL_HINT = (
    "ray is not installed: the seeds run one after another in this process; "
    "pip install 'rlnn[ray]' runs them in parallel (one per core, or on a cluster)"
)


@dataclass(frozen=True)
class Job:
    """One run: its config and the directory it writes."""

    config: Config
    run_dir: Path

    @property
    def summary_path(self) -> Path:
        return self.run_dir / "summary.json"

    def done(self) -> dict[str, Any] | None:
        """The summary if this run has finished, else None."""
        if self.summary_path.exists():
            return json.loads(self.summary_path.read_text())
        return None


@dataclass
class EngineOptions:
    """How to run the jobs: ``engine`` "ray" or "local" ("auto": Ray if installed);
    ``workers`` caps the trials at once; ``address`` joins a running Ray cluster."""

    engine: str = "auto"
    workers: int | None = None
    address: str | None = None
    _engine: str | None = field(default=None, init=False, repr=False)

    def resolved(self) -> str:
        """ "ray" or "local", after checking the options (once: the address check connects).

        Raises:
            ValueError: naming the option, what was expected and what came.
        """
        if self._engine is None:
            self._engine = self._resolve()
        return self._engine

    def _resolve(self) -> str:
        if self.engine not in ("auto", "ray", "local"):
            raise ValueError(f"--engine: expected auto, ray or local, got {self.engine!r}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"--workers: expected a positive integer, got {self.workers}")
        have_ray = importlib.util.find_spec("ray") is not None
        if self.address is not None:
            if self.engine == "local":
                raise ValueError("--address: joins a Ray cluster, but --engine is local")
            if not have_ray:
                raise ValueError(
                    "--address: needs Ray, which is not installed (pip install 'rlnn[ray]')"
                )
            check_address(self.address)
        if self.engine == "ray" and not have_ray:
            raise ValueError("--engine: ray is not installed (pip install 'rlnn[ray]')")
        if self.engine == "auto":
            return "ray" if have_ray else "local"
        return self.engine


def check_address(address: str, timeout: float = 5.0) -> tuple[str, int]:
    """``HOST:PORT`` of a Ray head that accepts a connection, or a ValueError saying why not."""
    host, sep, port_text = address.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"--address: expected HOST:PORT (e.g. 127.0.0.1:6379), got {address!r}")
    port = int(port_text)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        raise ValueError(
            f"--address: no Ray cluster answers at {host}:{port} ({error.strerror or error}); "
            f"start one there with `ray start --head --port {port}`"
        ) from None
    return host, port


Progress = Callable[[Job, Report], None]
Finished = Callable[[Job, dict[str, Any]], None]


def run_jobs(
    jobs: Sequence[Job],
    options: EngineOptions,
    storage: Path,
    on_report: Progress | None = None,
    on_finished: Finished | None = None,
) -> dict[Path, dict[str, Any] | str]:
    """Run every job not yet done; returns each job's summary, or an error message.

    Args:
        jobs: the runs.
        options: the engine and its options (checked by ``options.resolved()``).
        storage: a directory for Ray's experiment state and trial checkpoints.
        on_report: called with each report of a running job (progress).
        on_finished: called once per job that finishes here, with its summary.
    """
    engine = options.resolved()
    results: dict[Path, dict[str, Any] | str] = {}
    pending = []
    for job in jobs:
        summary = job.done()
        if summary is None:
            pending.append(job)
        else:
            results[job.run_dir] = summary
    if not pending:
        return results
    runner = _run_ray if engine == "ray" else _run_local
    results.update(runner(pending, options, Path(storage), on_report, on_finished))
    return results


def _run_local(
    jobs: Sequence[Job],
    options: EngineOptions,
    storage: Path,
    on_report: Progress | None,
    on_finished: Finished | None,
) -> dict[Path, dict[str, Any] | str]:
    from agents.train import train

    results: dict[Path, dict[str, Any] | str] = {}
    for job in jobs:
        reporter = (lambda report, job=job: on_report(job, report)) if on_report else None
        summary = train(
            job.config,
            run_dir=job.run_dir,
            reporter=reporter,
            resume_from=latest_checkpoint(job.run_dir),
        )
        results[job.run_dir] = summary
        if on_finished:
            on_finished(job, summary)
    return results


# Ray ------------------------------------------------------------------------------------


def trial(params: dict[str, Any]) -> None:
    """A Ray Tune function trainable: one run, continued from the newest of the trial's last
    reported checkpoint (Ray retried it after its worker died) and its run directory's own
    (``--resume`` after the driver died), else from the start."""
    from ray import tune

    from agents.train import train

    job = params["job"]
    run_dir = Path(job["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    worker = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": time.time(),
        "blas_threads": {name: os.environ.get(name) for name in THREAD_VARIABLES},
    }
    (run_dir / "worker.json").write_text(json.dumps(worker))

    def reporter(report: Report) -> None:
        metrics = {**_scalars(report.metrics), "step": report.step, "done": report.done}
        if report.checkpoint is None:
            tune.report(metrics)
            return
        with tempfile.TemporaryDirectory() as directory:
            _link_or_copy(report.checkpoint, Path(directory) / report.checkpoint.name)
            tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(directory))

    def run(ray_checkpoint: Path | None) -> None:
        candidates = [p for p in (ray_checkpoint, latest_checkpoint(run_dir)) if p is not None]
        newest = max(candidates, key=lambda p: p.name, default=None)  # step_XXXXXXXXXX.pkl
        train(Config(**job["config"]), run_dir=run_dir, reporter=reporter, resume_from=newest)

    checkpoint = tune.get_checkpoint()
    if checkpoint is None:
        run(None)
        return
    with checkpoint.as_directory() as directory:
        run(next(Path(directory).glob("step_*.pkl"), None))


def _scalars(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if isinstance(v, int | float | str | type(None))}


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@contextlib.contextmanager
def ray_session(options: EngineOptions) -> Iterator[None]:
    """Start (or join) Ray for the duration of the block and always shut it down, so that no
    Ray process outlives the command: not after an error, not after Ctrl-C."""
    for name, value in {
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AIR_NEW_OUTPUT": "0",
        "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
        "RAY_DEDUP_LOGS": "0",
        "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "0",
    }.items():
        os.environ.setdefault(name, value)
    local = options.address is None or options.address.rpartition(":")[0] in (
        "127.0.0.1",
        "localhost",
    )
    if local:
        # Keeps Ray on 127.0.0.1 instead of the machine's network address.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    if options.address is not None and (Path.home() / ".ray" / "auth_token").exists():
        os.environ.setdefault("RAY_AUTH_MODE", "token")
    import ray

    # Ray's own notices (token set-up, snapshot timing, the result files its loggers would
    # write, which are off) are not the user's business; its errors still show.
    logging.getLogger("ray").setLevel(logging.ERROR)
    # A failed trial's traceback: the callback says it in one line instead.
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)
    runtime_env = {"env_vars": {name: "1" for name in THREAD_VARIABLES}}
    common = dict(
        include_dashboard=False,
        log_to_driver=False,
        logging_level="ERROR",
        runtime_env=runtime_env,
    )
    if options.address is None:
        cpus = os.cpu_count() or 1
        ray.init(address="local", num_cpus=min(options.workers or cpus, cpus), **common)
    else:
        common.pop("include_dashboard")
        ray.init(address=options.address, **common)
    try:
        yield
    finally:
        ray.shutdown()


def _run_ray(
    jobs: Sequence[Job],
    options: EngineOptions,
    storage: Path,
    on_report: Progress | None,
    on_finished: Finished | None,
) -> dict[Path, dict[str, Any] | str]:
    with ray_session(options):
        from ray import tune

        by_dir = {str(job.run_dir): job for job in jobs}
        callback = _callback_class()(by_dir, on_report, on_finished)
        specs = [{"run_dir": key, "config": job.config.to_dict()} for key, job in by_dir.items()]
        tuner = tune.Tuner(
            tune.with_resources(trial, {"cpu": 1}),
            param_space={"job": tune.grid_search(specs)},
            tune_config=tune.TuneConfig(
                max_concurrent_trials=options.workers or 0,
                reuse_actors=True,
                trial_name_creator=lambda t: _trial_name(t.config),
                trial_dirname_creator=lambda t: f"{_trial_name(t.config)}_{t.trial_id}",
            ),
            run_config=tune.RunConfig(
                name="ray",
                storage_path=str(Path(storage).resolve()),
                verbose=0,
                failure_config=tune.FailureConfig(max_failures=MAX_FAILURES),
                checkpoint_config=tune.CheckpointConfig(num_to_keep=2),
                callbacks=[callback],
            ),
        )
        grid = tuner.fit()
    results: dict[Path, dict[str, Any] | str] = {}
    for result in grid:
        # Tune reads a trial's config from its reports: one stopped before its first report
        # has none, and without an error only Ctrl-C can have stopped it.
        job = by_dir[result.config["job"]["run_dir"]] if result.config else None
        summary = job.done() if job else None
        if summary is None and result.error is None:
            # Tune catches Ctrl-C itself, stops the trials and returns: say it as Python would.
            raise KeyboardInterrupt
        if job:
            results[job.run_dir] = summary if summary is not None else _error_text(result.error)
    for job in jobs:  # failed before its first report
        results.setdefault(job.run_dir, job.done() or "the trial failed before its first report")
    return results


def _trial_name(config: dict[str, Any]) -> str:
    return Path(config["job"]["run_dir"]).name


def _error_text(error: BaseException | None) -> str:
    if error is None:
        return "the trial ended without a summary"
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__


def _last_error_line(trial: Any) -> str:
    """The exception line of a trial's error (Ray keeps the traceback in a file)."""
    try:
        lines = Path(trial.error_file).read_text().splitlines()
    except (OSError, TypeError):
        return "its worker failed"
    errors = [line for line in lines if re.match(r"[A-Za-z_][\w.]*(Error|Exception)\b", line)]
    if errors:
        return errors[-1]
    # A dead worker has no exception: its first line says so ("The actor died ...").
    said = [line.strip() for line in lines if line.strip() and not line.startswith("Failure #")]
    return said[0] if said else "its worker failed"


def _callback_class() -> type:
    """A Tune callback (defined lazily: Ray is optional) that turns trial results into
    progress and finished-seed lines in the driver."""
    from ray import tune

    class JobCallback(tune.Callback):
        def __init__(self, by_dir, on_report, on_finished) -> None:
            self.by_dir, self.on_report, self.on_finished = by_dir, on_report, on_finished

        def on_trial_result(self, iteration, trials, trial, result, **info) -> None:
            if self.on_report is None:
                return
            job = self.by_dir[trial.config["job"]["run_dir"]]
            report = Report(
                int(result["step"]), job.config.total_steps, result, None, bool(result["done"])
            )
            self.on_report(job, report)

        def on_trial_complete(self, iteration, trials, trial, **info) -> None:
            job = self.by_dir[trial.config["job"]["run_dir"]]
            summary = job.done()
            if summary is not None and self.on_finished is not None:
                self.on_finished(job, summary)

        def on_trial_recover(self, iteration, trials, trial, **info) -> None:
            seed = Path(trial.config["job"]["run_dir"]).name
            print(
                f"{seed}: {_last_error_line(trial).rstrip('.')}; retrying from its last checkpoint "
                f"(failure {trial.num_failures} of {MAX_FAILURES} allowed)",
                file=sys.stderr,
            )

        def on_trial_error(self, iteration, trials, trial, **info) -> None:
            seed = Path(trial.config["job"]["run_dir"]).name
            print(f"{seed}: failed: {_last_error_line(trial)}", file=sys.stderr)

    return JobCallback


_SAID: set[str] = set()


def print_once(message: str) -> None:
    """Print ``message`` to stderr the first time only (per process)."""
    if message not in _SAID:
        _SAID.add(message)
        print(message, file=sys.stderr)
