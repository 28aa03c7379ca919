"""Shape-only tracing of EfficientFormer-L7: the CLI's process time and the memory of tracing at batch 256.

Run: `python bench/shape_trace.py` (no torch needed). Targets: `lucid-viz efficientformer_l7` and
`lucid-viz snapshot efficientformer_l7 --check` (against the committed golden file) each under 1 s
end to end as a process (start-up, imports, building the model, tracing, drawing or comparing), and tracing L7 at
batch 256 x 3 x 224 x 224 in shape-only mode under 200 MB peak resident memory for the whole process.
Each figure is measured in a fresh child process; the CLI time is the median of 5 runs. The real
forward's figures (`--real`, batch 1) are printed beside them for scale. Linux only (reads VmHWM).
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import statistics
import subprocess
import time
from pathlib import Path

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py

CLI_TARGET_S = 1.0
MEMORY_TARGET_MB = 200.0
RUNS = 5

_TRACE_CHILD = r"""
import sys, time
start = time.perf_counter()
import viz
shape = (int(sys.argv[1]), 3, 224, 224)
trace = viz.trace_shapes("efficientformer_l7", shape)
assert trace.output_shapes == [(shape[0], 1000)], trace.output_shapes
# VmHWM is this process's own peak: ru_maxrss would carry over the parent's peak across fork and exec.
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(time.perf_counter() - start, hwm_kb / 1024)
"""


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "lucid-viz"
    return [str(script)] if script.exists() else [sys.executable, "-m", "viz"]


REPO = Path(__file__).resolve().parents[1]


def cli_seconds(*argv: str) -> float:
    """Median wall time of `lucid-viz ARGV` as a process (run from the repository), output discarded."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([*_cli(), *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def trace_batch(batch: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a child process that imports viz and shape-traces L7 at `batch`."""
    out = subprocess.run([sys.executable, "-c", _TRACE_CHILD, str(batch)], check=True, capture_output=True, text=True)
    seconds, peak = out.stdout.split()
    return float(seconds), float(peak)


def _line(figure: str, value: float, unit: str, target: float | None) -> bool:
    ok = target is None or value <= target
    goal = f"target < {target:g} {unit}  {'ok' if ok else 'MISSED'}" if target is not None else "(for scale)"
    print(f"{figure:<48} {value:8.2f} {unit:<3} {goal}", flush=True)
    return ok


def main() -> bool:
    results = [
        _line("lucid-viz efficientformer_l7 (process, median)", cli_seconds("efficientformer_l7"), "s", CLI_TARGET_S),
        _line(
            "lucid-viz snapshot efficientformer_l7 --check",
            cli_seconds("snapshot", "efficientformer_l7", "--check"),
            "s",
            CLI_TARGET_S,
        ),
        _line("shape-only trace L7 batch 256: peak RSS", trace_batch(256)[1], "MB", MEMORY_TARGET_MB),
    ]
    seconds, _ = trace_batch(256)
    _line("shape-only trace L7 batch 256: import+build+trace", seconds, "s", None)
    _line("lucid-viz efficientformer_l7 --real (process)", cli_seconds("efficientformer_l7", "--real"), "s", None)
    return all(results)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
