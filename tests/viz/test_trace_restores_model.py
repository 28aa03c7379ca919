"""viz.trace leaves the model as it was, whatever its forward does to it (PyTorch's hooks promise nothing here;
lucid-viz's docstring does), and traces models as deep as a plain forward runs."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import lucid
import viz
from lucid import Tensor, nn
from lucid._structure import structure_version


class Counting(nn.Module):
    """Rebinds a buffer, replaces a submodule, swaps a parameter's data and switches to training in its forward."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.act = nn.ReLU()
        self.register_buffer("count", lucid.zeros(1))

    def forward(self, x: Tensor) -> Tensor:
        self.count = self.count + 1
        self.act = nn.GELU()
        self.fc.weight.data = self.fc.weight.data * 2
        self.fc.bias[0] = 9.0  # an in-place write into a parameter
        self.train()
        return self.act(self.fc(x))


def test_a_forward_that_changes_its_model_leaves_it_as_it_was() -> None:
    model = Counting().eval()
    count, act, weight = model.count, model.act, model.fc.weight._data.copy()
    array, bias, bias_values = model.fc.weight._data, model.fc.bias._data, model.fc.bias._data.copy()
    for meta in (False, True):
        trace = viz.trace(model, (2, 3), meta=meta)
        assert model.count is count and float(count.numpy()[0]) == 0.0
        assert model.act is act and list(model._modules) == ["fc", "act"]
        assert model.fc.weight._data is array and np.array_equal(array, weight)
        assert model.fc.bias._data is bias and np.array_equal(bias, bias_values)
        assert not model.training and not model.fc.training
        assert [node.class_name for node in trace.modules] == ["Counting", "Linear", "ReLU"]
    # The model still works as written: a plain forward changes it.
    with lucid.no_grad():
        model(lucid.zeros((2, 3)))
    assert model.count is not count and isinstance(model.act, nn.GELU)


class Remembering(nn.Module):
    """Counts its calls and remembers the last input's shape in plain attributes, and drops one it had."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.calls = 0
        self.scratch = [1, 2]

    def forward(self, x: Tensor) -> Tensor:
        self.calls += 1
        self.last_shape = x.shape
        del self.scratch
        self.fc.seen = True  # on a submodule, from outside it
        return self.fc(x)


def test_a_forward_that_sets_plain_attributes_leaves_them_as_they_were() -> None:
    model = Remembering()
    attributes, fc_attributes = dict(vars(model)), dict(vars(model.fc))
    version = structure_version()
    for meta in (False, True):
        viz.trace(model, (2, 3), meta=meta)
        assert vars(model) == attributes and vars(model.fc) == fc_attributes
    # Plain attributes are not structure: the kept module-tree walk stays valid.
    assert structure_version() == version
    with lucid.no_grad():
        model(lucid.zeros((2, 3)))
    assert model.calls == 1 and model.last_shape == (2, 3) and not hasattr(model, "scratch")


def _nested(depth: int) -> nn.Module:
    class Level(nn.Module):
        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.m = inner

        def forward(self, x: Tensor) -> Tensor:
            return self.m(x)

    model: nn.Module = nn.Linear(2, 2)
    for _ in range(depth):
        model = Level(model)
    return model


def test_a_model_as_deep_as_a_plain_forward_runs_is_traced() -> None:
    model = _nested(300)
    limit = sys.getrecursionlimit()
    with lucid.no_grad():
        model(lucid.zeros((1, 2)))  # runs plainly at the default limit
    trace = viz.trace(model, (1, 2))
    assert len(trace.calls) == 301 and trace.output_shapes == [(1, 2)]
    assert sys.getrecursionlimit() == limit


def test_past_the_recursion_limit_the_error_says_so() -> None:
    model = _nested(1000)  # too deep for a plain forward at this limit as well
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        with pytest.raises(
            viz.TracingError, match=r"deeper than Python's recursion limit \(400, raised to 2450"
        ) as caught:
            viz.trace(model, (1, 2))
        # One readable line: the failing module's path is cut short, its depth stated.
        message = str(caught.value)
        assert "\n" not in message and len(message) < 300, message
        assert message.startswith("m.m.m.…(") and "nested 1000 modules deep" in message
        assert sys.getrecursionlimit() == 400
    finally:
        sys.setrecursionlimit(limit)
