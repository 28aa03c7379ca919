"""viz.trace keeps the last model's module tree between traces: every change a user can make to a model between two
traces must show in the second, the kept walk must never keep a model alive, and each Trace owns its nodes."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import lucid
import viz
from lucid import nn


def _net() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 5))


def _trace(model: nn.Module) -> viz.Trace:
    return viz.trace(model, (1, 3, 8, 8))


def _classes(trace: viz.Trace) -> list[str]:
    return [node.class_name for node in trace.modules]


def test_a_replaced_submodule_shows_in_the_next_trace() -> None:
    net = _net()
    assert _classes(_trace(net))[2] == "ReLU"
    net[1] = nn.GELU()
    assert _classes(_trace(net))[2] == "GELU"
    setattr(net, "1", nn.Tanh())
    assert _classes(_trace(net))[2] == "Tanh"


def test_added_and_removed_modules_show_in_the_next_trace() -> None:
    net = _net()
    before = len(_trace(net).modules)
    net.append(nn.ReLU())
    assert len(_trace(net).modules) == before + 1
    del net[4]
    assert len(_trace(net).modules) == before
    blocks = nn.ModuleList([nn.Linear(2, 2)])

    class Holder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = blocks

        def forward(self, x: lucid.Tensor) -> lucid.Tensor:
            for block in self.blocks:
                x = block(x)
            return x

    holder = Holder()
    assert len(viz.trace(holder, (1, 2)).calls) == 2
    blocks.insert(0, nn.Linear(2, 2))
    assert len(viz.trace(holder, (1, 2)).calls) == 3


def test_parameter_changes_show_in_the_next_trace() -> None:
    net = _net()
    first = _trace(net)
    assert first.trainable_params == first.modules[0].total_params == 4 * 3 * 9 + 4 + 256 * 5 + 5
    net[3].requires_grad_(False)
    assert _trace(net).trainable_params == 4 * 3 * 9 + 4
    net[3].weight.requires_grad = True
    assert _trace(net).trainable_params == 4 * 3 * 9 + 4 + 256 * 5
    net[0].bias = None
    assert _trace(net).modules[1].own_params == 4 * 3 * 9
    net[0].weight.data = np.zeros((4, 3, 3, 3), np.float32)  # same size: same counts
    net[3].bias.data = np.zeros(5, np.float32)
    assert _trace(net).modules[0].total_params == 4 * 3 * 9 + 256 * 5 + 5
    net[3].bias.data = np.zeros(7, np.float32)  # another size: the counts follow (and the forward now fails)
    with pytest.raises(viz.TracingError) as failure:
        _trace(net)
    assert failure.value.partial.modules[0].total_params == 4 * 3 * 9 + 256 * 5 + 7


def test_the_tree_is_walked_once_while_nothing_changes(monkeypatch) -> None:
    import importlib

    tree = importlib.import_module("viz.module_tree")
    walks = []
    walk = tree._walk
    monkeypatch.setattr(tree, "_walk", lambda model: walks.append(model) or walk(model))
    net = _net()
    for _ in range(3):
        _trace(net)
        viz.trace_shapes(net, (1, 3, 8, 8))
    assert walks == [net]


def test_a_module_whose_class_was_swapped_is_walked_again() -> None:
    net = _net()
    _trace(net)

    class LoudReLU(nn.ReLU):
        pass

    net[1].__class__ = LoudReLU
    assert _classes(_trace(net))[2] == "LoudReLU"


def test_two_models_traced_in_turn_each_get_their_own_tree() -> None:
    a, b = _net(), nn.Sequential(nn.Linear(3, 2))
    for _ in range(2):
        assert _classes(viz.trace(a, (1, 3, 8, 8)))[1] == "Conv2d"
        assert _classes(viz.trace(b, (1, 3))) == ["Sequential", "Linear"]


def test_the_kept_tree_keeps_no_model_alive() -> None:
    net = _net()
    _trace(net)
    refs = [weakref.ref(net), weakref.ref(net[0]), weakref.ref(net[0].weight)]
    del net
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]


def test_each_trace_owns_its_nodes() -> None:
    net = _net()
    first = _trace(net)
    first.modules[0].children.clear()
    first.modules[1].total_params = -1
    second = _trace(net)
    assert second.modules[0].children == ["0", "1", "2", "3"] and second.modules[1].total_params == 112
    assert second.modules[0] is not first.modules[0]


def test_a_replaced_buffer_is_the_one_protected_in_the_next_trace() -> None:
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    viz.trace(net, (2, 3, 8, 8), mode="train")
    fresh = lucid.Tensor(np.full(4, 5.0, np.float32))
    net[1].running_mean = fresh  # a new buffer object under the same name
    viz.trace(net, (2, 3, 8, 8), mode="train")  # train mode: batch norm writes its running statistics
    assert net[1].running_mean is fresh
    np.testing.assert_array_equal(fresh.numpy(), np.full(4, 5.0, np.float32))
