"""Time the activations, norms and losses of issue 18 against PyTorch: forward + backward, best of several runs.

Run: `python bench/layers.py` (needs torch); `--threads 1` pins both libraries to one thread. Two sizes: the
parity harness's ((2, 4, 8), where each op's Python overhead is the whole cost) and an activation of
(8, 32, 32, 32) (262k elements, where the passes over memory count). Rows marked "composed" time the composition
of primitives a fused op replaced, to show why it was fused (a composition more than 2x PyTorch's time).
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import argparse
import math
from collections.abc import Callable

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
import torch
from _common import wall_times

import lucid
from lucid.autograd.ops import elementwise as ew
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling

TF = torch.nn.functional
SMALL = (2, 4, 8)
LARGE = (8, 32, 32, 32)


def _composed_softplus(x: lucid.Tensor) -> lucid.Tensor:
    # The stable composition: max(x, 0) + log(1 + exp(-|x|)), with the threshold's where.
    stable = ew.relu(x) + ew.log(ew.exp(-ew.abs(x)) + 1.0)
    return ew.where(x > 20.0, x, stable)


def _composed_elu(x: lucid.Tensor) -> lucid.Tensor:
    return ew.where(x > 0, x, ew.exp(ew.clip(x, max=0.0)) - 1.0)


def _composed_hardtanh(x: lucid.Tensor) -> lucid.Tensor:
    # PyTorch's exclusive bounds need a where over the clip (Clip passes the gradient at the bounds).
    inside = (x > -1.0).numpy() & (x < 1.0).numpy()
    return ew.where(lucid.Tensor._wrap(inside), x, ew.clip(x.detach(), -1.0, 1.0))


def _composed_bce(x: lucid.Tensor, t: lucid.Tensor) -> lucid.Tensor:
    log_x = ew.maximum(ew.log(x), -100.0)
    log_rest = ew.maximum(ew.log(1.0 - x), -100.0)
    return -(t * log_x + (1.0 - t) * log_rest).mean()


# (label, lucid fn, torch fn, input maker): the inputs are float32 arrays, each differentiated in both libraries.
Case = tuple[str, Callable[..., object], Callable[..., object], Callable[[tuple[int, ...]], list[np.ndarray]]]


def normal(shape: tuple[int, ...]) -> list[np.ndarray]:
    return [(np.random.default_rng(0).standard_normal(shape) * 3).astype(np.float32)]


def probabilities_and_targets(shape: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.uniform(0.01, 0.99, shape).astype(np.float32), rng.random(shape).astype(np.float32)]


def logits_and_probabilities(shape: tuple[int, ...]) -> list[np.ndarray]:
    return [normal(shape)[0], probabilities_and_targets(shape)[1]]


def logits_and_classes(shape: tuple[int, ...]) -> list[np.ndarray]:
    rows = math.prod(shape) // 16
    return [np.random.default_rng(2).standard_normal((rows, 16)).astype(np.float32)]


_CLASSES: dict[int, np.ndarray] = {}


def _classes(rows: int) -> np.ndarray:
    return _CLASSES.setdefault(rows, np.random.default_rng(3).integers(0, 16, rows))


CASES: list[Case] = [
    ("relu6", F.relu6, TF.relu6, normal),
    ("hardtanh", F.hardtanh, TF.hardtanh, normal),
    ("  hardtanh composed", _composed_hardtanh, TF.hardtanh, normal),
    ("hardswish", F.hardswish, TF.hardswish, normal),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, normal),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, normal),
    ("elu", F.elu, TF.elu, normal),
    ("  elu composed", _composed_elu, TF.elu, normal),
    ("selu", F.selu, TF.selu, normal),
    ("softplus", F.softplus, TF.softplus, normal),
    ("  softplus composed", _composed_softplus, TF.softplus, normal),
    ("mish", F.mish, TF.mish, normal),
    ("softsign", F.softsign, TF.softsign, normal),
    ("glu", lambda x: F.glu(x, 1), lambda x: TF.glu(x, 1), normal),
    ("log_softmax", lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1), normal),
    ("instance_norm", F.instance_norm, TF.instance_norm, normal),
    ("rms_norm", lambda x: F.rms_norm(x, x.shape[-1:]), lambda x: TF.rms_norm(x, x.shape[-1:]), normal),
    ("local_response_norm", lambda x: F.local_response_norm(x, 5), lambda x: TF.local_response_norm(x, 5), normal),
    ("bce", lambda x, t: F.binary_cross_entropy(x, t), TF.binary_cross_entropy, probabilities_and_targets),
    ("  bce composed", _composed_bce, TF.binary_cross_entropy, probabilities_and_targets),
    ("bce_with_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t.detach()),
     lambda x, t: TF.binary_cross_entropy_with_logits(x, t.detach()), logits_and_probabilities),
    ("cross_entropy", lambda x: F.cross_entropy(x, lucid.tensor(_classes(x.shape[0]))),
     lambda x: TF.cross_entropy(x, torch.from_numpy(_classes(x.shape[0]))), logits_and_classes),
    ("smooth_l1", lambda x, t: F.smooth_l1_loss(x, t.detach()), lambda x, t: TF.smooth_l1_loss(x, t.detach()),
     logits_and_probabilities),
]  # fmt: skip


def best_ms(fn: Callable[[], object], repeats: int) -> float:
    return 1e3 * min(wall_times(fn, repeats))


def step(fn: Callable[..., object], arrays: list[np.ndarray], library: str) -> Callable[[], object]:
    """One forward + backward of `fn` on fresh leaves (sum of the output, so any shape works)."""
    make = lucid.tensor if library == "lucid" else torch.tensor
    leaves = [make(a, requires_grad=True) for a in arrays]

    def run() -> None:
        for leaf in leaves:
            leaf.grad = None
        out = fn(*leaves)
        out.sum().backward()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch and lucid kernel threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        lucid.set_num_threads(args.threads)
    print(f"{'op':<22} {'shape':<16} {'lucid ms':>9} {'torch ms':>9} {'ratio':>6}")
    for label, ours, theirs, inputs in CASES:
        for shape, repeats in ((SMALL, 200), (LARGE, 15)):
            arrays = inputs(shape)
            ours_ms = best_ms(step(ours, arrays, "lucid"), repeats)
            theirs_ms = best_ms(step(theirs, arrays, "torch"), repeats)
            ratio = ours_ms / theirs_ms
            print(f"{label:<22} {shape!s:<16} {ours_ms:9.3f} {theirs_ms:9.3f} {ratio:6.2f}", flush=True)


if __name__ == "__main__":
    main()
