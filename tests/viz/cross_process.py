"""Run the lucid-viz CLI in fresh processes under different string-hash seeds, for the determinism tests.

A new PYTHONHASHSEED reorders every set and dict keyed by strings, so output that depends on such an order (a set
leaking into a chart, say) differs between the processes, while one process would give the same text every time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HASH_SEEDS = ("0", "1")


def viz_stdout_per_hash_seed(args: Sequence[str], seeds: Sequence[str] = HASH_SEEDS) -> dict[str, bytes]:
    """stdout of `python -m viz *args` by PYTHONHASHSEED; the processes run at the same time, from the repo root
    (so they import the code under test). A process that fails raises RuntimeError with its stderr."""
    processes = {
        seed: subprocess.Popen(
            [sys.executable, "-m", "viz", *args],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in seeds
    }
    outputs = {}
    for seed, process in processes.items():
        stdout, stderr = process.communicate()
        if process.returncode:
            command = " ".join(["python -m viz", *args])
            raise RuntimeError(f"PYTHONHASHSEED={seed} {command} exited {process.returncode}: {stderr.decode()}")
        outputs[seed] = stdout
    return outputs
