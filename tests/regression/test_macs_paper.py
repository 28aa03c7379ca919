"""Total MACs of the EfficientFormer variants at 224×224 against the paper (Li et al., NeurIPS 2022, Table 1).

What is counted is documented in viz/macs.py: convolutions, matrix products and pooling.
"""

from __future__ import annotations

import pytest
from regression_traces import model_trace

from viz.summary import summarise_trace

PAPER_GMACS = {"efficientformer_l1": 1.3, "efficientformer_l3": 3.9, "efficientformer_l7": 10.2}


@pytest.mark.parametrize("name", sorted(PAPER_GMACS))
def test_total_macs_within_one_percent_of_the_paper(name: str) -> None:
    # viz/macs.py promises 1%; measured: L1 -0.06%, L3 +0.62%, L7 -0.44% (1.299, 3.924, 10.155 GMACs).
    total = summarise_trace(model_trace(name)).total_macs
    paper = PAPER_GMACS[name] * 1e9
    assert abs(total - paper) / paper < 0.01, f"{name}: {total / 1e9:.3f} GMACs, paper {PAPER_GMACS[name]}"


def test_macs_are_attributed_to_the_modules_that_ran_them() -> None:
    trace = model_trace("efficientformer_l1")
    own = {call.path: call.macs for call in trace.calls}
    # Containers and norms do no multiply-accumulates themselves; their leaves do.
    assert own[""] == own["stages"] == own["stem.norm1"] == 0
    # stem.conv1: 3 -> 24 channels, 3x3 stride 2 on 224x224 -> 112x112.
    assert own["stem.conv1"] == 112 * 112 * 24 * 3 * 3 * 3
    # The classifier: 448 features -> 1000 classes on one image.
    assert own["head"] == 448 * 1000
    # Attention's q @ k^T and attn @ v run in the attention module's own forward (qkv and proj are Linear children).
    # 8 heads over 49 tokens: q @ k^T with key_dim 32, then attn @ v with value dim 4 * 32.
    attention = own["stages.3.blocks.4.token_mixer"]
    assert attention == 8 * 49 * 49 * 32 + 8 * 49 * 49 * 128
    summary = summarise_trace(trace, depth=10)
    assert summary.row("stages.3.blocks.4.token_mixer").macs == (
        attention + own["stages.3.blocks.4.token_mixer.qkv"] + own["stages.3.blocks.4.token_mixer.proj"]
    )
