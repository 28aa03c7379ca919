"""Shape-only tracing: for every registered model the Trace (shapes, parameters, MACs) and the chart drawn from it
equal those of a real forward, the CLI uses it by default, and failures still name the module.

Each model is traced once for real and once shape-only (module-scoped fixtures): real L7 at 224 takes seconds.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

import lucid
import lucid.models as models
import viz
from lucid import nn
from viz.cli import main
from viz.trace import TracingError, trace, trace_shapes

MODELS = models.list_models()


@pytest.fixture(scope="module")
def real_traces() -> dict[str, viz.Trace]:
    return {name: trace(models.create_model(name)) for name in MODELS}


@pytest.fixture(scope="module")
def shape_traces() -> dict[str, viz.Trace]:
    return {name: trace_shapes(name) for name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_shape_only_trace_equals_the_real_one(
    name: str, real_traces: dict[str, viz.Trace], shape_traces: dict[str, viz.Trace]
) -> None:
    real, shapes = real_traces[name], shape_traces[name]
    assert shapes.to_json() == real.to_json()
    assert sum(call.macs for call in shapes.calls) > 0  # the MAC counts were compared, not two zeros


@pytest.mark.parametrize("name", MODELS)
def test_shape_only_chart_equals_the_real_one(
    name: str, real_traces: dict[str, viz.Trace], shape_traces: dict[str, viz.Trace]
) -> None:
    for depth in (1, 3, 6):
        options = {"depth": depth, "show_params": True, "show_macs": True}
        assert viz.mermaid(shape_traces[name], **options) == viz.mermaid(real_traces[name], **options)


def test_shape_only_model_has_no_weights() -> None:
    with lucid.meta():
        model = models.create_model("efficientformer_l7")
    assert all(p.is_meta for p in model.parameters())
    big = trace(model, (256, 3, 224, 224), meta=True)
    assert big.output_shapes == [(256, 1000)]


def test_trace_shapes_takes_a_factory_or_a_model() -> None:
    def factory() -> nn.Module:
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())

    from_factory = trace_shapes(factory, (1, 3, 8, 8))
    real_model = factory()
    assert from_factory.to_json() == trace(real_model, (1, 3, 8, 8)).to_json()
    # A real model traced on meta inputs: its weights stay real and untouched.
    before = real_model[0].weight.numpy().copy()
    assert trace_shapes(real_model, (1, 3, 8, 8)).to_json() == from_factory.to_json()
    assert (real_model[0].weight.numpy() == before).all()
    with pytest.raises(TypeError, match="registered model name, a function that builds a model or a model"):
        trace_shapes(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="returned int"):
        trace_shapes(lambda: 3)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="unknown model 'no_such_model'"):
        trace_shapes("no_such_model")


def test_shape_only_failure_names_the_module_as_a_real_one_does() -> None:
    # The model checks its input size up front, from shapes only, and names the module that cannot take it.
    with pytest.raises(TracingError) as real:
        trace(models.create_model("efficientformer_l1"), (1, 3, 160, 160))
    with pytest.raises(TracingError) as shapes:
        trace_shapes("efficientformer_l1", (1, 3, 160, 160))
    assert str(shapes.value) == str(real.value)
    assert "stages.3.blocks.4.token_mixer: expected 49 tokens" in str(shapes.value)
    assert shapes.value.partial.to_json() == real.value.partial.to_json()


def _cli(argv: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["mermaid", "json", "summary"])
def test_cli_shape_only_default_matches_real(fmt: str) -> None:
    argv = ["efficientformer_l1", "--format", fmt, "--depth", "2", "--input-shape", "2,3,224,224"]
    assert _cli(argv) == _cli([*argv, "--real"])
