"""L1 inference at batch 1 with a fresh network's small activations and with unit-scale ones (diagnostic).

Run: `python bench/unit_scale_l1.py`. The benchmarks use random weights, so the activations
before each GELU have a standard deviation of about 0.1, and GELU's float32 polynomial covers all of them. A
trained network's batch norms give unit-scale activations, of which ~5% lie beyond the polynomial's range and
take the float64 rational (lucid/_kernels/gelu.py). Calibrating every batch norm's running statistics on the
input (one train-mode forward with momentum 1) stands in for trained weights.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import statistics
import time

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
from _common import SETTLE_SECONDS

import lucid
import lucid.models
from lucid import nn
from lucid.autograd.ops import activation


def forward_ms(model: nn.Module, x: lucid.Tensor, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        time.sleep(SETTLE_SECONDS)  # as the inference benchmark times its calls
        start = time.perf_counter()
        with lucid.no_grad():
            model(x)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def gelu_input_scale(model: nn.Module, x: lucid.Tensor) -> float:
    scales: list[float] = []
    original = activation.Gelu.forward

    def recording(self: activation.Gelu, a: np.ndarray) -> np.ndarray:
        scales.append(float(a.std()))
        return original(self, a)

    activation.Gelu.forward = recording  # type: ignore[method-assign]
    try:
        with lucid.no_grad():
            model(x)
    finally:
        activation.Gelu.forward = original  # type: ignore[method-assign]
    return float(np.mean(scales))


def main(repeats: int = 15) -> None:
    model = lucid.models.create_model("efficientformer_l1").eval()
    x = lucid.tensor(np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32))
    with lucid.no_grad():
        model(x)
    for label in ("fresh weights", "batch norms calibrated"):
        if label == "batch norms calibrated":
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.momentum = 1.0
            model.train()
            with lucid.no_grad():
                model(x)
            model.eval()
        print(
            f"{'L1 b1 forward, ' + label:<40} {forward_ms(model, x, repeats):7.1f} ms   "
            f"GELU input std {gelu_input_scale(model, x):.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
