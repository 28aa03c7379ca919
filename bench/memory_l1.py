"""Peak memory of EfficientFormer-L1 inference (batch 1, 224x224), lucid against timm.

Run: `python bench/memory_l1.py` (needs torch and timm). Target: lucid at most 1.5x PyTorch's.
Each framework runs in a fresh child process: it builds the model, then the kernel's peak-RSS
mark is reset (/proc/self/clear_refs) and its first forward runs; the figure is the peak resident
memory reached during that forward above the resident memory before it (activations and
workspace, not weights or libraries, which both hold alike). Linux only.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import subprocess

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
from _common import header, report

TARGET = 1.5

_CHILD = r"""
import sys
import numpy as np

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB

x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
if sys.argv[1] == "lucid":
    import lucid, lucid.models
    model = lucid.models.create_model("efficientformer_l1").eval()
    lx = lucid.tensor(x)
    def run():
        with lucid.no_grad():
            return model(lx)
else:
    import torch, timm
    torch.set_num_threads(int(sys.argv[2]))
    model = timm.create_model("efficientformer_l1", pretrained=False).eval()
    tx = torch.from_numpy(x)
    def run():
        with torch.no_grad():
            return model(tx)
# No warm-up call: a warm-up would leave freed blocks resident in one allocator and not the
# other, and hide them from the figure. The first call's peak is what a fresh process needs.
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset VmHWM (peak RSS) to the current RSS
out = run()
print(status("VmHWM") - before)
"""


def peak_kib(framework: str, threads: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, framework, str(threads)], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def main() -> bool:
    from _common import THREADS

    ours = peak_kib("lucid", THREADS)
    theirs = peak_kib("torch", THREADS)
    return report("L1 inference peak memory (MiB)", ours / 1024, theirs / 1024, "MiB", TARGET)


if __name__ == "__main__":
    print(header())
    sys.exit(0 if main() else 1)
