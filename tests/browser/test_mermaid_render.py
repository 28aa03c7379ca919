"""Every chart lucid-viz draws parses and renders in real mermaid 11 (headless Chromium, offline).

The charts cover the registered models at depths 1-4 and with each drawing option, EfficientFormers built from
custom configs, a user module with keyword arguments and tuple/dict outputs, a partial trace, and real architectures
drawn with data edges (residual blocks, a U-Net, Inception, a two-input model, a ViT). All of them are
rendered in one Chromium run; for each, mermaid must report no error, and the SVG must hold exactly the nodes,
subgraphs and edges the chart text declares.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import lucid
import lucid.models as models
import viz
from lucid.models import EfficientFormer, EfficientFormerConfig

from .chromium import MERMAID_BUNDLE, chromium_path, render_charts
from .declared import CIRCLE, declared

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viz"))
import dataflow_models
from user_models import Broken, TupleNet

pytestmark = pytest.mark.browser

if chromium_path() is None:
    pytest.skip("Debian's chromium is not installed (./scripts/bootstrap.sh installs it)", allow_module_level=True)
if not MERMAID_BUNDLE.exists():
    pytest.skip(f"{MERMAID_BUNDLE} is missing; run ./scripts/bootstrap.sh (npm ci)", allow_module_level=True)


def _charts() -> dict[str, str]:
    charts: dict[str, str] = {}
    for name in ("efficientformer_l1", "efficientformer_l3", "efficientformer_l7"):
        trace = viz.trace(models.create_model(name))  # each model traced once
        for depth in (1, 2, 3, 4):
            charts[f"{name} depth {depth}"] = viz.mermaid(trace, depth=depth)
        charts[f"{name} TB no-collapse params"] = viz.mermaid(
            trace, depth=4, direction="TB", collapse_repeats=False, show_params=True
        )
        charts[f"{name} colour-safe"] = viz.mermaid(trace, colour_safe=True)
    configs = {
        "two stages with attention": (
            EfficientFormerConfig(depths=(1, 2), embed_dims=(8, 16), num_vit=1, num_classes=10),
            (1, 3, 56, 56),
        ),
        "pooling only, no head": (
            EfficientFormerConfig(depths=(2, 1, 1), embed_dims=(8, 16, 24), num_classes=0),
            (2, 3, 64, 64),
        ),
        "no downsampling in stage 2": (
            EfficientFormerConfig(depths=(1, 1, 2), embed_dims=(8, 8, 16), downsamples=(False, False, True), num_vit=2),
            (1, 3, 56, 56),
        ),
    }
    for label, (config, shape) in configs.items():
        trace = viz.trace(EfficientFormer(config), shape)
        for depth in (1, 2, 3, 4):
            charts[f"config {label} depth {depth}"] = viz.mermaid(trace, depth=depth)
    user = viz.trace(TupleNet(), (2, 8), keep=1)
    for depth in (1, 2):
        charts[f"user module depth {depth}"] = viz.mermaid(user, depth=depth, show_params=True)
    with pytest.raises(viz.TracingError) as info:
        viz.trace(Broken(), (1, 4))
    charts["partial trace"] = viz.mermaid(info.value.partial)
    with pytest.raises(viz.TracingError) as info:
        viz.trace(models.efficientformer_l1(), (1, 3, 256, 256))
    charts["partial trace failing at the root"] = viz.mermaid(info.value.partial)
    charts.update(_data_flow_charts())
    return charts


def _data_flow_charts() -> dict[str, str]:
    """Real architectures whose edges follow the data (tests/viz/test_data_edges.py checks their edges)."""
    cases = {
        "identity block": (dataflow_models.identity_block(), (1, 8, 8, 8), [1]),
        "projection block": (dataflow_models.projection_block(), (1, 8, 8, 8), [1, 2]),
        "resnet": (dataflow_models.TinyResNet(), (1, 3, 8, 8), [2, 3]),
        "unet": (dataflow_models.UNet(), (1, 3, 16, 16), [1, 2, 3]),
        "inception": (dataflow_models.InceptionNet(), (1, 3, 8, 8), [2, 3]),
        "two inputs": (dataflow_models.ActorCritic(), ((2, 3, 8, 8), (2, 6)), [1, 2]),
        "vit": (dataflow_models.TinyViT(), (1, 3, 16, 16), [2, 4]),
        "separate qkv": (dataflow_models.SeparateQKVAttention(), (1, 5, 8), [1]),
    }
    charts: dict[str, str] = {}
    for label, (model, shape, depths) in cases.items():
        trace = viz.trace(model, shape, meta=True)
        for depth in depths:
            charts[f"{label} depth {depth}"] = viz.mermaid(trace, depth=depth)
        charts[f"{label} shapes"] = viz.mermaid(trace, depth=depths[-1], show_shapes=True, direction="TB")
    charts["vit unfolded"] = viz.mermaid(viz.trace(dataflow_models.TinyViT(), (1, 3, 16, 16), meta=True), depth=4,
                                         collapse_repeats=False)  # fmt: skip
    return charts


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[str, dict]]:
    lucid.random.seed(0)
    charts = _charts()
    results = render_charts(list(charts.values()), budget_ms=60000)
    assert len(results) == len(charts)
    return {label: (chart, result) for (label, chart), result in zip(charts.items(), results, strict=True)}


def test_every_chart_renders_without_an_error(rendered) -> None:
    failures = {label: result.get("error") for label, (_, result) in rendered.items() if not result.get("ok")}
    assert failures == {}
    assert not any(result.get("error_box") for _, result in rendered.values())


def test_every_chart_draws_the_nodes_subgraphs_and_edges_it_declares(rendered) -> None:
    wrong = {}
    for label, (chart, result) in rendered.items():
        drawn = {key: result.get(key) for key in ("nodes", "clusters", "edges")}
        if drawn != declared(chart):
            wrong[label] = (drawn, declared(chart))
    assert wrong == {}


def test_the_charts_are_not_trivial(rendered) -> None:
    # Guards the counting above: deep charts have many nodes, and depth adds to them.
    l1 = {depth: rendered[f"efficientformer_l1 depth {depth}"][1]["nodes"] for depth in (1, 2, 3, 4)}
    assert l1[1] < l1[2] < l1[3] < l1[4]
    # The reference chart: 13 module nodes, the folded group's two ports, input and output.
    assert rendered["efficientformer_l1 depth 3"][1]["nodes"] == 17
    assert rendered["efficientformer_l7 TB no-collapse params"][1]["nodes"] > 50


def test_user_module_chart_shows_keyword_tuple_and_dict_shapes(rendered) -> None:
    chart, _ = rendered["user module depth 1"]
    # keep=1 reached the forward; a tuple and a dict holding a list are listed tensor by tensor, in order.
    assert "(2,8) → [(2,1), (2,5)]</span>" in chart
    assert "[(2,1), (2,5)] → [(2,1), (2,5), (2,5)]</span>" in chart
    # The model returns a tuple: one output node per item, the second holding the dict's three tensors.
    assert "output0[\"Output 0<br/><span style='font-size:11px;color:#a67c00;font-weight:400'>(2,1)</span>\"];" in chart
    assert "font-weight:400'>[(2,1), (2,5), (2,5)]</span>\"];" in chart
    assert "m2 --> output0;" in chart and "m2 --> output1;" in chart


def test_the_charts_hold_merge_circles_and_ports(rendered: dict[str, tuple[str, dict]]) -> None:
    # Guards the counting above: the circles and ports are among the nodes that were counted.
    circles = {
        label: sum(bool(CIRCLE.match(line)) for line in chart.splitlines()) for label, (chart, _) in rendered.items()
    }
    assert circles["identity block depth 1"] == 1  # the residual add
    assert circles["unet depth 2"] == 2  # two skip concatenations
    assert circles["inception depth 2"] == 1
    assert circles["two inputs depth 2"] == 2  # concatenate and stack
    assert circles["vit depth 4"] == 2 and circles["vit unfolded"] == 4
    assert '(["Input"])' in rendered["vit depth 4"][0] and '(["Input"])' in rendered["resnet depth 3"][0]
    # identity block: 5 layers, a second ReLU, the add, input and output.
    assert rendered["identity block depth 1"][1]["nodes"] == 9
