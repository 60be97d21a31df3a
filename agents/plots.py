"""Pictures of seed groups and sweeps (matplotlib, the ``plot`` extra; imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from agents import stats


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def evaluation_matrix(per_seed: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(steps (n,), returns (seeds, n)) of the periodic evaluations every seed has; a seed
    that stopped once solved (``stopped_at``) keeps its final weights, so its final
    evaluation stands for it at the other seeds' later steps."""
    series = [{int(s): r for s, r, _ in summary["evaluations"]} for summary in per_seed]
    later = {s for d in series for s in d}
    for d, summary in zip(series, per_seed, strict=True):
        if summary.get("stopped_at") is not None:
            final = summary["eval_mean_return"]
            d.update({s: final for s in later if s > summary["stopped_at"]})
    common = sorted(set.intersection(*(set(d) for d in series))) if series else []
    return np.array(common), np.array([[d[s] for s in common] for d in series])


def plot_seed_curves(results: dict[str, Any], out: Path) -> Path:
    """curves.png: each seed's evaluation curve thin, the IQM across seeds bold with its 95%
    bootstrap band, and the env's reward threshold."""
    plt = _pyplot()
    steps, returns = evaluation_matrix(results["per_seed"])
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for row in returns:
        ax.plot(steps, row, color="tab:blue", alpha=0.25, linewidth=0.8)
    if len(steps):
        bands = np.array([stats.iqm_ci(returns[:, i]) for i in range(len(steps))])
        ax.fill_between(steps, bands[:, 0], bands[:, 1], color="tab:blue", alpha=0.25, lw=0)
        ax.plot(
            steps,
            stats.iqm(returns),
            color="tab:blue",
            linewidth=2.2,
            label=f"IQM of {len(returns)} seeds, 95% CI",
        )
    if results.get("reward_threshold") is not None:
        ax.axhline(
            results["reward_threshold"], color="gray", ls="--", lw=1, label="reward threshold"
        )
    ax.set_xlabel("environment steps")
    ax.set_ylabel("evaluation return")
    ax.set_title(f"{results['env']} {results['algo']}: every seed and the IQM")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return Path(out)


def plot_sweep(rows: list[dict[str, Any]], out: Path) -> Path:
    """sweep.png: the IQM of every configuration with its 95% interval, best first."""
    plt = _pyplot()
    labels = [row["label"] for row in rows]
    iqms = np.array([row["iqm"] for row in rows])
    lows = np.array([row["iqm_ci"][0] for row in rows])
    highs = np.array([row["iqm_ci"][1] for row in rows])
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.35 * len(rows)), dpi=120)
    y = np.arange(len(rows))[::-1]
    ax.errorbar(iqms, y, xerr=[iqms - lows, highs - iqms], fmt="o", capsize=3)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("IQM of final returns over seeds (95% CI)")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return Path(out)
