"""nn.Module: registration, tree walks, modes, repr; names and text compared with a PyTorch mirror."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn

torch = pytest.importorskip("torch")


def build_mirror(lib: ModuleType, nn_: ModuleType) -> Any:
    """The same small model in lucid (`lucid, lucid.nn`) or PyTorch (`torch, torch.nn`).

    Only plain Modules, Parameters, buffers and containers, so names and repr must agree exactly.
    """

    class Leaf(nn_.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n
            self.weight = nn_.Parameter(lib.ones(n, 2))
            self.register_buffer("count", lib.zeros(1))
            self.bias = nn_.Parameter(lib.zeros(n))

        def extra_repr(self) -> str:
            return f"n={self.n}"

        def forward(self, x: Any) -> Any:
            return x * 2.0

    class Wide(nn_.Module):
        # A multi-line extra_repr and no children: PyTorch prints it on separate lines.
        def extra_repr(self) -> str:
            return "first line\nsecond line"

    class Block(nn_.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.scale = nn_.Parameter(lib.ones(n))
            self.norm = Leaf(n)
            self.proj = nn_.Sequential(Leaf(n), Leaf(n + 1))
            self.register_buffer("scratch", lib.zeros(n), persistent=False)
            self.register_buffer("steps", lib.zeros(1))

        def extra_repr(self) -> str:
            return f"width={self.scale.shape[0]}"

    class Net(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = Leaf(1)
            self.blocks = nn_.Sequential(OrderedDict(first=Block(2), second=Block(3)))
            self.heads = nn_.ModuleDict({"cls": Leaf(5), "box": Wide()})
            self.extra = nn_.ModuleList([Leaf(7), Leaf(8)])
            self.add_module("unused", None)
            self.register_parameter("absent", None)
            # Assigned after the submodules, yet listed first: own parameters come before children's.
            self.gamma = nn_.Parameter(lib.zeros(4))

    return Net()


def test_attribute_assignment_registers_parameters_and_modules() -> None:
    m = nn.Module()
    m.w = nn.Parameter(lucid.ones(3))
    m.child = nn.Module()
    m.plain = lucid.ones(2)  # a plain Tensor is just an attribute
    assert list(m._parameters) == ["w"]
    assert list(m._modules) == ["child"]
    assert [n for n, _ in m.named_parameters()] == ["w"]
    assert "plain" not in m.state_dict()

    # A Parameter over a submodule's name moves the name to the parameters; a Module over a parameter's name is
    # refused, as in PyTorch (tests/nn/test_module_reassignment.py compares every case).
    m.child2 = nn.Module()
    m.child2 = nn.Parameter(lucid.zeros(1))
    assert "child2" in m._parameters and "child2" not in m._modules
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = nn.Module()
    del m.child2

    # A registered parameter/submodule slot accepts None, but not an unrelated value.
    m.w = None
    assert m.w is None and "w" in m._parameters
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = lucid.ones(1)
    with pytest.raises(TypeError, match="submodule 'child'"):
        m.child = 3
    del m.child
    assert "child" not in m._modules
    with pytest.raises(AttributeError, match="has no attribute 'child'"):
        _ = m.child


def test_assigning_before_init_explains_the_fix() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(lucid.ones(1))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__"):
        Broken()


def test_register_methods_and_their_errors() -> None:
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(lucid.ones(2)))
    m.register_buffer("mean", lucid.zeros(2))
    m.register_buffer("tmp", lucid.zeros(2), persistent=False)
    m.add_module("sub", nn.Module())
    assert m.w.shape == (2,) and m.mean.shape == (2,) and isinstance(m.sub, nn.Module)
    assert [n for n, _ in m.named_buffers()] == ["mean", "tmp"]
    assert list(m.state_dict()) == ["w", "mean"]  # non-persistent buffers are not state
    # A buffer may be re-assigned with a plain Tensor and stays a buffer.
    m.mean = lucid.ones(2)
    assert np.array_equal(m.state_dict()["mean"].numpy(), [1.0, 1.0])

    with pytest.raises(KeyError, match=r"'a\.b'"):
        m.register_buffer("a.b", lucid.zeros(1))
    with pytest.raises(KeyError, match="non-empty"):
        m.add_module("", nn.Module())
    with pytest.raises(TypeError, match="string"):
        m.register_parameter(3, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a Parameter"):
        m.register_parameter("p", lucid.ones(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a Tensor"):
        m.register_buffer("b", np.zeros(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a Module"):
        m.add_module("s", lucid.ones(1))  # type: ignore[arg-type]
    # Names that would shadow an existing attribute are refused (PyTorch raises KeyError too).
    for register, value in [
        (m.register_buffer, lucid.zeros(1)),
        (m.register_parameter, nn.Parameter(lucid.zeros(1))),
        (m.add_module, nn.Module()),
    ]:
        with pytest.raises(KeyError, match=r"'training'.*already exists"):
            register("training", value)
    with pytest.raises(KeyError, match="'forward'"):
        m.add_module("forward", nn.Module())
    with pytest.raises(KeyError, match="'sub'"):
        m.register_buffer("sub", lucid.zeros(1))
    assert m.training is True and isinstance(m.sub, nn.Module)


def test_walks_match_torch_names_and_order() -> None:
    ours, theirs = build_mirror(lucid, nn), build_mirror(torch, torch.nn)
    for walk in ["named_parameters", "named_buffers", "named_modules", "named_children"]:
        assert [n for n, _ in getattr(ours, walk)()] == [n for n, _ in getattr(theirs, walk)()], walk
    assert [n for n, _ in ours.named_modules(prefix="net")] == [n for n, _ in theirs.named_modules(prefix="net")]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == ["gamma"]
    assert [n for n, _ in ours.blocks.named_parameters(prefix="blocks")] == [
        n for n, _ in theirs.blocks.named_parameters(prefix="blocks")
    ]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.buffers())) == len(list(theirs.buffers()))


def test_repr_matches_torch() -> None:
    ours, theirs = build_mirror(lucid, nn), build_mirror(torch, torch.nn)
    assert repr(ours) == repr(theirs)
    assert repr(nn.Module()) == repr(torch.nn.Module()) == "Module()"


def test_shared_modules_and_parameters_follow_torch() -> None:
    def build(lib: ModuleType, nn_: ModuleType) -> Any:
        shared = nn_.Module()
        shared.w = nn_.Parameter(lib.ones(1))
        m = nn_.Module()
        m.a = shared
        m.own = nn_.Parameter(lib.ones(1))
        m.b = shared
        m.c = nn_.Module()
        m.c.tied = shared.w
        return m

    ours, theirs = build(lucid, nn), build(torch, torch.nn)
    assert [n for n, _ in ours.named_modules()] == ["", "a", "c"]
    for walk, kwargs in [
        ("named_modules", {}),
        ("named_modules", {"remove_duplicate": False}),
        ("named_parameters", {}),
        ("named_children", {}),
    ]:
        assert [n for n, _ in getattr(ours, walk)(**kwargs)] == [n for n, _ in getattr(theirs, walk)(**kwargs)]
    # The state dict keeps every path, so a checkpoint of tied weights loads either way.
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["own", "a.w", "b.w", "c.tied"]


def test_get_submodule() -> None:
    net = build_mirror(lucid, nn)
    assert net.get_submodule("blocks.second.proj.1").n == 4
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match=r"blocks\.second has no submodule 'nope'"):
        net.get_submodule("blocks.second.nope")


def test_apply_visits_in_torch_order() -> None:
    ours, theirs = build_mirror(lucid, nn), build_mirror(torch, torch.nn)
    ours_names = {id(m): n for n, m in ours.named_modules()}
    theirs_names = {id(m): n for n, m in theirs.named_modules()}
    seen_ours: list[str] = []
    seen_theirs: list[str] = []
    assert ours.apply(lambda m: seen_ours.append(ours_names[id(m)])) is ours
    theirs.apply(lambda m: seen_theirs.append(theirs_names[id(m)]))
    assert seen_ours == seen_theirs
    assert seen_ours[-1] == ""  # the root last


def test_train_eval_reach_every_module() -> None:
    net = build_mirror(lucid, nn)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.blocks.train()
    assert [n for n, m in net.named_modules() if m.training] == [n for n, _ in net.named_modules() if "blocks" in n]
    net.train(False)
    assert not any(m.training for m in net.modules())
    with pytest.raises(TypeError, match="bool"):
        net.train("yes")  # type: ignore[arg-type]


def test_train_honours_overrides_in_submodules_as_torch() -> None:
    def build(nn_: ModuleType) -> Any:
        class Frozen(nn_.Module):
            # A common pattern: a pretrained part that stays in eval mode whatever the parent does.
            def __init__(self) -> None:
                super().__init__()
                self.inner = nn_.Sequential(nn_.Module())

            def train(self, mode: bool = True) -> Any:
                super().train(False)
                return self

        return nn_.Sequential(nn_.Module(), nn_.Sequential(Frozen()), nn_.Module())

    ours, theirs = build(nn), build(torch.nn)
    for model in (ours, theirs):
        model.eval()
        model.train()
    assert [(n, m.training) for n, m in ours.named_modules()] == [(n, m.training) for n, m in theirs.named_modules()]
    assert not ours[1][0].inner[0].training and ours[1].training


def test_zero_grad() -> None:
    m = nn.Module()
    m.w = nn.Parameter(lucid.ones(3))
    m.sub = nn.Module()
    m.sub.v = nn.Parameter(lucid.ones(2))
    (m.w.sum() * 2.0 + m.sub.v.sum()).backward()
    assert np.array_equal(m.w.grad, [2.0, 2.0, 2.0])
    m.zero_grad(set_to_none=False)
    assert np.array_equal(m.w.grad, [0.0, 0.0, 0.0]) and m.w.grad.dtype == np.float32
    m.zero_grad()
    assert m.w.grad is None and m.sub.v.grad is None


def test_deepcopy_gives_independent_parameters() -> None:
    net = build_mirror(lucid, nn)
    clone = copy.deepcopy(net)
    assert list(clone.state_dict()) == list(net.state_dict())
    assert isinstance(clone.gamma, nn.Parameter) and clone.gamma.requires_grad
    clone.gamma.data[...] = 5.0
    assert float(net.gamma.data[0]) == 0.0
    assert repr(clone) == repr(net)


class _Link(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(lucid.ones(1))


def test_pickle_round_trip_keeps_tables() -> None:
    model = nn.Sequential(_Link(), _Link())
    model[1].register_buffer("tmp", lucid.ones(2), persistent=False)
    restored = pickle.loads(pickle.dumps(model))
    assert [n for n, _ in restored.named_parameters()] == ["0.w", "1.w"]
    assert [n for n, _ in restored.named_buffers()] == ["1.tmp"]
    assert "1.tmp" not in restored.state_dict()  # non-persistence survives pickling
    assert isinstance(restored[0].w, nn.Parameter) and restored[0].w.requires_grad


def test_deep_nesting_has_no_recursion_limit() -> None:
    depth = 5000
    root = _Link()
    node = root
    for _ in range(depth):
        node.inner = _Link()
        node = node.inner

    names = [n for n, _ in root.named_modules()]
    assert len(names) == depth + 1
    assert names[2] == "inner.inner"
    state = root.state_dict()
    assert len(state) == depth + 1
    assert list(state)[-1] == "inner." * depth + "w"

    text = repr(root)
    lines = text.split("\n")
    assert len(lines) == 2 * depth + 1
    assert lines[0] == "_Link(" and lines[-1] == ")"
    assert lines[depth] == "  " * depth + "(inner): _Link()"

    order: list[Any] = []
    root.apply(order.append)
    assert order[-1] is root and order[0] is node

    root.eval()
    assert not node.training
    root.load_state_dict({k: np.full(1, 3.0) for k in state})
    assert float(node.w.data[0]) == 3.0
