"""Time the convolution, pooling, resampling and padding layers against PyTorch: forward, and forward + backward
(input and parameter gradients), on the same weights and input, measured alternately (bench/_common.py).

Run: `BENCH_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/conv_family.py [--small] [--filter TEXT]`. The default
shapes are realistic ones (a 2x decoder upsampler, a 3-d video block, 1-d audio features); `--small` runs the
parity tests' shapes instead, where both libraries mostly pay per-call overhead. One thread on both sides compares
the implementations rather than the thread pools.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import argparse
from collections.abc import Callable
from typing import Any

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
import torch
from _common import header, interleaved_medians

import lucid
from lucid import nn

Case = tuple[str, Callable[[Any], Any], tuple[int, ...]]  # label, build(library.nn), input shape

REALISTIC: list[Case] = [
    ("Conv1d 64->64 k3 p1", lambda m: m.Conv1d(64, 64, 3, padding=1), (4, 64, 2048)),
    ("Conv1d 64->64 k3 reflect", lambda m: m.Conv1d(64, 64, 3, padding=1, padding_mode="reflect"), (4, 64, 2048)),
    ("Conv2d 64->64 k3 reflect", lambda m: m.Conv2d(64, 64, 3, padding=1, padding_mode="reflect"), (1, 64, 56, 56)),
    ("Conv3d 16->32 k3 p1", lambda m: m.Conv3d(16, 32, 3, padding=1), (1, 16, 16, 32, 32)),
    ("ConvTranspose1d 64->32 k4 s2", lambda m: m.ConvTranspose1d(64, 32, 4, 2, 1), (4, 64, 1024)),
    ("ConvTranspose2d 64->32 k4 s2", lambda m: m.ConvTranspose2d(64, 32, 4, 2, 1), (1, 64, 32, 32)),
    ("ConvTranspose2d 64->32 k3 s2 op1", lambda m: m.ConvTranspose2d(64, 32, 3, 2, 1, 1), (1, 64, 32, 32)),
    ("ConvTranspose3d 32->16 k2 s2", lambda m: m.ConvTranspose3d(32, 16, 2, 2), (1, 32, 8, 16, 16)),
    ("Unfold 3x3 p1", lambda m: m.Unfold(3, padding=1), (1, 64, 56, 56)),
    ("Fold 3x3 p1", lambda m: m.Fold((56, 56), 3, padding=1), (1, 576, 3136)),
    ("AvgPool1d 3 s2 p1", lambda m: m.AvgPool1d(3, 2, 1), (8, 64, 1024)),
    ("MaxPool1d 3 s2 p1", lambda m: m.MaxPool1d(3, 2, 1), (8, 64, 1024)),
    ("AvgPool3d 2", lambda m: m.AvgPool3d(2), (1, 32, 16, 32, 32)),
    ("MaxPool3d 3 s2 p1", lambda m: m.MaxPool3d(3, 2, 1), (1, 32, 16, 32, 32)),
    ("AdaptiveAvgPool1d 1", lambda m: m.AdaptiveAvgPool1d(1), (8, 256, 512)),
    ("AdaptiveMaxPool1d 7", lambda m: m.AdaptiveMaxPool1d(7), (8, 256, 100)),
    ("AdaptiveMaxPool2d 1", lambda m: m.AdaptiveMaxPool2d(1), (8, 512, 7, 7)),
    ("AdaptiveMaxPool2d 6x6", lambda m: m.AdaptiveMaxPool2d(6), (2, 256, 13, 13)),
    ("AdaptiveAvgPool3d 1", lambda m: m.AdaptiveAvgPool3d(1), (2, 64, 8, 14, 14)),
    ("AdaptiveMaxPool3d 2x4x4", lambda m: m.AdaptiveMaxPool3d((2, 4, 4)), (2, 64, 8, 14, 14)),
    ("Upsample bilinear x2", lambda m: m.Upsample(scale_factor=2, mode="bilinear"), (1, 64, 56, 56)),
    ("Upsample nearest x2", lambda m: m.Upsample(scale_factor=2), (1, 64, 56, 56)),
    ("Upsample bicubic x2", lambda m: m.Upsample(scale_factor=2, mode="bicubic"), (1, 64, 56, 56)),
    ("Upsample bilinear 56->24", lambda m: m.Upsample(size=24, mode="bilinear", align_corners=True), (1, 64, 56, 56)),
    ("Upsample trilinear x2", lambda m: m.Upsample(scale_factor=2, mode="trilinear"), (1, 16, 8, 28, 28)),
    ("Upsample linear x2", lambda m: m.Upsample(scale_factor=2, mode="linear"), (4, 64, 512)),
    ("PixelShuffle 2", lambda m: m.PixelShuffle(2), (1, 256, 56, 56)),
    ("PixelUnshuffle 2", lambda m: m.PixelUnshuffle(2), (1, 64, 112, 112)),
    ("ZeroPad2d 3", lambda m: m.ZeroPad2d(3), (1, 64, 56, 56)),
    ("ReflectionPad2d 3", lambda m: m.ReflectionPad2d(3), (1, 64, 56, 56)),
    ("ReplicationPad2d 3", lambda m: m.ReplicationPad2d(3), (1, 64, 56, 56)),
    ("CircularPad2d 3", lambda m: m.CircularPad2d(3), (1, 64, 56, 56)),
    ("ReflectionPad3d 1", lambda m: m.ReflectionPad3d(1), (1, 32, 16, 32, 32)),
]

SMALL: list[Case] = [
    ("Conv1d k4 s2 p1 d2 g2", lambda m: m.Conv1d(4, 6, 4, 2, 1, 2, 2), (2, 4, 13)),
    ("Conv3d strided", lambda m: m.Conv3d(2, 3, (3, 2, 3), (2, 1, 2), 1, (1, 2, 1)), (1, 2, 6, 7, 7)),
    ("ConvTranspose1d s2 p1 op1", lambda m: m.ConvTranspose1d(4, 6, 4, 2, 1, 1), (2, 4, 7)),
    ("ConvTranspose2d 4x4 s2 p1", lambda m: m.ConvTranspose2d(6, 4, 4, 2, 1), (2, 6, 5, 4)),
    ("ConvTranspose3d k2 s2", lambda m: m.ConvTranspose3d(2, 3, 2, 2), (1, 2, 2, 3, 3)),
    ("Unfold 3x3", lambda m: m.Unfold(3), (2, 3, 5, 6)),
    ("Fold 3x3 p1", lambda m: m.Fold((4, 5), 3, padding=1), (2, 18, 20)),
    ("AvgPool1d 3 s2 p1", lambda m: m.AvgPool1d(3, 2, 1), (2, 3, 10)),
    ("MaxPool1d 3 s2 p1 d2", lambda m: m.MaxPool1d(3, 2, 1, 2), (2, 3, 11)),
    ("AvgPool3d 3 s2 p1", lambda m: m.AvgPool3d(3, 2, 1), (2, 2, 5, 6, 7)),
    ("MaxPool3d 3 s2 p1", lambda m: m.MaxPool3d(3, 2, 1), (2, 2, 5, 6, 7)),
    ("AdaptiveAvgPool1d 4", lambda m: m.AdaptiveAvgPool1d(4), (2, 3, 10)),
    ("AdaptiveMaxPool1d 4", lambda m: m.AdaptiveMaxPool1d(4), (2, 3, 10)),
    ("AdaptiveMaxPool2d 3x4", lambda m: m.AdaptiveMaxPool2d((3, 4)), (2, 2, 7, 9)),
    ("AdaptiveAvgPool3d 2x3x2", lambda m: m.AdaptiveAvgPool3d((2, 3, 2)), (2, 2, 5, 7, 3)),
    ("AdaptiveMaxPool3d 2x3x2", lambda m: m.AdaptiveMaxPool3d((2, 3, 2)), (2, 2, 5, 7, 3)),
    ("Upsample bilinear x2", lambda m: m.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 5, 6)),
    ("Upsample bicubic 9x13", lambda m: m.Upsample(size=(9, 13), mode="bicubic"), (2, 2, 5, 6)),
    ("Upsample nearest x3", lambda m: m.Upsample(scale_factor=3), (2, 2, 5, 6)),
    ("PixelShuffle 2", lambda m: m.PixelShuffle(2), (2, 8, 3, 4)),
    ("ReflectionPad2d", lambda m: m.ReflectionPad2d((1, 2, 0, 3)), (2, 3, 4, 5)),
    ("CircularPad3d", lambda m: m.CircularPad3d(1), (1, 2, 3, 4, 5)),
]


def _step(layer: Any, x: Any, weights: Any, library: Any) -> Callable[[], None]:
    """Forward, then backward of sum(out * weights) into the input and the parameters."""

    def run() -> None:
        x.grad = None
        for p in layer.parameters():
            p.grad = None
        out = layer(x)
        (out * weights).sum().backward()

    return run


def measure(label: str, build: Callable[[Any], Any], shape: tuple[int, ...], repeats: int) -> tuple[float, float]:
    theirs, ours = build(torch.nn), build(nn)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()}, strict=True)
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape).astype(np.float32)
    tx, lx = torch.tensor(data, requires_grad=True), lucid.tensor(data, requires_grad=True)
    with torch.no_grad():
        out_shape = tuple(theirs(tx).shape)
    w = rng.standard_normal(out_shape).astype(np.float32)
    with lucid.no_grad(), torch.no_grad():
        forward = interleaved_medians(lambda: ours(lx), lambda: theirs(tx), repeats, settle=False)
    both = interleaved_medians(
        _step(ours, lx, lucid.tensor(w), lucid), _step(theirs, tx, torch.tensor(w), torch), repeats, settle=False
    )
    print(
        f"{label:<34} {shape!s:<22} forward {1e3 * forward[0]:8.2f} / {1e3 * forward[1]:8.2f} ms "
        f"({forward[0] / forward[1]:4.2f}x)   fwd+bwd {1e3 * both[0]:8.2f} / {1e3 * both[1]:8.2f} ms "
        f"({both[0] / both[1]:4.2f}x)",
        flush=True,
    )
    return forward[0] / forward[1], both[0] / both[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="the parity tests' shapes instead of realistic ones")
    parser.add_argument("--filter", default="", help="only cases whose label contains this text")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(header())
    print("layer, input: lucid / pytorch (ratio), median of alternating runs")
    for label, build, shape in SMALL if args.small else REALISTIC:
        if args.filter in label:
            measure(label, build, shape, args.repeats)


if __name__ == "__main__":
    main()
