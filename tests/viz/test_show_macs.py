"""`show_macs` puts each drawn node's multiply-accumulates (its calls and its submodules') on the chart."""

from __future__ import annotations

import lucid
from lucid import nn
from viz import mermaid, trace
from viz.cli import main


class _TwoLinear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, 3)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.head(self.body(x))


def test_leaf_and_subgraph_macs_are_sums_of_their_calls() -> None:
    chart = mermaid(trace(_TwoLinear(), (2, 4)), depth=2, show_macs=True)
    lines = {line.split("[", 1)[0].strip(): line for line in chart.splitlines() if "[" in line}
    # Linear(4, 8) on 2 rows: 2*4*8 = 64 MACs; Linear(8, 3): 2*8*3 = 48; the model: 112.
    assert "64 MACs" in lines["m2"]
    assert "48 MACs" in lines["m4"]
    assert "64 MACs" in lines["subgraph sg_m1"]
    assert "112 MACs" in lines["subgraph sg_m0"]
    assert "MACs" not in lines["m3"]  # ReLU does no multiply-accumulate


def test_default_chart_has_no_counts() -> None:
    assert "MACs" not in mermaid(trace(_TwoLinear(), (2, 4)))


def test_cli_flag(capsys) -> None:
    assert main(["efficientformer_l1", "--depth", "1", "--show-macs"]) == 0
    out = capsys.readouterr().out
    assert "1.3B MACs" in out  # the model total, on the title
