"""Cost of `viz.trace` with real data over a plain forward of the same model (EfficientFormer-L1, batch 1).

Run: `python bench/trace_overhead.py`. Target: tracing at most 5% slower than the forward it records.
The difference is about 2 ms, near the run-to-run swing of a shared machine, hence 60 repeats.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
from _common import header, interleaved_medians

import lucid
import lucid.models
import viz

TARGET = 1.05


def main(repeats: int = 60) -> bool:
    model = lucid.models.create_model("efficientformer_l1").eval()
    x = lucid.tensor(np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32))

    def plain() -> object:
        with lucid.no_grad():
            return model(x)

    def traced() -> object:
        return viz.trace(model, inputs=x)

    # Both sides are lucid, so no other library's threads are left spinning between them: no settling pause.
    t_trace, t_plain = interleaved_medians(traced, plain, repeats, settle=False)
    ratio = t_trace / t_plain
    print(
        f"{'viz.trace L1 b1 vs forward (ms)':<34} trace {1e3 * t_trace:9.2f} ms  forward {1e3 * t_plain:9.2f} ms "
        f"ratio {ratio:5.3f}  target <= {TARGET:.2f}  {'ok' if ratio <= TARGET else 'MISSED'}",
        flush=True,
    )
    return ratio <= TARGET


if __name__ == "__main__":
    print(header())
    sys.exit(0 if main() else 1)
