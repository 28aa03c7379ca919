"""Replacing a registered parameter, buffer or submodule keeps its place, as in PyTorch.

Every scenario runs the same steps on a lucid model and on its PyTorch mirror, then compares the order of
`_parameters`, `_buffers`, `_modules`, `state_dict()` and `named_modules()`, or the kind of error raised.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import lucid
import viz
from lucid import nn
from lucid.models import create_model

torch = pytest.importorskip("torch")

LUCID = (lucid, nn)
TORCH = (torch, torch.nn)


def build(lib: ModuleType, nn_: ModuleType) -> Any:
    """A module with two parameters, two buffers (one non-persistent), two children and a plain attribute."""

    class Net(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn_.Parameter(lib.ones(3))
            self.register_buffer("mean", lib.zeros(3))
            self.fc = nn_.Linear(3, 3)
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.act = nn_.ReLU()
            self.bias = nn_.Parameter(lib.zeros(3))
            self.note = 1

    return Net()


# Each step: (lib, nn_, module) -> None, written once and run on both libraries.
Step = Callable[[ModuleType, ModuleType, Any], None]
SCENARIOS: dict[str, Step] = {
    "parameter over parameter": lambda lib, nn_, m: setattr(m, "weight", nn_.Parameter(lib.zeros(3))),
    "None then parameter again": lambda lib, nn_, m: (
        setattr(m, "weight", None),
        setattr(m, "weight", nn_.Parameter(lib.zeros(3))),
    ),
    "module over module": lambda lib, nn_, m: setattr(m, "fc", nn_.GELU()),
    "None over module then module": lambda lib, nn_, m: (setattr(m, "fc", None), setattr(m, "fc", nn_.Tanh())),
    "tensor over buffer": lambda lib, nn_, m: setattr(m, "mean", lib.ones(3)),
    "None over buffer": lambda lib, nn_, m: setattr(m, "mean", None),
    "register_parameter over parameter": lambda lib, nn_, m: m.register_parameter(
        "weight", nn_.Parameter(lib.zeros(2))
    ),
    "register_buffer over buffer, now non-persistent": lambda lib, nn_, m: m.register_buffer(
        "mean", lib.ones(3), persistent=False
    ),
    "register_buffer over non-persistent buffer, now persistent": lambda lib, nn_, m: m.register_buffer(
        "scratch", lib.ones(1)
    ),
    "add_module over module": lambda lib, nn_, m: m.add_module("fc", nn_.Identity()),
    "register_module over module": lambda lib, nn_, m: m.register_module("act", nn_.Sigmoid()),
    # Another kind of value leaves its old table and joins the end of the new one.
    "parameter over buffer": lambda lib, nn_, m: setattr(m, "mean", nn_.Parameter(lib.zeros(3))),
    "parameter over module": lambda lib, nn_, m: setattr(m, "fc", nn_.Parameter(lib.zeros(3))),
    "module over buffer": lambda lib, nn_, m: setattr(m, "mean", nn_.ReLU()),
    "module over plain attribute": lambda lib, nn_, m: setattr(m, "note", nn_.ReLU()),
    "parameter over plain attribute": lambda lib, nn_, m: setattr(m, "note", nn_.Parameter(lib.zeros(1))),
    "delete then assign again": lambda lib, nn_, m: (
        delattr(m, "weight"),
        setattr(m, "weight", nn_.Parameter(lib.zeros(1))),
    ),
}


def _layout(m: Any) -> dict[str, list[str]]:
    return {
        "parameters": list(m._parameters),
        "buffers": list(m._buffers),
        "modules": list(m._modules),
        "state_dict": list(m.state_dict()),
        "named_modules": [name for name, _ in m.named_modules()],
        "named_buffers": [name for name, _ in m.named_buffers()],
    }


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_replacement_order_matches_torch(scenario: str) -> None:
    ours, theirs = build(*LUCID), build(*TORCH)
    SCENARIOS[scenario](*LUCID, ours)
    SCENARIOS[scenario](*TORCH, theirs)
    assert _layout(ours) == _layout(theirs)


def test_a_linear_whose_weight_is_replaced_keeps_state_dict_order() -> None:
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    ours.weight = nn.Parameter(lucid.zeros(3, 2))
    theirs.weight = torch.nn.Parameter(torch.zeros(3, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]


# A value of the wrong kind over a registered name: the same error class as PyTorch's, and nothing changes.
WRONG_KIND: dict[str, Step] = {
    "module over parameter": lambda lib, nn_, m: setattr(m, "weight", nn_.ReLU()),
    "plain tensor over parameter": lambda lib, nn_, m: setattr(m, "weight", lib.ones(3)),
    "number over parameter": lambda lib, nn_, m: setattr(m, "bias", 3),
    "number over module": lambda lib, nn_, m: setattr(m, "fc", 3),
    "tensor over module": lambda lib, nn_, m: setattr(m, "act", lib.ones(1)),
    "number over buffer": lambda lib, nn_, m: setattr(m, "mean", 3),
}


@pytest.mark.parametrize("scenario", sorted(WRONG_KIND))
def test_a_value_of_the_wrong_kind_is_refused_as_in_torch(scenario: str) -> None:
    ours, theirs = build(*LUCID), build(*TORCH)
    before = _layout(ours)
    with pytest.raises(TypeError) as theirs_error:
        WRONG_KIND[scenario](*TORCH, theirs)
    with pytest.raises(TypeError) as ours_error:
        WRONG_KIND[scenario](*LUCID, ours)
    assert _layout(ours) == before == _layout(theirs)
    # The message names the slot and its owner, so the user can find the line.
    name = next(word for word in ("weight", "bias", "fc", "act", "mean") if f"'{word}'" in str(ours_error.value))
    assert f"'{name}'" in str(theirs_error.value)
    assert "Net" in str(ours_error.value)


def test_a_replaced_sequential_layer_still_runs_in_its_place() -> None:
    ours = nn.Sequential(nn.Linear(4, 2), nn.ReLU(), nn.Linear(2, 5))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU(), torch.nn.Linear(2, 5))
    # The usual fine-tuning moves: replace the first layer by name and the last by index.
    setattr(ours, "0", nn.Linear(4, 2))
    setattr(theirs, "0", torch.nn.Linear(4, 2))
    ours[2] = nn.Linear(2, 7)
    theirs[2] = torch.nn.Linear(2, 7)
    ours.load_state_dict({k: lucid.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours._modules) == list(theirs._modules) == ["0", "1", "2"]
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(lucid.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), atol=1e-6)


def test_container_setitem_keeps_the_position() -> None:
    for lib, nn_ in (LUCID, TORCH):
        listed = nn_.ModuleList([nn_.ReLU(), nn_.Tanh(), nn_.GELU()])
        listed[0] = nn_.Sigmoid()
        setattr(listed, "1", nn_.Identity())
        assert [type(m).__name__ for m in listed] == ["Sigmoid", "Identity", "GELU"], lib.__name__
        table = nn_.ModuleDict({"a": nn_.ReLU(), "b": nn_.Tanh()})
        table["a"] = nn_.Sigmoid()
        assert [(k, type(v).__name__) for k, v in table.items()] == [("a", "Sigmoid"), ("b", "Tanh")], lib.__name__


def test_a_trace_runs_a_replaced_activation_in_its_place() -> None:
    model = create_model("efficientformer_l1")
    model.stem.act1 = nn.GELU()
    traced = viz.trace(model, (1, 3, 224, 224), meta=True)
    stem = [call.path.removeprefix("stem.") for call in traced.calls if call.path.startswith("stem.")]
    assert stem == ["conv1", "norm1", "act1", "conv2", "norm2", "act2"]
    assert traced.module_map()["stem.act1"].class_name == "GELU"
