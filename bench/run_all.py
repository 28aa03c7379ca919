"""Run every benchmark of issue 9 and print the table the README carries.

Run: `python bench/run_all.py` (needs torch and timm). Exit status 1 when a target is missed,
so the table's last column and the exit code agree.

Each benchmark runs in a process of its own, as its standalone script would (pyperf does the same): run in
one process, the training benchmark left 380k objects, torch's thread pools and a fragmented heap behind, and
the benchmarks after it measured that too (back to back, the same lucid forward took 51.3 ms in a fresh process
and 55.8 ms after the inference and training benchmarks).
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import subprocess
from pathlib import Path

import _clean_env
from _common import header

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = ("infer_l1", "train_l1", "memory_l1", "trace_overhead", "shape_trace")


def run_isolated(module: str) -> bool:
    """Run `module.main()` in a fresh interpreter; its lines go straight to our stdout."""
    child = (
        f"import sys; sys.path.insert(0, {str(BENCH_DIR)!r}); import {module}; sys.exit(0 if {module}.main() else 1)"
    )
    env = _clean_env.clean_environment()
    return subprocess.run([sys.executable, "-c", child], check=False, env=env).returncode == 0


def main() -> int:
    print(header(), flush=True)
    results = [run_isolated(module) for module in BENCHMARKS]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
