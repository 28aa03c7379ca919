"""Shared pieces of the benchmarks: same-weights model pairs, a timer, and the one-line report.

Every benchmark builds timm's EfficientFormer and ours with the same weights (random, never from
a hub), times both in the same process with the same thread count, and prints
`figure  lucid  pytorch  ratio  target  ok` so a run can be pasted into the README table.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np
import torch
from _clean_env import settings

import lucid
import lucid.models as models
from lucid.models.efficientformer import convert_timm_state_dict

# torch uses every core by default and OpenBLAS does the same; pin both to the same count so the
# ratio compares implementations, not thread pools (lucid's own kernels included; OpenBLAS's pool is
# fixed when NumPy loads, by OPENBLAS_NUM_THREADS).
THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
torch.set_num_threads(THREADS)
lucid.set_num_threads(THREADS)


def model_pair(name: str = "efficientformer_l1", seed: int = 0) -> tuple[torch.nn.Module, object]:
    """timm's model with random weights and ours loaded from its state dict."""
    import timm

    torch.manual_seed(seed)
    reference = timm.create_model(name, pretrained=False)
    state = {key: value.detach().numpy() for key, value in reference.state_dict().items()}
    ours = models.create_model(name)
    ours.load_state_dict(convert_timm_state_dict(state), strict=True)
    return reference, ours


def timed(fn: Callable[[], object]) -> float:
    """Wall time in seconds of one call of `fn`.

    The result is freed after the clock stops: a caller keeps what a call returns (a Trace of a few
    thousand objects, an output tensor), so freeing it is not part of the call's cost.
    """
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def wall_times(fn: Callable[[], object], repeats: int, warmup: int = 2) -> list[float]:
    """Wall time in seconds of each of `repeats` calls of `fn`, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    return [timed(fn) for _ in range(repeats)]


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of `fn` over `repeats` calls after `warmup` untimed ones."""
    return float(np.median(wall_times(fn, repeats, warmup)))


# OpenBLAS's worker threads spin for about 2^28 cycles (~0.1 s) after each matrix product before they sleep,
# and PyTorch's OpenMP workers spin briefly too. Run back to back, one library's spinning threads take the cores
# the other's next call wants: PyTorch's L1 inference measured 71-75 ms that way against 41 ms alone. A pause
# longer than the spin between calls lets each run as it would alone.
SETTLE_SECONDS = 0.25


def interleaved_medians(
    ours: Callable[[], object], theirs: Callable[[], object], repeats: int, warmup: int = 2, settle: bool = True
) -> tuple[float, float]:
    """Median times of two functions measured alternately, so drift in machine load hits both alike.

    The order swaps every repeat, and with `settle` each call waits SETTLE_SECONDS first, so neither
    library's idle threads are still spinning when the other runs.
    """
    for _ in range(warmup):
        ours()
        theirs()
    times: dict[Callable[[], object], list[float]] = {ours: [], theirs: []}
    for repeat in range(repeats):
        for fn in (ours, theirs) if repeat % 2 == 0 else (theirs, ours):
            if settle:
                time.sleep(SETTLE_SECONDS)
            times[fn].append(timed(fn))
    return float(np.median(times[ours])), float(np.median(times[theirs]))


def header() -> str:
    return (
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, threads={THREADS}, "
        f"numpy {np.__version__}, torch {torch.__version__}; {settings()}"
    )


def report(figure: str, ours: float, theirs: float, unit: str, target: float) -> bool:
    """Print one result line; returns whether the ratio meets its target."""
    ratio = ours / theirs
    ok = ratio <= target
    print(
        f"{figure:<34} lucid {ours:9.2f} {unit:<3} pytorch {theirs:9.2f} {unit:<3} "
        f"ratio {ratio:5.2f}  target <= {target:.2f}  {'ok' if ok else 'MISSED'}",
        flush=True,
    )
    return ok
