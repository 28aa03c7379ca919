"""Time lucid's attention, transformer encoder and LSTM against PyTorch's: forward + backward, same weights.

Run: `python bench/sequence.py` (needs torch); for one thread on both sides:
`BENCH_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/sequence.py`. The shapes are issue 18's:
MultiheadAttention on batch 8, 64 tokens, 128 features, 4 heads (self-attention, batch first); a 2-layer
TransformerEncoder of that size (dim_feedforward 512, dropout 0); a 2-layer LSTM, 64 -> 128, batch 8, 50 steps.
Each figure is the median of interleaved calls (bench/_common.py); diagnostic, no target.
"""

from __future__ import annotations

import sys
import warnings

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from collections.abc import Callable
from typing import Any

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
import torch
from _common import header, interleaved_medians

import lucid
from lucid import nn

REPEATS = 15


def pair(build: Callable[[Any], Any]) -> tuple[Any, Any]:
    """`build(torch.nn)` with its random weights, and `build(lucid.nn)` loaded from them."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # TransformerEncoder: "nested tensors are off"
        theirs = build(torch.nn)
    ours = build(nn)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def step(model: Any, inputs: list[Any]) -> Callable[[], None]:
    """One forward of `model` on `inputs` and the backward of the sum of its (first) output."""

    def run() -> None:
        model.zero_grad()
        out = model(*inputs)
        out = out[0] if isinstance(out, tuple) else out
        out.sum().backward()

    return run


def compare(label: str, build: Callable[[Any], Any], shapes: list[tuple[int, ...]], self_attention: bool) -> None:
    ours, theirs = pair(build)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ours_in = [lucid.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    if self_attention:
        ours_in, theirs_in = ours_in * 3, theirs_in * 3
    ours_ms, theirs_ms = interleaved_medians(step(ours, ours_in), step(theirs, theirs_in), REPEATS)
    print(
        f"{label:<44} lucid {1e3 * ours_ms:8.2f} ms  pytorch {1e3 * theirs_ms:8.2f} ms  "
        f"ratio {ours_ms / theirs_ms:5.2f}",
        flush=True,
    )


def main() -> None:
    print(header())
    compare(
        "MultiheadAttention fwd+bwd (8, 64, 128), 4 heads",
        lambda m: m.MultiheadAttention(128, 4, batch_first=True),
        [(8, 64, 128)],
        self_attention=True,
    )
    compare(
        "TransformerEncoder 2 layers fwd+bwd",
        lambda m: m.TransformerEncoder(m.TransformerEncoderLayer(128, 4, 512, 0.0, batch_first=True), 2),
        [(8, 64, 128)],
        self_attention=False,
    )
    compare(
        "LSTM 2 layers 64 -> 128 fwd+bwd (50, 8)",
        lambda m: m.LSTM(64, 128, num_layers=2),
        [(50, 8, 64)],
        self_attention=False,
    )


if __name__ == "__main__":
    main()
