"""Run every benchmark of issue 9 in one go and print the table the README carries.

Run: `python bench/run_all.py` (needs torch and timm). Exit status 1 when a target is missed,
so the table's last column and the exit code agree.
"""

from __future__ import annotations

import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import infer_l1
import memory_l1
import shape_trace
import trace_overhead
import train_l1
from _common import header


def main() -> int:
    print(header())
    results = [infer_l1.main(), train_l1.main(), memory_l1.main(), trace_overhead.main(), shape_trace.main()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
