"""state_dict / load_state_dict: keys as PyTorch, round trips, and all-or-nothing failures."""

from __future__ import annotations

from collections import OrderedDict
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn

torch = pytest.importorskip("torch")


def build(lib: ModuleType, nn_: ModuleType) -> Any:
    """A small model with parameters, persistent and non-persistent buffers, containers and a None slot."""

    class Norm(nn_.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.weight = nn_.Parameter(lib.ones(n))
            self.bias = nn_.Parameter(lib.zeros(n))
            self.register_buffer("running_mean", lib.zeros(n))
            self.register_buffer("num_batches_tracked", lib.zeros((), dtype=lib.int64))
            self.register_buffer("cache", lib.zeros(n), persistent=False)

    class Proj(nn_.Module):
        def __init__(self, n_in: int, n_out: int) -> None:
            super().__init__()
            self.weight = nn_.Parameter(lib.ones(n_out, n_in))
            self.register_parameter("bias", None)

    class Net(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pos = nn_.Parameter(lib.zeros(1, 3))
            self.stem = nn_.Sequential(OrderedDict(proj=Proj(2, 3), norm=Norm(3)))
            self.blocks = nn_.ModuleList([Proj(3, 3), Norm(3)])
            self.head = nn_.ModuleDict({"fc": Proj(3, 2)})

    return Net()


def randomize(model: nn.Module, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _, value in [*model.named_parameters(), *model.named_buffers()]:
        value.data[...] = rng.integers(-50, 50, size=value.shape).astype(value.dtype) / 7


def snapshot(model: nn.Module) -> dict[str, tuple[Any, bytes, str]]:
    """Identity, bytes and dtype of every parameter and buffer (persistent or not)."""
    return {
        name: (value._data, value._data.tobytes(), str(value.dtype))
        for name, value in [*model.named_parameters(), *model.named_buffers()]
    }


def assert_unchanged(model: nn.Module, before: dict[str, tuple[Any, bytes, str]]) -> None:
    after = snapshot(model)
    assert list(after) == list(before)
    for name, (array, data, dtype) in before.items():
        assert after[name][0] is array, f"{name}: array object replaced"
        assert after[name][1] == data and after[name][2] == dtype, f"{name}: values changed"


def test_keys_match_torch() -> None:
    ours, theirs = build(lucid, nn), build(torch, torch.nn)
    keys = list(ours.state_dict())
    assert keys == list(theirs.state_dict())
    assert keys[:3] == ["pos", "stem.proj.weight", "stem.norm.weight"]
    assert "stem.norm.cache" not in keys and "stem.proj.bias" not in keys
    assert list(ours.stem.state_dict(prefix="stem.")) == [k for k in keys if k.startswith("stem.")]


def test_values_share_memory_and_are_detached() -> None:
    model = build(lucid, nn)
    state = model.state_dict()
    assert not state["pos"].requires_grad and isinstance(state["pos"], lucid.Tensor)
    assert np.shares_memory(state["pos"].numpy(), model.pos.numpy())
    model.pos.data[...] = 4.0  # an in-place update is visible in a state dict taken earlier (as PyTorch)
    assert float(state["pos"].numpy()[0, 0]) == 4.0


def test_round_trip_between_models() -> None:
    source, target = build(lucid, nn), build(lucid, nn)
    randomize(source, 1)
    weight = target.stem.proj.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items(), strict=True):
        assert np.array_equal(a.numpy(), b.numpy()), name
    # Loaded in place: the Parameter objects an optimizer holds stay the same and keep their dtypes.
    assert target.stem.proj.weight is weight and weight.dtype == np.float32
    assert target.stem.norm.num_batches_tracked.dtype == np.int64
    assert weight._version > 0  # in-place write is recorded, so stale autograd graphs can be detected


def test_loads_a_torch_checkpoint_as_numpy() -> None:
    ours, theirs = build(lucid, nn), build(torch, torch.nn)
    with torch.no_grad():
        for i, value in enumerate(theirs.state_dict().values()):
            value.copy_(torch.arange(value.numel()).reshape(value.shape) + i)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for key, value in theirs.state_dict().items():
        assert np.array_equal(ours.state_dict()[key].numpy(), value.numpy()), key


def test_strict_failure_names_every_problem_and_changes_nothing() -> None:
    model = build(lucid, nn)
    randomize(model, 2)
    before = snapshot(model)
    good = build(lucid, nn)
    randomize(good, 3)
    state: dict[str, Any] = dict(good.state_dict())
    del state["stem.norm.running_mean"]
    del state["head.fc.weight"]
    state["stem.norm.extra"] = lucid.zeros(3)
    state["tail.weight"] = np.zeros(2)
    state["blocks.0.weight"] = np.zeros((3, 4), dtype=np.float32)
    state["pos"] = np.zeros((3,), dtype=np.float32)

    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    for fragment in [
        "Net",
        "nothing was changed",
        "missing keys: stem.norm.running_mean, head.fc.weight",
        "unexpected keys: stem.norm.extra, tail.weight",
        "pos: checkpoint shape (3,), model shape (1, 3)",
        "blocks.0.weight: checkpoint shape (3, 4), model shape (3, 3)",
    ]:
        assert fragment in message, fragment
    # Everything that did fit (e.g. stem.proj.weight) was not written either.
    assert_unchanged(model, before)


def test_non_strict_reports_keys_but_still_refuses_shape_mismatches() -> None:
    model = build(lucid, nn)
    source = build(lucid, nn)
    randomize(source, 4)
    state: dict[str, Any] = dict(source.state_dict())
    del state["pos"]
    state["unknown"] = np.ones(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["pos"] and result.unexpected_keys == ["unknown"]
    assert np.array_equal(model.stem.proj.weight.numpy(), source.stem.proj.weight.numpy())
    assert np.array_equal(model.pos.numpy(), np.zeros((1, 3)))

    before = snapshot(model)
    state["stem.norm.weight"] = np.ones(5)
    state["stem.proj.weight"] = np.full((3, 2), 9.0)
    with pytest.raises(ValueError, match=r"stem\.norm\.weight: checkpoint shape \(5,\), model shape \(3,\)"):
        model.load_state_dict(state, strict=False)
    assert_unchanged(model, before)


def test_unconvertible_value_fails_before_anything_is_written() -> None:
    model = build(lucid, nn)
    before = snapshot(model)
    state: dict[str, Any] = dict(build(lucid, nn).state_dict())
    state["pos"] = np.full((1, 3), 2.0)  # would be written first if writing started early
    state["head.fc.weight"] = np.array([["a", "b", "c"], ["d", "e", "f"]])
    with pytest.raises(ValueError, match=r"head\.fc\.weight: cannot convert ndarray to float32"):
        model.load_state_dict(state)
    assert_unchanged(model, before)
    with pytest.raises(TypeError, match="needs a mapping"):
        model.load_state_dict([("pos", np.zeros((1, 3)))])  # type: ignore[arg-type]


def test_tied_modules_appear_under_every_path_as_torch() -> None:
    def tied(lib: ModuleType, nn_: ModuleType) -> Any:
        shared = nn_.Module()
        shared.weight = nn_.Parameter(lib.ones(2))
        m = nn_.Module()
        m.encoder = shared
        m.decoder = shared
        return m

    ours, theirs = tied(lucid, nn), tied(torch, torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["encoder.weight", "decoder.weight"]
    ours.load_state_dict({"encoder.weight": np.full(2, 3.0), "decoder.weight": np.full(2, 3.0)})
    assert np.array_equal(ours.encoder.weight.numpy(), [3.0, 3.0])
