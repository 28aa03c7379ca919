"""Forward values and gradients of every core op match PyTorch's in float32 (to 1e-5).

Each case runs the same float32 inputs through lucid and torch, compares the outputs, then
back-propagates the same random weights through both and compares every input's gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.autograd.function import Function

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = pytest.mark.torch

_rng = np.random.default_rng(7)


def normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape).astype(np.float32)


def positive(*shape: int) -> np.ndarray:
    return _rng.uniform(0.5, 2.0, shape).astype(np.float32)


def away_from_zero(*shape: int) -> np.ndarray:
    return (_rng.choice([-1.0, 1.0], shape) * _rng.uniform(0.3, 1.5, shape)).astype(np.float32)


def distinct(*shape: int) -> np.ndarray:
    count = int(np.prod(shape))
    return (_rng.permutation(count) * 0.37 - 2.0).reshape(shape).astype(np.float32)


@dataclass
class Parity:
    op: str  # the Function class this case exercises
    label: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any]
    inputs: Sequence[np.ndarray]


_idxs = np.array([2, 0, 2, 1])
_mask = np.array([[True, False, True], [False, True, True]])
_cond = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
_tie_a = np.array([1.0, 2.0, -1.0, 0.5], dtype=np.float32)
_tie_b = np.array([1.0, 3.0, -1.0, 0.25], dtype=np.float32)
_clip_in = np.array([[-2.1, -0.7, 0.2], [0.9, 1.8, -1.4]], dtype=np.float32)

CASES: list[Parity] = [
    Parity("Add", "a + b broadcast", lambda a, b: a + b, lambda a, b: a + b, [normal(2, 3, 4), normal(3, 1)]),
    Parity("Add", "2 + a", lambda a: 2 + a, lambda a: 2 + a, [normal(3)]),
    Parity("Sub", "a - b broadcast", lambda a, b: a - b, lambda a, b: a - b, [normal(3, 1), normal(4)]),
    Parity("Sub", "1.5 - a", lambda a: 1.5 - a, lambda a: 1.5 - a, [normal(3)]),
    Parity("Mul", "a * b broadcast", lambda a, b: a * b, lambda a, b: a * b, [normal(2, 1, 3), normal(4, 3)]),
    Parity("Div", "a / b broadcast", lambda a, b: a / b, lambda a, b: a / b, [normal(3, 4), away_from_zero(4)]),
    Parity("Div", "2 / b", lambda b: 2 / b, lambda b: 2 / b, [away_from_zero(5)]),
    Parity("Pow", "a ** b", lambda a, b: a**b, lambda a, b: a**b, [positive(3, 1), normal(4)]),
    Parity("Pow", "a ** 3", lambda a: a**3, lambda a: a**3, [normal(5)]),
    Parity("Pow", "2 ** a", lambda a: 2**a, lambda a: 2**a, [normal(5)]),
    Parity("Neg", "-a", lambda a: -a, lambda a: -a, [normal(2, 3)]),
    Parity("Exp", "exp", lucid.exp, torch.exp, [normal(2, 3)]),
    Parity("Log", "log", lucid.log, torch.log, [positive(2, 3)]),
    Parity("Sqrt", "sqrt", lucid.sqrt, torch.sqrt, [positive(2, 3)]),
    Parity("Abs", "abs", lucid.abs, torch.abs, [away_from_zero(2, 3)]),
    Parity("Tanh", "tanh", lucid.tanh, torch.tanh, [normal(2, 3)]),
    Parity("Sigmoid", "sigmoid", lucid.sigmoid, torch.sigmoid, [normal(2, 3) * 4]),
    Parity("Erf", "erf", lucid.erf, torch.erf, [normal(3, 4) * 2]),
    Parity("Relu", "relu", lucid.relu, torch.relu, [away_from_zero(2, 3)]),
    Parity("Clip", "clip", lambda a: a.clip(-1.0, 1.0), lambda a: a.clamp(-1.0, 1.0), [_clip_in]),
    Parity("Clip", "clip min", lambda a: a.clip(min=0.0), lambda a: a.clamp(min=0.0), [_clip_in]),
    Parity("Maximum", "maximum with ties", lucid.maximum, torch.maximum, [_tie_a, _tie_b]),
    Parity("Minimum", "minimum with ties", lucid.minimum, torch.minimum, [_tie_a, _tie_b]),
    Parity(
        "Where",
        "where broadcast",
        lambda a, b: lucid.where(lucid.tensor(_cond), a, b),
        lambda a, b: torch.where(torch.from_numpy(_cond), a, b),
        [normal(3, 4), normal(4)],
    ),
    Parity("Cast", "astype float64", lambda a: a.astype(lucid.float64), lambda a: a.to(torch.float64), [normal(3)]),
    Parity("Sum", "sum", lambda a: a.sum(), lambda a: a.sum(), [normal(3, 4)]),
    Parity(
        "Sum",
        "sum axis tuple keepdims",
        lambda a: a.sum(axis=(0, 2), keepdims=True),
        lambda a: a.sum(dim=(0, 2), keepdim=True),
        [normal(2, 3, 4)],
    ),
    Parity("Sum", "mean axis -1", lambda a: a.mean(axis=-1), lambda a: a.mean(dim=-1), [normal(2, 3, 4)]),
    Parity("Sum", "var", lambda a: a.var(axis=1), lambda a: a.var(dim=1), [normal(3, 5)]),
    Parity(
        "Sum",
        "std correction 0",
        lambda a: a.std(axis=0, keepdims=True, correction=0),
        lambda a: a.std(dim=0, keepdim=True, correction=0),
        [normal(4, 3)],
    ),
    Parity("Max", "max all", lambda a: a.max(), lambda a: a.amax(), [distinct(3, 4)]),
    Parity("Max", "max axis", lambda a: a.max(axis=1), lambda a: a.amax(dim=1), [distinct(2, 3, 4)]),
    Parity(
        "Max",
        "max ties",
        lambda a: a.max(axis=1),
        lambda a: a.amax(dim=1),
        [np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], dtype=np.float32)],
    ),
    Parity(
        "Max",
        "min axis tuple keepdims",
        lambda a: a.min(axis=(0, 2), keepdims=True),
        lambda a: a.amin(dim=(0, 2), keepdim=True),
        [distinct(2, 3, 4)],
    ),
    Parity("Reshape", "reshape -1", lambda a: a.reshape(3, -1), lambda a: a.reshape(3, -1), [normal(2, 3, 2)]),
    Parity("Reshape", "flatten(1, 2)", lambda a: a.flatten(1, 2), lambda a: a.flatten(1, 2), [normal(2, 3, 2, 2)]),
    Parity("Reshape", "squeeze(1)", lambda a: a.squeeze(1), lambda a: a.squeeze(1), [normal(3, 1, 2)]),
    Parity("Reshape", "unsqueeze(-1)", lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), [normal(3, 2)]),
    Parity(
        "Transpose",
        "transpose perm",
        lambda a: a.transpose(2, 0, 1),
        lambda a: a.permute(2, 0, 1),
        [normal(2, 3, 4)],
    ),
    Parity("Transpose", ".T", lambda a: a.T, lambda a: a.T, [normal(3, 4)]),
    Parity("Transpose", ".mT", lambda a: a.mT, lambda a: a.mT, [normal(2, 3, 4)]),
    Parity(
        "Transpose",
        "swapaxes",
        lambda a: a.swapaxes(0, 2),
        lambda a: a.swapaxes(0, 2),
        [normal(2, 3, 4)],
    ),
    Parity(
        "BroadcastTo",
        "broadcast_to",
        lambda a: a.broadcast_to(2, 3, 4),
        lambda a: a.broadcast_to((2, 3, 4)),
        [normal(3, 1)],
    ),
    Parity("GetItem", "slices None ...", lambda a: a[None, ..., 1:3], lambda a: a[None, ..., 1:3], [normal(2, 4)]),
    Parity("GetItem", "int and step", lambda a: a[1, ::2], lambda a: a[1, ::2], [normal(3, 5)]),
    Parity(
        "GetItem",
        "biases[:, idxs]",
        lambda a: a[:, lucid.tensor(_idxs)],
        lambda a: a[:, torch.from_numpy(_idxs)],
        [normal(2, 3)],
    ),
    Parity("GetItem", "bool mask", lambda a: a[_mask], lambda a: a[torch.from_numpy(_mask)], [normal(2, 3)]),
    Parity(
        "GetItem",
        "split sizes",
        lambda a: a.split([1, 3, 2], axis=1),
        lambda a: a.split([1, 3, 2], dim=1),
        [normal(2, 6)],
    ),
    Parity("GetItem", "split size 2", lambda a: a.split(2), lambda a: a.split(2), [normal(5, 2)]),
    Parity("GetItem", "chunk 4 of 6", lambda a: a.chunk(4), lambda a: a.chunk(4), [normal(6, 2)]),
    Parity(
        "Pad",
        "pad",
        lambda a: a.pad(((0, 0), (1, 2), (2, 0)), value=0.5),
        lambda a: F.pad(a, (2, 0, 1, 2), value=0.5),
        [normal(2, 3, 2)],
    ),
    Parity(
        "Concatenate",
        "concatenate",
        lambda a, b: lucid.concatenate([a, b], axis=-1),
        lambda a, b: torch.cat([a, b], dim=-1),
        [normal(2, 1), normal(2, 3)],
    ),
    Parity(
        "Stack",
        "stack",
        lambda a, b: lucid.stack([a, b], axis=1),
        lambda a, b: torch.stack([a, b], dim=1),
        [normal(2, 3), normal(2, 3)],
    ),
    Parity(
        "Stack",
        "stack at the end",
        lambda a, b, c: lucid.stack([a, b, c], axis=-1),
        lambda a, b, c: torch.stack([a, b, c], dim=-1),
        [normal(2, 3), normal(2, 3), normal(2, 3)],
    ),
    Parity("MatMul", "matrix @ matrix", lambda a, b: a @ b, lambda a, b: a @ b, [normal(3, 4), normal(4, 2)]),
    Parity("MatMul", "vector @ vector", lambda a, b: a @ b, lambda a, b: a @ b, [normal(4), normal(4)]),
    Parity("MatMul", "vector @ batch", lambda a, b: a @ b, lambda a, b: a @ b, [normal(4), normal(2, 4, 3)]),
    Parity("MatMul", "batch @ vector", lambda a, b: a @ b, lambda a, b: a @ b, [normal(2, 3, 4), normal(4)]),
    Parity(
        "MatMul",
        "broadcast batches",
        lambda a, b: a @ b,
        lambda a, b: a @ b,
        [normal(2, 1, 3, 4), normal(5, 4, 2)],
    ),
]


def _as_list(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.op}: {c.label}")
def test_forward_and_gradients_match_pytorch(case: Parity) -> None:
    ours_in = [lucid.tensor(a, requires_grad=a.dtype.kind == "f") for a in case.inputs]
    theirs_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in case.inputs]
    ours = _as_list(case.ours(*ours_in))
    theirs = _as_list(case.theirs(*theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert o.shape == tuple(t.shape)
        assert o.dtype == t.detach().numpy().dtype
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-5)

    weights = [_rng.standard_normal(o.shape).astype(o.dtype) for o in ours]
    loss_ours = lucid.stack([(o * lucid.tensor(w, dtype=o.dtype)).sum() for o, w in zip(ours, weights, strict=True)])
    loss_theirs = torch.stack([(t * torch.from_numpy(w)).sum() for t, w in zip(theirs, weights, strict=True)])
    loss_ours.sum().backward()
    loss_theirs.sum().backward()
    for i, (o, t) in enumerate(zip(ours_in, theirs_in, strict=True)):
        if not o.requires_grad:
            continue
        assert o.grad is not None, f"input {i} got no gradient"
        assert o.grad.dtype == np.float32
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=f"gradient of input {i}")


def test_parity_cases_cover_every_core_op() -> None:
    core_modules = {f"lucid.autograd.ops.{name}" for name in ("elementwise", "reduce", "shape", "matmul")}
    core_ops = {name for name, cls in Function.registry.items() if cls.__module__ in core_modules}
    missing = sorted(core_ops - {case.op for case in CASES})
    assert not missing, f"core ops without a PyTorch parity case: {missing}"


def test_argmax_matches_pytorch() -> None:
    data = distinct(3, 4)
    x, t = lucid.tensor(data), torch.from_numpy(data)
    assert x.argmax().item() == t.argmax().item()
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), t.argmax(dim=1).numpy())
    np.testing.assert_array_equal(x.argmax(axis=0, keepdims=True).numpy(), t.argmax(dim=0, keepdim=True).numpy())


def test_mixed_int_and_float_operands_promote_like_pytorch() -> None:
    ints = np.array([1, 2, 3])
    for ours, theirs in (
        (lucid.tensor(ints) * 0.5, torch.tensor(ints) * 0.5),
        (0.5 * lucid.tensor(ints), 0.5 * torch.tensor(ints)),
        (lucid.tensor(ints) + 1, torch.tensor(ints) + 1),
        (lucid.tensor(ints) / 2.0, torch.tensor(ints) / 2.0),
        (lucid.tensor(ints) / 2, torch.tensor(ints) / 2),
        (3 / lucid.tensor(ints), 3 / torch.tensor(ints)),
        (lucid.tensor(ints) ** 2, torch.tensor(ints) ** 2),
        (lucid.ones(3) * lucid.tensor(ints), torch.ones(3) * torch.tensor(ints)),
        (lucid.tensor(ints) - lucid.ones(3, dtype=lucid.float64), torch.tensor(ints) - torch.ones(3).double()),
        (lucid.maximum(lucid.tensor(ints), lucid.ones(3)), torch.maximum(torch.tensor(ints), torch.ones(3))),
        (lucid.ones(3) + lucid.tensor(2), torch.ones(3) + torch.tensor(2)),
    ):
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
