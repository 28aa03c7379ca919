"""The Mermaid chart, the summary table and the trace JSON are the same bytes in every process.

Each output is traced and rendered from scratch (shape-only, about half a second) in two processes with different
PYTHONHASHSEED values, so an order taken from a set or a string-keyed hash anywhere between the tracer and the text
shows as a difference. (The DOT text's check is in test_dot.py.)
"""

from __future__ import annotations

import pytest
from cross_process import viz_stdout_per_hash_seed


@pytest.mark.parametrize(
    ("args", "start"),
    [
        # Deep, with counts: merge nodes, folded repeats and every label line are drawn.
        (["--depth", "5", "--show-params", "--show-macs"], b"%%{init:"),
        (["--format", "summary", "--depth", "10"], b"efficientformer_l1: input (1,3,224,224)"),
        (["--format", "json"], b"{"),
    ],
    ids=["mermaid", "summary", "json"],
)
def test_output_is_byte_identical_across_hash_seeds(args: list[str], start: bytes) -> None:
    outputs = viz_stdout_per_hash_seed(["efficientformer_l1", *args])
    first = next(iter(outputs.values()))
    assert first.startswith(start)  # the real output, not an empty or error text that would also agree
    for seed, out in outputs.items():
        assert out == first, f"PYTHONHASHSEED={seed} differs from the first seed's output"
