"""Forward hooks: order, replacement, removal, global hooks, kwargs forms, and behaviour around errors."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.nn import hooks as hook_tables

torch = pytest.importorskip("torch")


class Scale(nn.Module):
    def __init__(self, factor: float = 2.0) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x: Any, shift: float = 0.0) -> Any:
        return x * self.factor + shift


class Fails(nn.Module):
    def forward(self, x: Any) -> Any:
        raise RuntimeError("forward failed on purpose")


@pytest.fixture(autouse=True)
def _no_leftover_global_hooks() -> Iterator[None]:
    # A test that leaks a global hook would silently change every later test; fail it instead.
    yield
    leaked = len(hook_tables.global_forward_pre_hooks) + len(hook_tables.global_forward_hooks)
    hook_tables.global_forward_pre_hooks.clear()
    hook_tables.global_forward_hooks.clear()
    assert leaked == 0, "a test left global hooks registered"


def _no_hooks_left(module: nn.Module) -> bool:
    return not (
        module._forward_pre_hooks
        or module._forward_hooks
        or hook_tables.global_forward_pre_hooks
        or hook_tables.global_forward_hooks
    )


def test_hook_arguments() -> None:
    m = Scale()
    seen: list[Any] = []
    m.register_forward_pre_hook(lambda mod, args: seen.append(("pre", mod, args)))
    m.register_forward_hook(lambda mod, args, out: seen.append(("post", mod, args, out)))
    x = lucid.ones(2)
    y = m(x)
    assert seen[0][0] == "pre" and seen[0][1] is m
    assert isinstance(seen[0][2], tuple) and seen[0][2][0] is x
    assert seen[1][0] == "post" and seen[1][2][0] is x and seen[1][3] is y


def _record_order(lib: ModuleType, nn_: ModuleType, register_global_pre: Any, register_global: Any) -> list[str]:
    events: list[str] = []

    def make(tag: str) -> Any:
        return lambda *hook_args: events.append(tag)

    m = nn_.Identity() if nn_ is torch.nn else Scale(1.0)
    handles = [
        m.register_forward_hook(make("local-post-1")),
        m.register_forward_pre_hook(make("local-pre-1")),
        register_global(make("global-post-1")),
        register_global_pre(make("global-pre-1")),
        m.register_forward_pre_hook(make("local-pre-2")),
        m.register_forward_hook(make("local-post-2")),
        register_global_pre(make("global-pre-2")),
        register_global(make("global-post-2")),
    ]
    try:
        m(lib.ones(1))
    finally:
        for handle in handles:
            handle.remove()
    return events


def test_order_global_before_local_then_registration_order_as_torch() -> None:
    ours = _record_order(lucid, nn, nn.register_module_forward_pre_hook, nn.register_module_forward_hook)
    theirs = _record_order(
        torch,
        torch.nn,
        torch.nn.modules.module.register_module_forward_pre_hook,
        torch.nn.modules.module.register_module_forward_hook,
    )
    assert ours == theirs
    assert ours == [
        "global-pre-1",
        "global-pre-2",
        "local-pre-1",
        "local-pre-2",
        "global-post-1",
        "global-post-2",
        "local-post-1",
        "local-post-2",
    ]


def test_returned_values_replace_inputs_and_outputs() -> None:
    m = Scale(2.0)
    # A pre-hook may return a tuple or a single value (wrapped into a 1-tuple); later hooks see it.
    m.register_forward_pre_hook(lambda mod, args: (args[0] + 1.0,))
    m.register_forward_pre_hook(lambda mod, args: args[0] * 10.0)
    seen_args: list[tuple] = []
    m.register_forward_hook(lambda mod, args, out: seen_args.append(args))
    m.register_forward_hook(lambda mod, args, out: out - 1.0)
    m.register_forward_hook(lambda mod, args, out: None)  # None keeps the output
    out = m(lucid.ones(1))
    assert float(out.data[0]) == (1.0 + 1.0) * 10.0 * 2.0 - 1.0
    assert float(seen_args[0][0].data[0]) == 20.0  # forward hooks see the replaced inputs


def test_removal_by_handle_and_context_manager() -> None:
    m = Scale()
    calls: list[str] = []
    handle = m.register_forward_hook(lambda *a: calls.append("h"))
    m(lucid.ones(1))
    handle.remove()
    handle.remove()  # removing twice is harmless
    m(lucid.ones(1))
    assert calls == ["h"]

    with m.register_forward_pre_hook(lambda *a: calls.append("cm")) as cm_handle:
        assert isinstance(cm_handle, nn.RemovableHandle)
        m(lucid.ones(1))
    m(lucid.ones(1))
    assert calls == ["h", "cm"]
    assert _no_hooks_left(m)


def test_global_hooks_fire_for_every_module_call_in_call_order() -> None:
    def build(nn_: ModuleType, act: Any) -> Any:
        inner = nn_.Sequential(act(), act())
        return nn_.Sequential(act(), inner)

    def names_of(model: Any) -> dict[int, str]:
        return {id(m): name or "<root>" for name, m in model.named_modules()}

    def trace(model: Any, x: Any, pre: Any, post: Any) -> list[str]:
        names = names_of(model)
        events: list[str] = []
        with pre(lambda mod, args: events.append("enter " + names[id(mod)])):
            with post(lambda mod, args, out: events.append("exit " + names[id(mod)])):
                model(x)
        return events

    ours = trace(
        build(nn, lambda: Scale(1.0)),
        lucid.ones(1),
        nn.register_module_forward_pre_hook,
        nn.register_module_forward_hook,
    )
    theirs = trace(
        build(torch.nn, torch.nn.Identity),
        torch.ones(1),
        torch.nn.modules.module.register_module_forward_pre_hook,
        torch.nn.modules.module.register_module_forward_hook,
    )
    assert ours == theirs
    assert ours[:3] == ["enter <root>", "enter 0", "exit 0"]


def test_global_hooks_can_replace_values_too() -> None:
    m = Scale(3.0)
    with nn.register_module_forward_pre_hook(lambda mod, args: (args[0] + 1.0,)):
        with nn.register_module_forward_hook(lambda mod, args, out: out * 0.5):
            out = m(lucid.ones(1))
    assert float(out.data[0]) == (1.0 + 1.0) * 3.0 * 0.5
    assert float(m(lucid.ones(1)).data[0]) == 3.0


def test_with_kwargs_forms() -> None:
    m = Scale(2.0)
    seen: list[Any] = []

    def pre(mod: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        seen.append(("pre", args, dict(kwargs)))
        return (args[0] + 1.0,), {**kwargs, "shift": kwargs["shift"] + 100.0}

    def post(mod: nn.Module, args: tuple, kwargs: dict, out: Any) -> Any:
        seen.append(("post", dict(kwargs)))
        return out * -1.0

    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    out = m(lucid.ones(1), shift=1.0)
    assert float(out.data[0]) == -((1.0 + 1.0) * 2.0 + 101.0)
    assert seen[0][2] == {"shift": 1.0}
    assert seen[1] == ("post", {"shift": 101.0})  # the forward hook sees the replaced kwargs

    # Global with_kwargs forms get the kwargs too.
    got: list[dict] = []
    with nn.register_module_forward_pre_hook(lambda mod, a, kw: got.append(dict(kw)), with_kwargs=True):
        with nn.register_module_forward_hook(lambda mod, a, kw, out: got.append(dict(kw)), with_kwargs=True):
            Scale()(lucid.ones(1), shift=5.0)
    assert got == [{"shift": 5.0}, {"shift": 5.0}]


def test_with_kwargs_pre_hook_must_return_a_pair() -> None:
    m = Scale()

    def bad(mod: nn.Module, args: tuple, kwargs: dict) -> Any:
        return args

    with m.register_forward_pre_hook(bad, with_kwargs=True):
        with pytest.raises(TypeError, match=r"'bad' on Scale.*\(args, kwargs\) pair"):
            m(lucid.ones(1), shift=1.0)


def test_hook_removing_itself_or_another_while_running() -> None:
    m = Scale()
    events: list[str] = []
    handles: dict[str, nn.RemovableHandle] = {}

    def once(mod: nn.Module, args: tuple, out: Any) -> None:
        events.append("once")
        handles["once"].remove()

    def remover(mod: nn.Module, args: tuple, out: Any) -> None:
        events.append("remover")
        handles["victim"].remove()

    def victim(mod: nn.Module, args: tuple, out: Any) -> None:
        events.append("victim")

    handles["once"] = m.register_forward_hook(once)
    handles["remover"] = m.register_forward_hook(remover)
    handles["victim"] = m.register_forward_hook(victim)
    m(lucid.ones(1))
    m(lucid.ones(1))
    # As in PyTorch, the hooks of one call are fixed when it starts: removals apply from the next call.
    assert events == ["once", "remover", "victim", "remover"]
    handles["remover"].remove()

    # A self-removing pre-hook (the "run once" idiom) on a global table.
    runs: list[int] = []
    holder: dict[str, nn.RemovableHandle] = {}

    def global_once(mod: nn.Module, args: tuple) -> None:
        runs.append(1)
        holder["h"].remove()

    holder["h"] = nn.register_module_forward_pre_hook(global_once)
    nn.Sequential(Scale(), Scale())(lucid.ones(1))
    assert runs == [1]
    assert _no_hooks_left(m)


def test_forward_that_raises_leaves_no_hook_state() -> None:
    model = nn.Sequential(Scale(), Fails())
    events: list[str] = []
    with pytest.raises(RuntimeError, match="on purpose"):
        with nn.register_module_forward_pre_hook(lambda mod, args: events.append(type(mod).__name__)):
            with model[1].register_forward_hook(lambda *a: events.append("never")):
                model(lucid.ones(1))
    assert events == ["Sequential", "Scale", "Fails"]
    assert all(_no_hooks_left(m) for m in model.modules())
    # The model still works, and a plain call no longer sees any hook.
    assert float(model[0](lucid.ones(1)).data[0]) == 2.0

    # A hook that raises is not left half-applied either: the next call runs normally.
    m = Scale()
    handle = m.register_forward_hook(lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        m(lucid.ones(1))
    handle.remove()
    assert float(m(lucid.ones(1)).data[0]) == 2.0 and _no_hooks_left(m)


def test_calls_without_hooks_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def hooked_path(self: nn.Module, args: tuple, kwargs: dict) -> Any:
        raise AssertionError("the hook machinery ran for a call without hooks")

    monkeypatch.setattr(nn.Module, "_call_with_hooks", hooked_path)
    model = nn.Sequential(Scale(), Scale())
    assert np.array_equal(model(lucid.ones(2)).numpy(), [4.0, 4.0])
    # Any hook, global or local, switches that module's calls to the hooked path.
    with nn.register_module_forward_hook(lambda *a: None):
        with pytest.raises(AssertionError, match="hook machinery"):
            model(lucid.ones(2))
    with model[0].register_forward_pre_hook(lambda *a: None):
        with pytest.raises(AssertionError, match="hook machinery"):
            model(lucid.ones(2))


def test_global_tables_edited_as_dicts_still_decide_which_hooks_run() -> None:
    # Module calls run the global hooks from a snapshot the table renews when it changes; edits through any
    # dict method must renew it, or a removed hook would keep firing.
    seen: list[str] = []
    table = hook_tables.global_forward_hooks
    m = Scale()
    for name in ("a", "b", "c"):
        nn.register_module_forward_hook(lambda mod, args, out, name=name: seen.append(name))
    m(lucid.ones(1))
    first = next(iter(table))
    del table[first]
    m(lucid.ones(1))
    table.popitem()
    m(lucid.ones(1))
    table.clear()
    m(lucid.ones(1))
    assert seen == ["a", "b", "c", "b", "c", "b"]
    table.update({-1: (lambda mod, args, out: seen.append("u"), False)})
    table.setdefault(-2, (lambda mod, args, out: seen.append("s"), False))
    m(lucid.ones(1))
    assert seen[-2:] == ["u", "s"]
    table.clear()
    assert table.entries == () and _no_hooks_left(m)


def test_module_call_wrapper_runs_around_every_call_with_hooks_inside() -> None:
    model = nn.Sequential(Scale(2.0), Scale(3.0))
    events: list[tuple[str, Any]] = []
    model[0].register_forward_pre_hook(lambda mod, args: events.append(("pre-hook", args[0].shape)))

    def wrapper(module: nn.Module, call: Any, args: tuple, kwargs: dict) -> Any:
        events.append(("enter", type(module).__name__))
        output = call(*args, **kwargs)
        events.append(("exit", float(output.data[0])))
        return output

    assert nn.set_module_call_wrapper(wrapper) is None
    try:
        out = model(lucid.ones(1))
    finally:
        assert nn.set_module_call_wrapper(None) is wrapper
    assert float(out.data[0]) == 6.0
    # Outermost first; the module's own hooks run inside `call`.
    assert events == [
        ("enter", "Sequential"),
        ("enter", "Scale"),
        ("pre-hook", (1,)),
        ("exit", 2.0),
        ("enter", "Scale"),
        ("exit", 6.0),
        ("exit", 6.0),
    ]
    events.clear()
    model(lucid.ones(1))  # removed: only the hook runs
    assert events == [("pre-hook", (1,))]


def test_module_call_wrapper_may_replace_the_output_and_passes_kwargs() -> None:
    m = Scale(2.0)
    previous = nn.set_module_call_wrapper(lambda module, call, args, kwargs: call(*args, **kwargs) + 100.0)
    try:
        assert float(m(lucid.ones(1), shift=1.0).data[0]) == 103.0
        with nn.register_module_forward_hook(lambda mod, args, out: out * 0.0):
            # Global hooks run inside `call`; the wrapper sees (and here changes) what they returned.
            assert float(m(lucid.ones(1)).data[0]) == 100.0
    finally:
        nn.set_module_call_wrapper(previous)
    assert float(m(lucid.ones(1)).data[0]) == 2.0


def test_module_call_wrapper_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable or None, got int"):
        nn.set_module_call_wrapper(3)  # type: ignore[arg-type]
    assert nn.set_module_call_wrapper(None) is None
