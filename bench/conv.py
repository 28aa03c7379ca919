"""Time lucid's conv2d and pooling against PyTorch in the same process (forward, and forward+backward).

Run: `python bench/conv.py` (needs torch). Shapes are EfficientFormer-L1's stage-1 layers.
For one thread on both sides: `OPENBLAS_NUM_THREADS=1 python bench/conv.py --threads 1`.
Figures are the best of several runs: on a shared machine the best run is the least disturbed one.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import argparse
from collections.abc import Callable

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
import torch
from _common import wall_times

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling

REPEATS = 50


def best_ms(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Best wall time of `fn` in milliseconds over `repeats` calls, after two warm-up calls."""
    return 1e3 * min(wall_times(fn, repeats))


def conv_case(label: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: int, padding: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    lx, lw, lb = lucid.tensor(x), lucid.tensor(w), lucid.tensor(b)
    tx, tw, tb = torch.tensor(x), torch.tensor(w), torch.tensor(b)
    with lucid.no_grad():
        ours = best_ms(lambda: F.conv2d(lx, lw, lb, stride, padding))
    with torch.no_grad():
        theirs = best_ms(lambda: torch.nn.functional.conv2d(tx, tw, tb, stride, padding))

    gx, gw, gb = (lucid.tensor(a, requires_grad=True) for a in (x, w, b))
    hx, hw, hb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ours_bw = best_ms(lambda: F.conv2d(gx, gw, gb, stride, padding).sum().backward(), 20)
    theirs_bw = best_ms(lambda: torch.nn.functional.conv2d(hx, hw, hb, stride, padding).sum().backward(), 20)
    print(
        f"{label:<38} forward: lucid {ours:6.2f} ms  torch {theirs:6.2f} ms | "
        f"fwd+bwd: lucid {ours_bw:6.2f} ms  torch {theirs_bw:6.2f} ms"
    )


def pool_case() -> None:
    x = np.random.default_rng(1).standard_normal((1, 48, 56, 56)).astype(np.float32)
    lx, tx = lucid.tensor(x), torch.tensor(x)
    with lucid.no_grad():
        ours = best_ms(lambda: F.avg_pool2d(lx, 3, 1, 1, count_include_pad=False))
    with torch.no_grad():
        theirs = best_ms(lambda: torch.nn.functional.avg_pool2d(tx, 3, 1, 1, count_include_pad=False))
    print(f"{'avg_pool2d 3x3 s1 p1 (1,48,56,56)':<38} forward: lucid {ours:6.2f} ms  torch {theirs:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (set OPENBLAS_NUM_THREADS for numpy)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")
    conv_case("3x3 s1 (1,48,56,56)->(1,48,56,56)", (1, 48, 56, 56), (48, 48, 3, 3), 1, 1)
    conv_case("1x1 (1,192,56,56)->(1,48,56,56)", (1, 192, 56, 56), (48, 192, 1, 1), 1, 0)
    conv_case("stem 3x3 s2 (1,3,224,224)->(1,24,112,112)", (1, 3, 224, 224), (24, 3, 3, 3), 2, 1)
    conv_case("stem 3x3 s2 (1,24,112,112)->(1,48,56,56)", (1, 24, 112, 112), (48, 24, 3, 3), 2, 1)
    pool_case()


if __name__ == "__main__":
    main()
