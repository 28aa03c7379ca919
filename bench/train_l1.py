"""EfficientFormer-L1 training step, batch 8: forward, cross-entropy, backward, SGD step.

Run: `python bench/train_l1.py` (needs torch and timm). Target: lucid at most 2.0x PyTorch's time.
Both models start from the same weights, train in training mode (batch statistics), and take the
same SGD step (lr 0.01, momentum 0.9), so they stay numerically close step after step.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
import torch
from _common import header, interleaved_medians, model_pair, report

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling

TARGET = 2.0
BATCH = 8


def main(repeats: int = 8) -> bool:
    reference, ours = model_pair("efficientformer_l1")
    reference.train()
    ours.train()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 3, 224, 224)).astype(np.float32)
    y = rng.integers(0, 1000, BATCH)
    lx, ly = lucid.tensor(x), lucid.tensor(y)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    our_opt = lucid.optim.SGD(ours.parameters(), lr=0.01, momentum=0.9)
    their_opt = torch.optim.SGD(reference.parameters(), lr=0.01, momentum=0.9)

    def step_ours() -> float:
        our_opt.zero_grad()
        loss = F.cross_entropy(ours(lx), ly)
        loss.backward()
        our_opt.step()
        return loss.item()

    def step_theirs() -> float:
        their_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(reference(tx), ty)
        loss.backward()
        their_opt.step()
        return loss.item()

    t_ours, t_theirs = interleaved_medians(step_ours, step_theirs, repeats, warmup=1)
    return report(f"L1 train step b{BATCH} (ms)", 1e3 * t_ours, 1e3 * t_theirs, "ms", TARGET)


if __name__ == "__main__":
    print(header())
    sys.exit(0 if main() else 1)
