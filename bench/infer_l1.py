"""EfficientFormer-L1 inference, batch 1, 224x224, float32: lucid against timm in eager PyTorch.

Run: `python bench/infer_l1.py` (needs torch and timm). Target: lucid at most 1.5x PyTorch's time.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
import torch
from _common import header, interleaved_medians, model_pair, report

import lucid

TARGET = 1.5


def main(repeats: int = 30) -> bool:
    reference, ours = model_pair("efficientformer_l1")
    reference.eval()
    ours.eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    lx, tx = lucid.tensor(x), torch.from_numpy(x)

    def run_ours() -> object:
        with lucid.no_grad():
            return ours(lx)

    def run_theirs() -> object:
        with torch.no_grad():
            return reference(tx)

    # timm's head averages a distillation head we do not have, so the check compares features.
    with lucid.no_grad(), torch.no_grad():
        diff = float(np.abs(ours.forward_features(lx).numpy() - reference.forward_features(tx).numpy()).max())
    if diff > 1e-2:
        raise SystemExit(f"infer_l1: lucid and timm disagree (max |diff| {diff:.3g}); the timing would be meaningless")
    t_ours, t_theirs = interleaved_medians(run_ours, run_theirs, repeats)
    return report("L1 inference b1 224 (ms)", 1e3 * t_ours, 1e3 * t_theirs, "ms", TARGET)


if __name__ == "__main__":
    print(header())
    sys.exit(0 if main() else 1)
