"""Sequential, ModuleList, ModuleDict: construction, indexing, mutation, and names as in PyTorch."""

from __future__ import annotations

from collections import OrderedDict
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn

torch = pytest.importorskip("torch")


def leaf_class(lib: ModuleType, nn_: ModuleType) -> type:
    class Affine(nn_.Module):
        def __init__(self, scale: float, shift: float) -> None:
            super().__init__()
            self.scale = nn_.Parameter(lib.full((1,), scale))
            self.shift = nn_.Parameter(lib.full((1,), shift))

        def extra_repr(self) -> str:
            return f"scale={self.scale[0].item()}, shift={self.shift[0].item()}"

        def forward(self, x: Any) -> Any:
            return x * self.scale + self.shift

    return Affine


Affine = leaf_class(lucid, nn)
TorchAffine = leaf_class(torch, torch.nn)


def _names(module: Any) -> list[str]:
    return [name for name, _ in module.named_parameters()]


def _value(t: Any) -> float:
    return float(np.asarray(t.detach() if hasattr(t, "detach") else t).reshape(-1)[0])


def test_sequential_from_modules_calls_in_order() -> None:
    seq = nn.Sequential(Affine(2.0, 0.0), Affine(1.0, 3.0))
    assert list(seq._modules) == ["0", "1"]
    assert _value(seq(lucid.ones(1))) == 5.0  # (1*2)+3, not (1+3)*2
    assert _names(seq) == _names(torch.nn.Sequential(TorchAffine(2.0, 0.0), TorchAffine(1.0, 3.0)))
    assert _value(nn.Sequential()(lucid.ones(1))) == 1.0  # empty: identity, as PyTorch


def test_sequential_from_ordered_dict() -> None:
    ours = nn.Sequential(OrderedDict(conv=Affine(1.0, 1.0), act=Affine(3.0, 0.0)))
    theirs = torch.nn.Sequential(OrderedDict(conv=TorchAffine(1.0, 1.0), act=TorchAffine(3.0, 0.0)))
    assert _names(ours) == _names(theirs) == ["conv.scale", "conv.shift", "act.scale", "act.shift"]
    assert ours.conv is ours[0] and ours.act is ours[-1]
    assert repr(ours) == repr(theirs)
    assert _value(ours(lucid.ones(1))) == 6.0


def test_sequential_indexing_slicing_len_append() -> None:
    parts = [Affine(float(i), 0.0) for i in range(4)]
    seq = nn.Sequential(*parts)
    theirs = torch.nn.Sequential(*[TorchAffine(float(i), 0.0) for i in range(4)])
    assert len(seq) == len(theirs) == 4
    assert seq[0] is parts[0] and seq[-1] is parts[3] and seq[-4] is parts[0]
    assert list(seq) == parts
    for bad in (4, -5):
        with pytest.raises(IndexError, match=f"index {bad} is out of range for a Sequential of length 4"):
            seq[bad]

    tail = seq[1:3]
    assert isinstance(tail, nn.Sequential) and list(tail) == parts[1:3]
    # Slices keep the original keys, as PyTorch's do (they are checkpoint names).
    assert list(tail._modules) == list(theirs[1:3]._modules) == ["1", "2"]
    assert list(seq[::-2]._modules) == list(theirs[::-2]._modules)

    extra = Affine(9.0, 0.0)
    assert seq.append(extra) is seq
    assert len(seq) == 5 and seq[4] is extra and "4.scale" in _names(seq)
    with pytest.raises(TypeError, match=r"Sequential\.append: expected a Module, got int"):
        seq.append(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Sequential argument 1: expected a Module"):
        nn.Sequential(Affine(1.0, 0.0), "relu")  # type: ignore[arg-type]


def test_sequential_setitem_and_delitem_follow_torch() -> None:
    ours = nn.Sequential(*[Affine(float(i), 0.0) for i in range(4)])
    theirs = torch.nn.Sequential(*[TorchAffine(float(i), 0.0) for i in range(4)])
    replacement = Affine(7.0, 0.0)
    ours[-1] = replacement
    theirs[-1] = TorchAffine(7.0, 0.0)
    assert ours[3] is replacement

    del ours[0]
    del theirs[0]
    del ours[1:2]
    del theirs[1:2]
    assert list(ours._modules) == list(theirs._modules) == ["0", "1"]
    # After a deletion the keys are renumbered, so append cannot overwrite a surviving module.
    ours.append(Affine(8.0, 0.0))
    theirs.append(TorchAffine(8.0, 0.0))
    assert [_value(m.scale) for m in ours] == [_value(m.scale) for m in theirs] == [1.0, 7.0, 8.0]
    assert _names(ours) == _names(theirs)


def test_module_list() -> None:
    items = [Affine(float(i), 0.0) for i in range(3)]
    ml = nn.ModuleList(items)
    theirs = torch.nn.ModuleList([TorchAffine(float(i), 0.0) for i in range(3)])
    assert len(ml) == 3 and list(ml) == items and ml[-1] is items[2]
    assert _names(ml) == _names(theirs)
    with pytest.raises(IndexError, match="index 3 is out of range for a ModuleList of length 3"):
        ml[3]

    # Slices are renumbered ModuleLists (as PyTorch).
    part = ml[1:]
    assert isinstance(part, nn.ModuleList) and list(part) == items[1:] and list(part._modules) == ["0", "1"]

    first, extra = Affine(-1.0, 0.0), Affine(5.0, 0.0)
    ml.insert(0, first)
    theirs.insert(0, TorchAffine(-1.0, 0.0))
    assert ml.append(extra) is ml and ml.extend([Affine(6.0, 0.0)]) is ml
    theirs.append(TorchAffine(5.0, 0.0)).extend([TorchAffine(6.0, 0.0)])
    del ml[1]
    del theirs[1]
    assert [_value(m.scale) for m in ml] == [_value(m.scale) for m in theirs] == [-1.0, 1.0, 2.0, 5.0, 6.0]
    assert _names(ml) == _names(theirs)
    ml[0] = Affine(4.0, 0.0)
    assert _value(ml[0].scale) == 4.0
    with pytest.raises(TypeError, match=r"ModuleList\[0\]: expected a Module"):
        ml[0] = None  # type: ignore[assignment]
    with pytest.raises(NotImplementedError, match="forward"):
        ml(lucid.ones(1))


def test_module_dict() -> None:
    a, b = Affine(1.0, 0.0), Affine(2.0, 0.0)
    md = nn.ModuleDict({"b": b, "a": a})
    theirs = torch.nn.ModuleDict({"b": TorchAffine(1.0, 0.0), "a": TorchAffine(2.0, 0.0)})
    assert md.keys() == list(theirs.keys()) == ["b", "a"]  # insertion order, not sorted
    assert md["a"] is a and md.b is b and "a" in md and "c" not in md
    assert len(md) == 2 and list(md) == ["b", "a"]
    assert md.values() == [b, a] and md.items() == [("b", b), ("a", a)]
    assert _names(md) == _names(theirs)
    with pytest.raises(KeyError, match=r"ModuleDict has no key 'c'; keys: \['b', 'a'\]"):
        md["c"]

    c = Affine(3.0, 0.0)
    md["b"] = c  # replacing keeps the position
    md.update({"z": Affine(4.0, 0.0)})
    theirs["b"] = TorchAffine(3.0, 0.0)
    theirs.update({"z": TorchAffine(4.0, 0.0)})
    assert md.keys() == list(theirs.keys()) == ["b", "a", "z"] and md["b"] is c
    del md["a"]
    assert md.keys() == ["b", "z"]
    with pytest.raises(TypeError, match=r"ModuleDict\['x'\]: expected a Module, got float"):
        md["x"] = 1.0  # type: ignore[assignment]
    with pytest.raises(KeyError, match=r"contain no '\.'"):
        md["a.b"] = Affine(1.0, 0.0)

    # Keys are data: a key named like a method is stored and reachable by indexing, and the method still works.
    md["update"] = Affine(5.0, 0.0)
    assert _value(md["update"].scale) == 5.0 and callable(md.update)


def test_containers_nest_with_qualified_names_and_repr() -> None:
    def build(lib: ModuleType, nn_: ModuleType, leaf: type) -> Any:
        return nn_.Sequential(
            OrderedDict(
                stem=leaf(1.0, 0.0),
                stages=nn_.ModuleList([nn_.Sequential(leaf(2.0, 0.0), leaf(3.0, 0.0)), leaf(4.0, 0.0)]),
                heads=nn_.ModuleDict({"cls": leaf(5.0, 0.0)}),
            )
        )

    ours, theirs = build(lucid, nn, Affine), build(torch, torch.nn, TorchAffine)
    assert _names(ours) == _names(theirs)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)


def test_module_list_repr_groups_identical_runs_as_torch() -> None:
    def build(nn_: ModuleType, leaf: type) -> Any:
        def block(scale: float) -> Any:
            return nn_.Sequential(leaf(scale, 0.0), leaf(1.0, 1.0))

        blocks = nn_.ModuleList([block(2.0), block(2.0), block(2.0), block(3.0), leaf(1.0, 0.0), leaf(1.0, 0.0)])
        return nn_.Sequential(nn_.ModuleList([blocks, nn_.ModuleList()]), leaf(5.0, 0.0))

    ours, theirs = build(nn, Affine), build(torch.nn, TorchAffine)
    assert repr(ours) == repr(theirs)
    assert "(0-2): 3 x Sequential(" in repr(ours) and "(4-5): 2 x Affine(" in repr(ours)
