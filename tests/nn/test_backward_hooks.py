"""Backward hooks against PyTorch: Module.register_full_backward_hook, register_full_backward_pre_hook and
Tensor.register_hook on the same model with the same weights see the same gradients, in the same order, and their
replacements propagate the same way; handles remove; hooks fire once per backward."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd import backward_hooks

torch = pytest.importorskip("torch")
tnn = torch.nn


def _arrays(values: tuple) -> list[np.ndarray | None]:
    return [None if v is None else np.array(v.detach().numpy() if isinstance(v, torch.Tensor) else v) for v in values]


def _models() -> tuple[nn.Module, torch.nn.Module]:
    """The same three-layer network in both libraries."""
    ours = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    theirs = tnn.Sequential(tnn.Linear(4, 5), tnn.Tanh(), tnn.Linear(5, 3))
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


_X = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
_SEED = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)


def _run(model: Any, library: Any, x_requires_grad: bool = True) -> tuple[Any, Any]:
    x = library.tensor(_X.copy(), requires_grad=x_requires_grad)
    out = model(x)
    (out * library.tensor(_SEED.copy())).sum().backward()
    return x, out


def _close(ours: list, theirs: list, what: str) -> None:
    assert len(ours) == len(theirs), f"{what}: {len(ours)} entries vs torch {len(theirs)}"
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert (a is None) == (b is None), f"{what} entry {i}: None in one library only"
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"{what} entry {i}")


def _record(model: Any, log: list, pre: bool) -> list:
    handles = []
    for name, module in list(model.named_children()):
        if pre:
            hook = lambda m, go, name=name: log.append((name, "pre", _arrays(go)))  # noqa: E731
            handles.append(module.register_full_backward_pre_hook(hook))
        else:
            hook = lambda m, gi, go, name=name: log.append((name, "full", _arrays(gi), _arrays(go)))  # noqa: E731
            handles.append(module.register_full_backward_hook(hook))
    return handles


def _compare_logs(ours: list, theirs: list) -> None:
    assert [entry[:2] for entry in ours] == [entry[:2] for entry in theirs]  # same modules, same order
    for ours_entry, theirs_entry in zip(ours, theirs, strict=True):
        for k in range(2, len(ours_entry)):
            _close(ours_entry[k], theirs_entry[k], f"{ours_entry[:2]} gradients {k - 2}")


def test_full_and_pre_hooks_see_torchs_gradients_in_torchs_order() -> None:
    ours, theirs = _models()
    logs: dict[str, list] = {"ours": [], "theirs": []}
    for model, log in ((ours, logs["ours"]), (theirs, logs["theirs"])):
        _record(model, log, pre=True)
        _record(model, log, pre=False)
        model.register_full_backward_hook(
            lambda m, gi, go, log=log: log.append(("model", "full", _arrays(gi), _arrays(go)))
        )
    _run(ours, lucid)
    _run(theirs, torch)
    assert len(logs["ours"]) == 7  # three pre-hooks, three full hooks on the layers, one on the model
    _compare_logs(logs["ours"], logs["theirs"])


def test_replaced_grad_input_and_grad_output_propagate_as_in_torch() -> None:
    def double_grad_input(module: Any, grad_input: tuple, grad_output: tuple) -> tuple:
        return tuple(None if g is None else g * 2 for g in grad_input)

    def clamp_grad_output(module: Any, grad_output: tuple) -> tuple:
        return tuple(g.clip(-0.1, 0.1) if isinstance(g, lucid.Tensor) else g.clamp(-0.1, 0.1) for g in grad_output)

    ours, theirs = _models()
    results = []
    for model, library in ((ours, lucid), (theirs, torch)):
        model[1].register_full_backward_hook(double_grad_input)
        model[2].register_full_backward_pre_hook(clamp_grad_output)
        x, _ = _run(model, library)
        grads = [x.grad] + [p.grad for p in model.parameters()]
        results.append([np.asarray(g.numpy() if isinstance(g, torch.Tensor) else g) for g in grads])
    _close(results[0], results[1], "input and parameter gradients")


def test_tensor_hooks_see_replace_and_chain_as_in_torch() -> None:
    results = []
    for library in (lucid, torch):
        seen: list = []
        x = library.tensor(_X.copy(), requires_grad=True)
        x.register_hook(lambda g, seen=seen: seen.append(("leaf", _arrays((g,))[0])))
        hidden = (x * 3).tanh()
        hidden.register_hook(lambda g, seen=seen: seen.append(("hidden", _arrays((g,))[0])))
        hidden.register_hook(lambda g: g * 0.5)  # chained: the next hook sees the halved gradient
        hidden.register_hook(lambda g, seen=seen: seen.append(("halved", _arrays((g,))[0])))
        (hidden * library.tensor(np.ones((2, 4), np.float32) * 2)).sum().backward()
        grad = x.grad.numpy() if library is torch else x.grad
        results.append((seen, grad))
    (ours_seen, ours_grad), (theirs_seen, theirs_grad) = results
    assert [name for name, _ in ours_seen] == [name for name, _ in theirs_seen] == ["hidden", "halved", "leaf"]
    _close([g for _, g in ours_seen], [g for _, g in theirs_seen], "hook gradients")
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-5, atol=1e-6)


def test_a_leaf_hooks_replacement_is_what_accumulates_into_grad() -> None:
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: lucid.tensor([5.0, 6.0]))
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])
    (x * x).sum().backward()  # accumulates the replaced gradient again
    np.testing.assert_array_equal(x.grad, [10.0, 12.0])


def test_handles_remove_hooks_and_the_engine_returns_to_its_plain_loop() -> None:
    calls: list[str] = []
    layer = nn.Linear(3, 2)
    x = lucid.randn(4, 3, requires_grad=True)
    handles = [
        layer.register_full_backward_hook(lambda m, gi, go: calls.append("full")),
        layer.register_full_backward_pre_hook(lambda m, go: calls.append("pre")),
        x.register_hook(lambda g: calls.append("tensor")),
    ]
    layer(x).sum().backward()
    assert calls == ["pre", "full", "tensor"]
    for handle in handles:
        handle.remove()
    calls.clear()
    layer(x).sum().backward()
    assert calls == [] and layer._backward_hooks == {}
    gc.collect()
    assert not backward_hooks.active()


def test_hooks_fire_once_per_backward_and_once_per_call() -> None:
    counts = {"ours": 0, "theirs": 0}
    for key, layer, library in (("ours", nn.Linear(3, 3), lucid), ("theirs", tnn.Linear(3, 3), torch)):

        def count(module: Any, grad_input: tuple, grad_output: tuple, key: str = key) -> None:
            counts[key] += 1

        layer.register_full_backward_hook(count)
        x = library.tensor(np.ones((2, 3), np.float32), requires_grad=True)
        out = layer(layer(x))  # two calls of one module: one hook call each
        out.sum().backward(retain_graph=True)
        out.sum().backward()  # a second backward through the retained graph fires them again
    assert counts["ours"] == counts["theirs"] == 4


def test_context_manager_handle_and_prepend_order() -> None:
    order: list[str] = []
    layer = nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda m, gi, go: order.append("first"))
    with layer.register_full_backward_hook(lambda m, gi, go: order.append("front"), prepend=True):
        layer(lucid.ones(1, 2, requires_grad=True)).sum().backward()
    layer(lucid.ones(1, 2, requires_grad=True)).sum().backward()
    assert order == ["front", "first", "first"]


class _TwoWay(nn.Module):
    """Two tensor inputs and a non-tensor one, and a tuple of outputs of which one is not a tensor."""

    def forward(self, a: Any, scale: float, b: Any) -> tuple:
        return a * b * scale, "label", a + b


class _TorchTwoWay(tnn.Module):
    def forward(self, a: Any, scale: float, b: Any) -> tuple:
        return a * b * scale, "label", a + b


def test_non_tensor_arguments_and_outputs_get_none_entries_as_in_torch() -> None:
    logs: list[list] = []
    a_np = np.array([1.0, -2.0], np.float32)
    b_np = np.array([0.5, 3.0], np.float32)
    for module, library in ((_TwoWay(), lucid), (_TorchTwoWay(), torch)):
        log: list = []
        module.register_full_backward_hook(lambda m, gi, go, log=log: log.append((_arrays(gi), _arrays(go))))
        a = library.tensor(a_np.copy(), requires_grad=True)
        b = library.tensor(b_np.copy())  # needs no gradient: its entry in grad_input is None
        first, label, second = module(a, 2.0, b)
        assert label == "label"
        (first * 3 + second).sum().backward()
        logs.append(log)
    assert len(logs[0]) == len(logs[1]) == 1
    _close(logs[0][0][0], logs[1][0][0], "grad_input")
    _close(logs[0][0][1], logs[1][0][1], "grad_output")
    # A non-tensor argument or output has None; a tensor argument without a gradient has zeros, as in PyTorch.
    assert logs[0][0][0][1] is None and logs[0][0][1][1] is None
    np.testing.assert_array_equal(logs[0][0][0][2], np.zeros(2, np.float32))


def test_without_inputs_that_need_grad_the_full_hook_runs_with_all_none_grad_input() -> None:
    logs = []
    for layer, library in ((nn.Linear(3, 2), lucid), (tnn.Linear(3, 2), torch)):
        log: list = []
        layer.register_full_backward_hook(lambda m, gi, go, log=log: log.append((gi, _arrays(go))))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer(library.tensor(np.ones((4, 3), np.float32))).sum().backward()
        assert any("no input" in str(w.message) or "no inputs" in str(w.message) for w in caught)
        logs.append(log)
    assert logs[0][0][0] == logs[1][0][0] == (None,)
    _close(logs[0][0][1], logs[1][0][1], "grad_output")


def test_hooks_see_read_only_tensors() -> None:
    seen: list = []
    layer = nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda m, gi, go: seen.append(go[0]))
    layer(lucid.ones(1, 2, requires_grad=True)).sum().backward()
    assert isinstance(seen[0], lucid.Tensor) and not seen[0].requires_grad
    with pytest.raises(ValueError, match="read-only"):
        seen[0].data[...] = 0.0


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (
            lambda layer: layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0])),
            r"backward hook '<lambda>' on Linear must return None or a tuple of 1 gradients .* got 2 entries",
        ),
        (
            lambda layer: layer.register_full_backward_pre_hook(lambda m, go: go[0]),
            r"backward pre-hook '<lambda>' on Linear must return None or a tuple of 1 gradients .* got Tensor",
        ),
        (
            lambda layer: layer.register_full_backward_hook(lambda m, gi, go: (lucid.zeros(5),)),
            r"a backward hook of Linear \(grad_input\), entry 0, returned a gradient of shape \(5,\); "
            r"expected \(4, 3\)",
        ),
    ],
)
def test_bad_hook_results_raise_errors_naming_the_module(register: Callable, message: str) -> None:
    layer = nn.Linear(3, 2)
    register(layer)
    with pytest.raises(ValueError, match=message):
        layer(lucid.randn(4, 3, requires_grad=True)).sum().backward()


def test_tensor_hook_errors() -> None:
    with pytest.raises(RuntimeError, match=r"cannot register a hook on a tensor of shape \(2,\) that does not require"):
        lucid.ones(2).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="register_hook\\(\\) takes a callable, got int"):
        lucid.ones(2, requires_grad=True).register_hook(3)
    x = lucid.ones(2, requires_grad=True)
    x.register_hook(lambda g: lucid.ones(3))
    with pytest.raises(
        ValueError, match=r"tensor hook '<lambda>' returned a gradient of shape \(3,\); expected \(2,\)"
    ):
        (x * 2).sum().backward()
    with pytest.raises(TypeError, match="register_full_backward_hook\\(\\) takes a callable"):
        nn.Linear(2, 2).register_full_backward_hook(None)


def test_a_module_whose_output_is_not_a_tensor_warns() -> None:
    class ToDict(nn.Module):
        def forward(self, x: Any) -> dict:
            return {"out": x * 2}

    module = ToDict()
    module.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.warns(
        UserWarning, match="ToDict: backward hooks are called only for a module whose output is a Tensor"
    ):
        module(lucid.ones(2, requires_grad=True))


def test_a_graph_built_with_hooks_differentiates_after_they_are_removed() -> None:
    # The call's hooks were read when it ran, as in PyTorch: removing them afterwards does not stop them.
    calls: list[int] = []
    layer = nn.Linear(2, 2)
    handle = layer.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    x = lucid.ones(1, 2, requires_grad=True)
    out = layer(x)
    handle.remove()
    out.sum().backward()
    assert calls == [1]
    expected = layer.weight.numpy().sum(axis=0)
    np.testing.assert_allclose(x.grad[0], expected, rtol=1e-6)


def test_hooks_on_every_module_of_a_conv_net_match_torch() -> None:

    def build(m: Any) -> Any:
        return m.Sequential(
            m.Conv2d(3, 4, 3, padding=1),
            m.BatchNorm2d(4),
            m.ReLU(),
            m.AdaptiveAvgPool2d(1),
            m.Flatten(),
            m.Linear(4, 2),
        )

    ours, theirs = build(nn), build(tnn)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 5)).astype(np.float32)
    logs: list[list] = []
    for model, library in ((ours, lucid), (theirs, torch)):
        log: list = []
        for name, module in model.named_modules():
            module.register_full_backward_pre_hook(
                lambda m, go, name=name, log=log: log.append((name, "pre", _arrays(go)))
            )
            module.register_full_backward_hook(
                lambda m, gi, go, name=name, log=log: log.append((name, "full", _arrays(gi), _arrays(go)))
            )
        out = model(library.tensor(x.copy(), requires_grad=True))
        (out * library.tensor(np.array([[1.0, -2.0], [0.5, 3.0]], np.float32))).sum().backward()
        logs.append(log)
    assert len(logs[0]) == 14
    _compare_logs(logs[0], logs[1])
