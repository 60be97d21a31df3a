"""Run every benchmark in turn (one at a time: two benchmarks on 2 cores measure each other)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

for module in (
    "mlp_vs_torch",
    "digits",
    "logging_overhead",
    "dqn_update",
    "time_breakdown",
    "update_variants",
    "dqn_vs_sb3",
    "cartpole_preset_cost",
    "dqn_family",
    "many_seeds",
    "conv_vs_torch",
    "classic_control",
):
    print(f"== {module}", flush=True)
    subprocess.run([sys.executable, "-m", f"benchmarks.{module}"], cwd=ROOT, check=True)
